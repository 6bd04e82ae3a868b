//! Text → WordPiece pieces → ids, BERT's way, with HuggingFace's `tokenizers` crate.
//!
//! The pipeline is BERT's own: `BertNormalizer` (clean text, CJK spacing, strip accents,
//! lowercase), `BertPreTokenizer` (whitespace and punctuation), `WordPiece` with `##`
//! continuations and `[UNK]`, and the post-processor `[CLS] $A [SEP] $B:1 [SEP]:1`, whose
//! `:1` marks make the type ids the A/B segments.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use tokenizers::decoders::wordpiece::WordPiece as WordPieceDecoder;
use tokenizers::models::TrainerWrapper;
use tokenizers::models::wordpiece::{WordPiece, WordPieceTrainer};
use tokenizers::normalizers::bert::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::processors::template::TemplateProcessing;
use tokenizers::{AddedToken, Encoding, Tokenizer, TruncationDirection};

/// The bundled tokenizer, trained by `bert-tutor vocab build` on `assets/corpus.txt`.
pub const DEFAULT_TOKENIZER_JSON: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/tokenizer.json"));

/// BERT's special tokens, in the order they take the first ids of a trained vocabulary.
pub const SPECIAL_TOKENS: [&str; 5] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

/// The ids of the special tokens in the vocabulary in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecialIds {
    pub pad: u32,
    pub unk: u32,
    pub cls: u32,
    pub sep: u32,
    pub mask: u32,
}

impl SpecialIds {
    /// True for `[CLS]`, `[SEP]` and `[PAD]`, the tokens masking never selects.
    pub fn is_structural(&self, id: u32) -> bool {
        id == self.cls || id == self.sep || id == self.pad
    }
}

/// A sentence pair laid out as `[CLS] A [SEP] B [SEP]`.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedPair {
    pub tokens: Vec<String>,
    pub ids: Vec<u32>,
    /// 0 for `[CLS] A [SEP]`, 1 for `B [SEP]`.
    pub segments: Vec<u32>,
    /// How many word pieces truncation dropped to fit `max_len`.
    pub dropped: usize,
}

/// BERT's tokenizer: the HF pipeline plus the ids of its special tokens.
#[derive(Clone)]
pub struct BertTokenizer {
    inner: Tokenizer,
    pub special: SpecialIds,
}

impl BertTokenizer {
    /// The bundled tokenizer; it cannot fail unless the asset is broken, which a test guards.
    pub fn bundled() -> Result<Self> {
        let inner: Tokenizer = DEFAULT_TOKENIZER_JSON
            .parse()
            .map_err(|e| anyhow!("the bundled assets/tokenizer.json is malformed: {e}"))?;
        Self::from_tokenizer(inner, "assets/tokenizer.json")
    }

    /// Loads a `tokenizer.json`, or a BERT `vocab.txt` (one piece per line, lowercasing on).
    pub fn from_path(path: &Path) -> Result<Self> {
        let shown = path.display().to_string();
        if !path.is_file() {
            bail!("tokenizer file {shown}: not found (pass a tokenizer.json or a BERT vocab.txt)");
        }
        let is_json = path.extension().is_some_and(|e| e == "json");
        let inner = if is_json {
            Tokenizer::from_file(path)
                .map_err(|e| anyhow!("tokenizer file {shown}: not a valid tokenizer.json ({e})"))?
        } else {
            let vocab = path.to_str().context("tokenizer path is not valid UTF-8")?;
            let model = WordPiece::from_file(vocab)
                .unk_token("[UNK]".into())
                .build()
                .map_err(|e| anyhow!("tokenizer file {shown}: not a valid vocab.txt ({e})"))?;
            bert_pipeline(model)?
        };
        Self::from_tokenizer(inner, &shown)
    }

    /// Wraps any tokenizer, checks it has BERT's special tokens, and installs BERT's template.
    fn from_tokenizer(mut inner: Tokenizer, shown: &str) -> Result<Self> {
        let id = |t: &str| {
            inner.token_to_id(t).ok_or_else(|| anyhow!("tokenizer file {shown}: the vocabulary has no {t} token"))
        };
        let special = SpecialIds {
            pad: id("[PAD]")?,
            unk: id("[UNK]")?,
            cls: id("[CLS]")?,
            sep: id("[SEP]")?,
            mask: id("[MASK]")?,
        };
        inner.with_post_processor(Some(bert_template(&special)?));
        inner.with_truncation(None).map_err(|e| anyhow!("{e}"))?;
        inner.with_padding(None);
        Ok(Self { inner, special })
    }

    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// The piece for an id, or `[id?]` for an id outside the vocabulary.
    pub fn token(&self, id: u32) -> String {
        self.inner.id_to_token(id).unwrap_or_else(|| format!("[{id}?]"))
    }

    pub fn token_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    /// One sentence's word-piece ids, without special tokens.
    pub fn encode_sentence(&self, text: &str) -> Result<Vec<u32>> {
        Ok(self.encode_raw(text)?.get_ids().to_vec())
    }

    /// One sentence's word pieces (as strings), without special tokens.
    pub fn pieces(&self, text: &str) -> Result<Vec<String>> {
        Ok(self.encode_raw(text)?.get_tokens().to_vec())
    }

    /// Each word of `text` as typed, with the word pieces WordPiece cut it into.
    pub fn words(&self, text: &str) -> Result<Vec<(String, Vec<String>)>> {
        let enc = self.encode_raw(text)?;
        // (word index, byte span in `text`, pieces)
        let mut words: Vec<WordSpan> = Vec::new();
        for ((piece, word), &(start, end)) in enc.get_tokens().iter().zip(enc.get_word_ids()).zip(enc.get_offsets()) {
            match words.last_mut() {
                Some((w, span, pieces)) if *w == *word && word.is_some() => {
                    span.1 = end;
                    pieces.push(piece.clone());
                }
                _ => words.push((*word, (start, end), vec![piece.clone()])),
            }
        }
        Ok(words.into_iter().map(|(_, (s, e), p)| (text.get(s..e).unwrap_or(&p[0]).to_string(), p)).collect())
    }

