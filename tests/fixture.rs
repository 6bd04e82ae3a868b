//! The whole model against HF transformers' `BertForPreTraining`, as llm.c's
//! `test_gpt2.c` checks its C against PyTorch: `tools/make_fixture.py` wrote a random tiny
//! model (`tests/fixtures/tiny_bert/`, saved by HF itself), a padded batch with masks and
//! NSP labels, and PyTorch's logits, losses, attention maps and every parameter's gradient
//! (of the total, and of each head's loss alone; in f64).
//! Tolerances (issue 3): logits and losses 1e-5 relative, gradients 1e-4 relative, each
//! relative error being ‖ours − ref‖ / ‖ref‖ over the whole tensor; attention
//! probabilities (issue 12) 1e-6 absolute.

use std::collections::HashMap;
use std::path::Path;

use bert_tutor::model::inspect::attention::attentions;
use bert_tutor::model::inspect::grad_flow::{HeadChoice, head_grads};
use bert_tutor::model::{self, Grads, LossWeights, checkpoint};
use bert_tutor::text::batch::Batch;

type Tensors = HashMap<String, (Vec<usize>, Vec<f32>)>;

fn reference() -> Tensors {
    checkpoint::read_tensors(Path::new("tests/fixtures/tiny_bert_reference.safetensors")).unwrap()
}

/// A reference tensor by name; a fixture without it fails the test rather than skipping.
fn tensor<'a>(r: &'a Tensors, name: &str) -> &'a (Vec<usize>, Vec<f32>) {
    r.get(name).unwrap_or_else(|| panic!("the fixture lacks {name}: re-run tools/make_fixture.py"))
}

fn batch_from(r: &Tensors) -> Batch {
    let (shape, ids) = &r["input_ids"];
    let (b, t) = (shape[0], shape[1]);
    let labels = &r["mlm_labels"].1;
    let mlm_rows: Vec<usize> = (0..b * t).filter(|&i| labels[i] >= 0.0).collect();
    Batch {
        batch: b,
        seq: t,
        ids: ids.iter().map(|&x| x as u32).collect(),
        segments: r["token_type_ids"].1.iter().map(|&x| x as u32).collect(),
        attention: r["attention_mask"].1.iter().map(|&x| x > 0.5).collect(),
        mlm_labels: mlm_rows.iter().map(|&i| labels[i] as u32).collect(),
        mlm_rows,
        nsp_labels: r["nsp_labels"].1.iter().map(|&x| x as u32).collect(),
    }
}

/// ‖a − b‖ / max(‖b‖, floor): relative, but absolute for tensors that are ~0 in theory
/// (the key bias gradients vanish because softmax ignores a shift shared by all keys).
fn rel_err(a: &[f32], b: &[f32], floor: f64) -> f64 {
    assert_eq!(a.len(), b.len());
    let diff: f64 = a.iter().zip(b).map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2)).sum();
    let norm: f64 = b.iter().map(|y| f64::from(*y).powi(2)).sum();
    diff.sqrt() / norm.sqrt().max(floor)
}

fn check(name: &str, ours: &[f32], theirs: &[f32], tol: f64, floor: f64) -> f64 {
    let e = rel_err(ours, theirs, floor);
    println!(
        "{name:60} rel err {e:.2e}  ours[0..3] {:?}  ref[0..3] {:?}",
        &ours[..ours.len().min(3)],
        &theirs[..theirs.len().min(3)]
    );
    assert!(e <= tol, "{name}: relative error {e:.3e} exceeds {tol:e}");
    e
}

#[test]
fn forward_matches_pytorch() {
    let (cfg, params) = checkpoint::load(Path::new("tests/fixtures/tiny_bert")).unwrap();
    let r = reference();
    let batch = batch_from(&r);
    let out = model::evaluate(&params, &cfg, &batch, LossWeights::default());
    let v = cfg.vocab_size;
    let ref_logits = &r["mlm_logits"].1;
    let masked_ref: Vec<f32> =
        batch.mlm_rows.iter().flat_map(|&row| ref_logits[row * v..(row + 1) * v].to_vec()).collect();
    let mut worst: f64 = 0.0;
    worst = worst.max(check("mlm_logits (masked rows)", out.mlm_logits.as_slice().unwrap(), &masked_ref, 1e-5, 0.0));
    worst = worst.max(check("nsp_logits", out.nsp_logits.as_slice().unwrap(), &r["nsp_logits"].1, 1e-5, 0.0));
    worst = worst.max(check("mlm_loss", &[out.mlm_loss], &r["mlm_loss"].1, 1e-5, 0.0));
    worst = worst.max(check("nsp_loss", &[out.nsp_loss], &r["nsp_loss"].1, 1e-5, 0.0));
    worst = worst.max(check("total_loss", &[out.total_loss], &r["total_loss"].1, 1e-5, 0.0));
    println!("worst relative error of the forward pass: {worst:.2e}");
}

