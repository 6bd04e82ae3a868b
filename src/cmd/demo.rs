//! `bert-tutor demo [FILE]`: plays a demo script in the TUI (the bundled
//! `demos/bert-objective.toml` without FILE); `--check` validates demo files instead.

use std::path::Path;

use anyhow::Result;

use crate::cmd::cli::{DemoArgs, Inputs};
use crate::demo::{self, Demo};
use crate::train::{REPEATABLE_THREADS, TrainConfig};

pub fn run(inputs: &Inputs, args: &DemoArgs, present: bool, record: Option<&Path>) -> Result<()> {
    let demos = match &args.file {
        Some(path) => vec![demo::load_path(path)?],
        None if args.check => demo::load_bundled()?,
        None => vec![bundled_default()?],
    };
    if args.check {
        for d in &demos {
            println!(
                "{}: \"{}\", {} steps, {} training steps: valid",
                d.path,
                d.title,
                d.steps.len(),
                d.training_steps()
            );
        }
        return Ok(());
    }
    super::require_terminal()?;
    let demo = demos.into_iter().next().expect("one demo");
    // The demo's seed decides the weights and the training, as --seed does elsewhere.
    let inputs = Inputs { seed: demo.seed, ..inputs.clone() };
    let mut app = super::tui::build(&inputs)?;
    demo.fits(&app.cfg).map_err(anyhow::Error::msg)?;
    app.present = present;
    app.lessons.clear(); // a demo is not a lesson: L has nothing to open
    // Training repeats exactly only with a fixed thread count (see REPEATABLE_THREADS).
    let tcfg = TrainConfig { threads: REPEATABLE_THREADS, ..app.train_config(demo.seed) };
    let trainer = app.trainer_with(tcfg)?;
    app.start_demo(demo);
    crate::tui::run(app, trainer, false, record)
}

fn bundled_default() -> Result<Demo> {
    let all = demo::load_bundled()?;
    all.into_iter()
        .find(|d| d.path == demo::DEFAULT_DEMO)
        .ok_or_else(|| anyhow::anyhow!("the bundled demo {} is missing from this build", demo::DEFAULT_DEMO))
}
