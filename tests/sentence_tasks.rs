//! The sentence objectives' pairs: SOP takes two adjacent segments of one document and
//! swaps exactly those; NSP's NotNext B comes from another document; `none` reads NSP's
//! pairs with the head's loss at 0. Also the linear probe `compare` relies on.

use bert_tutor::text::corpus::sentence_task::{IN_ORDER, SWAPPED, create_sop_instances_from_document};
use bert_tutor::text::corpus::{Document, PairInstance, SentenceTask};
use bert_tutor::train::TrainConfig;
use bert_tutor::train::probe::Probe;
use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// Document `d`'s sentence `s` is the pieces `[code(d, s); len]`, so every piece says
/// where it came from.
fn code(d: usize, s: usize) -> u32 {
    (d * 100 + s + 1) as u32
}

fn synthetic_docs(n: usize, rng: &mut StdRng) -> Vec<Document> {
    (0..n)
        .map(|d| {
            let sentences = rng.random_range(1..=9);
            (0..sentences).map(|s| vec![code(d, s); rng.random_range(2..=12)]).collect()
        })
        .collect()
}

/// The run of sentence indices a segment covers, checking it is whole consecutive
/// sentences of document `d` (truncation may trim the outer sentences' pieces).
fn sentence_run(tokens: &[u32], d: usize) -> (usize, usize) {
    assert!(!tokens.is_empty(), "an empty segment");
    let mut ids: Vec<usize> = tokens.iter().map(|&t| t as usize - 1).collect();
    ids.dedup();
    for w in ids.windows(2) {
        assert_eq!(w[1], w[0] + 1, "segment {tokens:?} skips or reorders sentences");
    }
    assert!(ids.iter().all(|&i| i / 100 == d), "segment {tokens:?} leaves document {d}");
    (ids[0] % 100, ids[ids.len() - 1] % 100)
}

fn sop_pairs(docs: &[Document], max_seq_length: usize, seed: u64) -> Vec<(usize, PairInstance)> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = Vec::new();
    for (d, doc) in docs.iter().enumerate() {
        for inst in create_sop_instances_from_document(doc, max_seq_length, 0.1, &mut rng) {
            out.push((d, inst));
        }
    }
    out
}

#[test]
fn sop_segments_are_adjacent_in_one_document_and_swapped_is_the_reverse() {
    let docs = synthetic_docs(400, &mut StdRng::seed_from_u64(1));
    let pairs = sop_pairs(&docs, 512, 7); // long enough that nothing is truncated
    assert!(pairs.len() > 300, "only {} pairs", pairs.len());
    for (d, p) in &pairs {
        let (a0, a1) = sentence_run(&p.tokens_a, *d);
        let (b0, b1) = sentence_run(&p.tokens_b, *d);
        match p.nsp_label {
            IN_ORDER => assert_eq!(b0, a1 + 1, "in order: B starts right after A ({p:?})"),
            SWAPPED => assert_eq!(a0, b1 + 1, "swapped: A is the segment that came second ({p:?})"),
            other => panic!("label {other}"),
        }
        let whole: Vec<u32> = if p.nsp_label == SWAPPED {
            p.tokens_b.iter().chain(&p.tokens_a).copied().collect()
        } else {
            p.tokens_a.iter().chain(&p.tokens_b).copied().collect()
        };
        let (lo, hi) = sentence_run(&whole, *d);
        let expected: Vec<u32> = (lo..=hi).flat_map(|s| docs[*d][s].clone()).collect();
        assert_eq!(whole, expected, "putting a swapped pair back in order gives the document's text");
    }
}

#[test]
fn sop_never_uses_a_one_sentence_document_or_another_document() {
    let docs: Vec<Document> = vec![vec![vec![1, 1, 1]], vec![vec![101], vec![102]]];
    let mut rng = StdRng::seed_from_u64(3);
    assert!(create_sop_instances_from_document(&docs[0], 64, 0.1, &mut rng).is_empty());
    let two = create_sop_instances_from_document(&docs[1], 64, 0.0, &mut rng);
    assert_eq!(two.len(), 1);
    let p = &two[0];
    let both: Vec<u32> =
        if p.nsp_label == SWAPPED { vec![p.tokens_b[0], p.tokens_a[0]] } else { vec![p.tokens_a[0], p.tokens_b[0]] };
    assert_eq!(both, vec![101, 102]);
}