#[test]
fn every_gradient_matches_pytorch() {
    let (cfg, params) = checkpoint::load(Path::new("tests/fixtures/tiny_bert")).unwrap();
    let r = reference();
    let batch = batch_from(&r);
    let w = LossWeights::default();
    let (out, cache) = model::forward(&params, &cfg, &batch, w, None::<&mut rand::rngs::StdRng>);
    let mut grads = Grads::zeros(&cfg);
    model::backward(&params, &cfg, &batch, w, &out, &cache, &mut grads);
    let mut worst: f64 = 0.0;
    let tensors = grads.tensors();
    assert_eq!(
        tensors.len(),
        r.keys().filter(|k| k.starts_with("grad.")).count(),
        "one reference gradient per parameter"
    );
    for (name, g) in tensors {
        let (shape, theirs) = &r[&format!("grad.{name}")];
        assert_eq!(g.shape(), shape.as_slice(), "{name}");
        let ours: Vec<f32> = g.iter().copied().collect();
        worst = worst.max(check(&name, &ours, theirs, 1e-4, 1e-3));
    }
    println!("worst relative gradient error: {worst:.2e}");
}

/// Every layer's attention probabilities (eval mode, on the padded batch) match HF's
/// `output_attentions=True` (eager) within 1e-6 absolute: they lie in [0, 1], where f32
/// rounding is about 1e-7.
#[test]
fn attentions_match_pytorch() {
    let (cfg, params) = checkpoint::load(Path::new("tests/fixtures/tiny_bert")).unwrap();
    let r = reference();
    let maps = attentions(&params, &cfg, &batch_from(&r));
    assert_eq!(maps.len(), cfg.num_hidden_layers);
    let mut worst = (0.0f32, String::new());
    for (i, ours) in maps.iter().enumerate() {
        let (shape, theirs) = tensor(&r, &format!("attn.layer.{i}"));
        assert_eq!(ours.shape(), shape.as_slice(), "layer {i}");
        for (((b, h, q, k), a), t) in ours.indexed_iter().zip(theirs) {
            if (a - t).abs() > worst.0 {
                worst = ((a - t).abs(), format!("layer {i} sequence {b} head {h} query {q} key {k}"));
            }
        }
    }
    println!("attention probabilities: worst |ours − PyTorch| = {:.2e} ({})", worst.0, worst.1);
    assert!(worst.0 <= 1e-6, "{}: {:.2e} from PyTorch", worst.1, worst.0);
}

/// Padding keys get exactly 0 (the fixture's second sequence ends in 4 pads), and every
/// query's row, padding queries included, is a distribution: no weight below 0, and a sum
/// of 1 within 1e-5. (The one test of these for `attentions`; `eval --attentions` checks
/// the file it writes in tests/cli.rs.)
#[test]
fn attention_ignores_padding_and_rows_sum_to_one() {
    let (cfg, params) = checkpoint::load(Path::new("tests/fixtures/tiny_bert")).unwrap();
    let batch = batch_from(&reference());
    let pads = batch.attention.iter().filter(|&&real| !real).count();
    assert_eq!(pads, 4, "the fixture batch has 4 padding positions");
    let (mut checked, mut worst_sum) = (0, 0.0f32);
    let maps = attentions(&params, &cfg, &batch);
    assert_eq!(maps.len(), cfg.num_hidden_layers);
    for (i, map) in maps.iter().enumerate() {
        assert_eq!(map.dim(), (batch.batch, cfg.num_attention_heads, batch.seq, batch.seq));
        for ((b, h, q, k), &a) in map.indexed_iter() {
            assert!(a >= 0.0, "layer {i} sequence {b} head {h}: query {q} gives key {k} weight {a}");
            if !batch.attention[b * batch.seq + k] {
                assert_eq!(a, 0.0, "layer {i} sequence {b} head {h}: query {q} gives padding key {k} weight {a}");
                checked += 1;
            }
        }
        for row in map.rows() {
            worst_sum = worst_sum.max((row.sum() - 1.0).abs());
        }
    }
    println!("{checked} padding-key weights are exactly 0; worst |row sum − 1| = {worst_sum:.2e}");
    assert_eq!(checked, cfg.num_hidden_layers * cfg.num_attention_heads * batch.seq * pads);
    assert!(worst_sum <= 1e-5, "a row sums to 1 ± {worst_sum:.2e}");
}

