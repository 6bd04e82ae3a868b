//! The pair on the screen: its text, tokens, mask plan and NSP label, and everything the
//! current weights compute for it (the UI's own forward pass, re-run on every snapshot).

use anyhow::Result;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::model::embeddings::{self, EmbeddingRows};
use crate::model::{self, BertConfig, LossWeights, Outputs, Params};
use crate::text::batch::{Batch, Example};
use crate::text::corpus::{IS_NEXT, SentenceTask};
use crate::text::masking::{Action as MaskAction, MaskPlan, MaskedToken, Masker};
use crate::text::tokenize::{BertTokenizer, EncodedPair};

/// The sentence pair being studied.
#[derive(Debug, Clone)]
pub struct Pair {
    pub a: String,
    pub b: String,
    /// B before `x` swapped it for a random sentence, to swap back.
    pub real_b: Option<String>,
    pub label: u32,
    /// Which sentence objective the label belongs to (NSP: IsNext / NotNext; SOP: InOrder /
    /// Swapped).
    pub task: SentenceTask,
    /// Typed by the learner: nobody knows whether B follows A, so the label is assumed.
    pub custom: bool,
    pub encoded: EncodedPair,
    pub plan: MaskPlan,
    pub mask_seed: u64,
}

impl Pair {
    /// Tokenizes and masks; errors (an empty sentence) come back for the UI to show.
    pub fn new(
        tok: &BertTokenizer,
        cfg: &BertConfig,
        masker: &Masker,
        a: &str,
        b: &str,
        label: u32,
        mask_seed: u64,
    ) -> Result<Self> {
        let encoded = tok.encode_pair(a, b, cfg.max_position_embeddings)?;
        let plan = masker.plan(&encoded.ids, &mut StdRng::seed_from_u64(mask_seed));
        let (a, b) = (a.trim().to_string(), b.trim().to_string());
        Ok(Self { a, b, real_b: None, label, task: SentenceTask::Nsp, custom: false, encoded, plan, mask_seed })
    }

    /// The first mask seed from `from` on whose honest 80/10/10 draw turns every chosen
    /// piece into `[MASK]`: the common case, for the first screen a newcomer sees (with
    /// seed 0 the draw would otherwise swap "my" for a random piece, the 10% case, just as
    /// the lesson says most chosen pieces become `[MASK]`). The draw itself is not changed;
    /// only which seed is shown first. Gives up after 64 seeds (any plan is honest).
    pub fn common_case_seed(masker: &Masker, ids: &[u32], from: u64) -> u64 {
        (from..from.saturating_add(64))
            .find(|&seed| {
                let plan = masker.plan(ids, &mut StdRng::seed_from_u64(seed));
                !plan.masked.is_empty() && plan.masked.iter().all(|m| m.action == MaskAction::Mask)
            })
            .unwrap_or(from)
    }

    pub fn remask(&mut self, masker: &Masker, seed: u64) {
        self.mask_seed = seed;
        self.plan = masker.plan(&self.encoded.ids, &mut StdRng::seed_from_u64(seed));
    }

    /// Masks or unmasks one position by hand; `[CLS]`/`[SEP]` refuse with a reason.
    pub fn toggle(&mut self, position: usize, masker: &Masker) -> Result<(), String> {
        let id = self.encoded.ids[position];
        if masker.special.is_structural(id) {
            return Err(format!("{} is never masked: BERT only predicts word pieces", self.encoded.tokens[position]));
        }
        if let Some(i) = self.plan.masked.iter().position(|m| m.position == position) {
            self.plan.masked.remove(i);
            self.plan.input_ids[position] = id;
        } else {
            let m = MaskedToken { position, original: id, action: MaskAction::Mask, replacement: masker.special.mask };
            self.plan.input_ids[position] = m.replacement;
            self.plan.masked.push(m);
            self.plan.masked.sort_by_key(|m| m.position);
        }
        Ok(())
    }

    pub fn is_next(&self) -> bool {
        self.label == IS_NEXT
    }

    /// The label's name under the pair's task.
    pub fn label_name(&self) -> &'static str {
        self.task.label_names()[usize::from(self.label != IS_NEXT)]
    }

    /// The single-sequence batch the model reads.
    pub fn batch(&self, pad: u32) -> Batch {
        let example = Example::from_plan(self.plan.clone(), self.encoded.segments.clone(), self.label);
        Batch::from_examples(&[example], pad)
    }
}

/// What the weights in use compute for the pair.
#[derive(Debug, Clone)]
pub struct PairView {
    pub outputs: Outputs,
    pub rows: EmbeddingRows,
    /// The five likeliest pieces (id, probability) at each masked position.
    pub top: Vec<Vec<(u32, f32)>>,
    /// The step of the weights that computed this.
    pub step: usize,
    /// What stages 9–11 show, while one of them is on screen.
    pub inside: super::inside::Inside,
}

impl PairView {
    pub fn compute(p: &Params, cfg: &BertConfig, pair: &Pair, pad: u32, weights: LossWeights, step: usize) -> Self {
        let batch = pair.batch(pad);
        let outputs = model::evaluate(p, cfg, &batch, weights);
        let rows = embeddings::rows(p, cfg, &batch);
        let top = outputs
            .mlm_probs
            .rows()
            .into_iter()
            .map(|r| crate::model::loss::top_k(r.as_slice().unwrap_or(&[]), 5))
            .collect();
        Self { outputs, rows, top, step, inside: Default::default() }
    }
}
