//! Property tests: whatever text a learner types, the path text → pieces → mask → batch →
//! forward → backward never panics, keeps its shapes, and gives finite losses and gradients.
//! The inputs are arbitrary Unicode (control characters, NUL, right-to-left text, combining
//! marks, emoji, the empty string), plus fixed extreme cases such as 10,000-word sentences.

use bert_tutor::model::{self, BertConfig, Grads, LossWeights, Params};
use bert_tutor::text::batch::{Batch, Example};
use bert_tutor::text::masking::{Masker, Strategy as MaskRule};
use bert_tutor::text::tokenize::BertTokenizer;
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

const MAX_LEN: usize = 48;

struct Setup {
    tok: BertTokenizer,
    masker: Masker,
    cfg: BertConfig,
    params: Params,
}

fn setup() -> &'static Setup {
    static SETUP: std::sync::OnceLock<Setup> = std::sync::OnceLock::new();
    SETUP.get_or_init(|| {
        let tok = BertTokenizer::bundled().unwrap();
        let masker = Masker::for_tokenizer(&tok);
        // A narrow model keeps each case fast; the vocabulary is the real one.
        let cfg = BertConfig {
            hidden_size: 16,
            num_hidden_layers: 1,
            num_attention_heads: 2,
            intermediate_size: 32,
            max_position_embeddings: MAX_LEN,
            ..BertConfig::for_vocab(tok.vocab_size())
        };
        let params = Params::init(&cfg, &mut StdRng::seed_from_u64(0));
        Setup { tok, masker, cfg, params }
    })
}

/// The whole path on one pair; returns why it stopped early, if it did (an error, never a panic).
fn run_pair(a: &str, b: &str, seed: u64) -> Result<(), String> {
    let s = setup();
    let pair = s.tok.encode_pair(a, b, MAX_LEN).map_err(|e| format!("{e:#}"))?;
    let n = pair.ids.len();
    assert!((5..=MAX_LEN).contains(&n), "{n} tokens");
    assert_eq!(pair.segments.len(), n);
    assert_eq!(pair.tokens.len(), n);
    assert_eq!(pair.ids[0], s.tok.special.cls);
    assert_eq!(pair.ids[n - 1], s.tok.special.sep);
    assert!(pair.ids.iter().all(|&id| (id as usize) < s.tok.vocab_size()));
    let mut rng = StdRng::seed_from_u64(seed);
    let mut examples = Vec::new();
    for strategy in [MaskRule::Fixed, MaskRule::WholeWord, MaskRule::Bernoulli] {
        let masker = Masker { strategy, ..s.masker.clone() };
        let plan = masker.plan(&pair.ids, &mut rng);
        assert_eq!(plan.input_ids.len(), n);
        for m in &plan.masked {
            assert!(m.position < n);
            assert!(!s.tok.special.is_structural(pair.ids[m.position]), "{strategy:?} chose a special token");
            assert_eq!(m.original, pair.ids[m.position]);
        }
        examples.push(Example::from_plan(plan, pair.segments.clone(), (seed % 2) as u32));
    }
    let batch = Batch::from_examples(&examples, s.tok.special.pad);
    model::check_batch(&s.cfg, &batch).map_err(|e| format!("{e:#}"))?;
    let w = LossWeights::default();
    let (out, cache) = model::forward(&s.params, &s.cfg, &batch, w, Some(&mut rng));
    assert_eq!(out.mlm_logits.dim(), (batch.mlm_rows.len(), s.cfg.vocab_size));
    assert_eq!(out.nsp_logits.dim(), (3, 2));
    assert!(out.mlm_loss.is_finite() && out.nsp_loss.is_finite() && out.total_loss.is_finite(), "{out:?}");
    let mut g = Grads::zeros(&s.cfg);
    model::backward(&s.params, &s.cfg, &batch, w, &out, &cache, &mut g);
    assert!(g.global_norm().is_finite());
    Ok(())
}

/// Text drawn from everything a keyboard, a paste or a file can hold.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,40}",
        "[a-z ]{0,60}",
        prop::collection::vec(
            prop_oneof![
                Just("dog".to_string()),
                Just("שלום".to_string()),
                Just("مرحبا".to_string()),
                Just("e\u{301}\u{308}".to_string()),
                Just("👩‍👩‍👧".to_string()),
                Just("\0".to_string()),
                Just("\u{202e}".to_string()),
                Just("\t\r\n".to_string()),
                Just("中文".to_string()),
                Just("[MASK]".to_string()),
                Just("##ing".to_string()),
            ],
            0..12
        )
        .prop_map(|v| v.join(" ")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn any_pair_goes_through_without_panicking(a in text(), b in text(), seed in 0u64..1000) {
        if let Err(why) = run_pair(&a, &b, seed) {
            // Refusals are fine when they say what to do; they happen for empty sides only.
            let empty = |t: &str| s_has_no_pieces(t);
            prop_assert!(empty(&a) || empty(&b), "refused {a:?} / {b:?}: {why}");
        }
    }
}

/// True when the tokenizer finds nothing to encode in `t` (empty, or only spaces/controls).
fn s_has_no_pieces(t: &str) -> bool {
    t.trim().is_empty() || setup().tok.encode_sentence(t).map(|v| v.is_empty()).unwrap_or(true)
}

#[test]
fn extreme_pairs_go_through() {
    let long: String =
        (0..10_000).map(|i| ["dog", "שלום", "e\u{301}", "🐕", "x\0y"][i % 5]).collect::<Vec<_>>().join(" ");
    let cases = [
        (long.as_str(), long.as_str()),
        (long.as_str(), "b"),
        ("a", long.as_str()),
        ("\u{202e}evil", "\u{200b}\u{200b}"),
        ("🐕🐕🐕", "🐈"),
        ("[CLS] [SEP] [MASK] [PAD]", "[UNK]"),
    ];
    for (a, b) in cases {
        let short = |t: &str| t.chars().take(20).collect::<String>();
        if let Err(why) = run_pair(a, b, 7) {
            assert!(s_has_no_pieces(a) || s_has_no_pieces(b), "{:?} / {:?}: {why}", short(a), short(b));
        }
    }
    for (a, b) in [("", "b"), ("a", ""), ("   ", "b"), ("\0", "b")] {
        let why = run_pair(a, b, 7).expect_err("an empty side is refused");
        assert!(why.contains("empty") || why.contains("no tokens"), "{why}");
    }
}
