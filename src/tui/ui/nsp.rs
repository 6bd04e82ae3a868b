//! Stage 6: the sentence head: P(label 0) from the pooled [CLS] vector, the label, the
//! loss, for the sentence task in use (NSP: IsNext / NotNext; SOP: InOrder / Swapped), and
//! beside P(label 0) the head's accuracy on held-out pairs, with a sentence on why the two
//! can disagree.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::fit;
use super::heat::bar;
use super::theme::{self, Theme};
use crate::text::corpus::SentenceTask;
use crate::tui::app::App;

pub fn render(app: &App, theme: Theme, area: Rect, buf: &mut Buffer) {
    let width = area.width as usize;
    let text = |s: &str, style| fit::wrap(s, width).into_iter().map(|l| Line::from(Span::styled(l, style))).collect();
    let o = &app.view.outputs;
    let p_next = o.nsp_probs[[0, 0]];
    let task = app.pair.task;
    let [yes, no] = task.label_names();
    let pair = vec![
        Line::from(vec![Span::raw("A: "), Span::styled(app.pair.a.clone(), theme.segment(0))]),
        Line::from(vec![Span::raw("B: "), Span::styled(app.pair.b.clone(), theme.segment(1))]),
        Line::from(vec![
            Span::raw("label: "),
            Span::styled(app.pair.label_name(), theme.bold(theme::NSP)),
            Span::raw(format!(" ({})", truth(app))),
        ]),
    ];
    let mut p_yes = vec![
        Span::raw(format!("{:<11}{p_next:.4} ", format!("P({yes})"))),
        Span::styled(bar(p_next, 30), theme.fg(theme::NSP)),
    ];
    p_yes.extend(held_out_accuracy(app, theme));
    let probs = vec![
        Line::from(format!("logits  {yes} {:+.3}   {no} {:+.3}", o.nsp_logits[[0, 0]], o.nsp_logits[[0, 1]])),
        Line::from(p_yes),
        Line::from(vec![
            Span::raw(format!("{:<11}{:.4} ", format!("P({no})"), 1.0 - p_next)),
            Span::styled(bar(1.0 - p_next, 30), theme.fg(theme::NSP)),
        ]),
    ];
    let loss = vec![Line::from(vec![
        Span::raw(format!("{} loss = −log P({}) = ", task.head(), app.pair.label_name())),
        Span::styled(format!("{:.4}", o.nsp_loss), theme.bold(theme::NSP)),
        Span::styled(format!("   (a coin flip scores ln 2 = {:.4})", 2f32.ln()), theme.dim()),
    ])];
    let fitted = |lines: Vec<Line<'static>>| lines.into_iter().map(|l| fit::line(l, width)).collect();
    // `space`: which blank lines go first when rows are short (0 first).
    let sections = [
        Section { lines: text(intro(task), Default::default()), optional: true, space: 0 },
        Section { lines: fitted(pair), optional: false, space: 0 },
        Section { lines: fitted(probs), optional: false, space: 3 },
        Section { lines: fitted(loss), optional: false, space: 4 },
        Section { lines: text(&generalisation(app), theme.bold(theme::NSP)), optional: false, space: 1 },
        Section { lines: text(keys(task), theme.dim()), optional: true, space: 2 },
    ];
    fit::scrolled(stack(sections, area.height as usize), area, buf, super::stage_scroll(app), theme);
}

/// A block of lines; optional ones give way first when the height is short, and the blank
/// line before a section with a lower `space` is kept first.
struct Section {
    lines: Vec<Line<'static>>,
    optional: bool,
    space: u8,
}

/// The sections top to bottom in `height` rows: optional ones dropped from the last while
/// they do not fit, then blank lines between sections, as many as rows are left.
fn stack(sections: impl IntoIterator<Item = Section>, height: usize) -> Vec<Line<'static>> {
    let mut kept: Vec<Section> = sections.into_iter().collect();
    let rows = |k: &[Section]| k.iter().map(|s| s.lines.len()).sum::<usize>();
    while rows(&kept) > height {
        let Some(i) = kept.iter().rposition(|s| s.optional) else { break };
        kept.remove(i);
    }
    let spare = height.saturating_sub(rows(&kept));
    let mut ranks: Vec<u8> = kept.iter().skip(1).map(|s| s.space).collect();
    ranks.sort_unstable();
    let cutoff = ranks.get(spare.min(ranks.len()).wrapping_sub(1)).copied();
    let mut blanks = spare;
    let mut out = Vec::new();
    for (i, s) in kept.into_iter().enumerate() {
        if i > 0 && blanks > 0 && cutoff.is_some_and(|c| s.space <= c) {
            out.push(Line::default());
            blanks -= 1;
        }
        out.extend(s.lines);
    }
    out
}

