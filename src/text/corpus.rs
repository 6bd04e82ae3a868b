//! Documents in BERT's pre-training text format, and the sentence pairs NSP learns from.
//!
//! The format is google-research/bert `create_pretraining_data.py`'s: one sentence per
//! line, a blank line between documents. Every 10th document is held out for evaluation.
//! [`create_instances_from_document`] builds IsNext / NotNext pairs as that script does.

use std::path::Path;

use anyhow::{Context, Result, bail};
use rand::RngExt;

use crate::text::tokenize::BertTokenizer;

pub mod sentence_task;
pub use sentence_task::SentenceTask;

/// The bundled corpus, written for this project.
pub const DEFAULT_CORPUS: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/corpus.txt"));

/// A document is a list of sentences; a sentence a list of word-piece ids.
pub type Document = Vec<Vec<u32>>;

/// The corpus as text (for showing pairs) and as ids (for training).
#[derive(Debug, Clone)]
pub struct Corpus {
    /// `text[d][s]`: sentence `s` of document `d`.
    pub text: Vec<Vec<String>>,
    pub docs: Vec<Document>,
    /// Where the corpus came from, for messages.
    pub source: String,
    /// Sentence (letters and digits, lowercased) → its first document; built on first use.
    index: std::sync::OnceLock<std::collections::HashMap<String, usize>>,
}

/// The next-sentence label: 0 = IsNext, 1 = NotNext (a random sentence), as in BERT.
pub const IS_NEXT: u32 = 0;
pub const NOT_NEXT: u32 = 1;

impl Corpus {
    /// The bundled `assets/corpus.txt`.
    pub fn bundled(tok: &BertTokenizer) -> Result<Self> {
        Self::parse(DEFAULT_CORPUS, "assets/corpus.txt", tok)
    }

    /// A user's corpus file in BERT's format.
    pub fn from_path(path: &Path, tok: &BertTokenizer) -> Result<Self> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).with_context(|| format!("corpus file {shown}: cannot read it"))?;
        let text = String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("corpus file {shown}: not UTF-8 text"))?;
        Self::parse(&text, &shown, tok)
    }

    /// Splits text into documents (blank-line separated) of sentences (lines); empty
    /// documents are dropped, as `create_training_instances` does.
    pub fn parse(text: &str, source: &str, tok: &BertTokenizer) -> Result<Self> {
        let mut texts: Vec<Vec<String>> = vec![Vec::new()];
        for line in text.lines() {
            let line = line.trim();
            match (line.is_empty(), texts.last().is_some_and(|d| d.is_empty())) {
                (true, true) => {}
                (true, false) => texts.push(Vec::new()),
                (false, _) => texts.last_mut().expect("never empty").push(line.to_string()),
            }
        }
        let mut corpus =
            Corpus { text: Vec::new(), docs: Vec::new(), source: source.to_string(), index: Default::default() };
        for doc in texts {
            let ids: Vec<Vec<u32>> = doc.iter().map(|s| tok.encode_sentence(s)).collect::<Result<_>>()?;
            let keep: Vec<usize> = (0..doc.len()).filter(|&i| !ids[i].is_empty()).collect();
            if keep.is_empty() {
                continue;
            }
            corpus.text.push(keep.iter().map(|&i| doc[i].clone()).collect());
            corpus.docs.push(keep.iter().map(|&i| ids[i].clone()).collect());
        }
        if corpus.docs.len() < 2 {
            bail!(
                "corpus file {source}: found {} document(s), but next sentence prediction needs at least 2 \
                 (separate documents with a blank line)",
                corpus.docs.len()
            );
        }
        Ok(corpus)
    }

    pub fn num_sentences(&self) -> usize {
        self.docs.iter().map(Vec::len).sum()
    }

    /// The document holding `sentence`, compared by letters and digits only, ignoring case
    /// (the default pair is written without the corpus's full stops). The index behind it is
    /// built once, so the screen can ask on every frame.
    pub fn document_of(&self, sentence: &str) -> Option<usize> {
        let index = self.index.get_or_init(|| {
            let mut index = std::collections::HashMap::new();
            for (d, doc) in self.text.iter().enumerate().rev() {
                for s in doc {
                    index.insert(sentence_key(s), d); // in reverse, so the first document wins
                }
            }
            index
        });
        index.get(&sentence_key(sentence)).copied()
    }

    /// Whether document `d` is held out by [`Corpus::split`], without building its lists.
    pub fn is_held_out(&self, d: usize) -> bool {
        let n = self.docs.len();
        let held = n / 10; // how many of documents 9, 19, 29, ... there are
        held >= 2 && n - held >= 2 && d % 10 == 9
    }

    /// The deterministic split: every 10th document (index 9, 19, ...) is held out.
    /// A corpus too small to spare two held-out documents is evaluated on its training set.
    pub fn split(&self) -> (Vec<usize>, Vec<usize>) {
        let all: Vec<usize> = (0..self.docs.len()).collect();
        let (held, train): (Vec<usize>, Vec<usize>) = all.iter().partition(|&&d| d % 10 == 9);
        if held.len() < 2 || train.len() < 2 { (all.clone(), all) } else { (train, held) }
    }

    /// A pair for the screen: sentence `s` of document `d` and its real successor, or a
    /// sentence from another document.
    pub fn pair_text<R: rand::Rng>(&self, want_next: bool, rng: &mut R) -> (String, String, u32) {
        self.pair_text_for(SentenceTask::Nsp, want_next, rng)
    }

    /// A pair for the screen under `task`: label 0 (IsNext / InOrder) when `positive`,
    /// else label 1 (NotNext: B from another document; Swapped: the two sentences reversed).
    pub fn pair_text_for<R: rand::Rng>(
        &self,
        task: SentenceTask,
        positive: bool,
        rng: &mut R,
    ) -> (String, String, u32) {
        let with_next: Vec<usize> = (0..self.text.len()).filter(|&d| self.text[d].len() >= 2).collect();
        let d = if with_next.is_empty() { 0 } else { with_next[rng.random_range(0..with_next.len())] };
        let doc = &self.text[d];
        let s = rng.random_range(0..doc.len().saturating_sub(1).max(1));
        let a = doc[s].clone();
        if task == SentenceTask::Sop && doc.len() >= 2 {
            let b = doc[s + 1].clone();
            return if positive { (a, b, sentence_task::IN_ORDER) } else { (b, a, sentence_task::SWAPPED) };
        }
        if positive && doc.len() >= 2 {
            return (a, doc[s + 1].clone(), IS_NEXT);
        }
        let mut other = rng.random_range(0..self.text.len());
        while other == d {
            other = rng.random_range(0..self.text.len());
        }
        let b = &self.text[other];
        (a, b[rng.random_range(0..b.len())].clone(), NOT_NEXT)
    }
}

