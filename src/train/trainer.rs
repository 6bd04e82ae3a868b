//! The training loop: batches in, AdamW steps, losses and held-out accuracies out.
//! [`Trainer`] owns the model; the CLI drives it directly and the TUI from a thread.

use anyhow::{Result, bail};
use ndarray::Axis;
use rand::rngs::{SmallRng, StdRng};
use rand::{RngExt, SeedableRng};

use crate::model::profile::{Part, time};
use crate::model::{self, BertConfig, Grads, LossWeights, Params};
use crate::platform;
use crate::text::batch::Batch;
use crate::text::corpus::{Corpus, SentenceTask};
use crate::text::data::{PairConfig, Stream, held_out_batches};
use crate::text::masking::Masker;
use crate::train::optim::{AdamW, Decay, Schedule, clip_grad_norm};

/// Training hyper-parameters; see docs/DESIGN.md "Design decisions" for why these values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainConfig {
    pub batch_size: usize,
    pub pair: PairConfig,
    pub schedule: Schedule,
    pub max_grad_norm: f32,
    pub weights: LossWeights,
    pub seed: u64,
    /// Threads for data-parallel steps (the batch is split between them).
    pub threads: usize,
}

/// The recommended run for the default model: what `bert-tutor train` does with no flags,
/// and the warm-up, peak and sequence length of the TUI's open-ended run. Chosen from the
/// experiments in docs/TRAINING.md.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recipe {
    pub steps: usize,
    pub peak_lr: f32,
    pub warmup: usize,
    pub batch: usize,
    pub max_seq_length: usize,
}

pub const RECOMMENDED: Recipe = Recipe { steps: 1700, peak_lr: 2e-3, warmup: 200, batch: 32, max_seq_length: 128 };

/// The TUI's open-ended run, which `train --live` repeats: the recommended warm-up and
/// peak, then a decay with no last step. Chosen by the experiments in docs/TRAINING.md
/// ("The live schedule"), run with this trainer headless.
///
/// The peak holds to step 4,000, where the held-out MLM loss starts its fast fall (the model
/// starts to use context), then decays as 1/√step, so a run left open keeps learning: at
/// step 16,000 (about 12 minutes on two cores) the rate is still half the peak.
pub const LIVE_SCHEDULE: Schedule = Schedule {
    peak: RECOMMENDED.peak_lr,
    warmup: RECOMMENDED.warmup,
    decay: Decay::InverseSqrt { from: 4000, floor: 0.05 },
};

impl Recipe {
    /// Warm-up, then linear decay to `floor · peak` at `total`.
    pub fn schedule(&self, total: usize, floor: f32) -> Schedule {
        Schedule::linear(self.peak_lr, self.warmup, total, floor)
    }
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            batch_size: RECOMMENDED.batch,
            pair: PairConfig { max_seq_length: RECOMMENDED.max_seq_length, ..PairConfig::default() },
            schedule: RECOMMENDED.schedule(RECOMMENDED.steps, 0.0),
            max_grad_norm: 1.0,
            weights: LossWeights::default(),
            seed: 0,
            threads: default_threads(),
        }
    }
}

impl TrainConfig {
    /// The TUI's training settings (and `train --live`'s): the recommended batch and
    /// sequence length, [`LIVE_SCHEDULE`], [`live_threads`].
    pub fn live(seed: u64, task: SentenceTask) -> Self {
        let defaults = TrainConfig::default();
        let pair = PairConfig { task, ..defaults.pair };
        TrainConfig { schedule: LIVE_SCHEDULE, seed, pair, threads: live_threads(), ..defaults }
    }

    /// The loss weights a step uses: the chosen ones, with the sentence head's at 0 when
    /// the sentence task is `none`.
    pub fn loss_weights(&self) -> LossWeights {
        let nsp = if self.pair.task.trains_head() { self.weights.nsp } else { 0.0 };
        LossWeights { nsp, ..self.weights }
    }
}

/// How often the trainer keeps a copy of the weights to fall back on.
pub const GOOD_EVERY: usize = 100;

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StepStats {
    pub step: usize,
    pub mlm_loss: f32,
    pub nsp_loss: f32,
    pub total_loss: f32,
    pub lr: f32,
    pub grad_norm: f32,
    /// The loss weights this step trained with: total = mlm · MLM + nsp · NSP.
    pub weights: LossWeights,
}

/// Losses and accuracies on the held-out documents (no dropout).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EvalStats {
    pub mlm_loss: f32,
    pub nsp_loss: f32,
    pub mlm_accuracy: f32,
    pub nsp_accuracy: f32,
}

