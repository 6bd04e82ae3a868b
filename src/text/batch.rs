//! Pairs → the padded arrays the model reads.
//!
//! An [`Example`] is one masked `[CLS] A [SEP] B [SEP]` sequence with its labels; a
//! [`Batch`] pads several to one length, with an attention mask that is 1 on real tokens.

use crate::text::corpus::PairInstance;
use crate::text::masking::{MaskPlan, MaskedToken, Masker};
use crate::text::tokenize::SpecialIds;

/// One masked sequence and its two labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The input after masking.
    pub ids: Vec<u32>,
    pub segments: Vec<u32>,
    /// Positions to predict, with their original tokens (the MLM labels).
    pub masked: Vec<MaskedToken>,
    /// 0 = IsNext, 1 = NotNext.
    pub nsp_label: u32,
}

impl Example {
    /// Lays a pair out as `[CLS] A [SEP] B [SEP]` (segments 0…0 1…1) and masks it.
    pub fn from_pair<R: rand::Rng>(pair: &PairInstance, masker: &Masker, rng: &mut R) -> Self {
        let (ids, segments) = layout(&pair.tokens_a, &pair.tokens_b, &masker.special);
        Self::from_plan(masker.plan(&ids, rng), segments, pair.nsp_label)
    }

    pub fn from_plan(plan: MaskPlan, segments: Vec<u32>, nsp_label: u32) -> Self {
        Self { ids: plan.input_ids, segments, masked: plan.masked, nsp_label }
    }
}

/// `[CLS] a [SEP] b [SEP]` and its segment ids.
pub fn layout(a: &[u32], b: &[u32], special: &SpecialIds) -> (Vec<u32>, Vec<u32>) {
    let mut ids = Vec::with_capacity(a.len() + b.len() + 3);
    ids.push(special.cls);
    ids.extend_from_slice(a);
    ids.push(special.sep);
    let len_a = ids.len();
    ids.extend_from_slice(b);
    ids.push(special.sep);
    let segments = (0..ids.len()).map(|i| u32::from(i >= len_a)).collect();
    (ids, segments)
}

/// Examples padded to a common length `seq`; every array is row-major `(batch, seq)`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Batch {
    pub batch: usize,
    pub seq: usize,
    pub ids: Vec<u32>,
    pub segments: Vec<u32>,
    /// True on real tokens, false on padding.
    pub attention: Vec<bool>,
    /// Flat indices `b * seq + t` of the positions to predict, in batch order.
    pub mlm_rows: Vec<usize>,
    pub mlm_labels: Vec<u32>,
    pub nsp_labels: Vec<u32>,
}

impl Batch {
    pub fn from_examples(examples: &[Example], pad: u32) -> Self {
        let seq = examples.iter().map(|e| e.ids.len()).max().unwrap_or(0);
        let mut batch = Batch { batch: examples.len(), seq, ..Default::default() };
        for (b, e) in examples.iter().enumerate() {
            let pad_len = seq - e.ids.len();
            batch.ids.extend(e.ids.iter().copied().chain(std::iter::repeat_n(pad, pad_len)));
            batch.segments.extend(e.segments.iter().copied().chain(std::iter::repeat_n(0, pad_len)));
            batch.attention.extend((0..seq).map(|t| t < e.ids.len()));
            for m in &e.masked {
                batch.mlm_rows.push(b * seq + m.position);
                batch.mlm_labels.push(m.original);
            }
            batch.nsp_labels.push(e.nsp_label);
        }
        batch
    }

    pub fn tokens(&self) -> usize {
        self.batch * self.seq
    }
}

impl Batch {
    /// Splits the batch into `parts` contiguous slices of sequences (for data-parallel
    /// steps); every part keeps the padded length `seq`.
    pub fn split(&self, parts: usize) -> Vec<Batch> {
        let parts = parts.clamp(1, self.batch.max(1));
        let (t, base, extra) = (self.seq, self.batch / parts, self.batch % parts);
        let mut out = Vec::with_capacity(parts);
        let mut b0 = 0;
        for i in 0..parts {
            let b1 = b0 + base + usize::from(i < extra);
            let rows = b0 * t..b1 * t;
            let (mut mlm_rows, mut mlm_labels) = (Vec::new(), Vec::new());
            for (&r, &l) in self.mlm_rows.iter().zip(&self.mlm_labels) {
                if rows.contains(&r) {
                    mlm_rows.push(r - rows.start);
                    mlm_labels.push(l);
                }
            }
            out.push(Batch {
                batch: b1 - b0,
                seq: t,
                ids: self.ids[rows.clone()].to_vec(),
                segments: self.segments[rows.clone()].to_vec(),
                attention: self.attention[rows].to_vec(),
                mlm_rows,
                mlm_labels,
                nsp_labels: self.nsp_labels[b0..b1].to_vec(),
            });
            b0 = b1;
        }
        out
    }
}
