//! The `?` overlay: every key that applies now (presenter mode and demos add and change a few).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use super::theme::{GOOD, Theme};
use crate::tui::action::key_help;
use crate::tui::app::App;

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let lines: Vec<Line> = key_help(app.present, app.demo.is_some())
        .map(|(k, what)| Line::from(vec![Span::styled(format!(" {k:<12}"), theme.bold(GOOD)), Span::raw(what)]))
        .collect();
    let w = area.width.min(76);
    let h = (lines.len() as u16 + 2).min(area.height);
    let r = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    Clear.render(r, buf);
    Paragraph::new(lines).block(Block::bordered().title(" keys (any key closes) ")).render(r, buf);
}
