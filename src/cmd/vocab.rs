//! `bert-tutor vocab build`: trains the WordPiece vocabulary on a corpus and writes
//! `tokenizer.json` and `vocab.txt`.
//!
//! The crate's `WordPieceTrainer` breaks ties between equally frequent merges in hash
//! order, so two builds of one corpus can differ in a few rare pieces. That is why the
//! vocabulary is shipped in `assets/` rather than rebuilt, and why the tests check what
//! matters of it (it loads, the corpus encodes with almost no `[UNK]`, and the default
//! pair gives BERT's figure) instead of its exact contents.

use std::path::Path;

use anyhow::{Context, Result};

use crate::text::tokenize::BertTokenizer;

/// The bundled vocabulary's settings: see docs/DESIGN.md "Design decisions".
pub const DEFAULT_VOCAB_SIZE: usize = 2000;
pub const DEFAULT_MIN_FREQUENCY: u64 = 2;

/// Sentences of a corpus in BERT's format (every non-empty line).
pub fn sentences(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
}

/// Trains, saves into `out`, and reports what a user should check.
pub fn build(corpus_text: &str, out: &Path, vocab_size: usize, min_frequency: u64) -> Result<String> {
    let lines = sentences(corpus_text);
    if lines.is_empty() {
        anyhow::bail!("the corpus has no sentences to learn a vocabulary from");
    }
    let tok = BertTokenizer::train(&lines, vocab_size, min_frequency)?;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create the vocabulary folder {}", out.display()))?;
    tok.save(out)?;
    let (pieces, unk) = unk_rate(&tok, &lines)?;
    let figure = tok.encode_pair(crate::DEFAULT_A, crate::DEFAULT_B, 512)?.tokens.join(" ");
    Ok(format!(
        "wrote {}/tokenizer.json and vocab.txt: {} pieces; the corpus encodes to {pieces} pieces, {unk} of them [UNK]\n\
         default pair: {figure}",
        out.display(),
        tok.vocab_size()
    ))
}

/// (pieces, how many are `[UNK]`) over `lines`.
pub fn unk_rate(tok: &BertTokenizer, lines: &[String]) -> Result<(usize, usize)> {
    let (mut n, mut unk) = (0, 0);
    for l in lines {
        let ids = tok.encode_sentence(l)?;
        n += ids.len();
        unk += ids.iter().filter(|&&i| i == tok.special.unk).count();
    }
    Ok((n, unk))
}
