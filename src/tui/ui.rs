//! Drawing the app: pure functions of `&App` into a buffer, one file per stage.
//! Layout: title bar, stage tabs, the stage (and a live-loss pane when wide), a message
//! or text field line, and the keys that apply now. Presenter mode (`--present`) has a
//! layout of its own, in `present`.

mod attention;
mod demo;
mod embeddings;
pub mod fit;
mod gradients;
mod heat;
mod help;
mod lesson;
mod lessons_menu;
mod mlm;
mod nsp;
mod pieces;
pub mod present;
mod quit;
mod side;
mod space;
mod sum;
pub mod theme;
mod tokens;
mod training;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use crate::tui::app::{App, Focus, Stage};
use theme::Theme;

/// The smallest screen the layout is made for.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
/// From this width on, the live-loss pane sits beside the stage.
const SIDE_FROM: u16 = 110;

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            too_small(area, buf);
            return;
        }
        if self.present {
            present::Presenter::of(self).render(area, buf);
            return;
        }
        let theme = Theme::for_app(self);
        let note_text = note_lines(self, theme, area.width);
        let [title, tabs, body, note, keys] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(note_text.len() as u16),
            Constraint::Length(1),
        ])
        .areas(area);
        title_bar(self, theme, title.width).render(title, buf);
        stage_tabs(self, theme, tabs.width).render(tabs, buf);
        let body = lesson_pane(self, theme, body, buf);
        let body = demo_pane(self, theme, body, buf);
        let main = if area.width >= SIDE_FROM {
            let [main, side_area] = Layout::horizontal([Constraint::Fill(1), Constraint::Length(32)]).areas(body);
            side::render(self, theme, side_area, buf);
            main
        } else {
            body
        };
        let block = Block::bordered().title(
            Line::from(format!(" {}. {} ", self.stage.index() + 1, self.stage_title(self.stage)))
                .style(Style::new().add_modifier(Modifier::BOLD)),
        );
        let inner = block.inner(main);
        block.render(main, buf);
        stage(self, theme, inner, buf);
        Paragraph::new(note_text).render(note, buf);
        keys_line(self, theme, keys.width).render(keys, buf);
        overlays(self, theme, area, buf);
    }
}

/// What opens over the whole screen, in either layout: the help, the lessons menu, the
/// quit question.
fn overlays(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    if app.help {
        help::render(app, theme, area, buf);
    }
    if let Some(selected) = app.menu {
        lessons_menu::render(app, selected, theme, area, buf);
    }
    if app.confirm_quit {
        quit::render(app, theme, area, buf);
    }
}

/// The lesson pane at the bottom of `body` when a lesson is showing; returns the rest.
fn lesson_pane(app: &App, theme: Theme, body: Rect, buf: &mut Buffer) -> Rect {
    match &app.lesson {
        Some(run) if run.visible => {
            // The pane takes what its text needs, up to half the height, so the stage it
            // talks about stays readable; what does not fit scrolls (Tab, then ↑↓).
            let h = lesson::height(app, theme, body.width).clamp(6, (body.height / 2).max(6));
            let [top, pane] = Layout::vertical([Constraint::Fill(1), Constraint::Length(h)]).areas(body);
            lesson::render(app, theme, pane, buf);
            top
        }
        _ => body,
    }
}

/// The demo pane at the bottom of `body` while a demo plays; returns the rest. It takes
/// what its text needs, up to half the height.
fn demo_pane(app: &App, theme: Theme, body: Rect, buf: &mut Buffer) -> Rect {
    let h = demo::height(app, theme, body.width).min(body.height / 2);
    if h == 0 {
        return body;
    }
    let [top, pane] = Layout::vertical([Constraint::Fill(1), Constraint::Length(h)]).areas(body);
    demo::render(app, theme, pane, buf);
    top
}