/// The gradients of one head's loss alone (`head_grads`, eval mode) against PyTorch's
/// `grad_<head>.*`, with the tolerance of the total's gradients; returns the worst error.
fn check_head_grads(choice: HeadChoice, prefix: &str) -> f64 {
    let (cfg, params) = checkpoint::load(Path::new("tests/fixtures/tiny_bert")).unwrap();
    let r = reference();
    let grads = head_grads(&params, &cfg, &batch_from(&r), choice.weights()).grads;
    let tensors = grads.tensors();
    assert_eq!(tensors.len(), r.keys().filter(|k| k.starts_with(prefix)).count(), "one {prefix}* per parameter");
    let mut worst: f64 = 0.0;
    for (name, g) in tensors {
        let (shape, theirs) = tensor(&r, &format!("{prefix}{name}"));
        assert_eq!(g.shape(), shape.as_slice(), "{name}");
        let ours: Vec<f32> = g.iter().copied().collect();
        worst = worst.max(check(&name, &ours, theirs, 1e-4, 1e-3));
    }
    worst
}

#[test]
fn mlm_loss_gradients_match_pytorch() {
    let worst = check_head_grads(HeadChoice::Mlm, "grad_mlm.");
    println!("worst relative gradient error, MLM loss alone: {worst:.2e}");
}

#[test]
fn nsp_loss_gradients_match_pytorch() {
    let worst = check_head_grads(HeadChoice::Nsp, "grad_nsp.");
    println!("worst relative gradient error, NSP loss alone: {worst:.2e}");
}

/// How many of `g`'s values are not exactly 0.
fn nonzero(g: &ndarray::ArrayViewD<f32>) -> usize {
    g.iter().filter(|&&x| x != 0.0).count()
}

/// The tensors of `g` whose names start with one of `prefixes`.
fn under<'a>(g: &'a Grads, prefixes: &[&str]) -> Vec<(String, ndarray::ArrayViewD<'a, f32>)> {
    g.tensors().into_iter().filter(|(n, _)| prefixes.iter().any(|p| n.starts_with(p))).collect()
}

/// A head's loss does not reach the other head: under the MLM loss alone the pooler and the
/// NSP classifier get exactly 0, and under the NSP loss alone so do the MLM transform and
/// decoder bias (PyTorch gives them no gradient at all). The same tensors do get gradient
/// from their own head's loss, and the shared body from both, so the zeros mean something.
/// (The one test of this; tests/cli.rs checks that `eval --head` passes the choice on.)
#[test]
fn each_loss_leaves_the_other_head_exactly_zero() {
    let (cfg, params) = checkpoint::load(Path::new("tests/fixtures/tiny_bert")).unwrap();
    let batch = batch_from(&reference());
    let [mlm, nsp] = [HeadChoice::Mlm, HeadChoice::Nsp].map(|h| head_grads(&params, &cfg, &batch, h.weights()).grads);
    let cases = [
        ("MLM", &mlm, &nsp, &["bert.pooler.", "cls.seq_relationship."][..], 4),
        ("NSP", &nsp, &mlm, &["cls.predictions."][..], 5),
    ];
    for (loss, alone, other, prefixes, expected) in cases {
        let (zero, reached) = (under(alone, prefixes), under(other, prefixes));
        assert_eq!(zero.len(), expected, "{loss}: tensors under {prefixes:?}");
        for ((name, g), (_, own)) in zero.iter().zip(&reached) {
            println!("{loss} loss: {name:45} {} nonzero of {}; own head's loss {}", nonzero(g), g.len(), nonzero(own));
            assert_eq!(nonzero(g), 0, "the {loss} loss reaches {name}");
            assert!(nonzero(own) > 0, "{name} gets nothing from its own head's loss either");
        }
    }
    for name in ["bert.embeddings.word_embeddings.weight", "bert.encoder.layer.0.attention.self.query.weight"] {
        for (loss, g) in [("MLM", &mlm), ("NSP", &nsp)] {
            let found = under(g, &[name]);
            assert!(found.len() == 1 && nonzero(&found[0].1) > 0, "{name} is shared, but the {loss} loss misses it");
        }
    }
}

