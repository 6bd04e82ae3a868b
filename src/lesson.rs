//! Lessons as versioned data (the rustlings `info.toml` idea): one TOML file per lesson
//! in `lessons/`, embedded at build time, parsed into checked types here. A lesson is a
//! list of steps; each step names a stage to show, may highlight a token, row or head,
//! may ask for an action the app then watches for, and may hold a quiz whose answer can
//! be computed from the model in use. `lessons/README.md` documents the format.

pub mod check;
pub mod progress;
pub mod runner;
pub mod stage;

use stage::{Heads, Stage};

mod bundled {
    include!(concat!(env!("OUT_DIR"), "/lessons.rs"));
}

pub use check::{load, load_bundled, load_dir};

#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    pub id: String,
    pub title: String,
    pub version: u32,
    pub summary: String,
    pub steps: Vec<Step>,
    /// The file it came from, for messages.
    pub path: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub id: String,
    pub stage: Stage,
    pub text: String,
    pub highlight: Option<Highlight>,
    pub task: Option<Task>,
    pub quiz: Option<Quiz>,
    /// Texts the step's words point the learner at, each of which the stage shows while
    /// the step is on screen (a label, a line's start, a panel's title); the lesson walk
    /// test finds each one on the drawn screen.
    pub on_screen: Vec<String>,
}

/// What a step points at on the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Highlight {
    /// A position of the pair (the token cursor goes there).
    Token(usize),
    /// A column of the embeddings stage.
    Row(Row),
    /// A head's line on the sum stage.
    Head(Head),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Token,
    Segment,
    Position,
    Sum,
    LayerNorm,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Head {
    Mlm,
    Nsp,
    Total,
}

/// Something the learner must do before moving on; the app checks it was done.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub kind: TaskKind,
    /// How the lesson asks for it; a default sentence when absent.
    pub say: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskKind {
    VisitStage(Stage),
    RerollMask,
    ToggleMask,
    CycleStrategy,
    EditPair,
    NewPair,
    SwapB,
    /// Stage 9: show another attention head (`<` or `>`).
    ChangeHead,
    /// Stage 9: show every head at once (`g`).
    AttentionGrid,
    Heads(Heads),
    /// Train this many more steps.
    Train(usize),
    /// Switch the sentence objective to this one (the `o` key).
    SentenceTask(crate::text::corpus::SentenceTask),
}

impl TaskKind {
    /// The default instruction.
    pub fn instruction(self) -> String {
        match self {
            TaskKind::VisitStage(s) => format!("go to stage {} ({}) with ← → or its number", s.index() + 1, s.title()),
            TaskKind::RerollMask => "press r to re-roll the mask".into(),
            TaskKind::ToggleMask => "move the cursor with ↑ ↓ and press m to mask or unmask a token".into(),
            TaskKind::CycleStrategy => "press t to switch the masking rule".into(),
            TaskKind::EditPair => "press a or b, change the sentence, and press Enter".into(),
            TaskKind::NewPair => "press n (or N) to draw a new pair from the corpus".into(),
            TaskKind::SwapB => "press x to swap sentence B".into(),
            TaskKind::ChangeHead => "press > (or <) to show another attention head".into(),
            TaskKind::AttentionGrid => "press g to see every layer's heads at once".into(),
            TaskKind::Heads(h) => format!("press w until the loss is \"{}\"", h.label()),
            TaskKind::Train(n) => format!("let the model train {n} more steps (Space resumes if paused)"),
            TaskKind::SentenceTask(t) => format!("press o until the sentence task is {}", t.name()),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Quiz {
    pub question: String,
    pub kind: QuizKind,
    pub hints: Vec<String>,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum QuizKind {
    /// The learner types the 1-based number of a choice.
    Choice {
        choices: Vec<String>,
        answer: usize,
    },
    Number {
        answer: Answer,
        tolerance: f64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Answer {
    Fixed(f64),
    /// Computed from the model and pair in use when the question is asked.
    From(Quantity),
}

/// Numbers a quiz can ask for, each computed from the app's current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    LnVocab,
    Ln2,
    VocabSize,
    NumTokens,
    SegmentBTokens,
    MaskCount,
    HiddenSize,
    NumLayers,
    NumHeads,
    MlmLoss,
    NspLoss,
    TotalLoss,
    PIsNext,
    /// Stage 9: which head sends the largest share of `[CLS]`'s attention to sentence B,
    /// numbered 1 to layers × heads through the grid, layer by layer (L1 H1 = 1).
    ClsToBBestHead,
    /// Stage 9: the percentage of the attention of the token under the cursor, in the head
    /// shown, that goes to the other sentence.
    AttentionAcross,
    /// Stage 10: the token table's MLM gradient norm through the MLM decoder (the tied
    /// weights), rounded to the two significant figures the stage prints.
    MlmDecoderGrad,
    /// Stage 11: the cosine of the nearest neighbour of the piece under the cursor.
    NearestCosine,
}

impl Quantity {
    pub const ALL: [(&'static str, Quantity); 17] = [
        ("ln_vocab", Quantity::LnVocab),
        ("ln_2", Quantity::Ln2),
        ("vocab_size", Quantity::VocabSize),
        ("num_tokens", Quantity::NumTokens),
        ("segment_b_tokens", Quantity::SegmentBTokens),
        ("mask_count", Quantity::MaskCount),
        ("hidden_size", Quantity::HiddenSize),
        ("num_layers", Quantity::NumLayers),
        ("num_heads", Quantity::NumHeads),
        ("mlm_loss", Quantity::MlmLoss),
        ("nsp_loss", Quantity::NspLoss),
        ("total_loss", Quantity::TotalLoss),
        ("p_is_next", Quantity::PIsNext),
        ("cls_to_b_best_head", Quantity::ClsToBBestHead),
        ("attention_across", Quantity::AttentionAcross),
        ("mlm_decoder_grad", Quantity::MlmDecoderGrad),
        ("nearest_cosine", Quantity::NearestCosine),
    ];

    pub fn from_name(name: &str) -> Option<Quantity> {
        Quantity::ALL.iter().find(|(n, _)| *n == name).map(|(_, q)| *q)
    }
}

impl Lesson {
    pub fn step_index(&self, id: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.id == id)
    }
}