/// The stage on screen, drawn into `area` (inside its frame).
fn stage(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    match app.stage {
        Stage::Pieces => pieces::render(app, theme, area, buf),
        Stage::Input => tokens::render_input(app, theme, area, buf),
        Stage::Embeddings => embeddings::render(app, theme, area, buf),
        Stage::Masking => tokens::render_masking(app, theme, area, buf),
        Stage::Mlm => mlm::render(app, theme, area, buf),
        Stage::Nsp => nsp::render(app, theme, area, buf),
        Stage::Sum => sum::render(app, theme, area, buf),
        Stage::Training => training::render(app, theme, area, buf),
        Stage::Attention => attention::render(app, theme, area, buf),
        Stage::GradFlow => gradients::render(app, theme, area, buf),
        Stage::Space => space::render(app, theme, area, buf),
    }
}

fn too_small(area: Rect, buf: &mut Buffer) {
    let text =
        format!("enlarge the terminal to {MIN_WIDTH}×{MIN_HEIGHT} (now {}×{}); q quits", area.width, area.height);
    Paragraph::new(text).wrap(Wrap { trim: true }).render(area, buf);
}

/// The header: what matters first (state, step, loss weights, learning rate), then the pair,
/// whose sentences are cut to the width that is left, so nothing else is ever cut. Where
/// that would leave the sentences no room (80 columns), the facts go in short (no program
/// name, the state as its symbol, "lr"), so that the first words of A and B still show.
fn title_bar(app: &App, theme: Theme, width: u16) -> Line<'static> {
    use unicode_width::UnicodeWidthStr;
    let t = &app.training;
    let status = match (t.crashed, t.running) {
        (true, _) => "✖ trainer stopped",
        (false, true) => "▶ training",
        (false, false) => "⏸ paused",
    };
    let long = format!(" {status} │ step {} │ {} │ peak lr {:.1e} │", t.step, app.loss_label(), t.peak_lr);
    // The long facts stay while they leave the pair 16 columns of text beyond its chrome
    // (` A: ""  B: ""` and a label such as ` (NotNext)`: about 30 columns).
    const PAIR_CHROME: usize = 30;
    let room_for_pair = (width as usize).saturating_sub(" bert-tutor ".width() + long.width() + PAIR_CHROME);
    let (name, facts) = if room_for_pair >= 16 {
        (" bert-tutor ", long)
    } else {
        let symbol = status.split(' ').next().unwrap_or_default();
        ("", format!(" {symbol} step {} │ {} │ peak {:.1e} │", t.step, app.loss_label(), t.peak_lr))
    };
    let label = if app.pair.custom {
        format!(" (your pair: {})", app.pair.label_name())
    } else {
        format!(" ({})", app.pair.label_name())
    };
    let fixed = name.width() + facts.width() + " A: \"\"  B: \"\"".width() + label.width();
    // The room left goes to the sentences: a short one keeps its length, the other gets the
    // rest. The last column stays empty, so a line that reaches it is known to be cut.
    let room = (width as usize).saturating_sub(fixed + 1);
    let (la, lb) = (app.pair.a.chars().count(), app.pair.b.chars().count());
    let (wa, wb) = match (la, lb) {
        _ if la + lb <= room => (la, lb),
        _ if la <= room / 2 => (la, room - la),
        _ if lb <= room / 2 => (room - lb, lb),
        _ => (room / 2, room / 2),
    };
    let label_fits = (width as usize) > name.width() + facts.width() + label.width();
    let mut spans = vec![Span::styled(name, theme.selected()), Span::styled(facts, theme.bold(theme::GOOD))];
    spans.retain(|s| !s.content.is_empty());
    if wa.min(wb) >= 4 {
        spans.extend([
            Span::raw(" A: "),
            Span::styled(format!("\"{}\"", fit::words(&app.pair.a, wa)), theme.fg(theme::SEGMENT_A)),
            Span::raw("  B: "),
            Span::styled(format!("\"{}\"", fit::words(&app.pair.b, wb)), theme.fg(theme::SEGMENT_B)),
            Span::raw(label),
        ]);
    } else if label_fits {
        spans.push(Span::raw(label)); // no room for the sentences: their label at least
    }
    Line::from(spans)
}