fn intro(task: SentenceTask) -> &'static str {
    match task {
        SentenceTask::Nsp => {
            "Half of BERT's training pairs are real neighbours (IsNext), half take B from another document \
             (NotNext). The final [CLS] vector goes through the pooler (dense + tanh) and a 2-way classifier; \
             softmax gives P(IsNext) and P(NotNext)."
        }
        SentenceTask::Sop => {
            "Sentence-order prediction (ALBERT): every pair is two neighbouring segments of one document, \
             half in their order (InOrder), half swapped (Swapped). Topic cannot tell them apart; only coherence can. \
             Same head as NSP: pooler (dense + tanh), then a 2-way classifier."
        }
        SentenceTask::None => {
            "Sentence task none (RoBERTa): only masked LM trains. The NSP head below still computes, \
             but its loss is left out of the total, so it stays a guess (o switches the task)."
        }
    }
}

fn keys(task: SentenceTask) -> &'static str {
    match task {
        SentenceTask::Sop => "x swaps A and B; n / N draw a new InOrder / Swapped pair; o switches the task.",
        _ => "x swaps B for a random sentence and back; n / N draw a new IsNext / NotNext pair; o switches the task.",
    }
}

/// Why the label is what it is.
fn truth(app: &App) -> &'static str {
    match (app.pair.custom, app.pair.is_next(), app.pair.task) {
        (true, _, _) => "you wrote this pair: the loss assumes this label",
        (false, true, SentenceTask::Sop) => "A and B are neighbours in their written order",
        (false, false, SentenceTask::Sop) => "the same two neighbours, in reverse order",
        (false, true, _) => "B really follows A",
        (false, false, _) => "B is a sentence from another document",
    }
}

/// The latest held-out accuracy of the head, for the end of the P(label 0) line.
fn held_out_accuracy(app: &App, theme: Theme) -> Vec<Span<'static>> {
    match app.training.eval() {
        Some(e) if app.pair.task.trains_head() && e.task == app.pair.task => vec![
            Span::styled("  held-out accuracy ", theme.dim()),
            Span::styled(format!("{:.1}%", 100.0 * e.stats.nsp_accuracy), theme.bold(theme::NSP)),
        ],
        _ => Vec::new(),
    }
}

/// Where the pair's text comes from, as far as training goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// A training document: the model trains on these sentences.
    Training,
    /// A held-out document: the model never trains on it.
    HeldOut,
    /// Typed by the learner, or not in the corpus at all.
    Unseen,
}

fn origin(app: &App) -> Origin {
    if app.pair.custom {
        return Origin::Unseen;
    }
    let corpus = &app.corpus;
    match corpus.document_of(&app.pair.a).or_else(|| corpus.document_of(&app.pair.b)) {
        None => Origin::Unseen,
        Some(doc) if corpus.is_held_out(doc) => Origin::HeldOut,
        Some(_) => Origin::Training,
    }
}

/// One honest sentence: what P(label 0) of this pair says about pairs the model never saw,
/// with the latest held-out accuracy.
fn generalisation(app: &App) -> String {
    let task = app.pair.task;
    let yes = task.label_names()[0];
    if !task.trains_head() {
        return "Task none trains no sentence head: P(IsNext) here is the guess of an untrained head, on this \
                pair and on any other."
            .into();
    }
    let Some(e) = app.training.eval().filter(|e| e.task == task) else {
        return format!(
            "The first evaluation will show the accuracy on held-out pairs, which the model never trains \
             on, beside P({yes})."
        );
    };
    let held = format!("held-out accuracy {:.1}% (step {})", 100.0 * e.stats.nsp_accuracy, e.step);
    match origin(app) {
        Origin::Training => format!(
            "The model trains on this pair's text, so its P({yes}) can look right while it is still wrong \
             on pairs it never saw: {held}."
        ),
        Origin::HeldOut => format!(
            "This pair comes from a held-out document that the model never trains on, like the pairs \
             behind the {held}."
        ),
        Origin::Unseen => format!(
            "The model never trained on this pair, so its P({yes}) is a guess of the kind the held-out \
             pairs measure: {held}."
        ),
    }
}
