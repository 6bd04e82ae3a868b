//! The command line: its clap types (`cli`), one file per subcommand, and the loading they
//! share. Nothing else in the crate imports `cmd`.

pub mod bench;
pub mod bench_ui;
pub mod cli;
pub mod compare;
pub mod demo;
pub mod eval;
pub mod export;
pub mod inspect;
pub mod lesson;
mod progress;
pub mod train;
pub mod tui;
pub mod vocab;

use anyhow::{Result, bail};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::cmd::cli::{Cli, Command, Inputs, ScreenArgs, ShapeArgs, VocabAction};
use crate::model::{BertConfig, Params, checkpoint};
use crate::text::corpus::Corpus;
use crate::text::tokenize::BertTokenizer;

/// The screen was asked for without a terminal (`bert-tutor | cat`): `main` exits with 2.
#[derive(Debug)]
pub struct NotATerminal;

impl std::fmt::Display for NotATerminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "the bert-tutor screen needs a terminal on stdin and stdout; for output you can pipe, use a subcommand: inspect, eval, train, export, demo --check, compare, bench, or lesson (lists the lessons)",
        )
    }
}

impl std::error::Error for NotATerminal {}

/// Fails with [`NotATerminal`] unless stdin and stdout are both terminals.
pub fn require_terminal() -> Result<()> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() { Ok(()) } else { Err(NotATerminal.into()) }
}

/// Runs what the command line asked for.
pub fn run(cli: Cli) -> Result<()> {
    let (inputs, top) = (cli.inputs, cli.screen);
    refuse_screen_options(&top, cli.command.as_ref())?;
    match cli.command {
        None => tui::run(&inputs, top.present, top.record.as_deref()),
        Some(Command::Inspect(args)) => inspect::run(&inputs, &args),
        Some(Command::Train(args)) => train::run(&inputs, &args),
        Some(Command::Eval(args)) => eval::run(&inputs, &args),
        Some(Command::Bench(args)) => bench::run(&args),
        Some(Command::Compare(args)) => compare::run(&inputs, &args),
        Some(Command::Lesson(args)) => {
            let screen = args.screen.with(&top);
            lesson::run(&inputs, &args, screen.present, screen.record.as_deref())
        }
        Some(Command::Demo(args)) => {
            let screen = args.screen.with(&top);
            demo::run(&inputs, &args, screen.present, screen.record.as_deref())
        }
        Some(Command::Export(args)) => export::run(&inputs, &args, args.present || top.present),
        Some(Command::Vocab { action: VocabAction::Build { out, size } }) => {
            let text = match &inputs.corpus {
                Some(p) => {
                    std::fs::read_to_string(p).map_err(|e| anyhow::anyhow!("corpus file {}: {e}", p.display()))?
                }
                None => crate::text::corpus::DEFAULT_CORPUS.to_string(),
            };
            println!("{}", vocab::build(&text, &out, size, vocab::DEFAULT_MIN_FREQUENCY)?);
            Ok(())
        }
    }
}

/// Refuses `--present` or `--record` given before a subcommand that opens no screen
/// (`bert-tutor --present train`), as the subcommand itself would.
fn refuse_screen_options(top: &ScreenArgs, command: Option<&Command>) -> Result<()> {
    let takes = match command {
        None | Some(Command::Lesson(_) | Command::Demo(_)) => return Ok(()),
        Some(Command::Export(_)) => "--present",
        Some(_) => "neither",
    };
    let given = match (top.present, &top.record) {
        (_, Some(_)) => "--record",
        (true, None) => "--present",
        (false, None) => return Ok(()),
    };
    if takes == given {
        return Ok(());
    }
    bail!("{given} applies to the screen (bert-tutor, lesson N, demo; export takes --present), not to this subcommand")
}

/// The tokenizer: `--tokenizer`, else the checkpoint's own (`tokenizer.json` or
/// `vocab.txt`), else the bundled one.
pub fn load_tokenizer(inputs: &Inputs) -> Result<BertTokenizer> {
    if let Some(path) = &inputs.tokenizer {
        return BertTokenizer::from_path(path);
    }
    if let Some(dir) = &inputs.model {
        // Ours and HF's save tokenizer.json; Google's BERT releases ship only vocab.txt.
        for own in [dir.join("tokenizer.json"), dir.join("vocab.txt")] {
            if own.is_file() {
                return BertTokenizer::from_path(&own);
            }
        }
    }
    BertTokenizer::bundled()
}

pub fn load_corpus(inputs: &Inputs, tok: &BertTokenizer) -> Result<Corpus> {
    match &inputs.corpus {
        Some(path) => Corpus::from_path(path, tok),
        None => Corpus::bundled(tok),
    }
}

/// The model: `--model DIR`, else fresh HF-style initial weights from `--seed`.
pub fn load_model(inputs: &Inputs, tok: &BertTokenizer) -> Result<(BertConfig, Params)> {
    let (cfg, params) = match &inputs.model {
        Some(dir) => checkpoint::load(dir)?,
        None => {
            let cfg = BertConfig::for_vocab(tok.vocab_size());
            let params = Params::init(&cfg, &mut StdRng::seed_from_u64(inputs.seed));
            (cfg, params)
        }
    };
    if cfg.vocab_size != tok.vocab_size() {
        bail!(
            "the model's vocabulary has {} entries but the tokenizer has {}: pass the tokenizer it was trained with (--tokenizer)",
            cfg.vocab_size,
            tok.vocab_size()
        );
    }
    Ok((cfg, params))
}

/// The model for a training run: `--model DIR` as saved, or a fresh model of the
/// default shape with `shape`'s changes and room for `max_seq_length` positions.
pub fn load_model_shaped(
    inputs: &Inputs,
    tok: &BertTokenizer,
    shape: &ShapeArgs,
    max_seq_length: usize,
) -> Result<(BertConfig, Params)> {
    if inputs.model.is_some() {
        return load_model(inputs, tok);
    }
    let base = BertConfig::for_vocab(tok.vocab_size());
    let cfg = BertConfig {
        hidden_size: shape.hidden.unwrap_or(base.hidden_size),
        num_hidden_layers: shape.layers.unwrap_or(base.num_hidden_layers),
        num_attention_heads: shape.heads.unwrap_or(base.num_attention_heads),
        intermediate_size: shape.ffn.unwrap_or(base.intermediate_size),
        hidden_dropout_prob: shape.dropout.unwrap_or(base.hidden_dropout_prob),
        attention_probs_dropout_prob: shape.dropout.unwrap_or(base.attention_probs_dropout_prob),
        max_position_embeddings: base.max_position_embeddings.max(max_seq_length),
        ..base
    };
    cfg.validate()?;
    let params = Params::init(&cfg, &mut StdRng::seed_from_u64(inputs.seed));
    Ok((cfg, params))
}
