//! The demo pane under the stage (outside presenter mode): which step of which demo, the
//! step's caption, its training under way, and the speaker notes while `N` shows them.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use super::theme::{self, Theme};
use crate::tui::app::App;

/// Rows the pane needs at `width`, borders included; 0 outside a demo.
pub fn height(app: &App, theme: Theme, width: u16) -> u16 {
    if app.demo.is_none() {
        return 0;
    }
    let text = Paragraph::new(lines(app, theme)).wrap(Wrap { trim: false });
    (text.line_count(width.saturating_sub(2).max(1)) as u16).saturating_add(2)
}

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let Some(p) = &app.demo else { return };
    let title = format!(" Demo step {}/{}: {} ", p.index + 1, p.demo.steps.len(), p.demo.title);
    let title = super::fit::words(&title, area.width.saturating_sub(3) as usize);
    let block =
        Block::bordered().border_style(theme.fg(theme::MLM)).title(Line::from(title).style(theme.bold(theme::MLM)));
    Paragraph::new(lines(app, theme)).wrap(Wrap { trim: false }).block(block).render(area, buf);
}

/// The caption, then what the step's training is doing, then the notes if shown.
fn lines(app: &App, theme: Theme) -> Vec<Line<'static>> {
    let Some(p) = &app.demo else { return Vec::new() };
    let mut lines: Vec<Line> = app
        .caption()
        .unwrap_or_default()
        .lines()
        .map(|l| Line::styled(l.to_string(), theme.bold(theme::TOTAL)))
        .collect();
    let status = match p.progress(app.training.step) {
        Some((done, todo)) if app.training.running => format!("▶ training: {done} of {todo} steps"),
        Some((done, todo)) => format!("⏸ this step trains {todo} steps ({done} done): p runs them"),
        None if p.settled() && p.index + 1 == p.demo.steps.len() => "■ the last step: ← goes back, q quits".into(),
        None if p.settled() => "✓ ready: Space or → for the next step".into(),
        None => "… one moment".into(),
    };
    lines.push(Line::from(Span::styled(status, theme.fg(theme::GOOD))));
    if let Some(notes) = app.notes() {
        lines.push(Line::styled("Speaker notes (N hides them):", theme.bold(theme::NSP)));
        lines.extend(notes.lines().map(|l| Line::from(l.to_string())));
    }
    lines
}
