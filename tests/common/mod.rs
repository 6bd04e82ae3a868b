//! Helpers the TUI tests share: the bundled app, a key press routed as the event loop
//! routes it, and a frame drawn into ratatui's `TestBackend` and read back as text.
#![allow(dead_code)] // each test file uses its own part of these

pub mod batch;
pub mod temp;

use bert_tutor::tui::app::App;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The app on the bundled defaults, seeded, with no trainer thread.
pub fn app() -> App {
    let mut app = App::bundled(0).unwrap();
    app.color = true;
    app
}

/// A key press, through `from_key` and the mode the app is in, as the event loop does.
pub fn press(app: &mut App, code: KeyCode) {
    let key = KeyEvent::new(code, KeyModifiers::NONE);
    if let Some(a) = bert_tutor::tui::action::from_key(key, app.key_mode()) {
        app.update(a);
    }
}

pub fn draw(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| f.render_widget(app, f.area())).unwrap();
    t
}

/// The frame as text, one line per row.
pub fn screen(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    (0..buf.area.height)
        .map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The app drawn at `w`×`h`, as text.
pub fn shows(app: &App, w: u16, h: u16) -> String {
    screen(&draw(app, w, h))
}
