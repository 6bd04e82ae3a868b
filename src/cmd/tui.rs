//! `bert-tutor` with no subcommand: the TUI on the default pair, training from start-up.

use anyhow::Result;

use crate::cmd::cli::Inputs;
use crate::tui::app::{App, Message};

pub fn run(inputs: &Inputs) -> Result<()> {
    let mut app = build(inputs)?;
    attach_progress(&mut app)?;
    if let Some((i, step)) = app.saved_position()
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

/// Loads saved lesson progress and remembers where to save it.
pub fn attach_progress(app: &mut App) -> Result<()> {
    let Some(path) = crate::lesson::progress::Progress::default_path() else { return Ok(()) };
    app.progress = crate::lesson::progress::Progress::load(&path)?;
    app.progress_path = Some(path);
    Ok(())
}

/// The app on the default pair, with the tokenizer, corpus and weights the flags give.
pub fn build(inputs: &Inputs) -> Result<App> {
    let tok = super::load_tokenizer(inputs)?;
    let corpus = super::load_corpus(inputs, &tok)?;
    let (cfg, params) = super::load_model(inputs, &tok)?;
    App::on_default_pair(tok, corpus, cfg, params, inputs.sentence_task, inputs.seed)
}