pub struct Trainer {
    pub cfg: BertConfig,
    pub params: Params,
    pub tcfg: TrainConfig,
    pub step: usize,
    learner: Learner,
    last_good: (usize, Params),
    corpus: Corpus,
    masker: Masker,
    stream: Stream,
    eval: Vec<Batch>,
    rng: StdRng,
}

impl Trainer {
    pub fn new(cfg: BertConfig, params: Params, corpus: Corpus, masker: Masker, tcfg: TrainConfig) -> Result<Self> {
        if masker.vocab_size != cfg.vocab_size {
            bail!("the tokenizer has {} pieces but the model's vocabulary is {}", masker.vocab_size, cfg.vocab_size);
        }
        if tcfg.pair.max_seq_length > cfg.max_position_embeddings {
            bail!(
                "training sequences of {} tokens do not fit the model's {} positions",
                tcfg.pair.max_seq_length,
                cfg.max_position_embeddings
            );
        }
        let (stream, eval) = pair_data(&corpus, tcfg.pair, &masker);
        Ok(Self {
            learner: Learner::new(&cfg, tcfg.threads),
            last_good: (0, params.clone()),
            stream,
            rng: StdRng::seed_from_u64(tcfg.seed),
            step: 0,
            cfg,
            params,
            tcfg,
            corpus,
            masker,
            eval,
        })
    }

    /// One AdamW step on a fresh batch. A non-finite loss or gradient stops training
    /// before the weights are touched, so `params` stays the last good state.
    ///
    /// Weights can also go bad while staying finite (a huge learning rate), so a copy is
    /// kept every [`GOOD_EVERY`] steps; on failure the weights go back to it.
    pub fn train_step(&mut self) -> Result<StepStats> {
        // A step can leave non-finite weights behind a finite loss (a huge learning rate):
        // only finite weights become the ones a failure goes back to.
        if self.step.is_multiple_of(GOOD_EVERY) && self.params.global_norm().is_finite() {
            self.last_good = (self.step, self.params.clone());
        }
        let batch = self.stream.next_batch(self.tcfg.batch_size, &self.corpus, &self.masker, &mut self.rng);
        match self.learner.step(&self.cfg, &self.tcfg, &mut self.params, self.step, &batch, &mut self.rng) {
            Ok(stats) => {
                self.step += 1;
                Ok(stats)
            }
            Err(e) => {
                (self.step, self.params) = self.last_good.clone();
                self.learner = Learner::new(&self.cfg, self.tcfg.threads);
                Err(e)
            }
        }
    }

    /// Held-out MLM top-1 accuracy and sentence-head accuracy, with their losses.
    pub fn evaluate(&self) -> EvalStats {
        evaluate_batches(&self.params, &self.cfg, &self.eval)
    }

    /// Trains on another sentence objective from the next step on: a new pair stream and
    /// held-out set of that task; the weights and optimizer state stay.
    pub fn set_task(&mut self, task: SentenceTask) {
        self.tcfg.pair.task = task;
        (self.stream, self.eval) = pair_data(&self.corpus, self.tcfg.pair, &self.masker);
    }

    /// Starts over from `params`: step 0, fresh optimizer moments.
    pub fn reset(&mut self, params: Params) {
        self.last_good = (0, params.clone());
        self.params = params;
        self.learner = Learner::new(&self.cfg, self.tcfg.threads);
        self.step = 0;
    }

    /// Everything a later step depends on: weights, optimizer moments, step, the pair
    /// stream's position and the random state, and the settings. Restoring it makes the
    /// following steps repeat exactly (a demo going back).
    ///
    /// rand 0.10's `StdRng` cannot be copied, so the random state is kept as a seed: the
    /// generator draws one and starts again from it. Taking a state therefore changes the
    /// random numbers that follow, the same way every time, as a demo takes its states at
    /// the same points every time.
    pub fn state(&mut self) -> TrainerState {
        let rng_seed: u64 = self.rng.random();
        self.rng = StdRng::seed_from_u64(rng_seed);
        TrainerState {
            params: self.params.clone(),
            opt: self.learner.opt.clone(),
            step: self.step,
            last_good: self.last_good.clone(),
            stream: self.stream.clone(),
            rng_seed,
            tcfg: self.tcfg,
        }
    }

