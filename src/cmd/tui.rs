//! `bert-tutor` with no subcommand: the TUI on the default pair, training from start-up
//! (in presenter mode with `--present`).

use anyhow::Result;

use crate::cmd::cli::Inputs;
use crate::lesson::progress::Progress;
use crate::tui::app::{App, Message};

pub fn run(inputs: &Inputs, present: bool, record: Option<&std::path::Path>) -> Result<()> {
    super::require_terminal()?;
    let mut app = build(inputs)?;
    app.present = present;
    let noted = attach_progress(&mut app);
    // The welcome line is for a learner, not for a room watching a presenter.
    if !noted && let Some(text) = welcome(&app).filter(|_| !present) {
        app.message = Some(Message { text, error: false });
    }
    launch(app, inputs.seed, record)
}

/// The opening line: lesson 1 on a first launch, else the lesson waiting where it stopped.
fn welcome(app: &App) -> Option<String> {
    if app.progress.current.is_none() && app.progress.lessons.is_empty() && !app.lessons.is_empty() {
        // A first launch: offer the course in one line, without opening it.
        return Some(format!("New here? Press L for lesson 1, \"{}\"", app.lessons[0].title));
    }
    let (i, step) = app.saved_position()?;
    let finished = app.progress.lessons.get(&app.lessons[i].id).is_some_and(|p| p.finished);
    (!finished).then(|| {
        format!("lesson {} \"{}\" waits at step {}: press L, then Enter", i + 1, app.lessons[i].title, step + 1)
    })
}

/// Starts the trainer and the TUI on a built app (recording the screen to `record`).
pub fn launch(app: App, seed: u64, record: Option<&std::path::Path>) -> Result<()> {
    let trainer = app.trainer(seed)?;
    crate::tui::run(app, trainer, true, record)
}

/// Loads saved lesson progress for the app's lessons and remembers where to save it. When
/// the file was damaged (moved aside) or a lesson changed version (its progress reset), the
/// note goes on screen and this returns true.
pub fn attach_progress(app: &mut App) -> bool {
    let Some(path) = Progress::default_path() else { return false };
    let found = Progress::load_or_recover(&path);
    app.progress = found.progress;
    app.progress_path = found.path;
    let reset = app.progress.reset_changed(&app.lessons);
    let changed = (!reset.is_empty())
        .then(|| format!("lesson progress reset for {} (the lesson changed since you took it)", reset.join(", ")));
    let note = match (found.note, changed) {
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        (a, b) => a.or(b),
    };
    let shown = note.is_some();
    if let Some(text) = note {
        app.message = Some(Message { text, error: true });
    }
    shown
}

/// The app on the default pair, with the tokenizer, corpus and weights the flags give.
pub fn build(inputs: &Inputs) -> Result<App> {
    let tok = super::load_tokenizer(inputs)?;
    let corpus = super::load_corpus(inputs, &tok)?;
    let (cfg, params) = super::load_model(inputs, &tok)?;
    App::on_default_pair(tok, corpus, cfg, params, inputs.sentence_task, inputs.seed)
}
