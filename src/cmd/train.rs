//! `bert-tutor train`: headless training with a progress bar (plain lines when not on a
//! terminal), periodic held-out evaluation, and a checkpoint saved at the end, on
//! Ctrl-C, and (the last good weights) if the loss ever becomes NaN.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{Context, Result};

use crate::cmd::cli::{Inputs, LiveDecay, TrainArgs};
use crate::export::loss::{self, LossRow, TrainMeans};
use crate::model::checkpoint;
use crate::model::{BertConfig, LossWeights, Params};
use crate::text::corpus::{IS_NEXT, SentenceTask};
use crate::text::data::PairConfig;
use crate::text::masking::Masker;
use crate::text::tokenize::BertTokenizer;
use crate::train::optim::{Decay, Schedule};
use crate::train::pair_set::PairSet;
use crate::train::worker::EVAL_EVERY_STEPS;
use crate::train::{EvalStats, RECOMMENDED, StepStats, TrainConfig, Trainer, default_threads};
use crate::tui::app::{Pair, PairView};

/// When a run stops: after `steps` steps, or `seconds` of training, whichever comes first.
#[derive(Debug, Clone, Copy)]
struct Budget {
    steps: Option<usize>,
    seconds: Option<f64>,
}

impl Budget {
    fn spent(&self, step: usize, secs: f64) -> bool {
        self.steps.is_some_and(|n| step >= n) || self.seconds.is_some_and(|s| secs >= s)
    }
}

pub fn run(inputs: &Inputs, args: &TrainArgs) -> Result<()> {
    check_args(args)?;
    let tok = super::load_tokenizer(inputs)?;
    let corpus = super::load_corpus(inputs, &tok)?;
    let (cfg, params) = super::load_model_shaped(inputs, &tok, &args.shape, args.max_seq_length)?;
    let (tcfg, budget, eval_every) = settings(inputs, args);
    let masker = Masker::for_tokenizer(&tok);
    let extras = Extras::new(inputs, args, &tok, &cfg, &masker)?;
    let mut trainer = Trainer::new(cfg, params, corpus, masker, tcfg)?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst)).context("cannot install the Ctrl-C handler")?;

    // With --json, stdout carries only the JSON lines; the rest goes to stderr.
    let say = |line: String| if args.json { eprintln!("{line}") } else { println!("{line}") };
    let e = trainer.evaluate();
    let (train_docs, held_docs) = trainer.corpus().split();
    let v = trainer.cfg.vocab_size as f32;
    let head = inputs.sentence_task.head();
    say(format!(
        "step 0: MLM loss {:.3} (ln V = ln {} = {:.3}), {head} loss {:.3} (ln 2 = {:.3}); held-out MLM top-1 {:.1}%, {head} {:.1}%; \
         {} parameters, {} training / {} held-out documents ({} held-out pairs); sentence task {}",
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
        trainer.held_out_pairs(),
        inputs.sentence_task.name(),
    ));
    say(format!(
        "{}; {} threads",
        if args.live { "live run, as the TUI trains" } else { "training run" },
        trainer.tcfg.threads
    ));
    say(format!("schedule: {}", trainer.tcfg.schedule.describe()));
    if args.json {
        println!("{}", extras.json(json_line(0, 0.0, None, None, &e), &trainer));
    } else {
        println!(
            "{:>6} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "step",
            "seconds",
            "train MLM",
            format!("train {head}"),
            "held MLM",
            "MLM acc",
            format!("{head} acc")
        );
    }
    let mut history = vec![loss_row(0, None, &e, inputs.sentence_task)];
    // The bar counts steps, or tenths of a second when only --seconds bounds the run.
    let by_time = budget.steps.is_none();
    let ticks = |step: usize, secs: f64| if by_time { (secs * 10.0) as usize } else { step };
    let mut bar =
        super::progress::Progress::new(budget.steps.unwrap_or_else(|| ticks(0, budget.seconds.unwrap_or(0.0))));
    let start = Instant::now();
    let mut window: Vec<StepStats> = Vec::new();
    let result = loop {
        let elapsed = start.elapsed().as_secs_f64();
        let done = budget.spent(trainer.step, elapsed);
        if !window.is_empty() && (trainer.step.is_multiple_of(eval_every) || done) {
            let (n, secs) = (window.len().max(1) as f32, elapsed as f32);
            let train = (
                window.iter().map(|s| s.mlm_loss).sum::<f32>() / n,
                window.iter().map(|s| s.nsp_loss).sum::<f32>() / n,
            );
            let e = trainer.evaluate();
            let lr = window.last().map(|s| s.lr);
            history.push(loss_row(trainer.step, Some(means(&window)), &e, inputs.sentence_task));
            let line = if args.json {
                extras.json(json_line(trainer.step, secs, Some(train), lr, &e), &trainer).to_string()
            } else {
                report_line(trainer.step, secs, train, &e) + &extras.text(&trainer)
            };
            bar.println(&line);
            window.clear();
        }
        if done || stop.load(Ordering::SeqCst) {
            break Ok(());
        }
        match trainer.train_step() {
            Ok(s) => window.push(s),
            Err(e) => break Err(e),
        }
        let last = window.last().copied().unwrap_or_default();
        bar.set(
            ticks(trainer.step, start.elapsed().as_secs_f64()),
            format!("MLM {:.3}  {head} {:.3}", last.mlm_loss, last.nsp_loss),
        );
    };
    drop(bar);
    if let Some(path) = &args.csv {
        std::fs::write(path, loss::csv(&history)).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let why = if stop.load(Ordering::SeqCst) { "interrupted; " } else { "" };
    checkpoint::save(&args.out, &trainer.cfg, &trainer.params, Some(&tok))?;
    match result {
        Ok(()) => {
            say(format!("{why}saved step {} to {}", trainer.step, args.out.display()));
            Ok(())
        }
        Err(e) => Err(e.context(format!(
            "training stopped; the last good weights (step {}) are saved in {}",
            trainer.step,
            args.out.display()
        ))),
    }
}

