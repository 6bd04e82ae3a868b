//! Stage 11: embedding space. The category words of `assets/categories.toml` and the pair's
//! pieces, placed by the first two principal axes of the category words' rows of the token
//! table (power iteration on the live weights), coloured and marked by category, and the
//! cosine nearest neighbours (in all dimensions) of the piece under the cursor.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::canvas::{Canvas, Line as Segment};
use ratatui::widgets::{Paragraph, Widget};
use unicode_width::UnicodeWidthStr;

use super::fit;
use super::theme::{self, Theme};
use crate::tui::app::App;
use crate::tui::app::inside::{Inside, SpaceView, categories};

/// Each category's mark and colour (named ANSI colours; the mark alone tells them apart
/// under NO_COLOR).
const MARKS: [(char, Color); 8] = [
    ('●', Color::LightRed),
    ('■', Color::LightGreen),
    ('▲', Color::Yellow),
    ('◆', Color::LightBlue),
    ('★', Color::Magenta),
    ('✚', Color::Cyan),
    ('▼', Color::Red),
    ('○', Color::Green),
];
const PAIR_MARK: char = '◇';

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let Inside::Space(view) = &app.view.inside else { return };
    let short = area.height < 30;
    let about: Vec<Line> =
        explanation(app, view, short).iter().flat_map(|p| fit::wrap(p, area.width as usize)).map(Line::from).collect();
    let [top, area] = Layout::vertical([Constraint::Length(about.len() as u16), Constraint::Fill(1)]).areas(area);
    Paragraph::new(about).render(top, buf);
    let side_w = 30.min(area.width / 2);
    let [map, side] = Layout::horizontal([Constraint::Fill(1), Constraint::Length(side_w)]).areas(area);
    draw_map(app, view, theme, map, buf);
    let lines = side_lines(app, view, theme, side.width as usize);
    fit::scrolled(
        lines,
        Rect { x: side.x + 1, width: side.width.saturating_sub(1), ..side },
        buf,
        super::stage_scroll(app),
        theme,
    );
}

/// What the map is, and what it shows now: the share of category words whose nearest
/// word is of their own category, against chance, with what that means (the sentence is
/// chosen by the numbers, never fixed). `short`: the same in fewer words, for small screens.
fn explanation(app: &App, view: &SpaceView, short: bool) -> [String; 2] {
    let c = view.clustering;
    // Random rows score about chance, give or take its spread over this many words; and
    // the first steps of training move rows by how common a word is, not by what it
    // means, which swung this share between 5% and 25% (chance 11%) in the first 500 steps
    // of the live run. Three times chance, and three spreads above it, is the least that
    // counts as clustering (the 10-minute live run reaches 90%).
    let spread = (c.chance * (1.0 - c.chance) / view.fitted.max(1) as f32).sqrt();
    let level = if c.same < (3.0 * c.chance).max(c.chance + 3.0 * spread) {
        0
    } else if c.same < 0.5 {
        1
    } else {
        2
    };
    let (same, chance) = (100.0 * c.same, 100.0 * c.chance);
    if short {
        let verdict = ["no clusters yet", "clusters forming", "clear clusters"][level];
        return [
            "Token-table rows on their 2 main axes (PCA): words used alike drift together.".into(),
            format!(
                "{same:.0}% of category words are nearest one of their own category (chance {chance:.0}%): {verdict}."
            ),
        ];
    }
    let verdict = [
        "no clusters yet, as in a model that has not trained long: train on (Space), or load a trained one (--model)",
        "clusters are forming",
        "clear clusters: the model has learned which words are used alike",
    ][level];
    [
        format!(
            "Each piece's row of the token table ({} numbers), drawn on its two main directions (PCA). Words \
             used alike drift together: a category (one mark) that clusters is one the model has learned.",
            app.cfg.hidden_size
        ),
        format!(
            "Now {same:.0}% of the category words have a word of their own category as nearest neighbour \
             (chance: {chance:.0}%): {verdict}."
        ),
    ]
}

fn mark(category: Option<usize>) -> (char, Color) {
    category.map_or((PAIR_MARK, theme::TOTAL), |c| MARKS[c % MARKS.len()])
}

