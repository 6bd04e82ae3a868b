//! The command line (clap derive). With no subcommand, bert-tutor opens the TUI.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::text::corpus::SentenceTask;
use crate::text::masking::Strategy;

#[derive(Debug, Parser)]
#[command(
    name = "bert-tutor",
    version,
    about = "Learn BERT's pre-training objective (masked LM + next sentence prediction) while a small BERT trains live."
)]
pub struct Cli {
    #[command(flatten)]
    pub inputs: Inputs,
    /// Before a subcommand they apply to `lesson N`, `demo` and (`--present`) `export`.
    #[command(flatten)]
    pub screen: ScreenArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options of the screen, shown only by the commands that open one (the TUI, `lesson`,
/// `demo`); `export` takes `--present` alone.
#[derive(Debug, Args, Clone, Default)]
pub struct ScreenArgs {
    /// Presenter mode, for a projector: the losses in big digits, the stage with less
    /// chrome in high contrast, `b` to blank the screen.
    #[arg(long)]
    pub present: bool,
    /// Record the session as an asciicast v2 file (asciinema's format: `asciinema play FILE`).
    #[arg(long, value_name = "FILE.cast")]
    pub record: Option<PathBuf>,
}

impl ScreenArgs {
    /// These options merged with those given before the subcommand (`top`).
    pub fn with(&self, top: &ScreenArgs) -> ScreenArgs {
        ScreenArgs { present: self.present || top.present, record: self.record.clone().or(top.record.clone()) }
    }
}

/// Where the text, vocabulary and model come from; bundled defaults when absent.
#[derive(Debug, Args, Clone, Default)]
pub struct Inputs {
    /// A tokenizer.json, or a BERT vocab.txt (lowercased). Default: the bundled one.
    #[arg(long, global = true, value_name = "PATH")]
    pub tokenizer: Option<PathBuf>,
    /// A corpus in BERT's format: one sentence per line, blank line between documents.
    #[arg(long, global = true, value_name = "FILE")]
    pub corpus: Option<PathBuf>,
    /// A checkpoint folder (config.json + model.safetensors, HF layout) to start from.
    #[arg(long, global = true, value_name = "DIR")]
    pub model: Option<PathBuf>,
    /// Seed for weights, masking and pairs: the same seed gives the same run at the same
    /// thread count, on one kind of CPU (demo, export and compare pin the count; train
    /// prints it).
    #[arg(long, global = true, default_value_t = 0)]
    pub seed: u64,
    /// The sentence objective beside masked LM: BERT's next sentence prediction, ALBERT's
    /// sentence-order prediction, or none (masked LM alone, as RoBERTa).
    #[arg(long, global = true, value_enum, default_value_t = SentenceTask::Nsp)]
    pub sentence_task: SentenceTask,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show how a sentence pair becomes BERT's input, and which tokens get masked.
    Inspect(InspectArgs),
    /// Train the model headless and save a checkpoint.
    Train(TrainArgs),
    /// Run a checkpoint on one pair with chosen masks: losses, predictions, gradients.
    Eval(EvalArgs),
    /// List the lessons, open one in the TUI, or check the lesson files.
    Lesson(LessonArgs),
    /// Play a demo script step by step (Space/→ next, ← back), or check demo files.
    Demo(DemoArgs),
    /// Draw a stage as the TUI would (after N training steps) to SVG, HTML or text, with no
    /// terminal; --all draws every stage and the loss curves.
    Export(ExportArgs),
    /// Time full training steps on random batches of a given shape.
    Bench(BenchArgs),
    /// Train one model per sentence objective (none, NSP, SOP) and score each on all
    /// three tasks, as in ALBERT's Table 5.
    Compare(CompareArgs),
    /// Rebuild the WordPiece vocabulary from a corpus.
    Vocab {
        #[command(subcommand)]
        action: VocabAction,
    },
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Sentence A. Default: "my dog is cute".
    #[arg(long)]
    pub a: Option<String>,
    /// Sentence B. Default: "he likes playing".
    #[arg(long)]
    pub b: Option<String>,
    /// How tokens are chosen for masking.
    #[arg(long, value_enum, default_value_t = Strategy::Fixed)]
    pub strategy: Strategy,
    /// Print JSON instead of the table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Number of optimizer steps. Default: the recommended run (docs/TRAINING.md); with
    /// --live, no limit but --seconds.
    #[arg(long)]
    pub steps: Option<usize>,
    /// Train exactly as the TUI does: its open-ended schedule, threads and evaluations
    /// (every 250 steps), until --seconds or --steps; --lr, --warmup, --batch and
    /// --max-seq-length do not apply.
    #[arg(long, conflicts_with_all = ["lr", "warmup", "batch", "max_seq_length"])]
    pub live: bool,
    /// With --live: stop after this many seconds of training.
    #[arg(long, requires = "live", value_name = "N")]
    pub seconds: Option<f64>,
    /// With --live: another decay after the warm-up than the TUI's, for the schedule
    /// experiments of docs/TRAINING.md.
    #[arg(long, requires = "live", value_enum)]
    pub decay: Option<LiveDecay>,
    /// Also score the sentence head on these labelled pairs at every evaluation: the AUC of
    /// P(IsNext) (`nsp_pairs_auc` in --json), e.g. tests/data/nsp_single_sentence.tsv.
    #[arg(long, value_name = "FILE")]
    pub nsp_pairs: Option<PathBuf>,
    /// Threads (the batch is split between them). Default: one per core (with --live, as
    /// the TUI: one core left free on machines of 8 or more). The same seed repeats a run
    /// exactly only at the same thread count, on one kind of CPU.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Print losses and held-out accuracies every this many steps. Default: 500; with --live, 250.
    #[arg(long)]
    pub eval_every: Option<usize>,
    /// Peak learning rate (after warm-up).
    #[arg(long, default_value_t = crate::train::RECOMMENDED.peak_lr)]
    pub lr: f32,
    /// Warm-up steps (linear from 0 to the peak), then linear decay to 0 at --steps.
    #[arg(long, default_value_t = crate::train::RECOMMENDED.warmup)]
    pub warmup: usize,
    /// Pairs per batch.
    #[arg(long, default_value_t = crate::train::RECOMMENDED.batch)]
    pub batch: usize,
    /// Longest training sequence, [CLS] A [SEP] B [SEP] included.
    #[arg(long, default_value_t = crate::train::RECOMMENDED.max_seq_length)]
    pub max_seq_length: usize,
    #[command(flatten)]
    pub shape: ShapeArgs,
    /// Print one JSON object per evaluation on stdout (and nothing else there).
    #[arg(long)]
    pub json: bool,
    /// Where to save the checkpoint (also on Ctrl-C).
    #[arg(long, default_value = "checkpoint", value_name = "DIR")]
    pub out: PathBuf,
    /// Also write the loss history here as CSV, one row per evaluation: step, train MLM,
    /// train NSP, total, held-out MLM loss, MLM top-1, NSP accuracy, learning rate.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
}

/// The decays `train --live --decay` can try (`train::optim::Decay`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LiveDecay {
    /// Linear to 10% of the peak at step 1,700, then held: the TUI's schedule before issue 20.
    Linear1700,
    /// The peak, for ever.
    Constant,
    /// The peak to step 4,000, then peak · √(4,000 / step), held at 5% of the peak.
    Rsqrt,
    /// Half a cosine to 5% of the peak over 30,000 steps (about 30 minutes), then held.
    Cosine30k,
}

/// The shape of a fresh model (ignored with --model, whose config.json decides).
/// Default: bert-tutor's default model.
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct ShapeArgs {
    /// Hidden size.
    #[arg(long)]
    pub hidden: Option<usize>,
    /// Encoder layers.
    #[arg(long)]
    pub layers: Option<usize>,
    /// Attention heads.
    #[arg(long)]
    pub heads: Option<usize>,
    /// Feed-forward size.
    #[arg(long)]
    pub ffn: Option<usize>,
    /// Dropout probability (hidden and attention).
    #[arg(long)]
    pub dropout: Option<f32>,
}

/// The `[CLS]` label: label 0 is IsNext (NSP) or InOrder (SOP), label 1 NotNext or Swapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NspLabel {
    #[value(alias = "in-order")]
    IsNext,
    #[value(alias = "swapped")]
    NotNext,
}

