//! The input side, through the library API: tokenizer, corpus, NSP pairs, masking, batches.
//!
//! Statistical checks use fixed seeds and counts large enough that the stated tolerances
//! sit several standard deviations away from the expected value; each prints what it
//! measured (`cargo test --test inputs -- --nocapture`).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use bert_tutor::cmd::vocab::{sentences, unk_rate};
use bert_tutor::text::batch::{Batch, Example, layout};
use bert_tutor::text::corpus::{
    Corpus, DEFAULT_CORPUS, IS_NEXT, NOT_NEXT, PairInstance, create_instances_from_document, truncate_seq_pair,
};
use bert_tutor::text::masking::{Action, MaskPlan, Masker, Strategy};
use bert_tutor::text::tokenize::{BertTokenizer, truncated_lengths};
use bert_tutor::{DEFAULT_A, DEFAULT_B};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const FIGURE: [&str; 11] = ["[CLS]", "my", "dog", "is", "cute", "[SEP]", "he", "likes", "play", "##ing", "[SEP]"];

fn tok() -> BertTokenizer {
    BertTokenizer::bundled().expect("the bundled tokenizer loads")
}

/// A path in the temp dir no other test (or other run) uses.
fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("bert-tutor-inputs-{}-{name}", std::process::id()))
}

/// Removes a file when dropped, also when the test panics.
struct Removed(PathBuf);

impl Drop for Removed {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn write_temp(name: &str, contents: &str) -> Removed {
    let path = temp_path(name);
    std::fs::write(&path, contents).expect("write a temp file");
    Removed(path)
}

fn err_text<T>(r: anyhow::Result<T>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => format!("{e:#}"),
    }
}

// ---------------------------------------------------------------- tokenizer