/// The stage tabs, each named; when the names do not fit, the other stages get their
/// one-word names, and when those do not fit either, only their numbers, so every stage
/// number is always shown and the current stage keeps its full name.
fn stage_tabs(app: &App, theme: Theme, width: u16) -> Line<'static> {
    let label = |s: Stage, name: Option<&str>| match name {
        Some(n) => format!(" {} {n} ", s.index() + 1),
        None => format!(" {} ", s.index() + 1),
    };
    let current = |s: Stage| app.stage_title(s).to_string();
    let ways: [&dyn Fn(Stage) -> Option<String>; 3] =
        [&|s| Some(current(s)), &|s| Some(s.short().to_string()), &|_| None];
    // The bar starts with one blank column.
    let fits = |way: &dyn Fn(Stage) -> Option<String>| {
        Stage::ALL
            .iter()
            .map(|&s| {
                let name = if s == app.stage { Some(current(s)) } else { way(s) };
                label(s, name.as_deref()).chars().count()
            })
            .sum::<usize>()
            < width as usize
    };
    let way = ways.iter().find(|w| fits(**w)).copied().unwrap_or(ways[2]);
    let mut spans = vec![Span::raw(" ")];
    for s in Stage::ALL {
        let name = if s == app.stage { Some(current(s)) } else { way(s) };
        let style = if s == app.stage { theme.selected() } else { theme.dim() };
        spans.push(Span::styled(label(s, name.as_deref()), style));
    }
    Line::from(spans)
}

/// The line above the keys: the text field while editing, else the message, wrapped onto
/// more rows (up to 3) when it is longer than the screen is wide, rather than cut.
fn note_lines(app: &App, theme: Theme, width: u16) -> Vec<Line<'static>> {
    if let Some(e) = &app.editing {
        return vec![edit_line(e, theme, width)];
    }
    let Some(m) = &app.message else { return vec![Line::default()] };
    let (text, style) = if m.error {
        (format!("✗ {}", m.text), theme.bold(theme::BAD))
    } else {
        (m.text.clone(), theme.fg(theme::GOOD))
    };
    let mut rows = fit::wrap(&text, (width as usize).saturating_sub(2).max(1));
    if rows.len() > 3 {
        let rest = rows[2..].join(" ");
        rows = vec![rows[0].clone(), rows[1].clone(), fit::words(&rest, (width as usize).saturating_sub(2))];
    }
    rows.into_iter().map(|r| Line::from(Span::styled(format!(" {r}"), style))).collect()
}

/// The text field: the part of the text around the cursor (it scrolls as the cursor moves
/// past either end, "…" marking text out of view on the left), the cursor as a reversed
/// cell, and the keys when there is room for them.
fn edit_line(e: &crate::tui::app::Editing, theme: Theme, width: u16) -> Line<'static> {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    let which = match e.side {
        crate::tui::app::Side::A => "edit A",
        crate::tui::app::Side::B => "edit B",
        crate::tui::app::Side::Answer => "answer",
    };
    let prompt = format!(" {which} › ");
    let keys = "   Enter applies · Esc cancels";
    let room = (width as usize).saturating_sub(prompt.width() + 1);
    let (keys, room) = if room >= keys.width() + 20 { (keys, room - keys.width()) } else { ("", room) };
    // One column stays for the cursor after the last character.
    let scroll = e.input.visual_scroll(room.saturating_sub(1));
    let cursor = e.input.visual_cursor();
    let (mut before, mut at, mut after) = (String::new(), String::from(" "), String::new());
    let mut col = 0;
    for c in e.input.value().chars() {
        let w = c.width().unwrap_or(0);
        if col >= scroll && col + w <= scroll + room {
            match col.cmp(&cursor) {
                std::cmp::Ordering::Less => before.push(c),
                std::cmp::Ordering::Equal => at = c.to_string(),
                std::cmp::Ordering::Greater => after.push(c),
            }
        }
        col += w;
    }
    if scroll > 0 && !before.is_empty() {
        before.replace_range(..before.chars().next().map_or(0, char::len_utf8), "…");
    }
    Line::from(vec![
        Span::styled(prompt, theme.selected()),
        Span::raw(before),
        Span::styled(at, theme.selected()),
        Span::raw(after),
        Span::styled(keys, theme.dim()),
    ])
}

