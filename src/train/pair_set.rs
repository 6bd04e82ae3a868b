//! A set of labelled sentence pairs kept apart from training, and how well the sentence
//! head tells them apart: the AUC of P(IsNext). `tests/data/nsp_single_sentence.tsv` holds
//! single-sentence pairs like the one the TUI shows, unlike the long spans the model trains
//! on (docs/TRAINING.md, "NSP on pairs like the one on screen").
//!
//! File format: `is_next<TAB>A<TAB>B` or `not_next<TAB>A<TAB>B` per line; `#` starts a comment.

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::model::{self, BertConfig, LossWeights, Params};
use crate::text::batch::{Batch, Example};
use crate::text::corpus::{IS_NEXT, NOT_NEXT};
use crate::text::masking::MaskPlan;
use crate::text::tokenize::BertTokenizer;

/// The pairs, encoded (nothing masked) into one padded batch.
#[derive(Debug, Clone)]
pub struct PairSet {
    pub batch: Batch,
}

impl PairSet {
    pub fn load(path: &Path, tok: &BertTokenizer, max_len: usize) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        Self::parse(&text, tok, max_len).with_context(|| format!("in {}", path.display()))
    }

    pub fn parse(text: &str, tok: &BertTokenizer, max_len: usize) -> Result<Self> {
        let mut examples = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            let [label, a, b] = fields[..] else {
                bail!("line {}: expected `is_next|not_next<TAB>A<TAB>B`, found {} fields", i + 1, fields.len());
            };
            let label = match label {
                "is_next" => IS_NEXT,
                "not_next" => NOT_NEXT,
                other => bail!("line {}: the label is `{other}`; use is_next or not_next", i + 1),
            };
            let pair = tok.encode_pair(a, b, max_len)?;
            let plan = MaskPlan::from_positions(&pair.ids, &[], tok.special.mask);
            examples.push(Example::from_plan(plan, pair.segments, label));
        }
        let labels = |l: u32| examples.iter().filter(|e| e.nsp_label == l).count();
        if labels(IS_NEXT) == 0 || labels(NOT_NEXT) == 0 {
            bail!("the set needs both is_next and not_next pairs to measure an AUC");
        }
        Ok(Self { batch: Batch::from_examples(&examples, tok.special.pad) })
    }

    /// P(IsNext) of every pair, in file order.
    pub fn is_next_probs(&self, p: &Params, cfg: &BertConfig) -> Vec<f32> {
        model::evaluate(p, cfg, &self.batch, LossWeights::default()).nsp_probs.column(0).to_vec()
    }

    /// The chance that a random IsNext pair gets a higher P(IsNext) than a random NotNext
    /// pair (ties count half): 0.5 is no better than guessing, 1 separates them all.
    pub fn auc(&self, p: &Params, cfg: &BertConfig) -> f32 {
        auc(&self.is_next_probs(p, cfg), &self.batch.nsp_labels)
    }
}

/// The AUC of `scores` for the positives (`labels` = IS_NEXT) against the negatives.
pub fn auc(scores: &[f32], labels: &[u32]) -> f32 {
    let pos: Vec<f32> = scores.iter().zip(labels).filter(|(_, l)| **l == IS_NEXT).map(|(s, _)| *s).collect();
    let neg: Vec<f32> = scores.iter().zip(labels).filter(|(_, l)| **l != IS_NEXT).map(|(s, _)| *s).collect();
    let wins: f64 = pos
        .iter()
        .flat_map(|p| {
            neg.iter().map(move |n| {
                if p > n {
                    1.0
                } else if p == n {
                    0.5
                } else {
                    0.0
                }
            })
        })
        .sum();
    (wins / (pos.len() * neg.len()).max(1) as f64) as f32
}

#[cfg(test)]
mod tests {
    use super::auc;

    #[test]
    fn auc_counts_ordered_pairs_and_half_ties() {
        assert_eq!(auc(&[0.9, 0.8, 0.2, 0.1], &[0, 0, 1, 1]), 1.0);
        assert_eq!(auc(&[0.1, 0.2, 0.8, 0.9], &[0, 0, 1, 1]), 0.0);
        assert_eq!(auc(&[0.5, 0.5], &[0, 1]), 0.5);
        assert_eq!(auc(&[0.9, 0.3, 0.5, 0.1], &[0, 0, 1, 1]), 0.75);
    }
}
