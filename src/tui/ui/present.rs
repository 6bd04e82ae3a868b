//! Presenter mode (`bert-tutor --present`): a screen that reads from the back of a room.
//!
//! Top to bottom: the pair's losses and P(IsNext) in big digits (`scores`), the stage in its
//! frame (the same views as ever, in the high-contrast theme), the demo step's caption in a
//! band, the message or text field when there is one, and one line naming the stage. No tab
//! bar, side pane or key line: the big numbers replace the side pane, the bottom line names
//! the stage the tabs would, and the keys are the presenter's business (`?` still shows them).
//! Speaker notes (`N` in a demo) take a pane on the right; `b` blanks the screen.

pub mod scores;

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};
use unicode_width::UnicodeWidthStr;

use super::fit;
use super::theme::{self, Theme};
use crate::tui::app::{App, Stage};

/// Most lines a caption takes; a longer one ends in "…".
pub const CAPTION_LINES: usize = 2;

/// The presenter's screen of `app`, with the caption and speaker notes it shows (read from
/// the app by [`Presenter::of`]; set directly to draw a caption or notes without a demo).
#[derive(Clone, Copy)]
pub struct Presenter<'a> {
    pub app: &'a App,
    pub caption: Option<&'a str>,
    pub notes: Option<&'a str>,
}

impl<'a> Presenter<'a> {
    pub fn of(app: &'a App) -> Self {
        Self { app, caption: app.caption(), notes: app.notes() }
    }
}

impl Widget for Presenter<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let app = self.app;
        if area.width < super::MIN_WIDTH || area.height < super::MIN_HEIGHT {
            super::too_small(area, buf);
            return;
        }
        let theme = Theme::for_app(app);
        if app.blank {
            blank(app, area, buf);
            return;
        }
        let note = if app.editing.is_some() || app.message.is_some() {
            super::note_lines(app, theme, area.width)
        } else {
            Vec::new()
        };
        let caption = self.caption.map(|c| caption_lines(c, area.width)).unwrap_or_default();
        // The caption's band: from 30 rows on, a blank row above and below its lines; on a
        // shorter screen the stage needs those rows more.
        let pad = u16::from(area.height >= 30);
        let band = if caption.is_empty() { 0 } else { caption.len() as u16 + 2 * pad };
        let [top, body, caption_area, note_area, bottom] = Layout::vertical([
            Constraint::Length(scores::height(app, area)),
            Constraint::Fill(1),
            Constraint::Length(band),
            Constraint::Length(note.len() as u16),
            Constraint::Length(1),
        ])
        .areas(area);
        scores::render(app, theme, top, buf);
        let body = super::lesson_pane(app, theme, body, buf);
        let main = match self.notes {
            Some(text) => {
                let w = (area.width / 3).clamp(28, 44);
                let [main, pane] = Layout::horizontal([Constraint::Fill(1), Constraint::Length(w)]).areas(body);
                notes(text, theme, pane, buf);
                main
            }
            None => body,
        };
        let block = Block::bordered();
        let inner = block.inner(main);
        block.render(main, buf);
        super::stage(app, theme, inner, buf);
        let caption_area =
            Rect { y: caption_area.y + pad, height: caption_area.height.saturating_sub(pad), ..caption_area };
        Paragraph::new(caption).alignment(Alignment::Center).render(caption_area, buf);
        Paragraph::new(note).render(note_area, buf);
        bottom_line(app, theme, bottom.width).render(bottom, buf);
        super::overlays(app, theme, area, buf);
    }
}

/// The caption as it is drawn: bold, in the terminal's own text colour (the most contrast
/// on a dark or a light screen), wrapped to the width less a margin, at most
/// [`CAPTION_LINES`] lines. Plain text rather than big letters: at 4 columns a letter, big
/// text holds 30 characters at 120 columns and 20 at 80, too few for a sentence, and a
/// caption that changed size from step to step would move the stage about.
pub fn caption_lines(text: &str, width: u16) -> Vec<Line<'static>> {
    let room = (width as usize).saturating_sub(4).max(1);
    let mut rows: Vec<String> = text.lines().flat_map(|l| fit::wrap(l, room)).collect();
    if rows.len() > CAPTION_LINES {
        let rest = rows[CAPTION_LINES - 1..].join(" ");
        rows.truncate(CAPTION_LINES - 1);
        rows.push(fit::words(&rest, room));
    }
    let style = Style::new().add_modifier(Modifier::BOLD);
    rows.into_iter().map(|r| Line::styled(r, style)).collect()
}

/// The speaker notes: for the presenter, beside the stage, in plain text.
fn notes(text: &str, theme: Theme, area: Rect, buf: &mut Buffer) {
    let block = Block::bordered().title(Line::styled(" notes (N hides) ", theme.bold(theme::GOOD)));
    let inner = block.inner(area);
    block.render(area, buf);
    let width = inner.width as usize;
    let lines = text.lines().flat_map(|l| fit::wrap(l, width).into_iter().map(Line::from).chain([Line::default()]));
    fit::scrolled(lines.collect(), inner, buf, Some(fit::Scroll { offset: 0, room: None }), theme);
}

/// The one line of chrome: the stage by number and name on the left; on the right the demo
/// step (in a demo), the training step and state, and "? help".
fn bottom_line(app: &App, theme: Theme, width: u16) -> Line<'static> {
    let stage = format!(" {} / {} · {}", app.stage.index() + 1, Stage::ALL.len(), app.stage_title(app.stage));
    let t = &app.training;
    let state = match (t.crashed, t.running) {
        (true, _) => "✖ trainer stopped",
        (false, true) => "▶ training",
        (false, false) => "⏸ paused",
    };
    let demo = app.demo.as_ref().map(|p| {
        let training = p.progress(t.step).map(|(done, n)| format!(", training {done}/{n}")).unwrap_or_default();
        format!("demo {} / {}{training} · ", p.index + 1, p.demo.steps.len())
    });
    let mut right = vec![format!("{}step {} · {state}", demo.unwrap_or_default(), t.step), "? help ".into()];
    let room = (width as usize).saturating_sub(stage.width() + 1);
    while !right.is_empty() && right.join("   ").width() + 2 > room {
        right.pop();
    }
    let right = right.join("   ");
    let gap = room.saturating_sub(right.width());
    Line::from(vec![
        Span::styled(fit::words(&stage, (width as usize).saturating_sub(1)), theme.bold(theme::GOOD)),
        Span::raw(" ".repeat(gap)),
        Span::styled(right, theme.dim()),
    ])
}

/// The blank screen (`b`): nothing but, in the last row's corner, a hint for the presenter
/// in dark grey (the one place presenter mode uses it: the room should not read it), and an
/// error, should one arrive, since the key that brings the screen back clears messages.
fn blank(app: &App, area: Rect, buf: &mut Buffer) {
    let hint = "any key returns ";
    let style = if app.color { Style::new().fg(Color::DarkGray) } else { Style::new().add_modifier(Modifier::DIM) };
    let last = Rect { y: area.bottom().saturating_sub(1), height: 1, ..area };
    Line::styled(hint, style).alignment(Alignment::Right).render(last, buf);
    if let Some(m) = app.message.as_ref().filter(|m| m.error) {
        let theme = Theme::for_app(app);
        let text = fit::words(&format!(" ✗ {}", m.text), (area.width as usize).saturating_sub(hint.width() + 2));
        Line::styled(text, theme.bold(theme::BAD)).render(last, buf);
    }
}