    /// Puts back a [`Trainer::state`]. The held-out set is not part of it: it depends only
    /// on the corpus and the sentence task, so it is rebuilt only if the task changed since.
    pub fn set_state(&mut self, s: &TrainerState) {
        if s.tcfg.pair.task != self.tcfg.pair.task {
            self.eval = pair_data(&self.corpus, s.tcfg.pair, &self.masker).1;
        }
        self.params = s.params.clone();
        self.learner.opt = s.opt.clone();
        self.step = s.step;
        self.last_good = s.last_good.clone();
        self.stream = s.stream.clone();
        self.rng = StdRng::seed_from_u64(s.rng_seed);
        self.tcfg = s.tcfg;
    }

    /// How many held-out pairs `evaluate` scores.
    pub fn held_out_pairs(&self) -> usize {
        self.eval.iter().map(|b| b.batch).sum()
    }

    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    pub fn masker(&self) -> &Masker {
        &self.masker
    }
}

/// The training stream (training documents) and the fixed held-out batches (held-out
/// documents) for one pair setting.
fn pair_data(corpus: &Corpus, pair: PairConfig, masker: &Masker) -> (Stream, Vec<Batch>) {
    let (train, held) = corpus.split();
    (Stream::new(train, pair), held_out_batches(corpus, held, pair, masker, 64))
}

/// Losses and accuracies of `p` over fixed batches (no dropout): MLM over every masked
/// token, the sentence head over every sequence.
pub fn evaluate_batches(p: &Params, cfg: &BertConfig, batches: &[Batch]) -> EvalStats {
    let (mut mlm, mut nsp, mut mlm_ok, mut nsp_ok, mut m_n, mut b_n) = (0.0, 0.0, 0, 0, 0, 0);
    // A forward pass keeps every layer's activations, (B·A, T, T) attention maps among
    // them: 16 pairs at a time keep that to a quarter of a 64-pair batch's (docs/PERFORMANCE.md, "Memory").
    let parts = batches.iter().flat_map(|b| b.split(b.batch.div_ceil(EVAL_PAIRS)));
    for batch in &parts.collect::<Vec<_>>() {
        let out = model::evaluate(p, cfg, batch, LossWeights::default());
        let m = batch.mlm_labels.len();
        mlm += out.mlm_loss * m as f32;
        nsp += out.nsp_loss * batch.batch as f32;
        mlm_ok += argmax_hits(&out.mlm_logits, &batch.mlm_labels);
        nsp_ok += argmax_hits(&out.nsp_logits, &batch.nsp_labels);
        m_n += m;
        b_n += batch.batch;
    }
    let (m_n, b_n) = (m_n.max(1) as f32, b_n.max(1) as f32);
    EvalStats {
        mlm_loss: mlm / m_n,
        nsp_loss: nsp / b_n,
        mlm_accuracy: mlm_ok as f32 / m_n,
        nsp_accuracy: nsp_ok as f32 / b_n,
    }
}

/// Pairs per forward pass in [`evaluate_batches`].
const EVAL_PAIRS: usize = 16;

/// How many rows' largest logit is their label.
pub fn argmax_hits(logits: &ndarray::Array2<f32>, labels: &[u32]) -> usize {
    logits
        .axis_iter(Axis(0))
        .zip(labels)
        .filter(|(row, label)| {
            let best =
                row.iter().enumerate().fold((0, f32::NEG_INFINITY), |b, (i, &x)| if x > b.1 { (i, x) } else { b });
            best.0 == **label as usize
        })
        .count()
}

/// The thread count of runs that must repeat exactly (demos, headless exports): each thread
/// sums the gradient of its share of the batch and the shares are then added, so the float
/// rounding, and with it every later number, depends on how many shares there are. Pinning
/// it makes a run independent of the machine's core count.
pub const REPEATABLE_THREADS: usize = 2;

/// One thread per core (docs/PERFORMANCE.md, "Threads", has where more stop paying).
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The live run's threads: one per core, but one core left to the screen on machines of
/// 8 cores or more, where that costs at most an eighth of the speed. On fewer cores the
/// trainer takes them all and runs at a lower priority instead (`worker.rs`), since a
/// core left idle there would cost a third or half of the speed for a screen that needs
/// a few percent of one.
pub fn live_threads() -> usize {
    let n = default_threads();
    if n >= 8 { n - 1 } else { n }
}

/// A copy of a [`Trainer`]'s evolving state; see [`Trainer::state`].
#[derive(Debug, Clone)]
pub struct TrainerState {
    params: Params,
    opt: AdamW,
    step: usize,
    last_good: (usize, Params),
    stream: Stream,
    rng_seed: u64,
    tcfg: TrainConfig,
}

