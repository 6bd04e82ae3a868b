//! The lesson pane under the stage: the step's text, what to do, the quiz, and feedback.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use super::theme::{self, Theme};
use crate::lesson::QuizKind;
use crate::tui::app::App;

/// Rows the pane needs at `width` (borders included, text wrapped as it will be drawn),
/// so the stage gives up only that.
pub fn height(app: &App, theme: Theme, width: u16) -> u16 {
    let text = Paragraph::new(lines(app, theme)).wrap(Wrap { trim: false });
    (text.line_count(width.saturating_sub(2).max(1)) as u16).saturating_add(2)
}

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let Some(run) = &app.lesson else { return };
    let title = format!(
        " Lesson {}/{}: {} · step {}/{} · {} ",
        run.number,
        app.lessons.len(),
        run.lesson.title,
        run.step + 1,
        run.lesson.steps.len(),
        app.progress.summary(&app.lessons)
    );
    let title = super::fit::words(&title, area.width.saturating_sub(3) as usize);
    let block =
        Block::bordered().border_style(theme.fg(theme::NSP)).title(Line::from(title).style(theme.bold(theme::NSP)));
    let overflow = height(app, theme, area.width).saturating_sub(area.height);
    let focused = app.focus == crate::tui::app::Focus::Detail;
    if focused {
        app.scroll_room.set(overflow as usize);
    }
    let scroll = if focused { (app.scroll as u16).min(overflow) } else { 0 };
    let block = if overflow > 0 { block.title_bottom(" more below: Tab, then ↓ ") } else { block };
    Paragraph::new(lines(app, theme)).wrap(Wrap { trim: false }).block(block).scroll((scroll, 0)).render(area, buf);
}

/// The pane's text: the step (its paragraphs and list items kept), the task, the quiz.
fn lines(app: &App, theme: Theme) -> Vec<Line<'static>> {
    let Some(run) = &app.lesson else { return Vec::new() };
    let step = run.current();
    let mut lines: Vec<Line> =
        step.text.lines().filter(|l| !l.trim().is_empty()).map(|l| Line::from(l.to_string())).collect();
    if let Some(task) = &step.task {
        let done = run.task_done(app.stage, app.training.heads, app.training.step);
        let say = task.say.clone().unwrap_or_else(|| task.kind.instruction());
        lines.push(Line::from(vec![
            Span::styled(
                if done { " ✓ done: " } else { " ▶ to do: " },
                theme.bold(if done { theme::GOOD } else { theme::RANDOM }),
            ),
            Span::raw(say),
        ]));
    }
    if let Some(quiz) = &step.quiz {
        lines.push(Line::from(vec![
            Span::styled(" ? ", theme.bold(theme::MLM)),
            Span::styled(quiz.question.clone(), theme.bold(theme::MLM)),
        ]));
        if let QuizKind::Choice { choices, .. } = &quiz.kind {
            lines.extend(choices.iter().enumerate().map(|(i, c)| Line::from(format!("     {}) {c}", i + 1))));
        }
        match &run.quiz.feedback {
            Some(f) => lines.push(Line::from(Span::styled(
                format!("   {f}"),
                theme.fg(if run.quiz.correct { theme::GOOD } else { theme::RANDOM }),
            ))),
            None => lines.push(Line::from(Span::styled("   press A to answer", theme.dim()))),
        }
    }
    let next = if run.is_last() { "] finish the lesson" } else { "] next step" };
    lines.push(Line::from(Span::styled(
        format!(" {next}  [ back{}  Esc hide  L lessons", if step.quiz.is_some() { "  A answer" } else { "" }),
        theme.dim().add_modifier(Modifier::ITALIC),
    )));
    lines
}