    fn encode_raw(&self, text: &str) -> Result<Encoding> {
        self.inner.encode(text, false).map_err(|e| anyhow!("could not tokenize {text:?}: {e}"))
    }

    /// Encodes a pair as `[CLS] A [SEP] B [SEP]`, at most `max_len` tokens long.
    ///
    /// Too long a pair is cut as google-research/bert `truncate_seq_pair` does, but
    /// deterministically: the longer side loses pieces from its end until the pair fits.
    pub fn encode_pair(&self, a: &str, b: &str, max_len: usize) -> Result<EncodedPair> {
        for (name, text) in [("A", a), ("B", b)] {
            if text.trim().is_empty() {
                bail!("sentence {name} is empty: give it at least one word");
            }
        }
        let (mut ea, mut eb) = (self.encode_raw(a)?, self.encode_raw(b)?);
        if ea.is_empty() || eb.is_empty() {
            bail!("a sentence has no tokens after normalisation: use letters or digits");
        }
        if max_len < 5 {
            bail!("a pair needs at least 5 positions ([CLS] a [SEP] b [SEP]); the model has {max_len}");
        }
        let budget = max_len - 3;
        let (la, lb) = truncated_lengths(ea.len(), eb.len(), budget);
        let dropped = ea.len() + eb.len() - la - lb;
        ea.truncate(la, 0, TruncationDirection::Right);
        eb.truncate(lb, 0, TruncationDirection::Right);
        // The cut pieces are kept as "overflow", which post_process would pair up
        // combinatorially; they are not wanted here.
        ea.take_overflowing();
        eb.take_overflowing();
        let pair =
            self.inner.post_process(ea, Some(eb), true).map_err(|e| anyhow!("could not lay out the pair: {e}"))?;
        Ok(EncodedPair {
            tokens: pair.get_tokens().to_vec(),
            ids: pair.get_ids().to_vec(),
            segments: pair.get_type_ids().to_vec(),
            dropped,
        })
    }

    /// Writes the tokenizer as `tokenizer.json` and `vocab.txt` into `dir`.
    pub fn save(&self, dir: &Path) -> Result<()> {
        let json = dir.join("tokenizer.json");
        self.inner.save(&json, true).map_err(|e| anyhow!("could not write {}: {e}", json.display()))?;
        let mut vocab: Vec<(String, u32)> = self.inner.get_vocab(true).into_iter().collect();
        vocab.sort_by_key(|(_, id)| *id);
        let lines: Vec<String> = vocab.into_iter().map(|(t, _)| t).collect();
        let txt = dir.join("vocab.txt");
        std::fs::write(&txt, lines.join("\n") + "\n").with_context(|| format!("could not write {}", txt.display()))
    }

    /// Trains a new WordPiece vocabulary on `sentences` with the crate's `WordPieceTrainer`.
    pub fn train(sentences: &[String], vocab_size: usize, min_frequency: u64) -> Result<Self> {
        let mut inner = bert_pipeline(WordPiece::default())?;
        let specials = SPECIAL_TOKENS.iter().map(|t| AddedToken::from(*t, true)).collect();
        let mut trainer: TrainerWrapper = WordPieceTrainer::builder()
            .vocab_size(vocab_size)
            .min_frequency(min_frequency)
            .special_tokens(specials)
            .show_progress(false)
            .build()
            .into();
        inner.train(&mut trainer, sentences.iter()).map_err(|e| anyhow!("WordPiece training failed: {e}"))?;
        Self::from_tokenizer(inner, "the trained vocabulary")
    }
}

/// A word while it is being gathered: (word index, byte span in the text, its pieces).
type WordSpan = (Option<u32>, (usize, usize), Vec<String>);

/// The lengths `truncate_seq_pair` leaves: trim the longer side (B on a tie) until they fit.
pub fn truncated_lengths(mut la: usize, mut lb: usize, budget: usize) -> (usize, usize) {
    while la + lb > budget {
        if la > lb {
            la -= 1;
        } else {
            lb -= 1;
        }
    }
    (la, lb)
}

/// BERT's normalizer, pre-tokenizer and decoder around a WordPiece model.
fn bert_pipeline(model: WordPiece) -> Result<Tokenizer> {
    let mut tokenizer = Tokenizer::new(model);
    // clean_text, handle_chinese_chars, strip_accents (None = follow lowercase), lowercase
    tokenizer.with_normalizer(Some(BertNormalizer::new(true, true, None, true))).map_err(|e| anyhow!("{e}"))?;
    tokenizer.with_pre_tokenizer(Some(BertPreTokenizer));
    tokenizer.with_decoder(Some(WordPieceDecoder::default()));
    Ok(tokenizer)
}

/// `[CLS] $A [SEP] $B:1 [SEP]:1`: the `:1` gives B and its `[SEP]` type id 1.
fn bert_template(ids: &SpecialIds) -> Result<TemplateProcessing> {
    TemplateProcessing::builder()
        .try_single("[CLS] $A [SEP]")
        .map_err(|e| anyhow!("{e}"))?
        .try_pair("[CLS] $A [SEP] $B:1 [SEP]:1")
        .map_err(|e| anyhow!("{e}"))?
        .special_tokens(vec![("[CLS]", ids.cls), ("[SEP]", ids.sep)])
        .build()
        .map_err(|e| anyhow!("{e}"))
}
