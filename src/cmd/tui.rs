//! `bert-tutor` with no subcommand: the TUI on the default pair, training from start-up.

use std::sync::Arc;

use anyhow::Result;

use crate::app::{App, Pair};
use crate::cli::Inputs;
use crate::corpus::IS_NEXT;
use crate::optim::Schedule;
use crate::train::{TrainConfig, Trainer};

/// The TUI's schedule: warm up, decay over 10,000 steps, then hold 10% of the peak so an
/// open-ended demo keeps learning.
pub const TUI_SCHEDULE: Schedule = Schedule { peak: 2e-3, warmup: 200, total: 10_000, floor: 0.1 };

pub fn run(inputs: &Inputs) -> Result<()> {
    let app = build(inputs)?;
    let trainer = trainer_for(&app, inputs.seed)?;
    crate::tui::run(app, trainer, true)
}

/// The trainer behind the TUI: the app's model and corpus, the TUI's schedule.
pub fn trainer_for(app: &App, seed: u64) -> Result<Trainer> {
    let tcfg = TrainConfig { schedule: TUI_SCHEDULE, seed, ..TrainConfig::default() };
    Trainer::new(app.cfg.clone(), (*app.params).clone(), (*app.corpus).clone(), super::masker(&app.tok), tcfg)
}

/// The app on the default pair, with the weights `--model` or `--seed` gives.
pub fn build(inputs: &Inputs) -> Result<App> {
    let tok = super::load_tokenizer(inputs)?;
    let corpus = super::load_corpus(inputs, &tok)?;
    let (cfg, params) = super::load_model(inputs, &tok)?;
    let masker = super::masker(&tok);
    let pair = Pair::new(&tok, &cfg, &masker, crate::DEFAULT_A, crate::DEFAULT_B, IS_NEXT, inputs.seed)?;
    Ok(App::new(tok, Arc::new(corpus), cfg, Arc::new(params), pair, inputs.seed, None))
}
