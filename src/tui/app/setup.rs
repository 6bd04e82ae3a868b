//! Building the app, and the trainer behind it. The command layer loads the tokenizer, corpus
//! and weights from flags; everything after that (the default pair, the lessons, the TUI's
//! schedule) is decided here, so that tests build the same app without the command line.

use std::sync::Arc;

use anyhow::Result;
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::{App, Message, Pair};
use crate::model::{BertConfig, Params};
use crate::text::corpus::{Corpus, IS_NEXT, SentenceTask};
use crate::text::masking::Masker;
use crate::text::tokenize::BertTokenizer;
use crate::train::optim::Schedule;
use crate::train::{LIVE_SCHEDULE, TrainConfig, Trainer};

/// The TUI's schedule: the live run's (`train::LIVE_SCHEDULE`), which `train --live`
/// repeats headless. The header's learning rate and the trainer's both start from it.
pub const TUI_SCHEDULE: Schedule = LIVE_SCHEDULE;

impl App {
    /// The bundled tokenizer and corpus, and fresh weights from `seed`: the app that
    /// `bert-tutor` with no flags starts, and the one tests use.
    pub fn bundled(seed: u64) -> Result<App> {
        let tok = BertTokenizer::bundled()?;
        let corpus = Corpus::bundled(&tok)?;
        let cfg = BertConfig::for_vocab(tok.vocab_size());
        let params = Params::init(&cfg, &mut StdRng::seed_from_u64(seed));
        App::on_default_pair(tok, corpus, cfg, params, SentenceTask::Nsp, seed)
    }

    /// The app on the default pair with the given model, and the bundled lessons. A lesson
    /// file that does not load leaves a message on screen instead of stopping the app.
    pub fn on_default_pair(
        tok: BertTokenizer,
        corpus: Corpus,
        cfg: BertConfig,
        params: Params,
        task: SentenceTask,
        seed: u64,
    ) -> Result<App> {
        let masker = Masker::for_tokenizer(&tok);
        let mut pair = Pair::new(&tok, &cfg, &masker, crate::DEFAULT_A, crate::DEFAULT_B, IS_NEXT, seed)?;
        pair.remask(&masker, Pair::common_case_seed(&masker, &pair.encoded.ids, seed));
        pair.task = task;
        let mut app = App::new(tok, Arc::new(corpus), cfg, Arc::new(params), pair, seed, None);
        match crate::lesson::load_bundled() {
            Ok(lessons) => app.lessons = lessons,
            Err(e) => {
                let first = format!("{e:#}").lines().next().unwrap_or_default().to_string();
                app.message = Some(Message { text: format!("lessons unavailable: {first}"), error: true });
            }
        }
        Ok(app)
    }

    /// The TUI's training settings: the recommended ones, the TUI's schedule, the app's task.
    pub fn train_config(&self, seed: u64) -> TrainConfig {
        TrainConfig::live(seed, self.pair.task)
    }

    /// The trainer behind the TUI: the app's model and corpus, the TUI's settings.
    pub fn trainer(&self, seed: u64) -> Result<Trainer> {
        self.trainer_with(self.train_config(seed))
    }

    /// A trainer on the app's model and corpus with the given settings.
    pub fn trainer_with(&self, tcfg: TrainConfig) -> Result<Trainer> {
        let masker = Masker::for_tokenizer(&self.tok);
        Trainer::new(self.cfg.clone(), (*self.params).clone(), (*self.corpus).clone(), masker, tcfg)
    }
}
