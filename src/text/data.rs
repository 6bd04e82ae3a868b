//! An endless stream of masked training examples, and fixed held-out batches.
//!
//! As `create_training_instances` does, each pass over the training documents builds
//! pairs from every document in a shuffled order, masks them afresh, and shuffles the
//! result; a new pass starts when the last one is used up. Each pass is balanced to half
//! IsNext, half NotNext (see `corpus::balance_nsp` for why).

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::text::batch::{Batch, Example};
use crate::text::corpus::{Corpus, PairInstance, SentenceTask, balance_nsp};
use crate::text::masking::Masker;

/// Settings of pair building (google-research/bert defaults, but shorter sequences).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairConfig {
    pub max_seq_length: usize,
    pub short_seq_prob: f64,
    /// NSP, SOP or none: how B is chosen and what the `[CLS]` label means.
    pub task: SentenceTask,
}

impl Default for PairConfig {
    fn default() -> Self {
        Self { max_seq_length: 32, short_seq_prob: 0.1, task: SentenceTask::Nsp }
    }
}

/// Examples from a pool of documents, pass after pass.
#[derive(Debug, Clone)]
pub struct Stream {
    pool: Vec<usize>,
    pair: PairConfig,
    buffer: Vec<Example>,
    pub passes: usize,
}

impl Stream {
    pub fn new(pool: Vec<usize>, pair: PairConfig) -> Self {
        Self { pool, pair, buffer: Vec::new(), passes: 0 }
    }

    /// One pass: pairs from every document, masked, shuffled.
    fn refill(&mut self, corpus: &Corpus, masker: &Masker, rng: &mut StdRng) {
        let mut order: Vec<usize> = (0..self.pool.len()).collect();
        order.shuffle(rng);
        let (len, short) = (self.pair.max_seq_length, self.pair.short_seq_prob);
        let mut pairs: Vec<PairInstance> = order
            .into_iter()
            .flat_map(|d| self.pair.task.instances(&corpus.docs, &self.pool, d, len, short, rng))
            .collect();
        balance_nsp(&mut pairs, rng);
        self.buffer.extend(pairs.iter().map(|p| Example::from_pair(p, masker, rng)));
        self.buffer.shuffle(rng);
        self.passes += 1;
    }

    /// The next `n` examples as a padded batch.
    pub fn next_batch(&mut self, n: usize, corpus: &Corpus, masker: &Masker, rng: &mut StdRng) -> Batch {
        let mut examples = Vec::with_capacity(n);
        while examples.len() < n {
            if self.buffer.is_empty() {
                self.refill(corpus, masker, rng);
            }
            examples.push(self.buffer.pop().expect("refilled"));
        }
        Batch::from_examples(&examples, masker.special.pad)
    }
}

/// Passes over the held-out documents, each masked afresh (like `dupe_factor`): two passes
/// over the 317 held-out documents give 976 pairs of up to 128 tokens, so an accuracy near
/// 70% has a standard error near 1.5 points, and an evaluation takes about a second.
const HELD_OUT_PASSES: usize = 2;

/// The held-out documents' pairs, built once from a fixed seed, in batches of `n`.
pub fn held_out_batches(corpus: &Corpus, pool: Vec<usize>, pair: PairConfig, masker: &Masker, n: usize) -> Vec<Batch> {
    let mut rng = StdRng::seed_from_u64(12345); // create_pretraining_data.py's random_seed
    let mut stream = Stream::new(pool, pair);
    for _ in 0..HELD_OUT_PASSES {
        stream.refill(corpus, masker, &mut rng);
    }
    stream.buffer.chunks(n).map(|c| Batch::from_examples(c, masker.special.pad)).collect()
}
