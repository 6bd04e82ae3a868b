//! Issue 20's commands, run as a process: `train --live` runs the TUI's trainer headless and
//! says so in well-formed JSON lines with the live schedule's learning rate; `bench` splits a
//! step into parts that add up to it; the held-apart NSP pair set is what it claims to be.

use std::path::PathBuf;
use std::process::{Command, Output};

use bert_tutor::train::LIVE_SCHEDULE;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_bert-tutor");
const PAIRS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/nsp_single_sentence.tsv");

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).current_dir(std::env::temp_dir()).output().expect("run bert-tutor")
}

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bert-tutor-live-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Five seconds of the live run: a JSON object per evaluation (step 0 and the last step,
/// or every 250 steps between), the learning rate the live schedule gives the last step
/// trained, the AUC on the pair set, and the checkpoint saved where --out says.
#[test]
fn train_live_prints_the_live_schedules_lines_and_saves() {
    let dir = out_dir("five-seconds");
    let out = dir.to_str().unwrap();
    let o = run(&["train", "--live", "--seconds", "5", "--json", "--nsp-pairs", PAIRS, "--out", out]);
    let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("live run, as the TUI trains"), "{stderr}");
    let lines: Vec<Value> =
        stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    assert!(lines.len() >= 2, "step 0 and at least the last step: {stdout}");
    let keys = ["step", "seconds", "train_mlm", "train_nsp", "lr", "heldout_mlm_loss", "heldout_mlm_top1"];
    for line in &lines {
        for k in keys.iter().chain(&["heldout_nsp_acc", "heldout_nsp_loss", "nsp_pairs_auc"]) {
            assert!(line.get(*k).is_some(), "{k} missing from {line}");
        }
        let auc = line["nsp_pairs_auc"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&auc), "{line}");
    }
    assert_eq!(lines[0]["step"], 0);
    assert!(lines[0]["lr"].is_null(), "no step trained yet");
    let last = lines.last().unwrap();
    let step = last["step"].as_u64().unwrap() as usize;
    assert!(step > 0, "it trained: {last}");
    let secs = last["seconds"].as_f64().unwrap();
    assert!((5.0..20.0).contains(&secs), "stopped after about 5 s: {secs}");
    let lr = last["lr"].as_f64().unwrap();
    let want = f64::from(LIVE_SCHEDULE.lr(step - 1));
    assert!((lr - want).abs() <= 1e-6 * want, "step {step}: lr {lr}, the live schedule says {want}");
    for (prev, next) in lines.iter().zip(&lines[1..]) {
        let (a, b) = (prev["step"].as_u64().unwrap(), next["step"].as_u64().unwrap());
        assert!(b > a && (b % 250 == 0 || next == last), "evaluations every 250 steps: {a} then {b}");
    }
    assert!(dir.join("model.safetensors").is_file() && dir.join("config.json").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--live` needs a budget, and refuses the flags it would ignore.
#[test]
fn train_live_refuses_what_it_cannot_do() {
    let o = run(&["train", "--live"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.lines().count() == 1 && err.contains("--seconds"), "{err}");
    for flag in [["--lr", "1e-3"], ["--batch", "8"], ["--warmup", "10"]] {
        let o = run(&["train", "--live", "--seconds", "1", flag[0], flag[1]]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains("cannot be used with"), "{flag:?}: {err}");
    }
    let o = run(&["train", "--seconds", "1"]);
    assert!(!o.status.success(), "--seconds belongs to --live");
    let o = run(&["train", "--live", "--seconds", "0"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.starts_with("error:") && err.contains("--seconds"), "{err}");
}

/// More threads than the batch has pairs cannot help: refused with one line, at once.
#[test]
fn bench_refuses_more_threads_than_pairs() {
    for threads in ["0", "33", "100000"] {
        let o = run(&["bench", "--threads", threads, "--batch", "32", "--steps", "1"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.lines().count() == 1 && err.contains("give 1 to 32"), "{threads}: {err}");
    }
}

/// The parts `bench --json` reports cover the step: at one thread, where they run one
/// after another, they add up to the step's time within 10%.
#[test]
fn bench_parts_add_up_to_the_step() {
    let args = ["bench", "--json", "--steps", "8", "--warmup", "1", "--threads", "1", "--seq", "32", "--batch", "8"];
    let o = run(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).expect("bench --json is one JSON object");
    let parts = v["parts_ms_per_step"].as_object().expect("parts_ms_per_step");
    for key in ["embeddings", "attention_products", "softmax_and_dropout", "ffn", "layernorm_residual", "heads"] {
        let ms = parts[key].as_f64().unwrap_or_else(|| panic!("{key} missing: {parts:?}"));
        assert!(ms > 0.0, "{key} took no time: {parts:?}");
    }
    let sum: f64 = parts.values().map(|x| x.as_f64().unwrap()).sum();
    let step = v["profiled_ms_per_step"].as_f64().unwrap();
    assert!((sum - v["parts_sum_ms"].as_f64().unwrap()).abs() < 1e-9);
    assert!((sum - step).abs() <= 0.1 * step, "parts add up to {sum:.3} ms of a {step:.3} ms step: {parts:?}");
    let fraction = v["sgemm_fraction"].as_f64().unwrap();
    assert!(fraction > 0.0 && fraction.is_finite(), "the step's rate against sgemm's: {fraction}");
}

/// The NSP pair set: at least 60 pairs, as many real continuations as other-topic Bs, every
/// sentence distinct and none of them in the corpus the model trains on.
#[test]
fn the_nsp_pair_set_is_balanced_and_apart_from_the_corpus() {
    let text = std::fs::read_to_string(PAIRS).unwrap();
    let corpus: std::collections::HashSet<String> =
        bert_tutor::text::corpus::DEFAULT_CORPUS.lines().map(|l| l.trim().to_lowercase()).collect();
    let rows: Vec<Vec<&str>> =
        text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).map(|l| l.split('\t').collect()).collect();
    assert!(rows.len() >= 60, "{} pairs", rows.len());
    assert!(rows.iter().all(|r| r.len() == 3), "label, A, B on every line");
    let is_next = rows.iter().filter(|r| r[0] == "is_next").count();
    assert_eq!(2 * is_next, rows.len(), "half real continuations");
    let mut seen = std::collections::HashSet::new();
    for s in rows.iter().flat_map(|r| &r[1..]) {
        assert!(seen.insert(s.to_lowercase()), "twice: {s}");
        assert!(!corpus.contains(&s.trim().to_lowercase()), "in the corpus: {s}");
    }
    let tok = bert_tutor::text::tokenize::BertTokenizer::bundled().unwrap();
    let set = bert_tutor::train::pair_set::PairSet::parse(&text, &tok, 128).unwrap();
    assert_eq!(set.batch.batch, rows.len());
}