#[test]
fn loads_old_names_and_tied_decoder_to_the_same_weights() {
    let (cfg_new, new) = checkpoint::load(Path::new("tests/fixtures/tiny_bert")).unwrap();
    let (cfg_old, old) = checkpoint::load(Path::new("tests/fixtures/tiny_bert_old")).unwrap();
    assert_eq!(cfg_new.hidden_size, cfg_old.hidden_size);
    assert_eq!(new, old);
}

/// Five AdamW steps (lr 1e-2, no decay on biases and LayerNorm, no clipping) on the same
/// batch follow PyTorch's `torch.optim.AdamW` loss for loss, like llm.c's 10-step check, and
/// end on PyTorch's parameters: a wrong decay group (a LayerNorm weight decayed, say) moves a
/// weight by lr·wd·w ≈ 1e-4 a step, 5e-4 in all, which the parameter bound catches.
#[test]
fn adamw_trajectory_matches_pytorch() {
    let (cfg, mut params) = checkpoint::load(Path::new("tests/fixtures/tiny_bert")).unwrap();
    let r = reference();
    let batch = batch_from(&r);
    let w = LossWeights::default();
    let mut opt = bert_tutor::train::optim::AdamW::new(&cfg);
    let mut grads = Grads::zeros(&cfg);
    let expected = &r["adamw_losses"].1;
    for (step, &theirs) in expected.iter().enumerate() {
        let (out, cache) = model::forward(&params, &cfg, &batch, w, None::<&mut rand::rngs::StdRng>);
        let e = (f64::from(out.total_loss) - f64::from(theirs)).abs() / f64::from(theirs).abs();
        println!("AdamW step {step}: loss {:.7} (PyTorch {theirs:.7}), rel err {e:.2e}", out.total_loss);
        assert!(e < 1e-4, "step {step}: loss {} vs PyTorch {theirs}", out.total_loss);
        grads.zero();
        model::backward(&params, &cfg, &batch, w, &out, &cache, &mut grads);
        opt.step(&mut params, &grads, 1e-2);
    }
    let mut worst = (0.0f32, String::new());
    // The key bias adds the same score to every key of a query, which softmax cancels: its
    // true gradient is 0, both sides see rounding noise, and Adam's normalisation blows that
    // noise up to steps of up to lr. It cannot be compared, and it does not change the model.
    for (name, ours) in params.tensors().into_iter().filter(|(n, _)| !n.ends_with("attention.self.key.bias")) {
        let (_, theirs) = r.get(&format!("adamw.{name}")).unwrap_or_else(|| panic!("fixture lacks adamw.{name}"));
        for (&a, &b) in ours.iter().zip(theirs) {
            let d = (a - b).abs();
            if d > worst.0 {
                worst = (d, name.clone());
            }
        }
    }
    println!("AdamW parameters after 5 steps: worst |ours − PyTorch| = {:.2e} ({})", worst.0, worst.1);
    assert!(worst.0 < 2e-5, "{} differs from PyTorch by {:.2e} after 5 AdamW steps", worst.1, worst.0);
}

/// A checkpoint we save loads back bit for bit (and `tools/check_hf_load.py` loads it in HF).
#[test]
fn save_then_load_round_trips() {
    let (cfg, params) = checkpoint::load(Path::new("tests/fixtures/tiny_bert")).unwrap();
    let dir = std::env::temp_dir().join(format!("bert-tutor-roundtrip-{}", std::process::id()));
    checkpoint::save(&dir, &cfg, &params, None).unwrap();
    let (cfg2, params2) = checkpoint::load(&dir).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(cfg, cfg2);
    assert_eq!(params, params2);
}