/// The map: axes through the mean, then each word's label at its cell, moved up or down a
/// row when another label is already there, and left when it would run past the edge.
fn draw_map(app: &App, view: &SpaceView, theme: Theme, area: Rect, buf: &mut Buffer) {
    if area.width < 8 || area.height < 4 {
        return;
    }
    let (w, h) = (area.width as usize, area.height as usize - 1);
    let (lo, hi) = bounds(view);
    let cell = |xy: [f32; 2]| {
        let x = ((xy[0] - lo[0]) / (hi[0] - lo[0]) * (w - 1) as f32).round() as usize;
        let y = ((hi[1] - xy[1]) / (hi[1] - lo[1]) * (h - 1) as f32).round() as usize;
        (x.min(w - 1), y.min(h - 1))
    };
    let cursor_id = app.pair.encoded.ids.get(app.cursor).copied();
    // Labels take free cells in this order, and one that finds none is left out: the
    // cursor's piece first, so that it is never the one hidden, then the category words,
    // then the pair's other pieces.
    let mut order: Vec<usize> = (0..view.points.len()).collect();
    order.sort_by_key(|&i| (Some(view.points[i].id) != cursor_id, view.points[i].category.is_none()));
    let mut taken = vec![vec![false; w]; h];
    let mut labels: Vec<(usize, usize, String, Style)> = Vec::new();
    for i in order {
        let p = &view.points[i];
        let (m, c) = mark(p.category);
        let text = format!("{m}{}", p.word);
        let (x, y) = cell(p.xy);
        let x = x.min(w.saturating_sub(text.width()));
        // A label keeps the cell after it free, so that two never run into one word
        // ("▲tea★house").
        let span = x..(x + text.width() + 1).min(w);
        let free = |y: usize, taken: &Vec<Vec<bool>>| span.clone().all(|c| !taken[y][c]);
        let Some(y) = [0isize, -1, 1, -2, 2]
            .iter()
            .map(|d| y as isize + d)
            .filter(|&y| y >= 0 && (y as usize) < h)
            .map(|y| y as usize)
            .find(|&y| free(y, &taken))
        else {
            continue;
        };
        span.clone().for_each(|c| taken[y][c] = true);
        let style = if Some(p.id) == cursor_id { theme.selected() } else { theme.fg(c) };
        labels.push((x, y, text, style));
    }
    let origin = cell(view.projection.project(view.projection.mean.view()));
    Canvas::default()
        .marker(Marker::Braille)
        .x_bounds([0.0, (w - 1) as f64])
        .y_bounds([0.0, (h - 1) as f64])
        .paint(|ctx| {
            let (ox, oy) = (origin.0 as f64, (h - 1 - origin.1) as f64);
            // Dark grey, or the plain text colour under NO_COLOR and in high contrast.
            let axis = theme.fg(Color::DarkGray).fg.unwrap_or(Color::Reset);
            ctx.draw(&Segment { x1: 0.0, y1: oy, x2: (w - 1) as f64, y2: oy, color: axis });
            ctx.draw(&Segment { x1: ox, y1: 0.0, x2: ox, y2: (h - 1) as f64, color: axis });
            ctx.layer();
            for (x, y, text, style) in &labels {
                ctx.print(*x as f64, (h - 1 - y) as f64, Line::from(Span::styled(text.clone(), *style)));
            }
        })
        .render(Rect { height: h as u16, ..area }, buf);
    let e = view.projection.explained;
    let (pc1, pc2) = (100.0 * e[0], 100.0 * e[1]);
    let long =
        format!("PCA of the {} category words' rows: PC1 → {pc1:.0}% of their variance, PC2 ↑ {pc2:.0}%", view.fitted);
    let caption =
        if long.width() <= w { long } else { format!("PC1 → {pc1:.0}%, PC2 ↑ {pc2:.0}% of the variance") };
    Paragraph::new(Span::styled(fit::words(&caption, w), theme.dim()))
        .render(Rect { y: area.y + h as u16, height: 1, ..area }, buf);
}

/// The smallest box holding every point, with a little room, and never flat.
fn bounds(view: &SpaceView) -> ([f32; 2], [f32; 2]) {
    let mut lo = [f32::INFINITY; 2];
    let mut hi = [f32::NEG_INFINITY; 2];
    for p in &view.points {
        for k in 0..2 {
            lo[k] = lo[k].min(p.xy[k]);
            hi[k] = hi[k].max(p.xy[k]);
        }
    }
    for k in 0..2 {
        if !lo[k].is_finite() || hi[k] - lo[k] < 1e-9 {
            (lo[k], hi[k]) = (-1.0, 1.0);
        }
        let pad = 0.05 * (hi[k] - lo[k]);
        (lo[k], hi[k]) = (lo[k] - pad, hi[k] + pad);
    }
    (lo, hi)
}

/// The legend and the cursor piece's nearest neighbours.
fn side_lines(app: &App, view: &SpaceView, theme: Theme, width: usize) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(Span::styled("categories", theme.bold(theme::TOTAL)))];
    for (i, (name, _)) in categories().iter().enumerate() {
        let (m, c) = mark(Some(i));
        lines.push(Line::from(Span::styled(fit::words(&format!("{m} {name}"), width), theme.fg(c))));
    }
    lines.push(Line::from(format!("{PAIR_MARK} the pair's other pieces")));
    lines.push(Line::default());
    let Some(&id) = app.pair.encoded.ids.get(app.cursor) else { return lines };
    let token = &app.pair.encoded.tokens[app.cursor];
    lines.push(Line::from(Span::styled(fit::words(&format!("nearest to {token}"), width), theme.bold(theme::GOOD))));
    let how = format!("(cosine, all {} dims)", app.cfg.hidden_size);
    lines.push(Line::from(Span::styled(fit::words(&how, width), theme.dim())));
    if let Some((_, near)) = view.neighbours.iter().find(|(n, _)| *n == id) {
        for (word, cos) in near {
            lines.push(Line::from(format!("{:>+6.2}  {}", cos, fit::words(word, width.saturating_sub(8)))));
        }
    }
    lines
}
