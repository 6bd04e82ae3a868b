//! `e`: the screen as files.

use super::App;

impl App {
    /// Writes the screen as it is now to [`App::export_dir`]; the message says where.
    pub(super) fn export_screen(&mut self) {
        self.info("export: not built yet");
    }
}
