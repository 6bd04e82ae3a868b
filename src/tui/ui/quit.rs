//! The quit question, over the screen: what quitting would lose, and the three answers.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use super::theme::{BAD, GOOD, Theme};
use crate::tui::app::App;

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let lines = vec![
        Line::from(Span::styled(format!(" {} steps of training are not saved.", app.unsaved_steps()), theme.bold(BAD))),
        Line::default(),
        Line::from(vec![Span::styled("  q ", theme.bold(GOOD)), Span::raw("quit without saving")]),
        Line::from(vec![
            Span::styled("  S ", theme.bold(GOOD)),
            Span::raw(format!("save to {}/, then quit", app.save_dir.display())),
        ]),
        Line::from(vec![Span::styled("  any other key ", theme.bold(GOOD)), Span::raw("stay")]),
    ];
    let w = area.width.min(60);
    let h = (lines.len() as u16 + 2).min(area.height);
    let r = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    Clear.render(r, buf);
    Paragraph::new(lines).block(Block::bordered().title(" quit? ")).render(r, buf);
}
