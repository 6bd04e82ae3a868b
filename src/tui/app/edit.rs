//! Changing the pair on the screen: editing a sentence, swapping B, drawing a new pair,
//! and re-running the UI's forward pass whenever the pair or the weights change.

use super::inside::Inside;
use rand::RngExt;

use super::{App, Pair, PairView, Side};
use crate::lesson::TaskKind;
use crate::text::corpus::{IS_NEXT, NOT_NEXT, SentenceTask};

impl App {
    /// Re-runs the UI's forward pass of the pair with the weights in use.
    pub(super) fn recompute(&mut self) {
        let w = self.loss_weights();
        let previous = std::mem::take(&mut self.view.inside);
        self.view = PairView::compute(&self.params, &self.cfg, &self.pair, self.tok.special.pad, w, self.training.step);
        let batch = self.pair.batch(self.tok.special.pad);
        self.view.inside =
            Inside::compute(self.stage, &self.params, &self.cfg, &batch, &self.pair.encoded.ids, &self.tok, &previous);
        let o = &self.view.outputs;
        let (mlm, nsp, total) = (o.mlm_loss, o.nsp_loss, o.total_loss);
        // A demo's curve takes only the steps its trainer snapshots on every run, not the
        // step a pause happened to stop at.
        if self.demo.is_none() || self.view.step.is_multiple_of(crate::train::worker::TRAIN_SNAPSHOT_STEPS) {
            self.training.on_pair(self.view.step, mlm, nsp, total);
        }
    }
    /// Shows a new pair; it keeps the sentence task in use.
    pub(super) fn set_pair(&mut self, pair: Pair) {
        self.pair = Pair { task: self.pair.task, ..pair };
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
    /// The sentence head's name under the task in use: NSP or SOP.
    pub fn head_name(&self) -> &'static str {
        self.pair.task.head()
    }

    /// A stage's title; stage 6 names the sentence head in use (NSP head / SOP head).
    pub fn stage_title(&self, stage: super::Stage) -> &'static str {
        match (stage, self.pair.task) {
            (super::Stage::Nsp, crate::text::corpus::SentenceTask::Sop) => "SOP head",
            _ => stage.title(),
        }
    }

    /// What the training loss is made of, as the header and stage 7 say it.
    pub fn loss_label(&self) -> String {
        let heads = self.training.heads;
        match (self.pair.task.trains_head(), heads) {
            (true, _) => heads.label().replace("NSP", self.head_name()),
            (false, super::Heads::NspOnly) => "no loss: task none trains no sentence head".into(),
            (false, _) => "MLM only (task none)".into(),
        }
    }

    /// The loss weights of the `w` key, with the sentence head's at 0 under task `none`.
    pub fn loss_weights(&self) -> crate::model::LossWeights {
        let w = self.training.heads.weights();
        if self.pair.task.trains_head() { w } else { crate::model::LossWeights { nsp: 0.0, ..w } }
    }

    /// Switches the sentence objective (the `o` key): the trainer builds its pairs anew and
    /// the pair on screen is relabelled for the new task. A Swapped pair is put back in
    /// order, and a NotNext pair gets its real B back (or a new in-order pair is drawn).
    pub(super) fn set_task(&mut self, task: SentenceTask) {
        let old = std::mem::replace(&mut self.pair.task, task);
        if self.pair.label != IS_NEXT && old != task {
            let (a, b) = (self.pair.a.clone(), self.pair.b.clone());
            let in_order = match (old, self.pair.real_b.clone()) {
                (SentenceTask::Sop, _) => Some((b, a)),
                (_, Some(real)) if task == SentenceTask::Sop => Some((a, real)),
                _ if task == SentenceTask::Sop => {
                    let (a, b, _) = self.corpus.pair_text_for(task, true, &mut self.rng);
                    Some((a, b))
                }
                _ => None,
            };
            if let Some((a, b)) = in_order {
                self.replace_pair(&a, &b, IS_NEXT);
            }
        }
        self.send(crate::train::worker::Command::SetTask(task));
        self.lesson_saw(crate::lesson::TaskKind::SentenceTask(task));
        self.recompute();
        let [yes, no] = task.label_names();
        self.info(match task {
            SentenceTask::Sop => {
                format!("sentence task SOP (ALBERT): {yes} / {no}; x swaps A and B, n / N draw {yes} / {no}")
            }
            SentenceTask::Nsp => format!("sentence task NSP (BERT): {yes} / {no}; x swaps B for a random sentence"),
            SentenceTask::None => "sentence task none (RoBERTa): masked LM alone; the NSP head stays untrained".into(),
        });
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
    /// NSP: B ↔ a random sentence of another document. SOP: A ↔ B. The label follows.
    pub(super) fn swap_b(&mut self) -> bool {
        if self.pair.task == SentenceTask::Sop {
            let (a, b, label) = (self.pair.b.clone(), self.pair.a.clone(), 1 - self.pair.label.min(1));
            let ok = self.replace_pair(&a, &b, label);
            if ok {
                self.info(format!("A and B trade places: {} (x swaps back)", self.pair.label_name()));
            }
            return ok;
        }
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
                // From another document, as BERT's create_pretraining_data.py draws it (and
                // as stage 6 says): A's own document, when A is in the corpus, is drawn again.
                let (docs, home) = (&self.corpus.text, self.corpus.document_of(&a));
                let mut d = self.rng.random_range(0..docs.len());
                while Some(d) == home && docs.len() > 1 {
                    d = self.rng.random_range(0..docs.len());
                }
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
