//! Choosing the tokens the masked-LM head must predict, and what each one becomes.
//!
//! Google's rule (google-research/bert `create_pretraining_data.py`,
//! `create_masked_lm_predictions`) picks a fixed count, `round(len * 0.15)`, of shuffled
//! candidates; each chosen token becomes `[MASK]` 80% of the time, stays 10%, and turns
//! into a random vocabulary token 10%. Whole-word masking chooses a word's `##` pieces
//! together. HF's `DataCollatorForLanguageModeling` instead flips a 15% coin per token.
//! Every strategy returns a [`MaskPlan`] the UI can show and the loss can use.

use rand::RngExt;
use rand::seq::SliceRandom;
use serde::Serialize;

use crate::text::tokenize::{BertTokenizer, SpecialIds};

/// How the positions to predict are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize)]
pub enum Strategy {
    /// Google's fixed count of shuffled single pieces.
    #[default]
    Fixed,
    /// Google's fixed count, taking whole words (a word's `##` pieces together).
    WholeWord,
    /// HF's independent 15% coin per token: the count varies and can be zero.
    Bernoulli,
}

impl Strategy {
    pub fn label(self) -> &'static str {
        match self {
            Strategy::Fixed => "BERT fixed count",
            Strategy::WholeWord => "whole-word",
            Strategy::Bernoulli => "HF Bernoulli",
        }
    }

    pub fn next(self) -> Self {
        match self {
            Strategy::Fixed => Strategy::WholeWord,
            Strategy::WholeWord => Strategy::Bernoulli,
            Strategy::Bernoulli => Strategy::Fixed,
        }
    }
}

/// What happened to a chosen token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Replaced by `[MASK]` (80%).
    Mask,
    /// Replaced by a random vocabulary token (10%); it may draw the original.
    Random,
    /// Left as it was (10%), so the model cannot trust unmasked tokens blindly.
    Keep,
}

/// One position the MLM head is asked to predict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaskedToken {
    pub position: usize,
    /// The label: the token that was there.
    pub original: u32,
    pub action: Action,
    /// The token the model sees instead.
    pub replacement: u32,
}

/// The outcome of masking one sequence.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MaskPlan {
    /// The model's input after masking.
    pub input_ids: Vec<u32>,
    /// The chosen positions, sorted by position.
    pub masked: Vec<MaskedToken>,
}

impl MaskPlan {
    /// A plan built from hand-picked positions, each replaced by `[MASK]` (as `eval --mask`).
    pub fn from_positions(ids: &[u32], positions: &[usize], mask_id: u32) -> Self {
        let mut input_ids = ids.to_vec();
        let mut sorted = positions.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let masked = sorted
            .into_iter()
            .map(|position| {
                input_ids[position] = mask_id;
                MaskedToken { position, original: ids[position], action: Action::Mask, replacement: mask_id }
            })
            .collect();
        Self { input_ids, masked }
    }
}

/// Masking settings; the defaults are `create_pretraining_data.py`'s.
#[derive(Debug, Clone)]
pub struct Masker {
    pub strategy: Strategy,
    pub prob: f64,
    pub max_predictions: usize,
    pub special: SpecialIds,
    pub vocab_size: usize,
    /// `continuation[id]` is true for `##` pieces (whole-word masking needs it).
    pub continuation: Vec<bool>,
}

impl Masker {
    /// A masker for the tokenizer's vocabulary: its special ids, and which pieces continue a
    /// word (`##…`), which whole-word masking needs.
    pub fn for_tokenizer(tok: &BertTokenizer) -> Self {
        let continuation = (0..tok.vocab_size() as u32).map(|id| tok.token(id).starts_with("##")).collect();
        Masker::new(tok.special, continuation)
    }

    pub fn new(special: SpecialIds, continuation: Vec<bool>) -> Self {
        let vocab_size = continuation.len();
        Self { strategy: Strategy::Fixed, prob: 0.15, max_predictions: 20, special, vocab_size, continuation }
    }

