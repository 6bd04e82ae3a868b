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
use crate::model::profile::{self, Part};
use crate::model::{BertConfig, Params};
use crate::text::batch::Batch;
use crate::text::data::{PairConfig, Stream};
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
    let threads = args.threads.unwrap_or_else(|| crate::train::default_threads().min(args.batch));
    if threads == 0 || threads > args.batch {
        anyhow::bail!("--threads {threads}: give 1 to {} (each thread takes a share of the batch's pairs)", args.batch);
    }
    let tcfg = TrainConfig { threads, ..TrainConfig::default() };
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
    let parts = profile_parts(&cfg, &tcfg, &mut params, &mut learner, &batches[args.warmup..], &mut rng)?;
    let data = data_ms(args.batch, args.seq)?;
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
            "sgemm_fraction": gflop * steps_per_sec / sgemm,
            "parts_ms_per_step": parts.json(), "parts_sum_ms": parts.sum_ms, "profiled_ms_per_step": parts.step_ms,
            "data_ms_per_batch": data.ms, "data_real_token_fraction": data.real_fraction,
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
        println!(
            "{gflop:.3} GFLOP of matmul per step → {:.1} GFLOP/s achieved ({:.0}% of the 1024³ sgemm below)",
            gflop * steps_per_sec,
            100.0 * gflop * steps_per_sec / sgemm
        );
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
        parts.print();
        println!(
            "data (not in the step: the trainer builds the next batch from the bundled corpus): {:.2} ms per batch, \
             {:.0}% of its positions real tokens, the rest padding",
            data.ms,
            100.0 * data.real_fraction
        );
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

/// Milliseconds per step in each part of the step, from a second pass over the same
/// batches with [`profile`] timing on; per-thread parts are averaged over the threads.
struct Parts {
    ms: Vec<(Part, f64)>,
    sum_ms: f64,
    step_ms: f64,
}

impl Parts {
    fn json(&self) -> serde_json::Value {
        self.ms.iter().map(|(p, ms)| (p.key().to_string(), json!(ms))).collect::<serde_json::Map<_, _>>().into()
    }

    fn print(&self) {
        println!("where a step's time goes (ms per step; per-thread parts averaged over the threads):");
        for (p, ms) in &self.ms {
            println!("  {:24} {ms:7.2}  {:4.1}%", p.key(), 100.0 * ms / self.step_ms);
        }
        println!("  {:24} {:7.2}  of a {:.2} ms step timed with the parts", "sum", self.sum_ms, self.step_ms);
    }
}

fn profile_parts(
    cfg: &BertConfig,
    tcfg: &TrainConfig,
    params: &mut Params,
    learner: &mut Learner,
    batches: &[Batch],
    rng: &mut StdRng,
) -> Result<Parts> {
    profile::enable(true);
    let start = Instant::now();
    for (i, b) in batches.iter().enumerate() {
        learner.step(cfg, tcfg, params, i, b, rng)?;
    }
    let step_ms = start.elapsed().as_secs_f64() * 1e3 / batches.len() as f64;
    let totals = profile::totals();
    profile::enable(false);
    let threads = batches.first().map_or(1, |b| tcfg.threads.min(b.batch)) as f64;
    let ms: Vec<(Part, f64)> = totals
        .into_iter()
        .map(|(p, secs)| {
            let per = if p.per_thread() { threads } else { 1.0 };
            (p, secs * 1e3 / batches.len() as f64 / per)
        })
        .collect();
    let sum_ms = ms.iter().map(|(_, m)| m).sum();
    Ok(Parts { ms, sum_ms, step_ms })
}

struct Data {
    ms: f64,
    real_fraction: f64,
}

/// The trainer's data part, timed apart from the step: masked pairs from the bundled
/// corpus (at `seq` positions) made into padded batches of `b`, and how much of them is padding.
fn data_ms(b: usize, seq: usize) -> Result<Data> {
    let tok = crate::text::tokenize::BertTokenizer::bundled()?;
    let corpus = crate::text::corpus::Corpus::bundled(&tok)?;
    let masker = crate::text::masking::Masker::for_tokenizer(&tok);
    let pair = PairConfig { max_seq_length: seq.max(8), ..PairConfig::default() };
    let mut stream = Stream::new(corpus.split().0, pair);
    let mut rng = StdRng::seed_from_u64(0);
    stream.next_batch(b, &corpus, &masker, &mut rng); // the first fills the buffer: a whole pass
    let n = 50;
    let (mut real, mut all) = (0usize, 0usize);
    let start = Instant::now();
    for _ in 0..n {
        let batch = stream.next_batch(b, &corpus, &masker, &mut rng);
        real += batch.attention.iter().filter(|&&a| a).count();
        all += batch.attention.len();
    }
    let ms = start.elapsed().as_secs_f64() * 1e3 / n as f64;
    Ok(Data { ms, real_fraction: real as f64 / all.max(1) as f64 })
}
