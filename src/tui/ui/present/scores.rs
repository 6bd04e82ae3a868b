//! Presenter mode's band of big numbers: the pair's MLM, sentence-head and total losses and
//! its P(IsNext), the same numbers stages 6 and 7 show (`app.view`, the model in use), in
//! the 8×8 font of `tui-big-text`, each under its label.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Color;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};
use tui_big_text::{BigText, PixelSize};

use crate::tui::app::App;
use crate::tui::ui::fit;
use crate::tui::ui::theme::{self, Theme};

/// One big number: what it is, its value and its colour.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub label: String,
    pub value: f32,
    pub color: Color,
}

/// The numbers of the band, left to right: MLM loss, the sentence head's loss (NSP or
/// SOP), the total (the weighted sum stage 7 shows) and P(label 0) (P(IsNext), or
/// P(InOrder) under SOP). Under task none no sentence head trains: MLM and the total only,
/// and [`no_sentence_head`] says why in the middle column.
pub fn scores(app: &App) -> Vec<Score> {
    let o = &app.view.outputs;
    let task = app.pair.task;
    let mlm = Score { label: "MLM loss".into(), value: o.mlm_loss, color: theme::MLM };
    let total = Score { label: format!("total: {}", app.loss_label()), value: o.total_loss, color: theme::TOTAL };
    if !task.trains_head() {
        return vec![mlm, total];
    }
    let head = Score { label: format!("{} loss", app.head_name()), value: o.nsp_loss, color: theme::NSP };
    let p = Score { label: format!("P({})", task.label_names()[0]), value: o.nsp_probs[[0, 0]], color: theme::NSP };
    vec![mlm, head, total, p]
}

/// What stands in the sentence head's column under task none.
fn no_sentence_head() -> &'static str {
    "no NSP: sentence task none (as RoBERTa) trains masked LM alone, so the total is the MLM loss"
}

/// How big a glyph is drawn: (pixel size, columns, rows) of one 8×8 character.
type Glyph = (PixelSize, u16, u16);
const FULL: Glyph = (PixelSize::Full, 8, 8);
const HALF_HEIGHT: Glyph = (PixelSize::HalfHeight, 8, 4);
const QUADRANT: Glyph = (PixelSize::Quadrant, 4, 4);

/// The biggest glyph at which every number keeps three decimals ("7.601") in its column;
/// quadrants (4×4 cells, two decimals at 80 columns, three at 120) otherwise. Only the
/// half- and quarter-cell block characters are used, which every monospace font has. Full
/// size needs a tall screen, so that the stage keeps its rows.
fn glyph(area: Rect, columns: u16) -> Glyph {
    let room = column_width(area, columns);
    let fits = |g: Glyph| room >= 5 * g.1 + 2;
    match () {
        _ if area.height >= 60 && fits(FULL) => FULL,
        _ if fits(HALF_HEIGHT) => HALF_HEIGHT,
        _ => QUADRANT,
    }
}

fn column_width(area: Rect, columns: u16) -> u16 {
    area.width / columns.max(1)
}

/// The band's height at `area`: a label row over the digits.
pub fn height(app: &App, area: Rect) -> u16 {
    1 + glyph(area, columns(app)).2
}

/// Columns in the band: one per score, and the note under task none.
fn columns(app: &App) -> u16 {
    if app.pair.task.trains_head() { 4 } else { 3 }
}

/// `values` as text of at most `glyphs` characters each, all with the same number of
/// decimals (3 at most, as the side pane, fewer when they would not fit), so that the
/// numbers line up and none is rounded more than another.
pub fn digits(values: &[f32], glyphs: usize) -> Vec<String> {
    let as_text = |d: usize| values.iter().map(|v| format!("{v:.d$}")).collect::<Vec<_>>();
    (0..=3).rev().map(as_text).find(|t| t.iter().all(|s| s.chars().count() <= glyphs)).unwrap_or_else(|| as_text(0))
}

/// The text the band draws big for `app`, left to right (the numbers of [`scores`]).
pub fn shown(app: &App, area: Rect) -> Vec<String> {
    let n = columns(app);
    let g = glyph(area, n);
    let values: Vec<f32> = scores(app).iter().map(|s| s.value).collect();
    digits(&values, (column_width(area, n).saturating_sub(2) / g.1) as usize)
}

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let n = columns(app);
    let g = glyph(area, n);
    let cols = Layout::horizontal((0..n).map(|_| Constraint::Fill(1))).split(area);
    let scores = scores(app);
    let text = shown(app, area);
    let mut slots = cols.iter();
    for (i, (score, digits)) in scores.iter().zip(text).enumerate() {
        if i == 1 && n == 3 {
            // Task none: the note takes the sentence head's column.
            let note = slots.next().copied().unwrap_or_default();
            let inner = Rect { x: note.x + 1, width: note.width.saturating_sub(2), ..note };
            Paragraph::new(no_sentence_head())
                .style(theme.bold(theme::NSP))
                .alignment(Alignment::Center)
                .wrap(Wrap { trim: true })
                .render(inner, buf);
        }
        let Some(&col) = slots.next() else { break };
        number(score, &digits, g, theme, col, buf);
    }
}

/// One column: the label centred on its first row, the digits centred below.
fn number(score: &Score, digits: &str, g: Glyph, theme: Theme, col: Rect, buf: &mut Buffer) {
    let style = theme.bold(score.color);
    let label = fit::words(&score.label, col.width.saturating_sub(2) as usize);
    Line::styled(label, style).alignment(Alignment::Center).render(Rect { height: 1, ..col }, buf);
    let big = Rect { y: col.y + 1, height: col.height.saturating_sub(1), ..col };
    BigText::builder()
        .pixel_size(g.0)
        .style(theme.fg(score.color))
        .lines(vec![Line::from(digits.to_string())])
        .centered()
        .build()
        .render(big, buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_keep_three_decimals_when_they_fit() {
        assert_eq!(digits(&[7.6012, 0.6952], 5), ["7.601", "0.695"]);
    }

    #[test]
    fn digits_lose_decimals_together() {
        assert_eq!(digits(&[7.6012, 0.6952], 4), ["7.60", "0.70"]);
        assert_eq!(digits(&[12.345, 0.6952], 4), ["12.3", "0.7"]);
        assert_eq!(digits(&[123.0], 2), ["123"]);
    }
}
