//! Demo scripts for instructors: a TOML file in `demos/` (documented in `demos/README.md`)
//! is a list of steps, each setting up the screen (stage, pair, mask, loss weights,
//! learning rate, highlight), training a fixed number of steps live, and showing a caption
//! and speaker notes. The app plays them (`tui/app/demo.rs`); this module only reads and
//! checks them, reporting every problem as `file:line: what is wrong`, as lessons do.

mod check;

pub use check::{load, load_bundled, load_path};

use crate::lesson::Highlight;
use crate::lesson::stage::{Heads, Stage};

mod bundled {
    include!(concat!(env!("OUT_DIR"), "/demos.rs"));
}

/// The demo `bert-tutor demo` plays when given no file.
pub const DEFAULT_DEMO: &str = "demos/bert-objective.toml";

#[derive(Debug, Clone, PartialEq)]
pub struct Demo {
    pub title: String,
    /// Seed of the initial weights, of training and of `reset`: the same seed, the same demo.
    pub seed: u64,
    pub steps: Vec<DemoStep>,
    /// The file it came from, for messages.
    pub path: String,
}

/// One step: what it changes, in the order the app applies it (reset, pair, mask, loss,
/// learning rate, stage, highlight), then how many training steps it runs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DemoStep {
    /// Where the step starts in its file (1-based line).
    pub line: usize,
    pub stage: Option<Stage>,
    pub reset: bool,
    pub pair: Option<PairSpec>,
    pub mask: Option<MaskSpec>,
    pub heads: Option<Heads>,
    pub lr: Option<f32>,
    pub highlight: Option<DemoHighlight>,
    /// Training steps, shown live; the step has settled when they are done.
    pub train: usize,
    /// The step's training waits for `p` instead of starting at once.
    pub paused: bool,
    pub caption: Option<String>,
    pub notes: Option<String>,
}

/// The pair a step shows.
#[derive(Debug, Clone, PartialEq)]
pub enum PairSpec {
    Text {
        a: String,
        b: String,
        label: u32,
    },
    /// Drawn from the corpus with this seed: IsNext (a real next sentence) or NotNext.
    Seed {
        seed: u64,
        is_next: bool,
    },
}

/// Which positions a step masks.
#[derive(Debug, Clone, PartialEq)]
pub enum MaskSpec {
    /// Exactly these positions (`[CLS]` is 0), each replaced by `[MASK]`.
    Positions(Vec<usize>),
    /// The masking rule's own draw with this seed (80/10/10 included).
    Seed(u64),
}

/// What a step points at: a lesson-style highlight (a token, an embedding row, a loss head)
/// or an attention head of stage 9, numbered 1 to layers × heads, layer by layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoHighlight {
    Lesson(Highlight),
    AttentionHead(usize),
}

impl Demo {
    /// Every step's training steps, added up.
    pub fn training_steps(&self) -> usize {
        self.steps.iter().map(|s| s.train).sum()
    }

    /// Checks the demo against the model it will play on: the file's check knows only the
    /// default model, and a `--model` with fewer attention heads than a step names must
    /// be refused, not wrapped round to another head.
    pub fn fits(&self, cfg: &crate::model::BertConfig) -> Result<(), String> {
        let heads = cfg.num_hidden_layers * cfg.num_attention_heads;
        for s in &self.steps {
            if let Some(DemoHighlight::AttentionHead(n)) = s.highlight
                && n > heads
            {
                return Err(format!(
                    "{}:{}: attention_head {n} is not in this model, which has {heads} heads ({} layers × {}); \
                     play the demo on the bundled model, or edit the step",
                    self.path, s.line, cfg.num_hidden_layers, cfg.num_attention_heads
                ));
            }
        }
        Ok(())
    }
}
