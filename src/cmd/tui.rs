//! `bert-tutor` with no subcommand: the TUI on the default pair, training from start-up.

use anyhow::Result;

use crate::cmd::cli::Inputs;
use crate::lesson::progress::Progress;
use crate::tui::app::{App, Message};

pub fn run(inputs: &Inputs) -> Result<()> {
    super::require_terminal()?;
    let mut app = build(inputs)?;
    if let Some(note) = attach_progress(&mut app) {
        app.message = Some(Message { text: note, error: true });
    } else if app.progress.current.is_none() && app.progress.lessons.is_empty() && !app.lessons.is_empty() {
        // A first launch: offer the course in one line, without opening it.
        let text = format!("New here? Press L for lesson 1, \"{}\"", app.lessons[0].title);
        app.message = Some(Message { text, error: false });
    } else if let Some((i, step)) = app.saved_position()
        && !app.progress.lessons.get(&app.lessons[i].id).is_some_and(|p| p.finished)
    {
        let text = format!(
            "lesson \"{}\" is waiting at step {}: press L to continue where you left off",
            app.lessons[i].title,
            step + 1
        );
        app.message = Some(Message { text, error: false });
    }
    launch(app, inputs.seed)
}

/// Starts the trainer and the TUI on a built app.
pub fn launch(app: App, seed: u64) -> Result<()> {
    let trainer = app.trainer(seed)?;
    crate::tui::run(app, trainer, true)
}

/// Loads saved lesson progress and remembers where to save it. Returns a note for the
/// learner when the file was damaged (moved aside) or lessons changed version (reset).
pub fn attach_progress(app: &mut App) -> Option<String> {
    let path = Progress::default_path()?;
    let found = Progress::load_or_recover(&path);
    app.progress = found.progress;
    app.progress_path = found.path;
    let reset = app.progress.reset_changed(&app.lessons);
    let changed = (!reset.is_empty())
        .then(|| format!("lesson progress reset for {} (the lesson changed since you took it)", reset.join(", ")));
    match (found.note, changed) {
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        (a, b) => a.or(b),
    }
}

/// The app on the default pair, with the tokenizer, corpus and weights the flags give.
pub fn build(inputs: &Inputs) -> Result<App> {
    let tok = super::load_tokenizer(inputs)?;
    let corpus = super::load_corpus(inputs, &tok)?;
    let (cfg, params) = super::load_model(inputs, &tok)?;
    App::on_default_pair(tok, corpus, cfg, params, inputs.sentence_task, inputs.seed)
}