/// The model side of a training step: gradient buffers (one per thread) and AdamW.
/// Used by the trainer and by `bench`, so both time the same work.
pub struct Learner {
    grads: Vec<Grads>,
    opt: AdamW,
}

impl Learner {
    pub fn new(cfg: &BertConfig, threads: usize) -> Self {
        Self { grads: (0..threads.max(1)).map(|_| Grads::zeros(cfg)).collect(), opt: AdamW::new(cfg) }
    }

    /// Forward with dropout, backward, clip, AdamW. The batch is split across threads;
    /// each part's loss is weighted by its share of the masked tokens and sequences, so
    /// the summed gradient is exactly that of the whole batch's mean losses.
    pub fn step(
        &mut self,
        cfg: &BertConfig,
        tcfg: &TrainConfig,
        params: &mut Params,
        step: usize,
        batch: &Batch,
        rng: &mut StdRng,
    ) -> Result<StepStats> {
        let (mlm_loss, nsp_loss, total_loss) = self.gradients(cfg, tcfg.loss_weights(), params, batch, rng);
        let (first, rest) = self.grads.split_first_mut().expect("at least one buffer");
        let grad_norm = time(Part::GradientSum, || {
            for g in rest.iter() {
                add_into(first, g);
            }
            clip_grad_norm(first, tcfg.max_grad_norm)
        });
        if !total_loss.is_finite() || !grad_norm.is_finite() {
            bail!(
                "step {}: the loss or gradient became {total_loss} (NaN or infinite); lower the learning rate",
                step + 1
            );
        }
        let lr = tcfg.schedule.lr(step);
        time(Part::Optimizer, || self.opt.step(params, first, lr));
        Ok(StepStats { step: step + 1, mlm_loss, nsp_loss, total_loss, lr, grad_norm, weights: tcfg.loss_weights() })
    }

    /// Fills the per-thread gradient buffers; returns (MLM, NSP, total) of the whole batch.
    fn gradients(
        &mut self,
        cfg: &BertConfig,
        w: LossWeights,
        p: &Params,
        batch: &Batch,
        rng: &mut StdRng,
    ) -> (f32, f32, f32) {
        let parts = batch.split(self.grads.len());
        let m_all = batch.mlm_labels.len().max(1) as f32;
        let b_all = batch.batch.max(1) as f32;
        let seeds: Vec<u64> = parts.iter().map(|_| rng.random()).collect();
        let run = |part: &Batch, seed: u64, g: &mut Grads| {
            let (m, b) = (part.mlm_labels.len() as f32, part.batch as f32);
            let wp = LossWeights { mlm: w.mlm * m / m_all, nsp: w.nsp * b / b_all };
            let mut rng = SmallRng::seed_from_u64(seed);
            let (mut out, cache) = model::forward(p, cfg, part, wp, Some(&mut rng));
            // Backward reads the probabilities, not the logits: free them first (M × V, the
            // largest array of the heads).
            out.mlm_logits = ndarray::Array2::zeros((0, 0));
            g.zero();
            model::backward(p, cfg, part, wp, &out, &cache, g);
            (out.mlm_loss * m / m_all, out.nsp_loss * b / b_all)
        };
        let n = parts.len();
        let (used, idle) = self.grads.split_at_mut(n);
        for g in idle {
            g.zero();
        }
        let losses: Vec<(f32, f32)> = std::thread::scope(|s| {
            let mut iter = parts.iter().zip(&seeds).zip(used.iter_mut());
            let (first, rest): (Vec<_>, Vec<_>) = (iter.next().into_iter().collect(), iter.collect());
            let lowered = platform::this_thread_lowered();
            let handles: Vec<_> = rest
                .into_iter()
                .map(|((part, &seed), g)| {
                    s.spawn(move || {
                        platform::match_priority(lowered); // macOS and Windows do not inherit it
                        run(part, seed, g)
                    })
                })
                .collect();
            let mut out: Vec<(f32, f32)> = first.into_iter().map(|((part, &seed), g)| run(part, seed, g)).collect();
            out.extend(handles.into_iter().map(|h| h.join().expect("a training thread panicked")));
            out
        });
        let mlm: f32 = losses.iter().map(|l| l.0).sum();
        let nsp: f32 = losses.iter().map(|l| l.1).sum();
        (mlm, nsp, w.mlm * mlm + w.nsp * nsp)
    }
}

/// a += b, tensor by tensor.
fn add_into(a: &mut Grads, b: &Grads) {
    for ((_, mut x), (_, y)) in a.tensors_mut().into_iter().zip(b.tensors()) {
        x += &y;
    }
}
