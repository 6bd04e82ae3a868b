//! Colours with meaning, from the 16 ANSI colours only (so a 16-colour terminal shows
//! them), and none at all under NO_COLOR, where modifiers carry the emphasis. Presenter
//! mode uses a high-contrast variant for projectors: no dark grey or dim text, the dark
//! blue and magenta swapped for their light forms, the selection in bold.

use ratatui::style::{Color, Modifier, Style};

pub const SEGMENT_A: Color = Color::Cyan;
pub const SEGMENT_B: Color = Color::Yellow;
pub const MLM: Color = Color::LightBlue;
pub const NSP: Color = Color::LightMagenta;
pub const TOTAL: Color = Color::White;
pub const MASK: Color = Color::Red;
pub const RANDOM: Color = Color::Yellow;
pub const KEEP: Color = Color::Green;
pub const GOOD: Color = Color::Green;
pub const BAD: Color = Color::Red;
pub const POSITIVE: Color = Color::Red;
pub const NEGATIVE: Color = Color::Blue;

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
    /// Presenter mode's high contrast, for a projector (see [`Theme::fg`] and [`Theme::dim`]).
    pub contrast: bool,
}

impl Theme {
    /// The app's theme: colour unless NO_COLOR, high contrast in presenter mode.
    pub fn for_app(app: &crate::tui::app::App) -> Self {
        Self { color: app.color, contrast: app.present }
    }

    /// Text in colour `c`. In high contrast, the colours a projector washes out give way:
    /// dark grey to the terminal's own text colour, blue and magenta to their light forms
    /// (stage 8's held-out marks then share their curve's colour, told apart by ◆ ◇).
    pub fn fg(self, c: Color) -> Style {
        match (self.color, self.contrast, c) {
            (false, _, _) | (true, true, Color::DarkGray) => Style::new(),
            (true, true, Color::Blue) => Style::new().fg(Color::LightBlue),
            (true, true, Color::Magenta) => Style::new().fg(Color::LightMagenta),
            _ => Style::new().fg(c),
        }
    }

    pub fn bold(self, c: Color) -> Style {
        self.fg(c).add_modifier(Modifier::BOLD)
    }

    /// The token under the cursor, or the selected tab.
    pub fn selected(self) -> Style {
        let s = Style::new().add_modifier(Modifier::REVERSED);
        if self.contrast { s.add_modifier(Modifier::BOLD) } else { s }
    }

    /// Text that matters less: dark grey (or faint under NO_COLOR); plain text in high
    /// contrast, where grey would vanish on a projector.
    pub fn dim(self) -> Style {
        match (self.contrast, self.color) {
            (true, _) => Style::new(),
            (false, true) => Style::new().fg(Color::DarkGray),
            (false, false) => Style::new().add_modifier(Modifier::DIM),
        }
    }

    pub fn segment(self, s: u32) -> Style {
        self.fg(if s == 0 { SEGMENT_A } else { SEGMENT_B })
    }
}
