//! Any two strings: encode the pair, then mask it with every strategy; check the plan.
#![no_main]

use std::sync::OnceLock;

use bert_tutor::text::masking::{Action, Masker, Strategy};
use bert_tutor::text::tokenize::BertTokenizer;
use libfuzzer_sys::fuzz_target;
use rand::SeedableRng;
use rand::rngs::StdRng;

const MAX_LEN: usize = 128;

fn tokenizer() -> &'static BertTokenizer {
    static TOK: OnceLock<BertTokenizer> = OnceLock::new();
    TOK.get_or_init(|| BertTokenizer::bundled().expect("the bundled tokenizer loads"))
}

fn masker() -> &'static Masker {
    static MASKER: OnceLock<Masker> = OnceLock::new();
    MASKER.get_or_init(|| Masker::for_tokenizer(tokenizer()))
}

fuzz_target!(|data: &[u8]| {
    // 8 bytes of seed, then A and B split at the first 0xFF (which is never valid UTF-8).
    let (seed, rest) = data.split_at(data.len().min(8));
    let mut seed_bytes = [0u8; 8];
    seed_bytes[..seed.len()].copy_from_slice(seed);
    let seed = u64::from_le_bytes(seed_bytes);
    let cut = rest.iter().position(|&b| b == 0xFF).unwrap_or(rest.len());
    let a = String::from_utf8_lossy(&rest[..cut]);
    let b = String::from_utf8_lossy(rest.get(cut + 1..).unwrap_or_default());

    let tok = tokenizer();
    let Ok(pair) = tok.encode_pair(&a, &b, MAX_LEN) else { return };
    let ids = &pair.ids;
    assert!(ids.len() <= MAX_LEN, "pair of {} tokens, max {MAX_LEN}", ids.len());
    assert_eq!(ids.len(), pair.tokens.len());
    assert_eq!(ids.len(), pair.segments.len());
    assert!(ids.len() >= 5, "[CLS] a [SEP] b [SEP] at least");
    let sp = tok.special;
    assert_eq!(ids[0], sp.cls);
    assert_eq!(*ids.last().unwrap(), sp.sep);

    let vocab = tok.vocab_size() as u32;
    let mut masker = masker().clone();
    for strategy in [Strategy::Fixed, Strategy::WholeWord, Strategy::Bernoulli] {
        masker.strategy = strategy;
        let mut rng = StdRng::seed_from_u64(seed);
        let plan = masker.plan(ids, &mut rng);
        assert_eq!(plan.input_ids.len(), ids.len(), "{strategy:?}");
        assert!(plan.masked.len() <= ids.len(), "{strategy:?}");
        if strategy != Strategy::Bernoulli {
            assert!(plan.masked.len() <= masker.count_to_predict(ids.len()), "{strategy:?}");
        }
        let mut last = None;
        for m in &plan.masked {
            assert!(m.position < ids.len(), "{strategy:?}: position {} of {}", m.position, ids.len());
            assert!(last.is_none_or(|l| l < m.position), "{strategy:?}: positions sorted and distinct");
            last = Some(m.position);
            let id = ids[m.position];
            assert!(!sp.is_structural(id), "{strategy:?}: selected [CLS]/[SEP]/[PAD] at {}", m.position);
            assert_eq!(m.original, id, "{strategy:?}");
            assert_eq!(plan.input_ids[m.position], m.replacement, "{strategy:?}");
            assert!(m.replacement < vocab, "{strategy:?}: replacement {} outside the vocabulary", m.replacement);
            match m.action {
                Action::Mask => assert_eq!(m.replacement, sp.mask),
                Action::Keep => assert_eq!(m.replacement, m.original),
                Action::Random => {}
            }
        }
        for (i, (&was, &now)) in ids.iter().zip(&plan.input_ids).enumerate() {
            if plan.masked.iter().all(|m| m.position != i) {
                assert_eq!(was, now, "{strategy:?}: unselected position {i} changed");
            }
        }
    }
});
