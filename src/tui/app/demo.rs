//! Playing a demo script (`bert-tutor demo`): its steps forwards and back.
//!
//! Forwards, a step is applied (reset, pair, mask, loss weights, learning rate, stage,
//! highlight) and its training runs live on the trainer thread as an exact number of steps;
//! the step has settled when the trainer reports it kept its state under the step's number
//! ([`TrainEvent::Marked`]). The screen's own state is kept then as well ([`Scene`]).
//! Backwards, both are put back as they were, the trainer's weights, optimizer and random
//! state included, rather than replayed. So every step shows the same numbers every time,
//! and going forwards again from a step retrains the next one to the same numbers.
//!
//! [`TrainEvent::Marked`]: crate::train::worker::TrainEvent::Marked

use std::sync::Arc;

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::{App, Focus, Pair, Stage, Training};
use crate::demo::{Demo, DemoHighlight, DemoStep, MaskSpec, PairSpec};
use crate::lesson::Highlight;
use crate::model::Params;
use crate::text::masking::{MaskPlan, Strategy};
use crate::train::worker::Command;

/// A demo being played.
#[derive(Debug)]
pub struct Player {
    pub demo: Demo,
    /// The step on screen, 0-based.
    pub index: usize,
    /// The speaker notes are shown (`N`).
    pub notes: bool,
    /// The screen when each step settled: `scenes[k]` for step k, up to the step on screen.
    scenes: Vec<Scene>,
    /// Going back: the trainer's reports are dropped until it is back at this step.
    restoring: Option<usize>,
    /// The trainer step the current step's training counts from.
    train_from: usize,
    /// Not started yet: the first step waits for the trainer's channel.
    started: bool,
}

/// What the screen shows of a settled step, to put back when going back to it.
#[derive(Debug, Clone)]
struct Scene {
    params: Arc<Params>,
    pair: Pair,
    strategy: Strategy,
    stage: Stage,
    cursor: usize,
    head: usize,
    grid: bool,
    focus: Focus,
    scroll: usize,
    training: Training,
}

impl Player {
    pub fn new(demo: Demo) -> Self {
        Self { demo, index: 0, notes: false, scenes: Vec::new(), restoring: None, train_from: 0, started: false }
    }

    pub fn step(&self) -> &DemoStep {
        &self.demo.steps[self.index]
    }

    /// The step on screen has finished its training (or has none) and been kept.
    pub fn settled(&self) -> bool {
        self.restoring.is_none() && self.scenes.len() > self.index
    }

    /// While the step on screen trains: (steps done, steps to do).
    pub fn progress(&self, trainer_step: usize) -> Option<(usize, usize)> {
        let n = self.step().train;
        (!self.settled() && n > 0).then(|| (trainer_step.saturating_sub(self.train_from).min(n), n))
    }
}

impl App {
    /// Plays `demo` from its first step, once the trainer is connected (at once if it is).
    pub fn start_demo(&mut self, demo: Demo) {
        self.demo = Some(Player::new(demo));
        if self.commands.is_some() {
            self.begin_demo();
        }
    }

    /// Applies the first step of a demo that has not started.
    pub(super) fn begin_demo(&mut self) {
        if let Some(p) = self.demo.as_mut().filter(|p| !p.started) {
            p.started = true;
            self.apply_demo_step();
        }
    }

    /// `Space` or `→`: the next step, once the one on screen has settled.
    pub(super) fn demo_next(&mut self) {
        let Some(p) = &self.demo else { return };
        let (k, n) = (p.index, p.demo.steps.len());
        if !p.settled() {
            let why = match p.progress(self.training.step) {
                _ if p.restoring.is_some() => "going back: one moment".to_string(),
                Some((done, todo)) if !self.training.running => {
                    format!("step {} trains {todo} steps ({done} done): press p to run them, then → goes on", k + 1)
                }
                Some((done, todo)) => {
                    format!("step {} is still training ({done} of {todo} steps): wait, or p pauses", k + 1)
                }
                None => {
                    "one moment: the trainer is busy (it scores the held-out pairs at start): try again in a second"
                        .to_string()
                }
            };
            return self.info(why);
        }
        if k + 1 == n {
            return self.info(format!("that was the last step ({n} of {n}): ← goes back, q quits"));
        }
        let p = self.demo.as_mut().expect("checked above");
        p.index = k + 1;
        p.scenes.truncate(k + 1);
        self.apply_demo_step();
    }

    /// `←`: back to the previous step, exactly as it was when it settled.
    pub(super) fn demo_prev(&mut self) {
        let Some(p) = &mut self.demo else { return };
        if p.index == 0 {
            return self.info("this is the first step: → or Space goes on");
        }
        let k = p.index - 1;
        let scene = p.scenes[k].clone();
        p.index = k;
        p.scenes.truncate(k + 1);
        p.restoring = Some(k);
        self.params = scene.params;
        self.pair = scene.pair;
        self.masker.strategy = scene.strategy;
        self.stage = scene.stage;
        (self.cursor, self.head, self.grid, self.focus, self.scroll) =
            (scene.cursor, scene.head, scene.grid, scene.focus, scene.scroll);
        self.training = scene.training;
        self.send(Command::Restore(k));
        self.recompute();
    }

