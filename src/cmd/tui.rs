//! `bert-tutor` with no subcommand: the TUI on the default pair, training from start-up.

use std::sync::Arc;

use anyhow::Result;

use crate::app::{App, Pair};
use crate::cli::Inputs;
use crate::corpus::IS_NEXT;
use crate::optim::Schedule;
use crate::train::{RECOMMENDED, TrainConfig, Trainer};

/// The TUI's schedule: the recommended warm-up and peak (`train::RECOMMENDED`), decay over
/// the recommended number of steps, then hold 10% of the peak so an open-ended demo keeps
/// learning.
pub const TUI_SCHEDULE: Schedule =
    Schedule { peak: RECOMMENDED.peak_lr, warmup: RECOMMENDED.warmup, total: RECOMMENDED.steps, floor: 0.1 };

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
        app.message = Some(crate::app::Message { text, error: false });
    }
    launch(app, inputs.seed)
}

/// Starts the trainer and the TUI on a built app.
pub fn launch(app: App, seed: u64) -> Result<()> {
    let trainer = trainer_for(&app, seed)?;
    crate::tui::run(app, trainer, true)
}

/// Loads saved lesson progress and remembers where to save it.
pub fn attach_progress(app: &mut App) -> Result<()> {
    let Some(path) = crate::lesson::progress::Progress::default_path() else { return Ok(()) };
    app.progress = crate::lesson::progress::Progress::load(&path)?;
    app.progress_path = Some(path);
    Ok(())
}

/// The trainer behind the TUI: the app's model and corpus, the TUI's schedule.
pub fn trainer_for(app: &App, seed: u64) -> Result<Trainer> {
    trainer_with(app, train_config(app, seed))
}

/// The TUI's training settings: the recommended ones, the TUI's schedule, the app's task.
pub fn train_config(app: &App, seed: u64) -> TrainConfig {
    let defaults = TrainConfig::default();
    let pair = crate::data::PairConfig { task: app.pair.task, ..defaults.pair };
    TrainConfig { schedule: TUI_SCHEDULE, seed, pair, ..defaults }
}

/// A trainer on the app's model and corpus with the given settings.
pub fn trainer_with(app: &App, tcfg: TrainConfig) -> Result<Trainer> {
    Trainer::new(app.cfg.clone(), (*app.params).clone(), (*app.corpus).clone(), super::masker(&app.tok), tcfg)
}

/// The app on the default pair, with the weights `--model` or `--seed` gives.
pub fn build(inputs: &Inputs) -> Result<App> {
    let tok = super::load_tokenizer(inputs)?;
    let corpus = super::load_corpus(inputs, &tok)?;
    let (cfg, params) = super::load_model(inputs, &tok)?;
    let masker = super::masker(&tok);
    let mut pair = Pair::new(&tok, &cfg, &masker, crate::DEFAULT_A, crate::DEFAULT_B, IS_NEXT, inputs.seed)?;
    pair.task = inputs.sentence_task;
    let mut app = App::new(tok, Arc::new(corpus), cfg, Arc::new(params), pair, inputs.seed, None);
    match crate::lesson::load_bundled() {
        Ok(lessons) => app.lessons = lessons,
        Err(e) => {
            let first = format!("{e:#}").lines().next().unwrap_or_default().to_string();
            app.message = Some(crate::app::Message { text: format!("lessons unavailable: {first}"), error: true });
        }
    }
    Ok(app)
}
