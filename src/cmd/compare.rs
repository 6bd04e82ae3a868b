//! `bert-tutor compare`: ALBERT's Table 5 at toy scale. One model per sentence objective
//! (none, NSP, SOP), each from the same initial weights and seed, the recommended
//! schedule, and `--steps` steps; then every model is scored on all three tasks:
//!
//! - MLM top-1 on the held-out NSP pairs (the same masked tokens for every model);
//! - NSP and SOP accuracy on held-out pairs of that task: by the model's own head when it
//!   was trained on the task, otherwise by a linear probe on its frozen `[CLS]` vector,
//!   fitted on pairs from the training documents (see `train/probe.rs`).

use std::path::Path;

use anyhow::{Context, Result, bail};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::Serialize;

use crate::cmd::cli::{CompareArgs, Inputs, ShapeArgs};
use crate::text::batch::Batch;
use crate::text::corpus::{Corpus, SentenceTask};
use crate::text::data::{PairConfig, Stream, held_out_batches};

use crate::model::{BertConfig, Params};
use crate::text::masking::Masker;
use crate::train::probe::{Probe, cls_features};
use crate::train::{RECOMMENDED, REPEATABLE_THREADS, TrainConfig, Trainer, evaluate_batches};

/// How a task's accuracy was measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scorer {
    /// The model's own trained head.
    Head,
    /// A linear probe on the frozen `[CLS]` vector.
    Probe,
}

/// One point of a model's held-out curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CurvePoint {
    pub step: usize,
    pub mlm_top1: f32,
    /// The trained head's accuracy on its own task (the untrained NSP head for `none`).
    pub head_acc: f32,
}

/// One row of the table: a model and its three scores (accuracies as fractions).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub trained_with: SentenceTask,
    pub mlm_top1: f32,
    pub nsp_acc: f32,
    pub sop_acc: f32,
    pub nsp_by: Scorer,
    pub sop_by: Scorer,
    #[serde(skip)]
    pub curve: Vec<CurvePoint>,
}

/// The fixed data every model is scored on.
struct Sets {
    held_nsp: Vec<Batch>,
    held_sop: Vec<Batch>,
    fit_nsp: Vec<Batch>,
    fit_sop: Vec<Batch>,
}

impl Sets {
    fn new(corpus: &Corpus, masker: &Masker, max_seq_length: usize, probe_pairs: usize) -> Self {
        let (train, held) = corpus.split();
        let pair = |task| PairConfig { max_seq_length, task, ..PairConfig::default() };
        let fit = |task| {
            let mut rng = StdRng::seed_from_u64(4242);
            let mut stream = Stream::new(train.clone(), pair(task));
            (0..probe_pairs.div_ceil(64)).map(|_| stream.next_batch(64, corpus, masker, &mut rng)).collect()
        };
        Sets {
            held_nsp: held_out_batches(corpus, held.clone(), pair(SentenceTask::Nsp), masker, 64),
            held_sop: held_out_batches(corpus, held, pair(SentenceTask::Sop), masker, 64),
            fit_nsp: fit(SentenceTask::Nsp),
            fit_sop: fit(SentenceTask::Sop),
        }
    }
}

pub fn run(inputs: &Inputs, args: &CompareArgs) -> Result<()> {
    let rows = compare(inputs, args)?;
    if let Some(path) = &args.csv {
        write_csv(path, &rows)?;
    }
    let threads = threads(args)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "threads": threads, "rows": rows }))?);
    } else {
        print!("{}", table(&rows, args.steps, threads));
        if let Some(path) = &args.csv {
            println!("wrote {}", path.display());
        }
    }
    Ok(())
}

/// The threads each model trains with: `--threads`, else [`REPEATABLE_THREADS`], so that the
/// same seed gives the same rows whatever the machine's core count (the gradient's rounding
/// depends on how many shares the batch is split into).
fn threads(args: &CompareArgs) -> Result<usize> {
    match args.threads {
        None => Ok(REPEATABLE_THREADS),
        Some(n) if n == 0 || n > RECOMMENDED.batch => {
            bail!("--threads {n}: give 1 to {} (each thread takes a share of the batch's pairs)", RECOMMENDED.batch)
        }
        Some(n) => Ok(n),
    }
}

/// Trains and scores one model per task; the same seed and thread count give the same rows.
pub fn compare(inputs: &Inputs, args: &CompareArgs) -> Result<Vec<Row>> {
    if args.steps == 0 {
        bail!("--steps 0 trains nothing: give at least 1");
    }
    let tasks = &args.sentence_tasks;
    if tasks.is_empty() {
        bail!("--sentence-tasks is empty: give some of none,nsp,sop");
    }
    if let Some(t) = tasks.iter().enumerate().find_map(|(i, t)| tasks[..i].contains(t).then_some(t)) {
        bail!("--sentence-tasks names {} twice: each task trains one model, so give each once", t.name());
    }
    let threads = threads(args)?;
    let tok = super::load_tokenizer(inputs)?;
    let corpus = super::load_corpus(inputs, &tok)?;
    let seq = RECOMMENDED.max_seq_length;
    let (cfg, params) = super::load_model_shaped(inputs, &tok, &ShapeArgs::default(), seq)?;
    let masker = Masker::for_tokenizer(&tok);
    let sets = Sets::new(&corpus, &masker, seq, args.probe_pairs.max(2));
    let mut bar = super::progress::Progress::new(args.steps * tasks.len());
    let mut rows = Vec::new();
    for &task in tasks {
        let tcfg = TrainConfig {
            pair: PairConfig { max_seq_length: seq, task, ..PairConfig::default() },
            schedule: RECOMMENDED.schedule(args.steps, 0.0),
            seed: inputs.seed,
            threads,
            ..TrainConfig::default()
        };
        let mut trainer = Trainer::new(cfg.clone(), params.clone(), corpus.clone(), masker.clone(), tcfg)?;
        let every = args.eval_every.unwrap_or(args.steps / 10).max(1);
        let mut curve = vec![point(&trainer)];
        while trainer.step < args.steps {
            trainer.train_step().with_context(|| format!("training with {}", task.name()))?;
            bar.inc(format!("training with {}", task.name()));
            if trainer.step.is_multiple_of(every) || trainer.step == args.steps {
                curve.push(point(&trainer));
            }
        }
        rows.push(score(task, &trainer.params, &trainer.cfg, &sets, args.probe_steps, curve));
    }
    drop(bar);
    Ok(rows)
}