/// The flags' checks, before anything is loaded: one line for what is wrong.
fn check_args(args: &TrainArgs) -> Result<()> {
    if !(args.lr.is_finite() && args.lr > 0.0 && args.lr <= 1.0) {
        anyhow::bail!("--lr {} is not a usable learning rate: give a number in (0, 1], e.g. 2e-3", args.lr);
    }
    if args.steps == Some(0) {
        anyhow::bail!("--steps 0 trains nothing: give at least 1");
    }
    if let Some(s) = args.seconds.filter(|s| !(s.is_finite() && *s > 0.0)) {
        anyhow::bail!("--seconds {s} is not a duration: give a number of seconds above 0, e.g. 600");
    }
    if args.live && args.steps.is_none() && args.seconds.is_none() {
        anyhow::bail!("train --live runs until told to stop: give --seconds N (or --steps N)");
    }
    if args.batch == 0 {
        anyhow::bail!("--batch 0 holds no pairs: give at least 1 (the recommended run uses 32)");
    }
    if let Some(n) = args.threads.filter(|&n| n == 0 || n > args.batch) {
        anyhow::bail!("--threads {n}: give 1 to {} (each thread takes a share of the batch's pairs)", args.batch);
    }
    if args.eval_every == Some(0) {
        anyhow::bail!("--eval-every 0 never evaluates: give at least 1");
    }
    if args.max_seq_length < 8 {
        anyhow::bail!(
            "--max-seq-length {} is too short for [CLS] A [SEP] B [SEP]: give at least 8",
            args.max_seq_length
        );
    }
    Ok(())
}

/// The training settings, when the run stops, and how often it evaluates: the TUI's with
/// `--live`, else the recommended run with the flags' changes.
fn settings(inputs: &Inputs, args: &TrainArgs) -> (TrainConfig, Budget, usize) {
    if args.live {
        let mut tcfg = TrainConfig::live(inputs.seed, inputs.sentence_task);
        if let Some(d) = args.decay {
            tcfg.schedule.decay = live_decay(d);
        }
        if let Some(n) = args.threads {
            tcfg.threads = n;
        }
        (tcfg, Budget { steps: args.steps, seconds: args.seconds }, args.eval_every.unwrap_or(EVAL_EVERY_STEPS))
    } else {
        let steps = args.steps.unwrap_or(RECOMMENDED.steps);
        let tcfg = TrainConfig {
            batch_size: args.batch,
            pair: PairConfig {
                max_seq_length: args.max_seq_length,
                task: inputs.sentence_task,
                ..PairConfig::default()
            },
            schedule: Schedule::linear(args.lr, args.warmup.min(steps), steps, 0.0),
            seed: inputs.seed,
            threads: args.threads.unwrap_or_else(default_threads),
            ..TrainConfig::default()
        };
        (tcfg, Budget { steps: Some(steps), seconds: None }, args.eval_every.unwrap_or(500))
    }
}

/// What a report line carries besides the losses: the AUC on `--nsp-pairs`, and with
/// `--live` what the TUI's first screen shows of the default pair.
struct Extras<'a> {
    tok: &'a BertTokenizer,
    pairs: Option<PairSet>,
    screen_pair: Option<Pair>,
}

impl<'a> Extras<'a> {
    fn new(
        inputs: &Inputs,
        args: &TrainArgs,
        tok: &'a BertTokenizer,
        cfg: &BertConfig,
        masker: &Masker,
    ) -> Result<Self> {
        let pairs =
            args.nsp_pairs.as_deref().map(|p| PairSet::load(p, tok, cfg.max_position_embeddings)).transpose()?;
        let screen_pair = if args.live { Some(default_pair(tok, cfg, masker, inputs.seed)?) } else { None };
        Ok(Self { tok, pairs, screen_pair })
    }

