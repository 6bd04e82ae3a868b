//! Changing the pair on the screen: editing a sentence, swapping B, drawing a new pair,
//! and re-running the UI's forward pass whenever the pair or the weights change.

use rand::RngExt;

use super::{App, Pair, PairView, Side};
use crate::corpus::{IS_NEXT, NOT_NEXT};
use crate::lesson::TaskKind;

impl App {
    /// Re-runs the UI's forward pass of the pair with the weights in use.
    pub(super) fn recompute(&mut self) {
        let w = self.training.heads.weights();
        self.view = PairView::compute(&self.params, &self.cfg, &self.pair, self.tok.special.pad, w, self.training.step);
        let o = &self.view.outputs;
        let (mlm, nsp, total) = (o.mlm_loss, o.nsp_loss, o.total_loss);
        self.training.on_pair(self.view.step, mlm, nsp, total);
    }
    pub(super) fn set_pair(&mut self, pair: Pair) {
        self.pair = pair;
        self.cursor = self.cursor.min(self.pair.encoded.ids.len() - 1);
        self.training.pair_curve.clear();
        self.recompute();
    }
    pub(super) fn submit_edit(&mut self) {
        let Some(e) = self.editing.take() else { return };
        let text = e.input.value().to_string();
        let (a, b) = match e.side {
            Side::Answer => return self.submit_answer(&text),
            Side::A => (text, self.pair.b.clone()),
            Side::B => (self.pair.a.clone(), text),
        };
        if self.replace_pair(&a, &b, self.pair.label) {
            self.pair.custom = true;
            self.lesson_saw(TaskKind::EditPair);
        }
    }
    /// Tokenizes a new pair; a bad one leaves the old pair, says what was wrong, and
    /// returns false.
    pub(super) fn replace_pair(&mut self, a: &str, b: &str, label: u32) -> bool {
        match Pair::new(&self.tok, &self.cfg, &self.masker, a, b, label, self.pair.mask_seed) {
            Ok(pair) => {
                if pair.encoded.dropped > 0 {
                    self.info(format!(
                        "the pair was too long: dropped {} word pieces to fit {} positions",
                        pair.encoded.dropped, self.cfg.max_position_embeddings
                    ));
                }
                self.set_pair(pair);
                true
            }
            Err(err) => {
                self.error(format!("{err:#}; the pair is unchanged"));
                false
            }
        }
    }
    /// B ↔ a random sentence of another document, and the NSP label with it.
    pub(super) fn swap_b(&mut self) -> bool {
        let (a, real_b) = (self.pair.a.clone(), self.pair.real_b.clone());
        match real_b {
            Some(b) => {
                let ok = self.replace_pair(&a, &b, IS_NEXT);
                if ok {
                    self.info("B is the real next sentence again: IsNext");
                }
                ok
            }
            None => {
                let d = self.rng.random_range(0..self.corpus.text.len());
                let doc = &self.corpus.text[d];
                let b = doc[self.rng.random_range(0..doc.len())].clone();
                let old_b = self.pair.b.clone();
                let label = self.pair.label;
                let ok = self.replace_pair(&a, &b, NOT_NEXT);
                if ok {
                    self.pair.real_b = Some(old_b).filter(|_| label == IS_NEXT);
                    self.info("B is now a random sentence from the corpus: NotNext (x swaps back)");
                }
                ok
            }
        }
    }
}