#[test]
fn bundled_tokenizer_gives_berts_figure() {
    let tok = tok();
    let pair = tok.encode_pair(DEFAULT_A, DEFAULT_B, 512).unwrap();
    assert_eq!(pair.tokens, FIGURE);
    assert_eq!(pair.segments, [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    assert_eq!(pair.ids.len(), 11);
    assert_eq!(pair.dropped, 0);
    let shown: Vec<String> = pair.ids.iter().map(|&id| tok.token(id)).collect();
    assert_eq!(shown, FIGURE, "ids map back to the tokens");
    let a = tok.encode_sentence(DEFAULT_A).unwrap();
    let b = tok.encode_sentence(DEFAULT_B).unwrap();
    let (ids, segments) = layout(&a, &b, &tok.special);
    assert_eq!(ids, pair.ids);
    assert_eq!(segments, pair.segments);
}

#[test]
fn bundled_vocabulary_has_berts_special_ids() {
    let tok = tok();
    assert_eq!(tok.vocab_size(), 2000);
    let s = tok.special;
    assert_eq!((s.pad, s.unk, s.cls, s.sep, s.mask), (0, 1, 2, 3, 4));
    for (id, t) in ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].iter().enumerate() {
        assert_eq!(tok.token(id as u32), *t);
        assert_eq!(tok.token_id(t), Some(id as u32));
    }
}

#[test]
fn bundled_corpus_encodes_with_almost_no_unk() {
    let tok = tok();
    let lines = sentences(DEFAULT_CORPUS);
    let (pieces, unk) = unk_rate(&tok, &lines).unwrap();
    let rate = unk as f64 / pieces as f64;
    println!("bundled corpus: {} sentences, {pieces} pieces, {unk} [UNK] ({:.3}%)", lines.len(), 100.0 * rate);
    assert!(pieces > 10_000, "{pieces} pieces");
    assert!(rate < 0.005, "[UNK] rate {:.3}%", 100.0 * rate);
}

#[test]
fn vocab_txt_loads_and_lowercases() {
    let tok = BertTokenizer::from_path(Path::new("assets/vocab.txt")).unwrap();
    assert_eq!(tok.vocab_size(), 2000);
    assert_eq!(tok.special.mask, 4);
    let pair = tok.encode_pair(DEFAULT_A, DEFAULT_B, 512).unwrap();
    assert_eq!(pair.tokens, FIGURE);
    assert_eq!(pair.segments, [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    let upper = tok.encode_pair("MY DOG Is Cute", "He LIKES Playing", 512).unwrap();
    assert_eq!(upper.tokens, FIGURE);
    assert_eq!(upper.ids, pair.ids);
    // The vocab.txt and the tokenizer.json agree on every id.
    let json = self::tok();
    for id in 0..2000 {
        assert_eq!(tok.token(id), json.token(id), "id {id}");
    }
}

#[test]
fn missing_tokenizer_file_is_an_error_naming_it() {
    for name in ["/nonexistent/bert-tutor/tokenizer.json", "/nonexistent/bert-tutor/vocab.txt"] {
        let msg = err_text(BertTokenizer::from_path(Path::new(name)));
        assert!(msg.contains(name), "{msg}");
    }
}

#[test]
fn malformed_tokenizer_json_is_an_error_naming_it() {
    let file = write_temp("malformed-tokenizer.json", r#"{"not": "a tokenizer"}"#);
    let msg = err_text(BertTokenizer::from_path(&file.0));
    assert!(msg.contains(&file.0.display().to_string()), "{msg}");
    let file = write_temp("truncated-tokenizer.json", &bert_tutor::text::tokenize::DEFAULT_TOKENIZER_JSON[..1000]);
    let msg = err_text(BertTokenizer::from_path(&file.0));
    assert!(msg.contains(&file.0.display().to_string()), "{msg}");
}

#[test]
fn vocab_txt_without_mask_is_an_error_naming_it_and_the_token() {
    let vocab = std::fs::read_to_string("assets/vocab.txt").unwrap();
    let without: Vec<&str> = vocab.lines().filter(|l| *l != "[MASK]").collect();
    let file = write_temp("no-mask-vocab.txt", &(without.join("\n") + "\n"));
    let msg = err_text(BertTokenizer::from_path(&file.0));
    assert!(msg.contains(&file.0.display().to_string()), "{msg}");
    assert!(msg.contains("[MASK]"), "{msg}");
}

#[test]
fn emoji_cjk_and_control_characters_encode() {
    let tok = tok();
    let texts = [
        "I love 🐶 東京\u{7}",
        "🐶🐱🐭",
        "東京 大阪 こんにちは 안녕하세요",
        "tab\tnew\nline\r\u{0}\u{1b}[31m",
        "café naïve résumé Ångström",
        "zero\u{200b}width\u{feff} joiner\u{200d}",
        "👨‍👩‍👧‍👦 family",
        "\u{fffd}\u{fffd} replacement",
        "right-to-left שלום مرحبا",
        "mathematical 𝔸𝔹ℂ and ½ ² ﬁ ligatures",
        &"a".repeat(500),
    ];
    for a in texts {
        let pair = tok.encode_pair(a, "he likes playing", 64).unwrap_or_else(|e| panic!("{a:?}: {e:#}"));
        assert_eq!(pair.tokens.first().map(String::as_str), Some("[CLS]"));
        assert_eq!(pair.tokens.last().map(String::as_str), Some("[SEP]"));
        assert_eq!(pair.tokens.len(), pair.ids.len());
        assert_eq!(pair.segments.len(), pair.ids.len());
        assert!(pair.ids.iter().all(|&id| (id as usize) < tok.vocab_size()));
        let pair = tok.encode_pair("my dog", a, 64).unwrap_or_else(|e| panic!("{a:?}: {e:#}"));
        assert_eq!(pair.tokens.iter().filter(|t| *t == "[SEP]").count(), 2, "{a:?}");
    }
    // Text that normalises to nothing is an error, not a panic or an empty segment.
    for a in ["\u{7}", "\u{0}\u{1}", "\u{fffd}"] {
        assert!(tok.encode_pair(a, "he likes playing", 64).is_err(), "{a:?}");
    }
}

fn long_text(words: usize) -> String {
    let pool: Vec<&str> = DEFAULT_CORPUS.split_whitespace().collect();
    (0..words).map(|i| pool[(i * 7919) % pool.len()]).collect::<Vec<_>>().join(" ")
}

#[test]
fn long_sentence_is_truncated_and_counted() {
    let tok = tok();
    let a = long_text(10_000);
    let total = tok.encode_sentence(&a).unwrap().len() + tok.encode_sentence(DEFAULT_B).unwrap().len();
    let pair = tok.encode_pair(&a, DEFAULT_B, 64).unwrap();
    assert_eq!(pair.tokens.len(), 64);
    assert_eq!(pair.ids.len(), 64);
    assert_eq!(pair.segments.len(), 64);
    assert_eq!(pair.dropped, total - 61);
    // The long side lost pieces from its end; B is whole.
    assert_eq!(&pair.tokens[58..], ["[SEP]", "he", "likes", "play", "##ing", "[SEP]"]);
    let a_pieces = tok.pieces(&a).unwrap();
    assert_eq!(pair.tokens[1..58], a_pieces[..57]);
    // Segments: 0 for [CLS] A [SEP], then 1.
    assert!(pair.segments[..59].iter().all(|&s| s == 0));
    assert!(pair.segments[59..].iter().all(|&s| s == 1));
    // The same for B too long.
    let pair = tok.encode_pair(DEFAULT_A, &a, 64).unwrap();
    assert_eq!(pair.tokens.len(), 64);
    assert_eq!(pair.dropped, total - 61);
    assert_eq!(&pair.tokens[..6], ["[CLS]", "my", "dog", "is", "cute", "[SEP]"]);
}

/// Both sentences long (10,000 words each): truncated to the budget, longer side first,
/// with the count of dropped pieces. How long this takes is measured by `bert-tutor bench`
/// (its "encode a 2×10,000-word pair" line), not asserted here: the post-processor once
/// expanded the overflow into every (A chunk × B chunk) combination, a minute instead of
/// milliseconds, and a timed test would flake on a loaded machine.
#[test]
fn long_pair_on_both_sides_is_truncated_to_the_budget() {
    let tok = tok();
    let a = long_text(10_000);
    let pieces = tok.encode_sentence(&a).unwrap().len();
    let pair = tok.encode_pair(&a, &a, 64).unwrap();
    assert_eq!(pair.tokens.len(), 64);
    assert_eq!(pair.dropped, 2 * pieces - 61);
    let (la, lb) = truncated_lengths(pieces, pieces, 61);
    assert_eq!((la, lb), (31, 30), "on a tie B is cut first");
    assert_eq!(pair.segments.iter().filter(|&&s| s == 0).count(), 1 + la + 1);
}

#[test]
fn empty_sentence_is_an_error_mentioning_empty() {
    let tok = tok();
    for blank in ["", " ", "   ", "\t\n", "\u{3000}"] {
        let msg = err_text(tok.encode_pair(blank, DEFAULT_B, 64));
        assert!(msg.contains("empty"), "{blank:?}: {msg}");
        let msg = err_text(tok.encode_pair(DEFAULT_A, blank, 64));
        assert!(msg.contains("empty"), "{blank:?}: {msg}");
    }
}

#[test]
fn truncated_lengths_trims_the_longer_side_b_on_ties() {
    assert_eq!(truncated_lengths(10, 5, 8), (4, 4));
    assert_eq!(truncated_lengths(5, 10, 8), (4, 4));
    assert_eq!(truncated_lengths(4, 4, 7), (4, 3));
    assert_eq!(truncated_lengths(100, 2, 61), (59, 2));
    assert_eq!(truncated_lengths(3, 2, 61), (3, 2));
}

/// `encode_pair` gives at most `max_len` tokens: below 5 (`[CLS] a [SEP] b [SEP]`) it is an
/// error that says so; from 5 up the 11-token default pair is cut to exactly `max_len`.
#[test]
fn encode_pair_never_exceeds_max_len() {
    let tok = tok();
    for max_len in 0..5 {
        let e = tok.encode_pair(DEFAULT_A, DEFAULT_B, max_len).unwrap_err();
        assert!(format!("{e:#}").contains("at least 5 positions"), "max_len {max_len}: {e:#}");
    }
    for max_len in 5..14 {
        let pair = tok.encode_pair(DEFAULT_A, DEFAULT_B, max_len).unwrap();
        assert_eq!(pair.ids.len(), max_len.min(11), "max_len {max_len}: {:?}", pair.tokens);
        assert_eq!(pair.dropped, 11usize.saturating_sub(max_len));
    }
}

// ---------------------------------------------------------------- corpus

#[test]
fn bundled_corpus_has_enough_documents() {
    let tok = tok();
    let corpus = Corpus::bundled(&tok).unwrap();
    println!("bundled corpus: {} documents, {} sentences", corpus.docs.len(), corpus.num_sentences());
    assert!(corpus.docs.len() >= 300, "{} documents", corpus.docs.len());
    assert!(corpus.num_sentences() >= 1500, "{} sentences", corpus.num_sentences());
    assert_eq!(corpus.text.len(), corpus.docs.len());
    for (t, d) in corpus.text.iter().zip(&corpus.docs) {
        assert_eq!(t.len(), d.len());
        assert!(!d.is_empty());
        assert!(d.iter().all(|s| !s.is_empty()));
    }
    assert_eq!(corpus.text[0][1], "my dog is cute.");
}

#[test]
fn corpus_parse_splits_documents_on_blank_lines() {
    let tok = tok();
    let text = "\n\nmy dog is cute.\nhe likes playing.\n\n\n\n  \nthe cat sleeps.\n\nthe bird sings.\nit flies.\n\n";
    let corpus = Corpus::parse(text, "test", &tok).unwrap();
    assert_eq!(corpus.docs.len(), 3);
    assert_eq!(corpus.text[0], ["my dog is cute.", "he likes playing."]);
    assert_eq!(corpus.text[1], ["the cat sleeps."]);
    assert_eq!(corpus.docs[0][0], tok.encode_sentence("my dog is cute.").unwrap());
    assert_eq!(corpus.num_sentences(), 5);
    // CRLF line ends work too.
    let crlf = text.replace('\n', "\r\n");
    assert_eq!(Corpus::parse(&crlf, "test", &tok).unwrap().docs, corpus.docs);
}

#[test]
fn corpus_with_one_document_is_an_error() {
    let tok = tok();
    for text in
        ["my dog is cute.\nhe likes playing.\n", "\n\nmy dog is cute.\n\n\n", "", "\n\n\n", "\u{7}\n\nmy dog.\n"]
    {
        let msg = err_text(Corpus::parse(text, "one-doc.txt", &tok));
        assert!(msg.contains("at least 2"), "{text:?}: {msg}");
        assert!(msg.contains("one-doc.txt"), "{msg}");
    }
}

#[test]
fn missing_or_binary_corpus_file_is_an_error_naming_it() {
    let tok = tok();
    let missing = Path::new("/nonexistent/bert-tutor/corpus.txt");
    let msg = err_text(Corpus::from_path(missing, &tok));
    assert!(msg.contains("/nonexistent/bert-tutor/corpus.txt"), "{msg}");
    let path = temp_path("binary-corpus.txt");
    std::fs::write(&path, [0xff, 0xfe, 0x00, 0x80, b'\n', b'\n', 0xc3]).unwrap();
    let _guard = Removed(path.clone());
    let msg = err_text(Corpus::from_path(&path, &tok));
    assert!(msg.contains(&path.display().to_string()), "{msg}");
}

#[test]
fn split_holds_out_every_tenth_document() {
    let tok = tok();
    let corpus = Corpus::bundled(&tok).unwrap();
    let (train, held) = corpus.split();
    let n = corpus.docs.len();
    assert_eq!(held, (0..n).filter(|d| d % 10 == 9).collect::<Vec<_>>());
    assert_eq!(train, (0..n).filter(|d| d % 10 != 9).collect::<Vec<_>>());
    assert_eq!(corpus.split(), (train.clone(), held.clone()), "deterministic");
    assert_eq!(Corpus::bundled(&tok).unwrap().split(), (train, held));
    // Too small a corpus to spare two held-out documents evaluates on its training set.
    let small = Corpus::parse("a dog.\n\nthe cat.\n\nthe bird.\n", "small", &tok).unwrap();
    assert_eq!(small.split(), (vec![0, 1, 2], vec![0, 1, 2]));
}

// ---------------------------------------------------------------- NSP pairs

fn find(hay: &[u32], needle: &[u32]) -> Vec<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return Vec::new();
    }
    (0..=hay.len() - needle.len()).filter(|&i| hay[i..i + needle.len()] == *needle).collect()
}

const MAX_SEQ_LENGTH: usize = bert_tutor::train::RECOMMENDED.max_seq_length; // what training uses
const SHORT_SEQ_PROB: f64 = 0.1;

/// Pairs from every training document of the bundled corpus, seed after seed, until
/// there are at least `min`: (document index, pair).
fn nsp_instances(corpus: &Corpus, min: usize) -> (Vec<(usize, PairInstance)>, u64) {
    let (train, _) = corpus.split();
    let mut instances = Vec::new();
    let mut seed = 0;
    while instances.len() < min {
        let mut rng = StdRng::seed_from_u64(seed);
        for d in 0..train.len() {
            let pairs =
                create_instances_from_document(&corpus.docs, &train, d, MAX_SEQ_LENGTH, SHORT_SEQ_PROB, &mut rng);
            instances.extend(pairs.into_iter().map(|p| (train[d], p)));
        }
        seed += 1;
    }
    (instances, seed)
}

#[test]
fn nsp_pairs_are_well_formed_and_honest() {
    let tok = tok();
    let corpus = Corpus::bundled(&tok).unwrap();
    let flat: Vec<Vec<u32>> = corpus.docs.iter().map(|d| d.concat()).collect();
    let (instances, seeds) = nsp_instances(&corpus, 8_000);
    let max_tokens = MAX_SEQ_LENGTH - 3;
    let (mut untruncated, mut truncated, mut not_next, mut not_next_elsewhere) = (0, 0, 0, 0);
    for (d, inst) in &instances {
        let (a, b) = (&inst.tokens_a, &inst.tokens_b);
        assert!(!a.is_empty() && !b.is_empty(), "{inst:?}");
        assert!(a.len() + b.len() <= max_tokens, "{inst:?}");
        assert!(inst.nsp_label == IS_NEXT || inst.nsp_label == NOT_NEXT);
        assert!(!find(&flat[*d], a).is_empty(), "A is a run of its document: {inst:?}");
        if inst.nsp_label == IS_NEXT {
            if a.len() + b.len() < max_tokens {
                // Untouched by truncate_seq_pair: A then B, contiguously.
                untruncated += 1;
                let ab = [a.as_slice(), b.as_slice()].concat();
                assert!(!find(&flat[*d], &ab).is_empty(), "B continues A: {inst:?}");
            } else {
                // Truncation may have trimmed A's end or B's front: B still starts after A
                // ends, within a sequence's length.
                truncated += 1;
                let ok = find(&flat[*d], a).iter().any(|&pa| {
                    let end = pa + a.len();
                    find(&flat[*d], b).iter().any(|&pb| pb >= end && pb <= end + MAX_SEQ_LENGTH)
                });
                assert!(ok, "B follows A in the document: {inst:?}");
            }
        } else {
            // B is a run of some other document (the same one only if drawn ten times running).
            not_next += 1;
            if flat.iter().enumerate().any(|(o, f)| o != *d && !find(f, b).is_empty()) {
                not_next_elsewhere += 1;
            }
        }
    }
    println!(
        "NSP pairs: {} instances from {seeds} seeds; IsNext {untruncated} untruncated (A+B contiguous), {truncated} \
         truncated (B after A); NotNext {not_next}, {not_next_elsewhere} with B found in another document",
        instances.len()
    );
    assert!(untruncated > 500, "{untruncated}");
    assert!(not_next_elsewhere as f64 >= 0.99 * not_next as f64, "{not_next_elsewhere} of {not_next}");
}

/// The reference's pairing gives more NotNext than IsNext on this corpus (every one-sentence
/// chunk is NotNext); `balance_nsp` then enforces exactly half of each, by dropping surplus
/// pairs of the commoner label and keeping every other pair as the reference made it.
#[test]
fn nsp_labels_are_balanced() {
    let tok = tok();
    let corpus = Corpus::bundled(&tok).unwrap();
    let (instances, seeds) = nsp_instances(&corpus, 8_000);
    let raw = instances.iter().filter(|(_, i)| i.nsp_label == NOT_NEXT).count() as f64 / instances.len() as f64;
    // The reference makes every one-sentence chunk NotNext: ~61% on this corpus' short
    // documents. A training pass is balanced by bert_tutor::text::corpus::balance_nsp.
    assert!(raw > 0.55, "the reference's own imbalance on short documents: {:.2}%", 100.0 * raw);
    let made: Vec<PairInstance> = instances.into_iter().map(|(_, p)| p).collect();
    let mut pairs = made.clone();
    bert_tutor::text::corpus::balance_nsp(&mut pairs, &mut StdRng::seed_from_u64(0));
    let not_next = pairs.iter().filter(|i| i.nsp_label == NOT_NEXT).count();
    let is_next_made = made.iter().filter(|i| i.nsp_label != NOT_NEXT).count();
    let share = not_next as f64 / pairs.len() as f64;
    println!(
        "NSP labels: raw {:.2}% NotNext from {seeds} seeds; balanced {} pairs, NotNext {:.2}% ({not_next})",
        100.0 * raw,
        pairs.len(),
        100.0 * share
    );
    assert_eq!(2 * not_next, pairs.len(), "exactly half NotNext");
    assert_eq!(not_next, is_next_made, "every IsNext pair kept, NotNext cut to match");
    assert!(pairs.iter().all(|p| made.contains(p)), "kept pairs are unchanged");
}

#[test]
fn nsp_pairs_are_deterministic_per_seed() {
    let tok = tok();
    let corpus = Corpus::bundled(&tok).unwrap();
    let (train, _) = corpus.split();
    let run = |seed| {
        let mut rng = StdRng::seed_from_u64(seed);
        (0..train.len())
            .flat_map(|d| create_instances_from_document(&corpus.docs, &train, d, 32, 0.1, &mut rng))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(3), run(3));
    assert_ne!(run(3), run(4));
}

#[test]
fn truncate_seq_pair_trims_the_longer_side_to_the_limit() {
    let mut rng = StdRng::seed_from_u64(7);
    for _ in 0..2000 {
        let la = rng.random_range(1..60);
        let lb = rng.random_range(1..60);
        let max = rng.random_range(2..70);
        let a0: Vec<u32> = (0..la).collect();
        let b0: Vec<u32> = (100..100 + lb).collect();
        let (mut a, mut b) = (a0.clone(), b0.clone());
        truncate_seq_pair(&mut a, &mut b, max as usize, &mut rng);
        let (la, lb, max) = (la as usize, lb as usize, max as usize);
        if la + lb <= max {
            assert_eq!((a.clone(), b.clone()), (a0.clone(), b0.clone()), "nothing to trim");
        } else {
            assert_eq!(a.len() + b.len(), max);
        }
        assert_eq!((a.len(), b.len()), truncated_lengths(la, lb, max), "la {la} lb {lb} max {max}");
        // What is left is a contiguous run of each side (trimmed at the front or back).
        assert!(!find(&a0, &a).is_empty() && !find(&b0, &b).is_empty());
        assert!(!a.is_empty() && !b.is_empty());
    }
    let (mut a, mut b) = (vec![1; 10], vec![2; 3]);
    truncate_seq_pair(&mut a, &mut b, 8, &mut rng);
    assert_eq!((a.len(), b.len()), (5, 3), "only the longer side is trimmed while it is longer");
}

// ---------------------------------------------------------------- masking

/// `[CLS] a… [SEP] b… [SEP]` of `len` tokens with random non-special ids.
fn random_layout(tok: &BertTokenizer, len: usize, rng: &mut StdRng) -> Vec<u32> {
    let inner = len - 3;
    let la = inner / 2;
    let piece = |rng: &mut StdRng| rng.random_range(5..tok.vocab_size() as u32);
    let a: Vec<u32> = (0..la).map(|_| piece(rng)).collect();
    let b: Vec<u32> = (0..inner - la).map(|_| piece(rng)).collect();
    layout(&a, &b, &tok.special).0
}

/// Checks what every plan must satisfy, whatever the strategy.
fn check_plan(tok: &BertTokenizer, ids: &[u32], plan: &MaskPlan) {
    let s = tok.special;
    assert_eq!(plan.input_ids.len(), ids.len());
    let positions: Vec<usize> = plan.masked.iter().map(|m| m.position).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "sorted, distinct: {positions:?}");
    let chosen: HashSet<usize> = positions.iter().copied().collect();
    for (i, (&orig, &input)) in ids.iter().zip(&plan.input_ids).enumerate() {
        if !chosen.contains(&i) {
            assert_eq!(input, orig, "position {i} not chosen but changed");
        }
    }
    for m in &plan.masked {
        assert_eq!(m.original, ids[m.position]);
        assert_eq!(plan.input_ids[m.position], m.replacement);
        assert!(!s.is_structural(m.original), "chose {} at {}", tok.token(m.original), m.position);
        assert!((m.replacement as usize) < tok.vocab_size());
        match m.action {
            Action::Mask => assert_eq!(m.replacement, s.mask),
            Action::Keep => assert_eq!(m.replacement, m.original),
            // Google and HF both draw from the whole vocabulary, so a random token can
            // happen to be [MASK] or the original; it is then still labelled Random.
            Action::Random => {}
        }
        if m.replacement == s.mask && m.original != s.mask {
            assert!(m.action != Action::Keep);
        }
    }
}

#[derive(Default, Debug)]
struct Tally {
    sequences: usize,
    tokens: usize,
    candidates: usize,
    chosen: usize,
    mask: usize,
    random: usize,
    keep: usize,
    random_was_mask_or_original: usize,
}

impl Tally {
    fn add(&mut self, tok: &BertTokenizer, ids: &[u32], plan: &MaskPlan, excluded: impl Fn(u32) -> bool) {
        self.sequences += 1;
        self.tokens += ids.len();
        self.candidates += ids.iter().filter(|&&id| !excluded(id)).count();
        self.chosen += plan.masked.len();
        for m in &plan.masked {
            match m.action {
                Action::Mask => self.mask += 1,
                Action::Random => {
                    self.random += 1;
                    if m.replacement == tok.special.mask || m.replacement == m.original {
                        self.random_was_mask_or_original += 1;
                    }
                }
                Action::Keep => self.keep += 1,
            }
        }
    }

    fn pct(&self, n: usize, of: usize) -> f64 {
        100.0 * n as f64 / of as f64
    }

    fn report(&self, name: &str) {
        println!(
            "{name}: {} sequences, {} tokens, {} candidates, {} chosen = {:.3}% of tokens, {:.3}% of candidates; \
             actions mask {:.2}% random {:.2}% keep {:.2}% ({} random draws gave [MASK] or the original)",
            self.sequences,
            self.tokens,
            self.candidates,
            self.chosen,
            self.pct(self.chosen, self.tokens),
            self.pct(self.chosen, self.candidates),
            self.pct(self.mask, self.chosen),
            self.pct(self.random, self.chosen),
            self.pct(self.keep, self.chosen),
            self.random_was_mask_or_original
        );
    }

    fn assert_80_10_10(&self) {
        for (what, n, want) in [("mask", self.mask, 80.0), ("random", self.random, 10.0), ("keep", self.keep, 10.0)] {
            let got = self.pct(n, self.chosen);
            assert!((got - want).abs() < 1.0, "{what}: {got:.2}% (want {want}% ± 1)");
        }
    }
}

#[test]
fn count_to_predict_is_pythons_round_capped() {
    let m = Masker::for_tokenizer(&tok());
    assert_eq!(m.count_to_predict(11), 2, "round(1.65) = 2");
    assert_eq!(m.count_to_predict(30), 4, "round(4.5) = 4, banker's rounding");
    assert_eq!(m.count_to_predict(10), 2, "round(1.5) = 2");
    assert_eq!(m.count_to_predict(50), 8, "round(7.5) = 8");
    assert_eq!(m.count_to_predict(128), 19, "round(19.2) = 19");
    assert_eq!(m.count_to_predict(3), 1, "at least 1");
    assert_eq!(m.count_to_predict(1), 1);
    assert_eq!(m.count_to_predict(200), 20, "capped at max_predictions");
    assert_eq!(m.count_to_predict(512), 20);
    assert_eq!(m.count_to_predict(70), 10, "round(10.5) = 10, banker's rounding");
}

#[test]
fn same_seed_same_plan_and_seeds_differ() {
    let tok = tok();
    let mut rng = StdRng::seed_from_u64(1);
    let ids = random_layout(&tok, 40, &mut rng);
    for strategy in [Strategy::Fixed, Strategy::WholeWord, Strategy::Bernoulli] {
        let mut m = Masker::for_tokenizer(&tok);
        m.strategy = strategy;
        for seed in 0..20 {
            let p1 = m.plan(&ids, &mut StdRng::seed_from_u64(seed));
            let p2 = m.plan(&ids, &mut StdRng::seed_from_u64(seed));
            assert_eq!(p1, p2, "{strategy:?} seed {seed}");
            check_plan(&tok, &ids, &p1);
        }
        let plans: HashSet<Vec<(usize, u32)>> = (0..8)
            .map(|seed| {
                m.plan(&ids, &mut StdRng::seed_from_u64(seed))
                    .masked
                    .iter()
                    .map(|t| (t.position, t.replacement))
                    .collect()
            })
            .collect();
        assert!(plans.len() > 1, "{strategy:?}: eight seeds gave one plan");
    }
}

#[test]
fn fixed_strategy_statistics() {
    let tok = tok();
    let mut m = Masker::for_tokenizer(&tok);
    m.strategy = Strategy::Fixed;
    let mut rng = StdRng::seed_from_u64(2024);
    let mut t = Tally::default();
    while t.chosen < 110_000 {
        let ids = random_layout(&tok, 128, &mut rng);
        let plan = m.plan(&ids, &mut rng);
        check_plan(&tok, &ids, &plan);
        assert_eq!(plan.masked.len(), 19, "round(128 × 0.15) = 19 every time");
        t.add(&tok, &ids, &plan, |id| tok.special.is_structural(id));
    }
    t.report("Fixed, length 128");
    let share = t.pct(t.chosen, t.tokens);
    assert!((share - 15.0).abs() < 0.5, "chosen {share:.3}% of tokens");
    assert!((share - 100.0 * 19.0 / 128.0).abs() < 1e-9);
    t.assert_80_10_10();
}

#[test]
fn bernoulli_strategy_statistics() {
    let tok = tok();
    let s = tok.special;
    let mut m = Masker::for_tokenizer(&tok);
    m.strategy = Strategy::Bernoulli;
    let mut rng = StdRng::seed_from_u64(99);
    let excluded = |id: u32| s.is_structural(id) || id == s.unk || id == s.mask;
    let mut t = Tally::default();
    let mut empty_plans = 0;
    while t.candidates < 250_000 {
        let mut ids = random_layout(&tok, 128, &mut rng);
        // Sprinkle [UNK] and [MASK] in, and pad the end: none may ever be chosen.
        for _ in 0..6 {
            let i = rng.random_range(1..60);
            ids[i] = if rng.random::<bool>() { s.unk } else { s.mask };
        }
        ids.extend([s.pad; 8]);
        let plan = m.plan(&ids, &mut rng);
        check_plan(&tok, &ids, &plan);
        for mt in &plan.masked {
            assert!(!excluded(mt.original), "Bernoulli chose {} at {}", tok.token(mt.original), mt.position);
        }
        empty_plans += usize::from(plan.masked.is_empty());
        t.add(&tok, &ids, &plan, excluded);
    }
    t.report("Bernoulli, length 136 (8 [PAD], ~6 [UNK]/[MASK])");
    println!("Bernoulli: {empty_plans} of {} plans chose nothing", t.sequences);
    let share = t.pct(t.chosen, t.candidates);
    assert!((share - 15.0).abs() < 0.5, "chosen {share:.3}% of candidates");
    t.assert_80_10_10();
}

#[test]
fn special_tokens_are_never_chosen() {
    let tok = tok();
    let s = tok.special;
    let mut rng = StdRng::seed_from_u64(5);
    for strategy in [Strategy::Fixed, Strategy::WholeWord, Strategy::Bernoulli] {
        let mut m = Masker::for_tokenizer(&tok);
        m.strategy = strategy;
        for _ in 0..3000 {
            // Short sequences (down to 1 candidate) with padding: specials are a large share.
            let len = rng.random_range(4..20);
            let mut ids = random_layout(&tok, len, &mut rng);
            ids.extend(std::iter::repeat_n(s.pad, rng.random_range(0..10)));
            let plan = m.plan(&ids, &mut rng);
            check_plan(&tok, &ids, &plan);
            if strategy == Strategy::Fixed {
                // max(1, round(len × 0.15)) single pieces, and there is always a candidate.
                // (WholeWord may choose nothing when every word is longer than the count,
                // as create_masked_lm_predictions does; Bernoulli may too, by chance.)
                assert!(!plan.masked.is_empty(), "{strategy:?}: at least one token is chosen");
            }
        }
        // Only specials: nothing to choose, and no panic.
        for ids in [vec![s.cls, s.sep, s.sep], vec![s.cls, s.sep, s.sep, s.pad, s.pad], vec![]] {
            let plan = m.plan(&ids, &mut rng);
            assert!(plan.masked.is_empty(), "{strategy:?}");
            assert_eq!(plan.input_ids, ids);
        }
    }
}

/// Words of the bundled corpus that WordPiece splits into two or more pieces.
fn multi_piece_words(tok: &BertTokenizer) -> Vec<Vec<u32>> {
    let mut seen = HashSet::new();
    let mut words = Vec::new();
    for w in DEFAULT_CORPUS.split(|c: char| !c.is_alphanumeric()) {
        let w = w.to_lowercase();
        if w.is_empty() || !seen.insert(w.clone()) {
            continue;
        }
        let pieces = tok.pieces(&w).unwrap();
        if pieces.len() >= 2
            && pieces[1..].iter().all(|p| p.starts_with("##"))
            && !pieces.contains(&"[UNK]".to_string())
        {
            words.push(tok.encode_sentence(&w).unwrap());
        }
    }
    words
}

#[test]
fn whole_word_masking_keeps_words_together() {
    let tok = tok();
    let words = multi_piece_words(&tok);
    let three_or_more = words.iter().filter(|w| w.len() >= 3).count();
    println!("whole-word: {} multi-piece words in the corpus, {three_or_more} with 3+ pieces", words.len());
    assert!(words.len() >= 50, "{} multi-piece words", words.len());
    let single: Vec<u32> = ["dog", "cat", "the", "is", "ball"].iter().map(|w| tok.token_id(w).unwrap()).collect();
    let mut m = Masker::for_tokenizer(&tok);
    m.strategy = Strategy::WholeWord;
    let mut rng = StdRng::seed_from_u64(11);
    let (mut plans, mut chosen, mut continuation_chosen, mut split_words) = (0, 0, 0, 0);
    for _ in 0..3000 {
        let side = |rng: &mut StdRng| {
            let n = rng.random_range(1..12);
            let mut ids = Vec::new();
            for _ in 0..n {
                if rng.random::<f64>() < 0.6 {
                    ids.extend(&words[rng.random_range(0..words.len())]);
                } else {
                    ids.push(single[rng.random_range(0..single.len())]);
                }
            }
            ids
        };
        let (a, b) = (side(&mut rng), side(&mut rng));
        let (ids, _) = layout(&a, &b, &tok.special);
        let plan = m.plan(&ids, &mut rng);
        check_plan(&tok, &ids, &plan);
        plans += 1;
        chosen += plan.masked.len();
        assert!(plan.masked.len() <= m.count_to_predict(ids.len()));
        let is_chosen: HashSet<usize> = plan.masked.iter().map(|t| t.position).collect();
        for (i, &id) in ids.iter().enumerate().skip(1) {
            if tok.token(id).starts_with("##") {
                if is_chosen.contains(&i) != is_chosen.contains(&(i - 1)) {
                    split_words += 1;
                }
                continuation_chosen += usize::from(is_chosen.contains(&i));
            }
        }
    }
    println!(
        "whole-word: {plans} plans, {chosen} pieces chosen, {continuation_chosen} of them ## pieces, {split_words} words split"
    );
    assert_eq!(split_words, 0);
    assert!(continuation_chosen > 1000, "{continuation_chosen}");
}

#[test]
fn from_positions_masks_exactly_those() {
    let tok = tok();
    let pair = tok.encode_pair(DEFAULT_A, DEFAULT_B, 64).unwrap();
    let plan = MaskPlan::from_positions(&pair.ids, &[8, 3, 8], tok.special.mask);
    check_plan(&tok, &pair.ids, &plan);
    assert_eq!(plan.masked.iter().map(|m| m.position).collect::<Vec<_>>(), [3, 8]);
    assert!(plan.masked.iter().all(|m| m.action == Action::Mask));
    let shown: Vec<String> = plan.input_ids.iter().map(|&id| tok.token(id)).collect();
    assert_eq!(shown, ["[CLS]", "my", "dog", "[MASK]", "cute", "[SEP]", "he", "likes", "[MASK]", "##ing", "[SEP]"]);
}

// ---------------------------------------------------------------- batches

#[test]
fn batch_pads_with_pad_and_indexes_mlm_rows() {
    let tok = tok();
    let s = tok.special;
    let masker: Masker = Masker::for_tokenizer(&tok);
    let pairs = [
        PairInstance { tokens_a: vec![10, 11, 12], tokens_b: vec![13, 14], nsp_label: IS_NEXT },
        PairInstance { tokens_a: vec![20], tokens_b: vec![21], nsp_label: NOT_NEXT },
        PairInstance { tokens_a: vec![30, 31, 32, 33, 34], tokens_b: vec![35, 36, 37, 38, 39], nsp_label: IS_NEXT },
    ];
    let mut rng = StdRng::seed_from_u64(0);
    let examples: Vec<Example> = pairs.iter().map(|p| Example::from_pair(p, &masker, &mut rng)).collect();
    let batch = Batch::from_examples(&examples, s.pad);
    let lens = [8, 5, 13];
    assert_eq!((batch.batch, batch.seq, batch.tokens()), (3, 13, 39));
    assert_eq!(batch.ids.len(), 39);
    assert_eq!(batch.segments.len(), 39);
    assert_eq!(batch.attention.len(), 39);
    assert_eq!(batch.nsp_labels, [IS_NEXT, NOT_NEXT, IS_NEXT]);
    for (b, (e, &len)) in examples.iter().zip(&lens).enumerate() {
        assert_eq!(e.ids.len(), len);
        let row = &batch.ids[b * 13..(b + 1) * 13];
        assert_eq!(&row[..len], e.ids.as_slice());
        assert!(row[len..].iter().all(|&id| id == s.pad), "padding is [PAD] = 0");
        assert_eq!(s.pad, 0);
        let att = &batch.attention[b * 13..(b + 1) * 13];
        assert!(att[..len].iter().all(|&x| x) && att[len..].iter().all(|&x| !x));
        assert_eq!(&batch.segments[b * 13..b * 13 + len], e.segments.as_slice());
        assert_eq!(e.ids[0], s.cls);
    }
    // Segments of the unmasked layout: [CLS] A [SEP] → 0, B [SEP] → 1.
    assert_eq!(examples[0].segments, [0, 0, 0, 0, 0, 1, 1, 1]);
    let want_rows: Vec<usize> =
        examples.iter().enumerate().flat_map(|(b, e)| e.masked.iter().map(move |m| b * 13 + m.position)).collect();
    let want_labels: Vec<u32> = examples.iter().flat_map(|e| e.masked.iter().map(|m| m.original)).collect();
    assert_eq!(batch.mlm_rows, want_rows);
    assert_eq!(batch.mlm_labels, want_labels);
    assert!(!batch.mlm_rows.is_empty());
    for (&row, &label) in batch.mlm_rows.iter().zip(&batch.mlm_labels) {
        assert!(batch.attention[row], "predicted rows are real tokens");
        let (b, t) = (row / 13, row % 13);
        assert_eq!(pairs_layout(&pairs[b], &tok)[t], label);
    }
    // No examples: an empty batch, no panic.
    let empty = Batch::from_examples(&[], s.pad);
    assert_eq!((empty.batch, empty.seq, empty.ids.len()), (0, 0, 0));
}

fn pairs_layout(p: &PairInstance, tok: &BertTokenizer) -> Vec<u32> {
    layout(&p.tokens_a, &p.tokens_b, &tok.special).0
}