fn keys_line(app: &App, theme: Theme, width: u16) -> Line<'static> {
    let stage_keys = match app.stage {
        Stage::Pieces | Stage::Input => "a/b edit  n/N new pair",
        Stage::Embeddings => "Tab focus  ↑↓ token/scroll",
        Stage::Masking => "r re-roll  m mask token  t rule",
        Stage::Mlm => "r re-roll  m mask token",
        Stage::Nsp => "x swap B  n/N new pair",
        Stage::Sum => "w heads  r re-roll",
        Stage::Training => ". step  +/- lr  w heads  R reset  S save",
        Stage::Attention => "< > head  g all heads  ↑↓ query",
        Stage::GradFlow => "↑↓ token  Tab scroll  r re-roll",
        Stage::Space => "↑↓ piece  n/N new pair",
    };
    let stage_keys = if app.lesson.as_ref().is_some_and(|r| r.visible) {
        "] next  [ back  A answer  L lessons  Esc hide"
    } else if app.demo.is_some() {
        "Space/→ next  ← back  p pause  N notes  e export"
    } else {
        stage_keys
    };
    fit_keys(stage_keys, app.focus == Focus::Detail, app.demo.is_some(), width, theme)
}

/// The key line at `width`: this stage's keys, then the global ones. What does not fit goes
/// in a fixed order, least needed first (the arrows, which the tabs and the help show too),
/// so "? help" and "q quit" stay to the last; then this stage's keys lose their last groups.
/// In a demo, ← → and Space step through it, so the global list leaves them out.
fn fit_keys(stage_keys: &str, detail: bool, demo: bool, width: u16, theme: Theme) -> Line<'static> {
    use unicode_width::UnicodeWidthStr;
    let mut global = if demo {
        vec!["1…0 stage", "↑↓ token", "? help", "q quit"]
    } else {
        vec!["←→ stage", "↑↓ token", "Space pause", "? help", "q quit"]
    };
    if detail {
        global.push("[detail pane]");
    }
    let mut local: Vec<&str> = stage_keys.split("  ").collect();
    let text =
        |local: &[&str], global: &[&str]| (format!(" {}", local.join("  ")), format!("  │ {}", global.join("  ")));
    let fits = |local: &[&str], global: &[&str]| {
        let (l, g) = text(local, global);
        l.width() + g.width() < width as usize
    };
    for drop in ["[detail pane]", "↑↓ token", "←→ stage", "1…0 stage", "Space pause"] {
        if fits(&local, &global) {
            break;
        }
        global.retain(|g| *g != drop);
    }
    while !fits(&local, &global) && local.len() > 1 {
        local.pop();
    }
    let (l, g) = text(&local, &global);
    Line::from(vec![Span::styled(l, theme.bold(theme::GOOD)), Span::styled(g, theme.dim())])
}

/// How far a stage that does not fit is scrolled: Tab, then ↑↓ (`app.scroll`); None while a
/// lesson pane is open, whose text those keys scroll instead.
fn stage_scroll(app: &App) -> Option<fit::Scroll<'_>> {
    let lesson_open = app.lesson.as_ref().is_some_and(|r| r.visible);
    (!lesson_open).then_some(fit::Scroll { offset: app.scroll, room: Some(&app.scroll_room) })
}
