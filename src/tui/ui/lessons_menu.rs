//! The `L` overlay: every lesson with its number, title, steps and progress (✓ finished,
//! ▸ in progress), what the selected one teaches, and the keys. A list taller than the
//! screen scrolls to keep the selection in view and says how many lessons are left out.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};
use unicode_width::UnicodeWidthStr;

use super::fit;
use super::theme::{self, Theme};
use crate::tui::app::App;

/// The menu's widest, and the most lines it gives the selected lesson's summary.
const WIDTH: u16 = 76;
const SUMMARY_LINES: usize = 3;
const KEYS: &str = " ↑↓ choose  Enter open  1–9 open that lesson  Esc close";

pub fn render(app: &App, selected: usize, theme: Theme, area: Rect, buf: &mut Buffer) {
    let n = app.lessons.len();
    if n == 0 {
        return;
    }
    let w = area.width.min(WIDTH);
    let inner = w.saturating_sub(2) as usize;
    let about = summary(app, selected, inner);
    // Above the list: where the menu opened, and why. Under it: a blank line, the
    // summary, the keys.
    let (start, why) = app.menu_start();
    let opened_on = format!(" › opened on lesson {}, {why}", start + 1);
    let below = about.len() + 2;
    let room = (area.height as usize).saturating_sub(3 + below);
    // A list that does not fit gives one of its rows to the "+N more ↓" line.
    let rows = if n <= room { n } else { room.saturating_sub(1).max(1) };
    let first = (selected + 1).saturating_sub(rows).min(n - rows);
    let mut lines = vec![Line::from(Span::styled(fit::words(&opened_on, inner), theme.dim()))];
    lines.extend((first..first + rows).map(|i| row(app, i, i == selected, theme, inner)));
    if rows < n {
        let above = (first > 0).then(|| format!("↑ {first} more"));
        let left_out: Vec<String> =
            above.into_iter().chain([fit::more(first + rows, n)]).filter(|s| !s.is_empty()).collect();
        lines.push(Line::from(Span::styled(format!(" {}", left_out.join("  ")), theme.dim())));
    }
    lines.push(Line::default());
    lines.extend(about.into_iter().map(Line::from));
    lines.push(Line::from(Span::styled(KEYS, theme.bold(theme::GOOD))));
    let h = (lines.len() as u16 + 2).min(area.height);
    let r = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    Clear.render(r, buf);
    let title = format!(" lessons (done: {}) ", app.progress.summary(&app.lessons));
    Paragraph::new(lines).block(Block::bordered().title(fit::words(&title, inner))).render(r, buf);
}

/// One lesson: its mark, number, title (cut at a word if need be) and steps, right-aligned.
fn row(app: &App, i: usize, selected: bool, theme: Theme, width: usize) -> Line<'static> {
    let lesson = &app.lessons[i];
    let steps = lesson.steps.len();
    let (mark, count, style) = match app.lesson_progress(i) {
        (_, true) => ("✓", format!("{steps} steps"), theme.bold(theme::GOOD)),
        (0, false) => (" ", format!("{steps} steps"), theme.dim()),
        (done, false) => ("▸", format!("{done}/{steps} steps"), theme.bold(theme::RANDOM)),
    };
    let number = format!(" {:>2}. ", i + 1);
    let count = format!(" {count:>11} ");
    let room = width.saturating_sub(2 + number.width() + count.width());
    let title = fit::words(&lesson.title, room);
    let pad = " ".repeat(room - title.width());
    let line = Line::from(vec![
        // "›" marks the selection where reverse video does not show (a screen reader, a copy).
        Span::styled(format!("{}{mark}", if selected { "›" } else { " " }), style),
        Span::raw(number),
        Span::raw(title + &pad),
        Span::styled(count, if mark == " " { theme.dim() } else { style }),
    ]);
    if selected { line.style(theme.selected()) } else { line }
}

/// What the selected lesson teaches, wrapped; what does not fit ends in "…".
fn summary(app: &App, selected: usize, width: usize) -> Vec<String> {
    let Some(lesson) = app.lessons.get(selected) else { return Vec::new() };
    let width = width.saturating_sub(2);
    let mut lines = fit::wrap(&lesson.summary, width);
    if lines.len() > SUMMARY_LINES {
        let rest = lines[SUMMARY_LINES - 1..].join(" ");
        lines.truncate(SUMMARY_LINES - 1);
        lines.push(fit::words(&rest, width));
    }
    lines.into_iter().map(|l| format!(" {l}")).collect()
}
