//! The `?` overlay: every key.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use super::theme::{GOOD, Theme};
use crate::tui::action::KEY_HELP;

pub fn render(theme: Theme, area: Rect, buf: &mut Buffer) {
    let w = area.width.min(76);
    let h = (KEY_HELP.len() as u16 + 2).min(area.height);
    let r = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    Clear.render(r, buf);
    let lines: Vec<Line> = KEY_HELP
        .iter()
        .map(|(k, what)| Line::from(vec![Span::styled(format!(" {k:<12}"), theme.bold(GOOD)), Span::raw(*what)]))
        .collect();
    Paragraph::new(lines).block(Block::bordered().title(" keys (any key closes) ")).render(r, buf);
}