/// The loss whose gradients `eval --grads` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GradHead {
    /// The masked-LM loss alone.
    Mlm,
    /// The sentence head's loss alone (NSP, or SOP under --sentence-task sop).
    Nsp,
    /// Their sum, the training total (MLM alone under --sentence-task none).
    Both,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Sentence A.
    #[arg(long, default_value = crate::DEFAULT_A)]
    pub a: String,
    /// Sentence B.
    #[arg(long, default_value = crate::DEFAULT_B)]
    pub b: String,
    /// Positions to mask, counting [CLS] as 0, e.g. 3,8.
    #[arg(long, value_delimiter = ',', required = true)]
    pub mask: Vec<usize>,
    /// Whether B really follows A: is-next or not-next (with --sentence-task sop, the
    /// same labels are named in-order and swapped).
    #[arg(long, value_enum)]
    pub label: NspLabel,

    /// Write d(loss)/d(parameter) for every parameter here (safetensors, HF names); the
    /// loss is the one --head chooses.
    #[arg(long, value_name = "FILE")]
    pub grads: Option<PathBuf>,
    /// Which loss --grads differentiates: mlm, nsp (the sentence head's, also under sop),
    /// or both (the total). Default: both.
    #[arg(long, value_enum)]
    pub head: Option<GradHead>,
    /// Write every layer's attention probabilities here (safetensors): `layer.{i}`, shaped
    /// [heads, T, T], row = query, column = key.
    #[arg(long, value_name = "FILE")]
    pub attentions: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The sentence objectives to compare, comma-separated, each once; each trains its own
    /// model from the same initial weights.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "none,nsp,sop")]
    pub sentence_tasks: Vec<SentenceTask>,
    /// Optimizer steps per model.
    #[arg(long, default_value_t = 3000)]
    pub steps: usize,
    /// Held-out evaluation every this many steps, for the curves. Default: steps / 10.
    #[arg(long)]
    pub eval_every: Option<usize>,
    /// Threads per model (the batch is split between them). Default: 2 on every machine, so
    /// the same seed gives the same rows whatever the core count; more is faster and repeats
    /// only at the same count. CPUs whose matmul kernels differ (AVX-512, AVX2) may differ in
    /// the last digits.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Adam steps of each linear probe.
    #[arg(long, default_value_t = crate::train::probe::PROBE_STEPS)]
    pub probe_steps: usize,
    /// Pairs from the training documents each probe is fitted on.
    #[arg(long, default_value_t = crate::train::probe::PROBE_PAIRS)]
    pub probe_pairs: usize,
    /// Also write the table as CSV here.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Print the table as JSON instead.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum VocabAction {
    /// Train a WordPiece vocabulary on the corpus; writes tokenizer.json and vocab.txt.
    Build {
        /// Output folder.
        #[arg(long, default_value = "assets")]
        out: PathBuf,
        /// Vocabulary size, special tokens included.
        #[arg(long, default_value_t = crate::cmd::vocab::DEFAULT_VOCAB_SIZE)]
        size: usize,
    },
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[arg(long, default_value_t = 2000)]
    pub vocab: usize,
    #[arg(long, default_value_t = 64)]
    pub hidden: usize,
    #[arg(long, default_value_t = 2)]
    pub layers: usize,
    #[arg(long, default_value_t = 4)]
    pub heads: usize,
    #[arg(long, default_value_t = 256)]
    pub ffn: usize,
    #[arg(long, default_value_t = 32)]
    pub batch: usize,
    #[arg(long, default_value_t = 32)]
    pub seq: usize,
    /// Timed steps.
    #[arg(long, default_value_t = 50)]
    pub steps: usize,
    /// Untimed steps first.
    #[arg(long, default_value_t = 3)]
    pub warmup: usize,
    /// Threads (the batch is split between them; at most one per pair). Default: one per core.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Instead: the TUI's cost. Trains the default model headless, then with the TUI
    /// drawing at 120×40 (into an off-screen buffer) and keys arriving, and compares.
    #[arg(long)]
    pub ui: bool,
    /// Seconds for each half of `--ui`.
    #[arg(long, default_value_t = 10.0)]
    pub seconds: f64,
    /// With `--ui`: keep this stage (1–11) open, the keys moving its cursor, instead of
    /// stepping through every stage.
    #[arg(long, requires = "ui", value_parser = clap::value_parser!(u16).range(1..=11))]
    pub stage: Option<u16>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// A demo file (TOML, see demos/README.md). Default: the bundled demos/bert-objective.toml.
    pub file: Option<PathBuf>,
    /// Check the demo file (or every bundled demo), reporting file:line; exits non-zero on
    /// any problem.
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub screen: ScreenArgs,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The stage: its number (1-11) or name (pieces, input, embeddings, masking, mlm, nsp,
    /// sum, training, attention, gradients, space).
    #[arg(long)]
    pub stage: Option<String>,
    /// Every stage, each to NN-<name>.<ext> in the --out folder, with the loss history
    /// (08-training-loss.csv) and its plot (08-training-loss.svg).
    #[arg(long)]
    pub all: bool,
    /// Sentence A. Default: "my dog is cute".
    #[arg(long)]
    pub a: Option<String>,
    /// Sentence B. Default: "he likes playing".
    #[arg(long)]
    pub b: Option<String>,
    /// Training steps before drawing; the same flags give the same files.
    #[arg(long, default_value_t = 0)]
    pub steps: usize,
    /// Mask exactly these positions, counting [CLS] as 0, e.g. 3,8. Default: the TUI's
    /// first mask.
    #[arg(long, value_name = "P1,P2,...")]
    pub mask: Option<String>,
    /// The screen's size, columns x rows.
    #[arg(long, default_value = "120x40")]
    pub size: String,
    /// svg, html, txt or ansi. Default: from the --out file's extension, else svg.
    #[arg(long)]
    pub format: Option<String>,
    /// The file to write (with --all, a folder). Default: standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Draw presenter mode (as `bert-tutor --present` shows it).
    #[arg(long)]
    pub present: bool,
}

#[derive(Debug, Args)]
pub struct LessonArgs {
    /// A lesson to open: its number (1, 2, ...) or its id. Without it: the list.
    pub lesson: Option<String>,
    /// Check every lesson file (unknown stages, bad highlights, missing answers,
    /// duplicate ids), reporting file:line; exits non-zero on any problem.
    #[arg(long)]
    pub check: bool,
    /// Lesson files from this folder instead of the bundled ones.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Forget all saved lesson progress.
    #[arg(long)]
    pub reset_progress: bool,
    #[command(flatten)]
    pub screen: ScreenArgs,
}