fn point(t: &Trainer) -> CurvePoint {
    let e = t.evaluate();
    CurvePoint { step: t.step, mlm_top1: e.mlm_accuracy, head_acc: e.nsp_accuracy }
}

/// All three scores of one trained model.
fn score(
    task: SentenceTask,
    p: &Params,
    cfg: &BertConfig,
    sets: &Sets,
    probe_steps: usize,
    curve: Vec<CurvePoint>,
) -> Row {
    let nsp = evaluate_batches(p, cfg, &sets.held_nsp);
    let mlm_top1 = nsp.mlm_accuracy;
    let by = |trained: SentenceTask, fit: &[Batch], held: &[Batch]| {
        if task == trained {
            (evaluate_batches(p, cfg, held).nsp_accuracy, Scorer::Head)
        } else {
            (probe_accuracy(p, cfg, fit, held, probe_steps), Scorer::Probe)
        }
    };
    let (nsp_acc, nsp_by) = by(SentenceTask::Nsp, &sets.fit_nsp, &sets.held_nsp);
    let (sop_acc, sop_by) = by(SentenceTask::Sop, &sets.fit_sop, &sets.held_sop);
    Row { trained_with: task, mlm_top1, nsp_acc, sop_acc, nsp_by, sop_by, curve }
}

/// Fits a probe on `fit`'s `[CLS]` vectors and scores it on `held`'s.
pub fn probe_accuracy(p: &Params, cfg: &BertConfig, fit: &[Batch], held: &[Batch], steps: usize) -> f32 {
    let (x, y) = cls_features(p, cfg, fit);
    let probe = Probe::fit(&x, &y, steps);
    let (hx, hy) = cls_features(p, cfg, held);
    probe.accuracy(&hx, &hy)
}

fn write_csv(path: &Path, rows: &[Row]) -> Result<()> {
    let mut text = String::from("trained_with,mlm_top1,nsp_acc,sop_acc,nsp_by,sop_by\n");
    for r in rows {
        let by = |s: Scorer| if s == Scorer::Head { "head" } else { "probe" };
        text += &format!(
            "{},{:.4},{:.4},{:.4},{},{}\n",
            r.trained_with.name(),
            r.mlm_top1,
            r.nsp_acc,
            r.sop_acc,
            by(r.nsp_by),
            by(r.sop_by)
        );
    }
    std::fs::write(path, text).with_context(|| format!("cannot write the CSV to {}", path.display()))
}

/// The 3×3 table, then each model's held-out curves as sparklines.
pub fn table(rows: &[Row], steps: usize, threads: usize) -> String {
    let pct = |x: f32, by: Scorer| format!("{:5.1}%{}", 100.0 * x, if by == Scorer::Probe { " (probe)" } else { "" });
    let mut out = format!("Held-out scores after {steps} steps per model (accuracies on held-out documents)\n");
    out += &format!("{threads} threads: the same seed and thread count give the same table on one kind of CPU\n\n");
    out += &format!("{:<13} {:>10}  {:<15} {:<15}\n", "trained with", "MLM top-1", "NSP acc", "SOP acc");
    for r in rows {
        out += &format!(
            "{:<13} {:>9.1}%  {:<15} {:<15}\n",
            r.trained_with.name(),
            100.0 * r.mlm_top1,
            pct(r.nsp_acc, r.nsp_by),
            pct(r.sop_acc, r.sop_by)
        );
    }
    out += "\n(probe) = a logistic regression on the frozen [CLS] vector, fitted on training documents.\n\n";
    out += "Curves (held-out, step 0 to the end):\n";
    for r in rows {
        let mlm: Vec<f32> = r.curve.iter().map(|c| c.mlm_top1).collect();
        out += &format!("{:<5} MLM top-1 {}", r.trained_with.name(), sparkline(&mlm));
        if r.trained_with.trains_head() {
            let head: Vec<f32> = r.curve.iter().map(|c| c.head_acc).collect();
            out += &format!("   {} acc {}", r.trained_with.head(), sparkline(&head));
        }
        out += "\n";
    }
    out
}

/// `▁▂▃▄▅▆▇█` scaled from the series' minimum to its maximum, then first → last value.
pub fn sparkline(values: &[f32]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let (lo, hi) = values.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
    let span = (hi - lo).max(1e-6);
    let bars: String = values.iter().map(|&v| BARS[(((v - lo) / span) * 7.0).round() as usize]).collect();
    match (values.first(), values.last()) {
        (Some(a), Some(b)) => format!("{bars} {:.1}% → {:.1}%", 100.0 * a, 100.0 * b),
        _ => bars,
    }
}