/// One pre-training pair before masking: `tokens_a`, `tokens_b` and the NSP label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairInstance {
    pub tokens_a: Vec<u32>,
    pub tokens_b: Vec<u32>,
    pub nsp_label: u32,
}

/// create_pretraining_data.py `create_instances_from_document`: chunks whole sentences
/// up to a target length, splits each chunk at a random point into A and B, and half the
/// time swaps B for text from a random other document (NotNext). `pool` lists the
/// documents this split may draw from; `doc` indexes into it.
pub fn create_instances_from_document<R: rand::Rng>(
    docs: &[Document],
    pool: &[usize],
    doc: usize,
    max_seq_length: usize,
    short_seq_prob: f64,
    rng: &mut R,
) -> Vec<PairInstance> {
    let document = &docs[pool[doc]];
    let max_num_tokens = max_seq_length - 3;
    let target = target_seq_length(max_num_tokens, short_seq_prob, rng);
    let mut instances = Vec::new();
    let mut chunk: Vec<&Vec<u32>> = Vec::new();
    let mut chunk_len = 0;
    let mut i = 0isize;
    while (i as usize) < document.len() {
        let segment = &document[i as usize];
        chunk.push(segment);
        chunk_len += segment.len();
        if i as usize == document.len() - 1 || chunk_len >= target {
            let a_end = if chunk.len() >= 2 { rng.random_range(1..=chunk.len() - 1) } else { 1 };
            let tokens_a: Vec<u32> = chunk[..a_end].iter().flat_map(|s| s.iter().copied()).collect();
            let mut tokens_b = Vec::new();
            let nsp_label;
            if chunk.len() == 1 || rng.random::<f64>() < 0.5 {
                nsp_label = NOT_NEXT;
                let target_b = target.saturating_sub(tokens_a.len());
                let mut other = doc;
                for _ in 0..10 {
                    other = rng.random_range(0..pool.len());
                    if other != doc {
                        break;
                    }
                }
                let random_doc = &docs[pool[other]];
                let start = rng.random_range(0..random_doc.len());
                for sentence in &random_doc[start..] {
                    tokens_b.extend_from_slice(sentence);
                    if tokens_b.len() >= target_b {
                        break;
                    }
                }
                // The unused A-side sentences are put back, to be read again.
                i -= (chunk.len() - a_end) as isize;
            } else {
                nsp_label = IS_NEXT;
                tokens_b = chunk[a_end..].iter().flat_map(|s| s.iter().copied()).collect();
            }
            let mut inst = PairInstance { tokens_a, tokens_b, nsp_label };
            truncate_seq_pair(&mut inst.tokens_a, &mut inst.tokens_b, max_num_tokens, rng);
            instances.push(inst);
            chunk.clear();
            chunk_len = 0;
        }
        i += 1;
    }
    instances
}