#[test]
fn sop_labels_are_balanced_and_truncation_keeps_the_limit() {
    let docs = synthetic_docs(3000, &mut StdRng::seed_from_u64(2));
    let pairs = sop_pairs(&docs, 24, 11);
    let swapped = pairs.iter().filter(|(_, p)| p.nsp_label == SWAPPED).count();
    let share = swapped as f64 / pairs.len() as f64;
    println!("{} SOP pairs, {:.2}% swapped", pairs.len(), 100.0 * share);
    assert!((share - 0.5).abs() < 0.02, "swapped share {share}");
    for (d, p) in &pairs {
        assert!(p.tokens_a.len() + p.tokens_b.len() <= 24 - 3, "{p:?}");
        sentence_run(&p.tokens_a, *d);
        sentence_run(&p.tokens_b, *d);
    }
}

#[test]
fn bundled_corpus_sop_pairs_are_adjacent_sentences_of_one_document() {
    let tok = bert_tutor::text::tokenize::BertTokenizer::bundled().unwrap();
    let corpus = bert_tutor::text::corpus::Corpus::bundled(&tok).unwrap();
    let mut rng = StdRng::seed_from_u64(5);
    let (mut n, mut swapped) = (0, 0);
    for d in 0..300 {
        let doc = &corpus.docs[d];
        for p in create_sop_instances_from_document(doc, 512, 0.1, &mut rng) {
            let (first, second) =
                if p.nsp_label == SWAPPED { (&p.tokens_b, &p.tokens_a) } else { (&p.tokens_a, &p.tokens_b) };
            let whole: Vec<u32> = first.iter().chain(second.iter()).copied().collect();
            let text: Vec<u32> = doc.concat();
            assert!(text.windows(whole.len()).any(|w| w == whole.as_slice()), "doc {d}: not one stretch of the text");
            n += 1;
            swapped += usize::from(p.nsp_label == SWAPPED);
        }
    }
    assert!(n > 250 && swapped > n / 3 && swapped < 2 * n / 3, "{swapped} of {n} swapped");
}

/// A training step under task `none` scores the sentence head (its loss is reported) but
/// trains on the MLM loss alone; under NSP the total is the sum of both.
#[test]
fn task_none_trains_mlm_alone() {
    let app = bert_tutor::tui::app::App::bundled(0).unwrap();
    let step = |task| {
        let mut tcfg = TrainConfig { batch_size: 4, ..app.train_config(0) };
        tcfg.pair.task = task;
        app.trainer_with(tcfg).unwrap().train_step().unwrap()
    };
    let none = step(SentenceTask::None);
    assert!(none.nsp_loss > 0.1, "the head is still scored: {none:?}");
    assert_eq!((none.weights.nsp, none.total_loss), (0.0, none.mlm_loss), "{none:?}");
    let nsp = step(SentenceTask::Nsp);
    assert!((nsp.total_loss - (nsp.mlm_loss + nsp.nsp_loss)).abs() < 1e-5, "{nsp:?}");
}

#[test]
fn probe_learns_a_linearly_separable_label_and_not_noise() {
    let mut rng = StdRng::seed_from_u64(9);
    let n = 600;
    let labels: Vec<u32> = (0..n).map(|i| (i % 2) as u32).collect();
    // Label 1 shifts dimension 3 by +1.5 (in units of the noise): about 87% separable by
    // that coordinate alone, and the probe must find it among 16 noisy ones.
    let x = Array2::from_shape_fn((n, 16), |(i, j)| {
        let noise: f32 = rng.random_range(-1.0..1.0);
        noise + if j == 3 && labels[i] == 1 { 1.5 } else { 0.0 }
    });
    let (train_x, test_x) = (x.slice(ndarray::s![..400, ..]).to_owned(), x.slice(ndarray::s![400.., ..]).to_owned());
    let probe = Probe::fit(&train_x, &labels[..400], 300);
    let acc = probe.accuracy(&test_x, &labels[400..]);
    println!("probe accuracy on held-out rows {acc:.3}");
    assert!(acc > 0.8, "the probe should find the shifted coordinate: {acc}");
    let shuffled: Vec<u32> = (0..400).map(|_| rng.random_range(0..2)).collect();
    let noise = Probe::fit(&train_x, &shuffled, 300).accuracy(&test_x, &labels[400..]);
    assert!(noise < 0.65, "a probe fitted on random labels should be near chance: {noise}");
}
