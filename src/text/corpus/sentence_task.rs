//! The sentence-level objective trained beside masked LM, and the pairs each one reads.
//!
//! - **NSP** (BERT): B is A's real continuation or text from another document
//!   ([`super::create_instances_from_document`]).
//! - **SOP** (ALBERT's sentence-order prediction): two consecutive segments of one
//!   document, swapped with probability 0.5 ([`create_sop_instances_from_document`]).
//! - **None** (RoBERTa): masked LM alone. It reads exactly NSP's pairs with the sentence
//!   head's loss weight at 0, so a `none` run and an `nsp` run with the same seed see the
//!   same batches and masks, and differ only by the NSP loss.
//!
//! All three use the same binary head; only the label names change.

use rand::RngExt;
use serde::Serialize;

use super::{Document, PairInstance, truncate_seq_pair};

/// Which sentence objective trains the `[CLS]` head.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SentenceTask {
    /// Next sentence prediction: IsNext / NotNext (BERT).
    #[default]
    Nsp,
    /// Sentence-order prediction: InOrder / Swapped (ALBERT).
    Sop,
    /// No sentence objective: masked LM alone (RoBERTa).
    None,
}

impl SentenceTask {
    pub const ALL: [SentenceTask; 3] = [SentenceTask::None, SentenceTask::Nsp, SentenceTask::Sop];

    /// The names of labels 0 and 1.
    pub fn label_names(self) -> [&'static str; 2] {
        match self {
            SentenceTask::Sop => ["InOrder", "Swapped"],
            SentenceTask::Nsp | SentenceTask::None => ["IsNext", "NotNext"],
        }
    }

    /// The head's name on screen: NSP, SOP, or NSP for the switched-off head of `none`.
    pub fn head(self) -> &'static str {
        match self {
            SentenceTask::Sop => "SOP",
            SentenceTask::Nsp | SentenceTask::None => "NSP",
        }
    }

    /// The command-line spelling: nsp, sop, none.
    pub fn name(self) -> &'static str {
        match self {
            SentenceTask::Nsp => "nsp",
            SentenceTask::Sop => "sop",
            SentenceTask::None => "none",
        }
    }

    /// Whether the sentence head's loss counts in the total.
    pub fn trains_head(self) -> bool {
        self != SentenceTask::None
    }

    /// The next task in the TUI's cycle: nsp → sop → none → nsp.
    pub fn next(self) -> Self {
        match self {
            SentenceTask::Nsp => SentenceTask::Sop,
            SentenceTask::Sop => SentenceTask::None,
            SentenceTask::None => SentenceTask::Nsp,
        }
    }

    /// Pairs of one document for this task (see the module comment).
    pub fn instances<R: rand::Rng>(
        self,
        docs: &[Document],
        pool: &[usize],
        doc: usize,
        max_seq_length: usize,
        short_seq_prob: f64,
        rng: &mut R,
    ) -> Vec<PairInstance> {
        match self {
            SentenceTask::Nsp | SentenceTask::None => {
                super::create_instances_from_document(docs, pool, doc, max_seq_length, short_seq_prob, rng)
            }
            SentenceTask::Sop => {
                create_sop_instances_from_document(&docs[pool[doc]], max_seq_length, short_seq_prob, rng)
            }
        }
    }
}

/// Label 0 of SOP: A then B, as written.
pub const IN_ORDER: u32 = 0;
/// Label 1 of SOP: B then A.
pub const SWAPPED: u32 = 1;

/// ALBERT `create_pretraining_data.py` `create_instances_from_document` with
/// `random_next_sentence` off: BERT's chunking into whole sentences up to a target length,
/// A = the chunk's first `a_end` sentences, B = the rest, and with probability 0.5 the two
/// swap places (label [`SWAPPED`]).
///
/// One change: ALBERT still takes B from another document when a chunk holds a single
/// sentence, and labels it swapped, which lets a model score SOP by topic. Here a chunk
/// grows until it holds two sentences, and a lone last sentence is left out, so every
/// pair is two adjacent segments of one document.
pub fn create_sop_instances_from_document<R: rand::Rng>(
    document: &Document,
    max_seq_length: usize,
    short_seq_prob: f64,
    rng: &mut R,
) -> Vec<PairInstance> {
    let max_num_tokens = max_seq_length - 3;
    let target = super::target_seq_length(max_num_tokens, short_seq_prob, rng);
    let mut instances = Vec::new();
    let mut chunk: Vec<&Vec<u32>> = Vec::new();
    let mut chunk_len = 0;
    for (i, segment) in document.iter().enumerate() {
        chunk.push(segment);
        chunk_len += segment.len();
        let last = i == document.len() - 1;
        if chunk.len() < 2 || !(last || chunk_len >= target) {
            continue;
        }
        let a_end = rng.random_range(1..=chunk.len() - 1);
        let mut tokens_a: Vec<u32> = chunk[..a_end].iter().flat_map(|s| s.iter().copied()).collect();
        let mut tokens_b: Vec<u32> = chunk[a_end..].iter().flat_map(|s| s.iter().copied()).collect();
        let mut label = IN_ORDER;
        if rng.random::<f64>() < 0.5 {
            std::mem::swap(&mut tokens_a, &mut tokens_b);
            label = SWAPPED;
        }
        truncate_seq_pair(&mut tokens_a, &mut tokens_b, max_num_tokens, rng);
        instances.push(PairInstance { tokens_a, tokens_b, nsp_label: label });
        chunk.clear();
        chunk_len = 0;
    }
    instances
}