    /// `N`: the speaker notes, shown or hidden.
    pub(super) fn toggle_notes(&mut self) {
        if let Some(p) = &mut self.demo {
            p.notes = !p.notes;
        }
    }

    /// The trainer kept its state as `mark`: the step on screen has settled.
    pub(super) fn demo_marked(&mut self, mark: usize) {
        let scene = Scene {
            params: self.params.clone(),
            pair: self.pair.clone(),
            strategy: self.masker.strategy,
            stage: self.stage,
            cursor: self.cursor,
            head: self.head,
            grid: self.grid,
            focus: self.focus,
            scroll: self.scroll,
            training: self.training.clone(),
        };
        if let Some(p) = self.demo.as_mut().filter(|p| p.restoring.is_none() && p.index == mark) {
            p.scenes.truncate(mark);
            p.scenes.push(scene);
        }
    }

    /// The trainer is back at `mark`: its reports count again.
    pub(super) fn demo_restored(&mut self, mark: usize) {
        if let Some(p) = self.demo.as_mut().filter(|p| p.restoring == Some(mark)) {
            p.restoring = None;
        }
    }

    /// While going back, reports of the abandoned training are dropped.
    pub(super) fn demo_drops_reports(&self) -> bool {
        self.demo.as_ref().is_some_and(|p| p.restoring.is_some())
    }

    /// Applies the step on screen, in the order the format documents.
    fn apply_demo_step(&mut self) {
        let Some(p) = &self.demo else { return };
        let (step, seed, index) = (p.step().clone(), p.demo.seed, p.index);
        if step.reset {
            self.send(Command::Reset(seed));
            self.training.clear();
            self.training.awaiting_reset = self.commands.is_some();
        }
        if let Some(spec) = &step.pair {
            let (a, b, label) = match spec {
                PairSpec::Text { a, b, label } => (a.clone(), b.clone(), *label),
                PairSpec::Seed { seed, is_next } => {
                    self.corpus.pair_text_for(self.pair.task, *is_next, &mut StdRng::seed_from_u64(*seed))
                }
            };
            self.replace_pair(&a, &b, label);
        }
        match &step.mask {
            Some(MaskSpec::Seed(seed)) => self.pair.remask(&self.masker, *seed),
            Some(MaskSpec::Positions(positions)) => self.mask_positions(positions),
            None => {}
        }
        if let Some(h) = step.heads {
            self.training.heads = h;
            self.send(Command::SetWeights(h.weights()));
        }
        if let Some(lr) = step.lr {
            self.send(Command::SetPeakLr(lr));
        }
        if let Some(stage) = step.stage {
            self.stage = stage;
        }
        match step.highlight {
            Some(DemoHighlight::Lesson(Highlight::Token(t))) => self.cursor = t.min(self.pair.encoded.ids.len() - 1),
            Some(DemoHighlight::AttentionHead(n)) => {
                // `Demo::fits` refused a head beyond this model before the demo started.
                self.head = (n - 1).min(self.cfg.num_hidden_layers * self.cfg.num_attention_heads - 1)
            }
            _ => {}
        }
        self.recompute();
        let from = if step.reset { 0 } else { self.training.step };
        if let Some(p) = &mut self.demo {
            p.train_from = from;
        }
        self.send(Command::Train { steps: step.train, mark: index, paused: step.paused });
    }

    /// Masks exactly `positions`, each with `[MASK]`; a position the pair does not have, or
    /// a `[CLS]`/`[SEP]`, leaves the mask as it was and says so.
    fn mask_positions(&mut self, positions: &[usize]) {
        let ids = &self.pair.encoded.ids;
        let bad = positions.iter().find(|&&p| p >= ids.len() || self.masker.special.is_structural(ids[p]));
        if let Some(&p) = bad {
            let last = ids.len() - 1;
            return self.error(format!(
                "demo step masks position {p}, which this pair cannot mask (positions 1 to {last}, not [SEP]); the mask is unchanged"
            ));
        }
        self.pair.plan = MaskPlan::from_positions(ids, positions, self.masker.special.mask);
    }

    /// The caption of the demo step on screen, if any: one or two lines.
    pub fn caption(&self) -> Option<&str> {
        self.demo.as_ref().and_then(|p| p.step().caption.as_deref())
    }

    /// The speaker notes of the step on screen, while `N` shows them.
    pub fn notes(&self) -> Option<&str> {
        let p = self.demo.as_ref().filter(|p| p.notes)?;
        Some(p.step().notes.as_deref().unwrap_or("(no notes for this step)"))
    }

    /// What the demo step on screen points at, for the views that draw highlights.
    pub(super) fn demo_highlight(&self) -> Option<Highlight> {
        match self.demo.as_ref()?.step().highlight? {
            DemoHighlight::Lesson(h) => Some(h),
            DemoHighlight::AttentionHead(_) => None,
        }
    }
}