    /// Masks `ids` (a whole `[CLS] A [SEP] B [SEP]` sequence) with the chosen strategy.
    pub fn plan<R: rand::Rng>(&self, ids: &[u32], rng: &mut R) -> MaskPlan {
        match self.strategy {
            Strategy::Fixed => self.fixed_count(ids, false, rng),
            Strategy::WholeWord => self.fixed_count(ids, true, rng),
            Strategy::Bernoulli => self.bernoulli(ids, rng),
        }
    }

    /// `round(len * prob)` capped by `max_predictions`, at least 1; `len` counts the specials.
    pub fn count_to_predict(&self, len: usize) -> usize {
        // Python 3's `round`, as the reference uses: halves go to the even neighbour.
        let n = (len as f64 * self.prob).round_ties_even() as usize;
        n.max(1).min(self.max_predictions)
    }

    /// create_pretraining_data.py `create_masked_lm_predictions`, draw for draw.
    fn fixed_count<R: rand::Rng>(&self, ids: &[u32], whole_word: bool, rng: &mut R) -> MaskPlan {
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (i, &id) in ids.iter().enumerate() {
            if self.special.is_structural(id) {
                continue;
            }
            let joins = whole_word && !groups.is_empty() && self.is_continuation(id);
            match groups.last_mut() {
                Some(last) if joins => last.push(i),
                _ => groups.push(vec![i]),
            }
        }
        groups.shuffle(rng);
        let want = self.count_to_predict(ids.len());
        let mut input_ids = ids.to_vec();
        let mut masked = Vec::with_capacity(want);
        for group in groups {
            if masked.len() >= want {
                break;
            }
            if masked.len() + group.len() > want {
                continue; // a group that would overshoot is skipped; the search goes on
            }
            for position in group {
                let (action, replacement) = self.google_action(ids[position], rng);
                input_ids[position] = replacement;
                masked.push(MaskedToken { position, original: ids[position], action, replacement });
            }
        }
        masked.sort_by_key(|m| m.position);
        MaskPlan { input_ids, masked }
    }

    /// Google's order: 80% `[MASK]`; else a coin for keep; else a random vocabulary token.
    fn google_action<R: rand::Rng>(&self, original: u32, rng: &mut R) -> (Action, u32) {
        if rng.random::<f64>() < 0.8 {
            (Action::Mask, self.special.mask)
        } else if rng.random::<f64>() < 0.5 {
            (Action::Keep, original)
        } else {
            (Action::Random, rng.random_range(0..self.vocab_size as u32))
        }
    }

    /// HF transformers `DataCollatorForLanguageModeling.torch_mask_tokens`: a coin per token,
    /// then 80% `[MASK]`, then of the rest half random ("random" is decided before "keep").
    fn bernoulli<R: rand::Rng>(&self, ids: &[u32], rng: &mut R) -> MaskPlan {
        let s = &self.special;
        let special = |id: u32| s.is_structural(id) || id == s.unk || id == s.mask;
        let chosen: Vec<usize> =
            (0..ids.len()).filter(|&i| rng.random::<f64>() < self.prob && !special(ids[i])).collect();
        let replaced: Vec<bool> = chosen.iter().map(|_| rng.random::<f64>() < 0.8).collect();
        let mut input_ids = ids.to_vec();
        let mut masked = Vec::with_capacity(chosen.len());
        for (&position, &is_mask) in chosen.iter().zip(&replaced) {
            let original = ids[position];
            let (action, replacement) = if is_mask {
                (Action::Mask, s.mask)
            } else if rng.random::<f64>() < 0.5 {
                (Action::Random, rng.random_range(0..self.vocab_size as u32))
            } else {
                (Action::Keep, original)
            };
            input_ids[position] = replacement;
            masked.push(MaskedToken { position, original, action, replacement });
        }
        MaskPlan { input_ids, masked }
    }

    fn is_continuation(&self, id: u32) -> bool {
        self.continuation.get(id as usize).copied().unwrap_or(false)
    }
}
