//! The training loop: batches in, AdamW steps, losses and held-out accuracies out.
//! [`Trainer`] owns the model; the CLI drives it directly and the TUI from a thread.

use anyhow::{Result, bail};
use ndarray::Axis;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::corpus::Corpus;
use crate::data::{PairConfig, Stream, held_out_batches};
use crate::masking::Masker;
use crate::model::{self, BertConfig, Grads, LossWeights, Params};
use crate::optim::{AdamW, Schedule, clip_grad_norm};

/// Training hyper-parameters; see README "Design decisions" for why these values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainConfig {
    pub batch_size: usize,
    pub pair: PairConfig,
    pub schedule: Schedule,
    pub max_grad_norm: f32,
    pub weights: LossWeights,
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            batch_size: 32,
            pair: PairConfig::default(),
            schedule: Schedule { peak: 2e-3, warmup: 200, total: 5000, floor: 0.0 },
            max_grad_norm: 1.0,
            weights: LossWeights::default(),
            seed: 0,
        }
    }
}

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StepStats {
    pub step: usize,
    pub mlm_loss: f32,
    pub nsp_loss: f32,
    pub total_loss: f32,
    pub lr: f32,
    pub grad_norm: f32,
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
    grads: Grads,
    opt: AdamW,
    corpus: Corpus,
    masker: Masker,
    stream: Stream,
    eval: Vec<crate::batch::Batch>,
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
        let (train, held) = corpus.split();
        let eval = held_out_batches(&corpus, held, tcfg.pair, &masker, 64);
        Ok(Self {
            grads: Grads::zeros(&cfg),
            opt: AdamW::new(&cfg),
            stream: Stream::new(train, tcfg.pair),
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
    pub fn train_step(&mut self) -> Result<StepStats> {
        let batch = self.stream.next_batch(self.tcfg.batch_size, &self.corpus, &self.masker, &mut self.rng);
        let w = self.tcfg.weights;
        let (out, cache) = model::forward(&self.params, &self.cfg, &batch, w, Some(&mut self.rng));
        self.grads.zero();
        model::backward(&self.params, &self.cfg, &batch, w, &out, &cache, &mut self.grads);
        let grad_norm = clip_grad_norm(&mut self.grads, self.tcfg.max_grad_norm);
        if !out.total_loss.is_finite() || !grad_norm.is_finite() {
            bail!(
                "step {}: the loss or gradient became {} (NaN or infinite); lower the learning rate",
                self.step + 1,
                out.total_loss
            );
        }
        let lr = self.tcfg.schedule.lr(self.step);
        self.opt.step(&mut self.params, &self.grads, lr);
        self.step += 1;
        Ok(StepStats {
            step: self.step,
            mlm_loss: out.mlm_loss,
            nsp_loss: out.nsp_loss,
            total_loss: out.total_loss,
            lr,
            grad_norm,
        })
    }

    /// Held-out MLM top-1 accuracy and NSP accuracy, with their losses.
    pub fn evaluate(&self) -> EvalStats {
        let (mut mlm, mut nsp, mut mlm_ok, mut nsp_ok, mut m_n, mut b_n) = (0.0, 0.0, 0, 0, 0, 0);
        for batch in &self.eval {
            let out = model::evaluate(&self.params, &self.cfg, batch, LossWeights::default());
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

    /// Starts over from `params`: step 0, fresh optimizer moments.
    pub fn reset(&mut self, params: Params) {
        self.params = params;
        self.opt = AdamW::new(&self.cfg);
        self.step = 0;
    }

    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    pub fn masker(&self) -> &Masker {
        &self.masker
    }
}

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
