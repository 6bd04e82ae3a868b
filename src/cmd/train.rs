//! `bert-tutor train`: headless training with a progress bar (plain lines when not on a
//! terminal), periodic held-out evaluation, and a checkpoint saved at the end, on
//! Ctrl-C, and (the last good weights) if the loss ever becomes NaN.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{Inputs, TrainArgs};
use crate::model::checkpoint;
use crate::optim::Schedule;
use crate::train::{StepStats, TrainConfig, Trainer};

pub fn run(inputs: &Inputs, args: &TrainArgs) -> Result<()> {
    if !(args.lr.is_finite() && args.lr > 0.0 && args.lr <= 1.0) {
        anyhow::bail!("--lr {} is not a usable learning rate: give a number in (0, 1], e.g. 2e-3", args.lr);
    }
    if args.steps == 0 {
        anyhow::bail!("--steps 0 trains nothing: give at least 1");
    }
    let tok = super::load_tokenizer(inputs)?;
    let corpus = super::load_corpus(inputs, &tok)?;
    let (cfg, params) = super::load_model(inputs, &tok)?;
    let warmup = (args.steps / 10).clamp(1, 500);
    let tcfg = TrainConfig {
        batch_size: args.batch.max(1),
        schedule: Schedule { peak: args.lr, warmup, total: args.steps, floor: 0.0 },
        seed: inputs.seed,
        ..TrainConfig::default()
    };
    let mut trainer = Trainer::new(cfg, params, corpus, super::masker(&tok), tcfg)?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst)).context("cannot install the Ctrl-C handler")?;

    let e = trainer.evaluate();
    let (train_docs, held_docs) = trainer.corpus().split();
    let v = trainer.cfg.vocab_size as f32;
    println!(
        "step 0: MLM loss {:.3} (ln V = ln {} = {:.3}), NSP loss {:.3} (ln 2 = {:.3}); held-out MLM top-1 {:.1}%, NSP {:.1}%; \
         {} parameters, {} training / {} held-out documents ({} held-out pairs)",
        e.mlm_loss,
        v,
        v.ln(),
        e.nsp_loss,
        2f32.ln(),
        100.0 * e.mlm_accuracy,
        100.0 * e.nsp_accuracy,
        trainer.params.num_parameters(),
        train_docs.len(),
        held_docs.len(),
        trainer.held_out_pairs()
    );
    println!(
        "{:>6} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "step", "seconds", "train MLM", "train NSP", "held MLM", "MLM acc", "NSP acc"
    );
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(args.steps as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} steps  {msg}  ETA {eta}").expect("valid template"),
        );
        bar
    });
    let start = Instant::now();
    let mut window: Vec<StepStats> = Vec::new();
    let result = loop {
        if trainer.step >= args.steps || stop.load(Ordering::SeqCst) {
            break Ok(());
        }
        match trainer.train_step() {
            Ok(s) => window.push(s),
            Err(e) => break Err(e),
        }
        if let Some(bar) = &bar {
            bar.set_position(trainer.step as u64);
            let last = window.last().copied().unwrap_or_default();
            bar.set_message(format!("MLM {:.3}  NSP {:.3}", last.mlm_loss, last.nsp_loss));
        }
        if trainer.step.is_multiple_of(args.eval_every.max(1)) || trainer.step == args.steps {
            let line = report_line(&trainer, &window, start.elapsed().as_secs_f32());
            match &bar {
                Some(bar) => bar.println(line),
                None => println!("{line}"),
            }
            window.clear();
        }
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let why = if stop.load(Ordering::SeqCst) { "interrupted; " } else { "" };
    checkpoint::save(&args.out, &trainer.cfg, &trainer.params, Some(&tok))?;
    match result {
        Ok(()) => {
            println!("{why}saved step {} to {}", trainer.step, args.out.display());
            Ok(())
        }
        Err(e) => Err(e.context(format!(
            "training stopped; the last good weights (step {}) are saved in {}",
            trainer.step,
            args.out.display()
        ))),
    }
}

fn report_line(t: &Trainer, window: &[StepStats], secs: f32) -> String {
    let n = window.len().max(1) as f32;
    let mlm = window.iter().map(|s| s.mlm_loss).sum::<f32>() / n;
    let nsp = window.iter().map(|s| s.nsp_loss).sum::<f32>() / n;
    let e = t.evaluate();
    format!(
        "{:>6} {:>8.1} {:>9.3} {:>9.3} {:>9.3} {:>8.1}% {:>8.1}%",
        t.step,
        secs,
        mlm,
        nsp,
        e.mlm_loss,
        100.0 * e.mlm_accuracy,
        100.0 * e.nsp_accuracy
    )
}
