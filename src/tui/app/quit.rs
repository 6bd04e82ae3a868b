//! Quitting without losing work. `q` (or Ctrl-C) quits at once unless more than
//! [`ASK_AFTER_STEPS`] steps have been trained since the last save; then it asks: `q` again
//! quits, `S` saves to the checkpoint folder and quits when the save is done, any other key
//! stays. Esc never quits: it is the key for closing things, and a learner pressing it to
//! close a pane once lost ten minutes of training that way.

use std::path::Path;

use super::App;

/// Training worth a question before it is thrown away: "a few hundred steps", about ten
/// seconds on two cores. Less than that is quicker to train again than to answer.
pub const ASK_AFTER_STEPS: usize = 300;

impl App {
    /// Steps trained since the last save (or since the start, or the last reset).
    pub fn unsaved_steps(&self) -> usize {
        self.training.step.saturating_sub(self.training.saved_step)
    }

    /// `q`: quits, or asks first. A demo's training is the script's, not the learner's,
    /// and a crashed trainer can no longer save: neither asks.
    pub(super) fn ask_to_quit(&mut self) {
        let worth_asking = self.unsaved_steps() > ASK_AFTER_STEPS && !self.training.crashed && self.demo.is_none();
        if worth_asking {
            self.help = false;
            self.menu = None;
            self.confirm_quit = true;
        } else {
            self.quit = true;
        }
    }

    /// `S` in the question: the trainer saves, and [`App::saved`] quits.
    pub(super) fn save_and_quit(&mut self) {
        self.confirm_quit = false;
        if self.commands.is_none() {
            return self.error("no trainer is running, so there is nothing to save; q quits");
        }
        self.quit_after_save = true;
        let dir = self.save_dir.clone();
        self.info(format!("saving to {}/ before quitting…", dir.display()));
        self.send(crate::train::worker::Command::Save(dir));
    }

    pub(super) fn stay_open(&mut self) {
        self.confirm_quit = false;
        self.info("still here; S saves a checkpoint, q quits");
    }

    /// The trainer saved step `step` to `dir`.
    pub(super) fn saved(&mut self, step: usize, dir: &Path) {
        self.training.saved_step = step;
        self.info(format!(
            "saved step {step} to {}/ (HF layout: config.json, model.safetensors, tokenizer)",
            dir.display()
        ));
        if self.quit_after_save {
            self.quit = true;
        }
    }
}
