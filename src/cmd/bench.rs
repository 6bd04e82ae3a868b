//! `bert-tutor bench`: full training steps on random batches (15% masked, NSP labels,
//! dropout 0.1, AdamW, clipping), the work of one PyTorch `BertForPreTraining` step;
//! reports steps/s, tokens/s and matmul GFLOP/s, beside the rate the same sgemm reaches
//! on a 1024³ product. Compare with `tools/bench_pytorch.py` (docs/PERFORMANCE.md).

use std::time::Instant;

use anyhow::Result;
use ndarray::Array2;
use ndarray::linalg::general_mat_mul;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::json;

use crate::cmd::cli::BenchArgs;
use crate::model::{BertConfig, Params};
use crate::text::batch::Batch;
use crate::train::{Learner, TrainConfig};

pub fn run(args: &BenchArgs) -> Result<()> {
    if args.ui {
        return super::bench_ui::run(args.seconds, args.stage, args.json);
    }
    let cfg = BertConfig {
        vocab_size: args.vocab,
        hidden_size: args.hidden,
        num_hidden_layers: args.layers,
        num_attention_heads: args.heads,
        intermediate_size: args.ffn,
        max_position_embeddings: args.seq.max(512),
        ..BertConfig::default()
    };
    cfg.validate()?;
    if args.vocab < 8 || args.seq < 4 || args.batch == 0 || args.steps == 0 {
        anyhow::bail!("bench needs --vocab >= 8, --seq >= 4, --batch >= 1 and --steps >= 1");
    }
    let tcfg = TrainConfig { threads: args.threads.max(1), ..TrainConfig::default() };
    let mut rng = StdRng::seed_from_u64(0);
    let mut params = Params::init(&cfg, &mut rng);
    let mut learner = Learner::new(&cfg, tcfg.threads);
    let batches: Vec<Batch> =
        (0..args.steps + args.warmup).map(|_| random_batch(&cfg, args.batch, args.seq, &mut rng)).collect();
    let masked = batches[0].mlm_rows.len();
    for (i, b) in batches[..args.warmup].iter().enumerate() {
        learner.step(&cfg, &tcfg, &mut params, i, b, &mut rng)?;
    }
    let start = Instant::now();
    let mut last = 0.0;
    for (i, b) in batches[args.warmup..].iter().enumerate() {
        last = learner.step(&cfg, &tcfg, &mut params, i, b, &mut rng)?.total_loss;
    }
    let secs = start.elapsed().as_secs_f64();
    let steps_per_sec = args.steps as f64 / secs;
    let tokens_per_sec = steps_per_sec * (args.batch * args.seq) as f64;
    let gflop = step_flops(&cfg, args.batch, args.seq, masked) / 1e9;
    let t = tcfg.threads;
    let sgemm = sgemm_rate(1024 / t, 1024, 1024, t);
    let m_dec = masked / t;
    let decoder = sgemm_rate(m_dec, args.hidden, args.vocab, t);
    let ffn = sgemm_rate(args.batch * args.seq / t, args.hidden, args.ffn, t);
    let encode_ms = long_pair_encode_ms()?;
    if args.json {
        let out = json!({
            "steps_per_sec": steps_per_sec, "tokens_per_sec": tokens_per_sec, "ms_per_step": 1e3 / steps_per_sec,
            "gflop_per_step": gflop, "gflops": gflop * steps_per_sec, "threads": tcfg.threads,
            "sgemm_1024_gflops": sgemm, "decoder_matmul_gflops": decoder, "ffn_matmul_gflops": ffn,
            "final_loss": last, "long_pair_encode_ms": encode_ms,
            "config": {"vocab": args.vocab, "hidden": args.hidden, "layers": args.layers, "heads": args.heads,
                       "ffn": args.ffn, "batch": args.batch, "seq": args.seq, "steps": args.steps},
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!(
            "config: vocab {} hidden {} layers {} heads {} ffn {} batch {} seq {} ({} masked per batch), {} threads",
            args.vocab, args.hidden, args.layers, args.heads, args.ffn, args.batch, args.seq, masked, tcfg.threads
        );
        println!("{steps_per_sec:.2} steps/s  {tokens_per_sec:.0} tokens/s  {:.2} ms/step", 1e3 / steps_per_sec);
        println!("{gflop:.3} GFLOP of matmul per step → {:.1} GFLOP/s achieved", gflop * steps_per_sec);
        println!(
            "sgemm on {t} threads: 1024³ {sgemm:.1} GFLOP/s; the step's largest products alone: decoder ({m_dec}×{}×{} \
             per thread) {decoder:.1} ({:.0}%), FFN ({}×{}×{} per thread) {ffn:.1} ({:.0}%)",
            args.hidden,
            args.vocab,
            100.0 * decoder / sgemm,
            args.batch * args.seq / t,
            args.hidden,
            args.ffn,
            100.0 * ffn / sgemm
        );
        println!("final loss {last:.3}");
        println!("encode a 2×10,000-word pair into 128 positions (the truncation guard): {encode_ms:.1} ms");
    }
    Ok(())
}

/// Milliseconds to encode a pair of 10,000-word sentences with the bundled tokenizer. The
/// post-processor once expanded truncation overflow into every (A chunk × B chunk)
/// combination, a minute instead of milliseconds; this is where that would show.
fn long_pair_encode_ms() -> Result<f64> {
    let tok = crate::text::tokenize::BertTokenizer::bundled()?;
    let pool: Vec<&str> = crate::text::corpus::DEFAULT_CORPUS.split_whitespace().collect();
    let text = (0..10_000).map(|i| pool[(i * 7919) % pool.len()]).collect::<Vec<_>>().join(" ");
    let start = Instant::now();
    tok.encode_pair(&text, &text, 128)?;
    Ok(start.elapsed().as_secs_f64() * 1e3)
}

/// Random full-length pairs: `[CLS]` at 0, `[SEP]` in the middle and at the end,
/// round(15%) of the other positions masked, random NSP labels (as tools/bench_pytorch.py).
fn random_batch(cfg: &BertConfig, b: usize, t: usize, rng: &mut StdRng) -> Batch {
    let v = cfg.vocab_size as u32;
    let mut batch = Batch { batch: b, seq: t, ..Batch::default() };
    let n_mask = ((t as f64) * 0.15).round().max(1.0) as usize;
    for s in 0..b {
        let mut ids: Vec<u32> = (0..t).map(|_| rng.random_range(5..v)).collect();
        ids[0] = 2;
        ids[t / 2] = 3;
        ids[t - 1] = 3;
        let mut positions: Vec<usize> = (1..t - 1).filter(|&p| p != t / 2).collect();
        rand::seq::SliceRandom::shuffle(positions.as_mut_slice(), rng);
        positions.truncate(n_mask);
        positions.sort_unstable();
        for &p in &positions {
            batch.mlm_rows.push(s * t + p);
            batch.mlm_labels.push(ids[p]);
            ids[p] = 4;
        }
        batch.segments.extend((0..t).map(|p| u32::from(p > t / 2)));
        batch.ids.extend(ids);
        batch.attention.extend(std::iter::repeat_n(true, t));
        batch.nsp_labels.push(rng.random_range(0..2));
    }
    batch
}

/// Matmul FLOPs of one training step (forward 2mnk per product, backward twice that).
pub fn step_flops(cfg: &BertConfig, b: usize, t: usize, masked: usize) -> f64 {
    let (n, h, f, v) = ((b * t) as f64, cfg.hidden_size as f64, cfg.intermediate_size as f64, cfg.vocab_size as f64);
    let (t, b, m) = (t as f64, b as f64, masked as f64);
    let layer = 2.0 * n * h * h * 4.0 + 2.0 * 2.0 * b * t * t * h + 2.0 * 2.0 * n * h * f;
    let heads = 2.0 * b * h * h + 2.0 * b * h * 2.0 + 2.0 * m * h * h + 2.0 * m * h * v;
    3.0 * (layer * cfg.num_hidden_layers as f64 + heads)
}

/// GFLOP/s of `general_mat_mul` on (m×k)·(k×n) products, one per thread, all threads at
/// once (as the data-parallel step runs them); best of a few runs.
pub fn sgemm_rate(m: usize, k: usize, n: usize, threads: usize) -> f64 {
    let flop = 2.0 * (m * k * n) as f64;
    let reps = ((2e9 / flop).ceil() as usize).clamp(1, 200);
    let one = || {
        let a = Array2::<f32>::from_shape_fn((m, k), |(i, j)| ((i * 7 + j) % 13) as f32 * 0.01);
        let b = Array2::<f32>::from_shape_fn((k, n), |(i, j)| ((i + j * 3) % 11) as f32 * 0.01);
        let mut c = Array2::<f32>::zeros((m, n));
        let mut best = f64::MAX;
        for _ in 0..3 {
            let start = Instant::now();
            for _ in 0..reps {
                general_mat_mul(1.0, &a, &b, 0.0, &mut c);
            }
            best = best.min(start.elapsed().as_secs_f64() / reps as f64);
        }
        flop / best / 1e9
    };
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads.max(1)).map(|_| s.spawn(one)).collect();
        handles.into_iter().map(|h| h.join().expect("sgemm thread")).sum()
    })
}
