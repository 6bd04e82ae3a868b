//! Colours with meaning, from the 16 ANSI colours only (so a 16-colour terminal shows
//! them), and none at all under NO_COLOR, where modifiers carry the emphasis.

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
}

impl Theme {
    pub fn fg(self, c: Color) -> Style {
        if self.color { Style::new().fg(c) } else { Style::new() }
    }

    pub fn bold(self, c: Color) -> Style {
        self.fg(c).add_modifier(Modifier::BOLD)
    }

    /// The token under the cursor, or the selected tab.
    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn dim(self) -> Style {
        if self.color { Style::new().fg(Color::DarkGray) } else { Style::new().add_modifier(Modifier::DIM) }
    }

    pub fn segment(self, s: u32) -> Style {
        self.fg(if s == 0 { SEGMENT_A } else { SEGMENT_B })
    }
}
