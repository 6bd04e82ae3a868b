//! Playing a demo script: its steps forwards and back.

use super::App;

/// A demo being played.
#[derive(Debug, Default)]
pub struct Player {}

impl App {
    pub(super) fn demo_next(&mut self) {}
    pub(super) fn demo_prev(&mut self) {}
    pub(super) fn toggle_notes(&mut self) {}

    /// The caption of the demo step on screen, if any: one or two lines.
    pub fn caption(&self) -> Option<&str> {
        None
    }
}