    fn json(&self, mut line: serde_json::Value, t: &Trainer) -> serde_json::Value {
        if let Some(set) = &self.pairs {
            line["nsp_pairs_auc"] = serde_json::json!(set.auc(&t.params, &t.cfg));
        }
        if let Some(pair) = &self.screen_pair {
            line["pair"] = pair_guesses(pair, self.tok, &t.params, &t.cfg);
        }
        line
    }

    fn text(&self, t: &Trainer) -> String {
        self.pairs.as_ref().map(|set| format!("  pairs AUC {:.3}", set.auc(&t.params, &t.cfg))).unwrap_or_default()
    }
}

/// The default pair as the TUI first shows it: the same seed, the same first mask.
fn default_pair(tok: &BertTokenizer, cfg: &BertConfig, masker: &Masker, seed: u64) -> Result<Pair> {
    let mut pair = Pair::new(tok, cfg, masker, crate::DEFAULT_A, crate::DEFAULT_B, IS_NEXT, seed)?;
    pair.remask(masker, Pair::common_case_seed(masker, &pair.encoded.ids, seed));
    Ok(pair)
}

/// What the screen shows for `pair` with these weights: each masked word's five likeliest
/// pieces, and P(IsNext). `train --live --json` adds it to every line as `pair`.
fn pair_guesses(pair: &Pair, tok: &BertTokenizer, p: &Params, cfg: &BertConfig) -> serde_json::Value {
    let view = PairView::compute(p, cfg, pair, tok.special.pad, LossWeights::default(), 0);
    let masked: Vec<serde_json::Value> = pair
        .plan
        .masked
        .iter()
        .zip(&view.top)
        .map(|(m, top)| {
            let top: Vec<serde_json::Value> =
                top.iter().map(|&(id, prob)| serde_json::json!([tok.token(id), prob])).collect();
            serde_json::json!({"position": m.position, "original": tok.token(m.original), "top5": top})
        })
        .collect();
    serde_json::json!({"masked": masked, "p_is_next": view.outputs.nsp_probs[[0, 0]]})
}

/// The schedule a `--decay` names (docs/TRAINING.md, "The live schedule").
fn live_decay(d: LiveDecay) -> Decay {
    match d {
        LiveDecay::Linear1700 => Decay::Linear { total: RECOMMENDED.steps, floor: 0.1 },
        LiveDecay::Constant => Decay::Constant,
        LiveDecay::Rsqrt => Decay::InverseSqrt { from: 4000, floor: 0.05 },
        LiveDecay::Cosine30k => Decay::Cosine { total: 30_000, floor: 0.05 },
    }
}

/// The training losses of `window` (the steps since the last evaluation), averaged, and the
/// learning rate of its last step.
fn means(window: &[StepStats]) -> TrainMeans {
    let n = window.len().max(1) as f32;
    let mean = |f: fn(&StepStats) -> f32| window.iter().map(f).sum::<f32>() / n;
    TrainMeans {
        mlm: mean(|s| s.mlm_loss),
        nsp: mean(|s| s.nsp_loss),
        total: mean(|s| s.total_loss),
        lr: window.last().map_or(0.0, |s| s.lr),
        weights: window.last().map_or_else(Default::default, |s| s.weights),
    }
}

/// One row of `--csv`.
fn loss_row(step: usize, train: Option<TrainMeans>, e: &EvalStats, task: SentenceTask) -> LossRow {
    let (heldout_mlm_loss, mlm_top1, nsp_accuracy) = (e.mlm_loss, e.mlm_accuracy, e.nsp_accuracy);
    LossRow { step, train, heldout_mlm_loss, mlm_top1, nsp_accuracy, task }
}

fn report_line(step: usize, secs: f32, (mlm, nsp): (f32, f32), e: &EvalStats) -> String {
    format!(
        "{:>6} {:>8.1} {:>9.3} {:>9.3} {:>9.3} {:>8.1}% {:>8.1}%",
        step,
        secs,
        mlm,
        nsp,
        e.mlm_loss,
        100.0 * e.mlm_accuracy,
        100.0 * e.nsp_accuracy
    )
}

/// One evaluation as `train --json` prints it; accuracies are fractions, and the training
/// losses (the mean since the last line) and the last step's learning rate are null at step 0.
pub fn json_line(
    step: usize,
    secs: f32,
    train: Option<(f32, f32)>,
    lr: Option<f32>,
    e: &EvalStats,
) -> serde_json::Value {
    serde_json::json!({
        "step": step,
        "seconds": secs,
        "train_mlm": train.map(|t| t.0),
        "train_nsp": train.map(|t| t.1),
        "lr": lr,
        "heldout_mlm_loss": e.mlm_loss,
        "heldout_mlm_top1": e.mlm_accuracy,
        "heldout_nsp_acc": e.nsp_accuracy,
        "heldout_nsp_loss": e.nsp_loss,
    })
}