/// The chunk length a document's pairs aim for: the whole `max_num_tokens`, or with
/// probability `short_seq_prob` a random shorter one (create_pretraining_data.py
/// `target_seq_length`), so some pairs are short, as fine-tuning inputs often are.
pub fn target_seq_length<R: rand::Rng>(max_num_tokens: usize, short_seq_prob: f64, rng: &mut R) -> usize {
    if rng.random::<f64>() < short_seq_prob { rng.random_range(2..=max_num_tokens) } else { max_num_tokens }
}

/// create_pretraining_data.py `truncate_seq_pair`: while too long, trim the longer side
/// (B on a tie), from the front or the back at random.
pub fn truncate_seq_pair<R: rand::Rng>(a: &mut Vec<u32>, b: &mut Vec<u32>, max: usize, rng: &mut R) {
    while a.len() + b.len() > max {
        let side = if a.len() > b.len() { &mut *a } else { &mut *b };
        if rng.random::<f64>() < 0.5 {
            side.remove(0);
        } else {
            side.pop();
        }
    }
}

/// Drops surplus pairs of the commoner label, so the pairs are half IsNext, half NotNext.
///
/// `create_instances_from_document` makes every one-sentence chunk NotNext. On Wikipedia's
/// long documents that hardly matters; on this corpus' six-sentence stories it gives about
/// 61% NotNext, a prior the NSP head would learn instead of the task (and a held-out
/// accuracy that is not 50% by chance). Balancing keeps each pair as the reference made it.
pub fn balance_nsp<R: rand::Rng>(pairs: &mut Vec<PairInstance>, rng: &mut R) {
    use rand::seq::SliceRandom;
    pairs.shuffle(rng);
    let not_next = pairs.iter().filter(|p| p.nsp_label == NOT_NEXT).count();
    let keep = not_next.min(pairs.len() - not_next);
    if keep == 0 {
        return; // one label only (a tiny corpus): nothing to balance against
    }
    let (mut n_next, mut n_not) = (0, 0);
    pairs.retain(|p| {
        let count = if p.nsp_label == NOT_NEXT { &mut n_not } else { &mut n_next };
        *count += 1;
        *count <= keep
    });
}

/// A sentence as [`Corpus::document_of`] compares it: letters and digits, lowercased.
fn sentence_key(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(n: usize) -> Corpus {
        let text: Vec<Vec<String>> =
            (0..n).map(|d| vec![format!("Sentence {d} here."), format!("Then {d}.")]).collect();
        let docs = text.iter().map(|doc| doc.iter().map(|_| vec![1]).collect()).collect();
        Corpus { text, docs, source: "test".into(), index: Default::default() }
    }

    #[test]
    fn is_held_out_agrees_with_split() {
        for n in [2, 9, 10, 19, 20, 21, 29, 30, 31, 100, 317] {
            let c = corpus(n);
            let (_, held) = c.split();
            let all_held = held.len() == n;
            for d in 0..n {
                let expected = !all_held && held.contains(&d);
                assert_eq!(c.is_held_out(d), expected, "n {n}, document {d}");
            }
        }
    }

    #[test]
    fn document_of_ignores_case_and_punctuation() {
        let c = corpus(30);
        assert_eq!(c.document_of("sentence 12 here"), Some(12));
        assert_eq!(c.document_of("THEN 3"), Some(3));
        assert_eq!(c.document_of("not in the corpus"), None);
    }
}
