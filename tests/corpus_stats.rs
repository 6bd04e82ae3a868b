//! The bundled corpus is large and varied enough to teach NSP rather than be memorised
//! (issue 9): at least 3,000 documents and 20,000 sentences, almost no repeated sentence,
//! no stock opening, and the default pair still opening document 1.
//!
//! `cargo test --test corpus_stats -- --nocapture` prints the figures.

use std::collections::{HashMap, HashSet};

use bert_tutor::text::corpus::{Corpus, DEFAULT_CORPUS};
use bert_tutor::text::tokenize::BertTokenizer;

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

struct Stats {
    docs: usize,
    sentences: usize,
    distinct_share: f64,
    top_opening: (String, usize),
    type_token_ratio: f64,
    tokens: usize,
    mean_doc_sentences: f64,
}

fn stats(text: &str) -> Stats {
    let docs: Vec<Vec<&str>> = text
        .split("\n\n")
        .map(|d| d.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>())
        .filter(|d| !d.is_empty())
        .collect();
    let sentences: Vec<&str> = docs.iter().flatten().copied().collect();
    let distinct: HashSet<String> = sentences.iter().map(|s| s.to_lowercase()).collect();
    let mut openings: HashMap<String, usize> = HashMap::new();
    let (mut tokens, mut types) = (0, HashSet::new());
    for s in &sentences {
        let w = words(s);
        *openings.entry(w.iter().take(3).cloned().collect::<Vec<_>>().join(" ")).or_default() += 1;
        tokens += w.len();
        types.extend(w);
    }
    let top_opening = openings.into_iter().max_by_key(|(k, n)| (*n, k.clone())).unwrap_or_default();
    Stats {
        docs: docs.len(),
        sentences: sentences.len(),
        distinct_share: distinct.len() as f64 / sentences.len() as f64,
        top_opening,
        type_token_ratio: types.len() as f64 / tokens as f64,
        tokens,
        mean_doc_sentences: sentences.len() as f64 / docs.len() as f64,
    }
}

#[test]
fn corpus_is_large_varied_and_not_templated() {
    let s = stats(DEFAULT_CORPUS);
    let opening_share = s.top_opening.1 as f64 / s.sentences as f64;
    println!(
        "{} documents, {} sentences ({:.2} per document), {} words; distinct sentences {:.3}%; \
         type/token ratio {:.4}; most frequent opening \"{}\" {} times ({:.2}% of sentences)",
        s.docs,
        s.sentences,
        s.mean_doc_sentences,
        s.tokens,
        100.0 * s.distinct_share,
        s.type_token_ratio,
        s.top_opening.0,
        s.top_opening.1,
        100.0 * opening_share
    );
    assert!(s.docs >= 3000, "{} documents", s.docs);
    assert!(s.sentences >= 20_000, "{} sentences", s.sentences);
    assert!(s.distinct_share >= 0.99, "distinct share {}", s.distinct_share);
    assert!(opening_share < 0.01, "opening \"{}\" starts {:.2}% of sentences", s.top_opening.0, 100.0 * opening_share);
    // A template-made corpus of this size reuses few words (a ratio near 0.01); the
    // hand-written one measures 0.045. The band catches either a templated rewrite or
    // a file that is mostly one-off tokens.
    assert!((0.03..0.08).contains(&s.type_token_ratio), "type/token ratio {}", s.type_token_ratio);
    assert!((5.0..10.0).contains(&s.mean_doc_sentences), "mean document length {}", s.mean_doc_sentences);
}

#[test]
fn document_one_still_opens_with_the_default_pair() {
    let first: Vec<&str> = DEFAULT_CORPUS.split("\n\n").next().unwrap().lines().collect();
    let i = first.iter().position(|l| *l == "my dog is cute.").expect("document 1 has \"my dog is cute.\"");
    assert_eq!(first[i + 1], "he likes playing.", "and B follows it");
}

#[test]
fn corpus_encodes_without_unk_and_playing_stays_two_pieces() {
    let tok = BertTokenizer::bundled().unwrap();
    let corpus = Corpus::bundled(&tok).unwrap();
    let unk = corpus.docs.iter().flatten().flatten().filter(|&&id| id == tok.special.unk).count();
    assert_eq!(unk, 0, "[UNK] pieces in the bundled corpus");
    let playing = words(DEFAULT_CORPUS).iter().filter(|w| *w == "playing").count();
    assert_eq!(playing, 1, "\"playing\" is rare enough (min_frequency 2) to stay play ##ing");
    let (train, held) = corpus.split();
    assert_eq!(held.len(), corpus.docs.len() / 10, "every 10th whole document is held out");
    assert!(train.iter().all(|d| d % 10 != 9));
}
