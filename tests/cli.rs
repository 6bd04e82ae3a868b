//! The command line, run as a process: `inspect`, `train` and `eval`, and what each does
//! with bad input (a non-zero exit, one `error:` line on stderr, never a panic).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::temp::TempDir;
use serde_json::Value;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_bert-tutor");
const FIGURE: [&str; 11] = ["[CLS]", "my", "dog", "is", "cute", "[SEP]", "he", "likes", "play", "##ing", "[SEP]"];

fn run(args: &[&str]) -> Output {
    // Run from a scratch folder so a misbehaving command cannot litter the crate
    // (e.g. train's default --out is ./checkpoint).
    let cwd = std::env::temp_dir();
    Command::new(BIN).args(args).current_dir(cwd).output().expect("run bert-tutor")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs and expects success; returns stdout.
fn ok(args: &[&str]) -> String {
    let o = run(args);
    assert!(o.status.success(), "{args:?} failed ({}):\n{}\n{}", o.status, stdout(&o), stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{args:?}: {}", stderr(&o));
    stdout(&o)
}

/// Runs and expects a clean failure: exit code non-zero, exactly one stderr line, which
/// starts with `error:`, and no panic. Returns that line.
fn fails(args: &[&str]) -> String {
    let o = run(args);
    let err = stderr(&o);
    assert!(!o.status.success(), "{args:?} should fail; stdout:\n{}", stdout(&o));
    assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?} panicked:\n{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{args:?}: one stderr line, got:\n{err}");
    assert!(lines[0].starts_with("error:"), "{args:?}: {err}");
    lines[0].to_string()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().expect("an array").iter().map(|t| t.as_str().expect("a string").to_string()).collect()
}

fn numbers(v: &Value) -> Vec<u64> {
    v.as_array().expect("an array").iter().map(|t| t.as_u64().expect("a number")).collect()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().expect("an array").iter().map(|t| t.as_f64().expect("a number")).collect()
}

fn long_words(n: usize) -> String {
    let words = ["my", "dog", "likes", "playing", "with", "his", "red", "ball", "in", "the", "garden"];
    (0..n).map(|i| words[i % words.len()]).collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------- inspect

#[test]
fn inspect_prints_the_figure() {
    let out = ok(&["inspect"]);
    let lines: Vec<&str> = out.lines().collect();
    for (label, first) in [("Input", "[CLS]"), ("Token id", "2"), ("Segment", "A"), ("Position", "0")] {
        let row = lines.iter().find(|l| l.starts_with(label)).unwrap_or_else(|| panic!("no {label} row:\n{out}"));
        assert_eq!(row[10..].split_whitespace().next(), Some(first), "{row}");
    }
    let input: Vec<&str> = lines.iter().find(|l| l.starts_with("Input")).unwrap()[5..].split_whitespace().collect();
    assert_eq!(input, FIGURE);
    let segment: Vec<&str> = lines.iter().find(|l| l.starts_with("Segment")).unwrap()[7..].split_whitespace().collect();
    assert_eq!(segment, ["A", "A", "A", "A", "A", "A", "B", "B", "B", "B", "B"]);
    let position: Vec<&str> =
        lines.iter().find(|l| l.starts_with("Position")).unwrap()[8..].split_whitespace().collect();
    assert_eq!(position, (0..=10).map(|p| p.to_string()).collect::<Vec<_>>());
    assert!(out.contains("Mask plan"), "{out}");
    assert!(out.contains("Model input: [CLS]"), "{out}");
}

#[test]
fn inspect_json_has_the_figure_and_an_honest_plan() {
    for strategy in ["fixed", "whole-word", "bernoulli"] {
        for seed in ["0", "1", "2", "3", "4", "5"] {
            let v = json(&ok(&["inspect", "--json", "--seed", seed, "--strategy", strategy]));
            for key in ["tokens", "token_ids", "segment_ids", "positions", "masked", "input_ids"] {
                assert!(v.get(key).is_some(), "no {key}: {v}");
            }
            assert_eq!(strings(&v["tokens"]), FIGURE);
            let ids = numbers(&v["token_ids"]);
            let input = numbers(&v["input_ids"]);
            assert_eq!(ids.len(), 11);
            assert_eq!(input.len(), 11);
            assert_eq!(numbers(&v["segment_ids"]), [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
            assert_eq!(numbers(&v["positions"]), (0..=10).collect::<Vec<_>>());
            let masked = v["masked"].as_array().unwrap();
            if strategy == "fixed" {
                assert_eq!(masked.len(), 2, "round(11 × 0.15) = 2: {v}");
            }
            let mut at = Vec::new();
            for m in masked {
                for key in ["position", "original", "action", "replacement"] {
                    assert!(m.get(key).is_some(), "masked entry without {key}: {m}");
                }
                let p = m["position"].as_u64().unwrap() as usize;
                assert!(p < 11 && p != 0 && p != 5 && p != 10, "special token chosen: {m}");
                assert_eq!(m["original"], FIGURE[p], "{m}");
                let action = m["action"].as_str().unwrap();
                let replacement = m["replacement"].as_str().unwrap();
                match action {
                    "mask" => {
                        assert_eq!(replacement, "[MASK]");
                        assert_eq!(input[p], 4);
                        assert_ne!(input[p], ids[p]);
                    }
                    "keep" => {
                        assert_eq!(replacement, FIGURE[p]);
                        assert_eq!(input[p], ids[p]);
                    }
                    // A random draw can hit the original; then the input is unchanged.
                    "random" => assert_eq!(input[p] == ids[p], replacement == FIGURE[p], "{m}"),
                    other => panic!("unknown action {other}"),
                }
                at.push(p);
            }
            for p in 0..11 {
                if !at.contains(&p) {
                    assert_eq!(input[p], ids[p], "position {p} changed but not in masked: {v}");
                }
            }
        }
    }
}

#[test]
fn inspect_is_reproducible_per_seed() {
    for extra in [&[][..], &["--json"][..]] {
        let args: Vec<&str> = ["inspect", "--seed", "1"].iter().chain(extra).copied().collect();
        assert_eq!(ok(&args), ok(&args));
    }
    // And the seed matters: some seed gives another plan than seed 1.
    let one = ok(&["inspect", "--json", "--seed", "1"]);
    assert!((2..12).any(|s| ok(&["inspect", "--json", "--seed", &s.to_string()]) != one));
}

#[test]
fn inspect_bad_input_is_one_error_line() {
    let msg = fails(&["inspect", "--a", "   "]);
    assert!(msg.contains("empty"), "{msg}");
    let msg = fails(&["inspect", "--b", ""]);
    assert!(msg.contains("empty"), "{msg}");
    fails(&["inspect", "--a", "\u{7}"]);
    let msg = fails(&["--tokenizer", "/nonexistent/tok.json", "inspect"]);
    assert!(msg.contains("/nonexistent/tok.json"), "{msg}");
    let msg = fails(&["inspect", "--tokenizer", "/nonexistent/vocab.txt"]);
    assert!(msg.contains("/nonexistent/vocab.txt"), "{msg}");
    let dir = TempDir::new("bad-tokenizer");
    let path = dir.join("tokenizer.json");
    std::fs::write(&path, r#"{"not": "a tokenizer"}"#).unwrap();
    let msg = fails(&["--tokenizer", path.to_str().unwrap(), "inspect"]);
    assert!(msg.contains(path.to_str().unwrap()), "{msg}");
}

#[test]
fn inspect_handles_odd_text() {
    for a in ["I love 🐶 東京\u{7}", "👨‍👩‍👧‍👦", "café ÅNGSTRÖM", "tab\tand\nnewline"] {
        let v = json(&ok(&["inspect", "--json", "--a", a]));
        let tokens = strings(&v["tokens"]);
        assert_eq!(tokens[0], "[CLS]", "{a:?}");
        assert_eq!(tokens.iter().filter(|t| *t == "[SEP]").count(), 2, "{a:?}: {tokens:?}");
    }
    ok(&["inspect", "--a", "I love 🐶 東京\u{7}"]);
}

#[test]
fn inspect_long_sentence_is_truncated_with_a_note() {
    let a = long_words(10_000);
    let o = run(&["inspect", "--a", &a]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("dropped"), "stderr: {}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"));
    let v = json(&ok(&["inspect", "--json", "--a", &a]));
    assert_eq!(strings(&v["tokens"]).len(), 128);
    let dropped = v["dropped_tokens"].as_u64().unwrap();
    // 10,000 words: "playing" is two pieces, so over 10,000 pieces in A; B has 4; 121 kept.
    assert!(dropped > 10_000 - 121, "{dropped}");
}

// ---------------------------------------------------------------- train and eval

fn eval_json(model: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["eval", "--model", model.to_str().unwrap(), "--label", "is-next", "--json"];
    args.extend_from_slice(extra);
    json(&ok(&args))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// Trains once (30 steps) and runs every eval check on that checkpoint.
#[test]
fn train_then_eval() {
    let dir = TempDir::new("train");
    let ckpt = dir.join("checkpoint");
    let ck = ckpt.to_str().unwrap();
    let start = std::time::Instant::now();
    // Short pairs keep the test quick; the model still has the default 128 positions.
    let out = ok(&["train", "--steps", "30", "--eval-every", "10", "--max-seq-length", "48", "--out", ck]);
    println!("train: 30 steps in {:.1} s\n{out}", start.elapsed().as_secs_f32());
    let first = out.lines().next().unwrap_or_default();
    assert!(first.contains("ln V") && first.contains("ln 2"), "{first}");
    // Plain lines (stdout is a pipe): one per evaluation, steps 10, 20, 30, then the save.
    let steps: Vec<&str> = out.lines().filter_map(|l| l.split_whitespace().next()).collect();
    for s in ["10", "20", "30"] {
        assert!(steps.contains(&s), "no line for step {s}:\n{out}");
    }
    assert!(out.lines().last().unwrap_or_default().contains("saved step 30"), "{out}");
    for f in ["config.json", "model.safetensors", "tokenizer.json", "vocab.txt"] {
        let meta = std::fs::metadata(ckpt.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(meta.len() > 0, "{f} is empty");
    }
    let leftovers: Vec<_> = std::fs::read_dir(&ckpt)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");

    // eval: losses that add up.
    let v = eval_json(&ckpt, &["--mask", "3,8"]);
    assert_eq!(strings(&v["tokens"]), FIGURE);
    let (mlm, nsp, total) =
        (v["mlm_loss"].as_f64().unwrap(), v["nsp_loss"].as_f64().unwrap(), v["total_loss"].as_f64().unwrap());
    assert!((total - (mlm + nsp)).abs() < 1e-5, "{total} != {mlm} + {nsp}");
    let per_token = floats(&v["mlm_token_losses"]);
    assert_eq!(per_token.len(), 2);
    assert!((per_token.iter().sum::<f64>() / 2.0 - mlm).abs() < 1e-5, "{per_token:?} vs {mlm}");
    assert!(per_token.iter().all(|&l| l.is_finite() && l > 0.0));
    let p = v["nsp_prob_is_next"].as_f64().unwrap();
    assert!(p > 0.0 && p < 1.0, "{p}");
    assert!(nsp > 0.0 && (nsp - (-p.ln())).abs() < 1e-4, "NSP loss {nsp} is -ln P(IsNext) = {}", -p.ln());
    let input = numbers(&v["input_ids"]);
    assert_eq!((input[3], input[8]), (4, 4), "positions 3 and 8 are [MASK]");
    println!("eval --mask 3,8: MLM {mlm:.4} + NSP {nsp:.4} = {total:.4}, P(IsNext) {p:.4}");
    // The same again: eval is deterministic (no dropout).
    assert_eq!(eval_json(&ckpt, &["--mask", "3,8"]), v);
    // not-next flips the NSP loss to -ln(1 - p).
    let nv = json(&ok(&["eval", "--model", ck, "--mask", "3,8", "--label", "not-next", "--json"]));
    assert!((nv["nsp_loss"].as_f64().unwrap() - (-(1.0 - p).ln())).abs() < 1e-4, "{nv}");
    // Text output too.
    let text = ok(&["eval", "--model", ck, "--mask", "3,8", "--label", "is-next"]);
    assert!(text.contains("MLM loss") && text.contains("P(IsNext)"), "{text}");

    // --grads writes a safetensors file.
    let grads = dir.join("grads.safetensors");
    eval_json(&ckpt, &["--mask", "3,8", "--grads", grads.to_str().unwrap()]);
    let len = std::fs::metadata(&grads).map(|m| m.len()).unwrap_or(0);
    assert!(len > 0, "grads file missing or empty");
    let tensors = bert_tutor::model::checkpoint::read_tensors(&grads).unwrap();
    assert!(tensors.len() > 10, "{} tensors", tensors.len());
    assert!(tensors.values().all(|(_, v)| v.iter().all(|x| x.is_finite())));

    // Bad positions.
    for (mask, word) in [("0", "[CLS]"), ("5", "[SEP]"), ("10", "[SEP]"), ("3,5", "[SEP]"), ("99", "out of range")] {
        let msg = fails(&["eval", "--model", ck, "--mask", mask, "--label", "is-next"]);
        assert!(msg.contains(word), "--mask {mask}: {msg}");
    }

    // Bad checkpoints: missing folder.
    let msg = fails(&["eval", "--model", "/nonexistent/bert-tutor-ckpt", "--mask", "3", "--label", "is-next"]);
    assert!(msg.contains("/nonexistent/bert-tutor-ckpt"), "{msg}");
    // No --model at all.
    fails(&["eval", "--mask", "3", "--label", "is-next"]);

    // Truncated weights.
    let cut = dir.join("truncated");
    copy_dir(&ckpt, &cut);
    let weights = cut.join("model.safetensors");
    let bytes = std::fs::read(&weights).unwrap();
    std::fs::write(&weights, &bytes[..bytes.len() / 2]).unwrap();
    let msg = fails(&["eval", "--model", cut.to_str().unwrap(), "--mask", "3", "--label", "is-next"]);
    assert!(msg.contains("model.safetensors"), "{msg}");
    // Weights cut to almost nothing (shorter than the header length field).
    std::fs::write(&weights, &bytes[..4]).unwrap();
    fails(&["eval", "--model", cut.to_str().unwrap(), "--mask", "3", "--label", "is-next"]);
    std::fs::write(&weights, b"").unwrap();
    fails(&["eval", "--model", cut.to_str().unwrap(), "--mask", "3", "--label", "is-next"]);

    // hidden_size not a multiple of the heads.
    let bad = dir.join("bad-config");
    copy_dir(&ckpt, &bad);
    let config_path = bad.join("config.json");
    let mut config = json(&std::fs::read_to_string(&config_path).unwrap());
    config["hidden_size"] = 30.into();
    config["num_attention_heads"] = 4.into();
    std::fs::write(&config_path, config.to_string()).unwrap();
    let msg = fails(&["eval", "--model", bad.to_str().unwrap(), "--mask", "3", "--label", "is-next"]);
    assert!(msg.contains("30") && msg.contains("4"), "{msg}");
    // Not JSON at all.
    std::fs::write(&config_path, "{ hidden_size: ").unwrap();
    let msg = fails(&["eval", "--model", bad.to_str().unwrap(), "--mask", "3", "--label", "is-next"]);
    assert!(msg.contains("config.json"), "{msg}");
    // A shape that disagrees with the weights.
    config["hidden_size"] = 32.into();
    std::fs::write(&config_path, config.to_string()).unwrap();
    fails(&["eval", "--model", bad.to_str().unwrap(), "--mask", "3", "--label", "is-next"]);

    // Training on from the checkpoint works and keeps its tokenizer.
    let more = dir.join("more");
    ok(&["--model", ck, "train", "--steps", "2", "--eval-every", "1", "--batch", "4", "--out", more.to_str().unwrap()]);
    assert!(more.join("model.safetensors").is_file());
}

#[test]
fn train_bad_corpus_is_one_error_line() {
    let dir = TempDir::new("bad-corpus");
    let out = dir.join("out");
    let one = dir.join("one-document.txt");
    std::fs::write(&one, "my dog is cute.\nhe likes playing.\nthe end.\n").unwrap();
    let msg = fails(&["--corpus", one.to_str().unwrap(), "train", "--steps", "1", "--out", out.to_str().unwrap()]);
    assert!(msg.contains("at least 2") && msg.contains("one-document.txt"), "{msg}");
    let msg = fails(&["--corpus", "/nonexistent", "train", "--steps", "1", "--out", out.to_str().unwrap()]);
    assert!(msg.contains("/nonexistent"), "{msg}");
    assert!(!out.exists(), "nothing saved when the corpus is bad");
}

#[test]
fn train_on_a_tiny_corpus() {
    // Two one-sentence documents: the smallest corpus NSP accepts.
    let dir = TempDir::new("tiny-corpus");
    let corpus = dir.join("corpus.txt");
    std::fs::write(&corpus, "my dog is cute.\n\nhe likes playing.\n").unwrap();
    let out = dir.join("out");
    let args = ["--corpus", corpus.to_str().unwrap(), "train", "--steps", "2", "--eval-every", "1", "--batch", "2"];
    let mut args = args.to_vec();
    args.extend(["--out", out.to_str().unwrap()]);
    ok(&args);
    assert!(out.join("model.safetensors").is_file());
}

/// A model with very few positions: 4 is refused by the config check, and with 8 the
/// default pair (11 tokens) is truncated with a note, never indexing past the table.
#[test]
fn eval_with_few_positions_truncates_and_never_panics() {
    use bert_tutor::model::{BertConfig, Params, checkpoint};
    use rand::SeedableRng;
    let dir = TempDir::new("four-positions");
    let tok = bert_tutor::text::tokenize::BertTokenizer::bundled().unwrap();
    let four = BertConfig { max_position_embeddings: 4, ..BertConfig::for_vocab(tok.vocab_size()) };
    assert!(four.validate().is_err(), "4 positions cannot hold [CLS] a [SEP] b [SEP]");
    let cfg = BertConfig { max_position_embeddings: 8, ..BertConfig::for_vocab(tok.vocab_size()) };
    cfg.validate().unwrap();
    let params = Params::init(&cfg, &mut rand::rngs::StdRng::seed_from_u64(0));
    checkpoint::save(&dir.0, &cfg, &params, Some(&tok)).unwrap();
    let o = run(&["eval", "--model", dir.0.to_str().unwrap(), "--mask", "1", "--label", "is-next"]);
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("dropped 3 word pieces"), "{err}");
}

/// A learning rate that is not a positive number up to 1 (NaN, 0, negative, above 1) is
/// refused before any step: exit 1, one line naming `--lr`, and no checkpoint folder written.
/// (Weights that turn non-finite during training are covered in `tests/faults.rs`.)
#[test]
fn train_refuses_an_unusable_learning_rate_before_any_step() {
    let dir = TempDir::new("bad-lr");
    let out = dir.join("out");
    for lr in ["nan", "0", "-1e-3", "5", "inf"] {
        let flag = format!("--lr={lr}");
        let line = fails(&["train", "--steps", "3", &flag, "--out", out.to_str().unwrap()]);
        assert!(line.contains("--lr") && line.contains("learning rate"), "--lr {lr}: {line}");
        assert!(!out.exists(), "--lr {lr} wrote {}", out.display());
    }
}

/// A checkpoint whose weights are NaN is an error for `eval` (exit 1, one line saying the
/// outputs are not finite), never a table of NaN or zero losses with exit 0.
#[test]
fn eval_of_a_nan_checkpoint_is_an_error() {
    use bert_tutor::model::{BertConfig, Params, checkpoint};
    use rand::SeedableRng;
    let dir = TempDir::new("nan-weights");
    let tok = bert_tutor::text::tokenize::BertTokenizer::bundled().unwrap();
    let cfg = BertConfig::for_vocab(tok.vocab_size());
    let mut params = Params::init(&cfg, &mut rand::rngs::StdRng::seed_from_u64(0));
    for (_, mut t) in params.tensors_mut() {
        t.fill(f32::NAN);
    }
    let ck = dir.join("ck");
    checkpoint::save(&ck, &cfg, &params, Some(&tok)).unwrap();
    let line = fails(&["eval", "--model", ck.to_str().unwrap(), "--mask", "3,8", "--label", "is-next"]);
    assert!(line.to_lowercase().contains("finite") || line.contains("NaN"), "{line}");
}

/// Ctrl-C (SIGINT) during `train` stops at the next step boundary, saves, and exits 0.
/// (Unix only: it sends the signal with `kill`; Windows has no SIGINT to send to a child.)
#[cfg(unix)]
#[test]
fn ctrl_c_during_train_saves_the_checkpoint() {
    use std::io::{BufRead, BufReader};
    let dir = TempDir::new("ctrl-c");
    let out = dir.0.join("ck");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_bert-tutor"))
        .args(["train", "--steps", "1000000", "--eval-every", "100000", "--out", out.to_str().unwrap()])
        .current_dir(&dir.0)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.starts_with("step 0:"), "{first}");
    std::thread::sleep(std::time::Duration::from_millis(500));
    // SAFETY: sends SIGINT to our own child process.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let status = child.wait().unwrap();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(status.success(), "{status:?} {rest:?}");
    assert!(rest.iter().any(|l| l.starts_with("interrupted; saved step")), "{rest:?}");
    for f in ["config.json", "model.safetensors", "tokenizer.json", "vocab.txt"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
}

/// The screen without a terminal (`bert-tutor | cat`, or a lesson in a pipe): exit 2 and one
/// line naming the subcommands that print instead; no escape codes and no panic.
#[test]
fn the_screen_without_a_terminal_is_one_line_and_exit_2() {
    for args in [&[][..], &["lesson", "1"][..], &["--seed", "3"][..]] {
        let o = run(args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(o.stdout.is_empty(), "{args:?} wrote to the pipe: {:?}", stdout(&o));
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: the bert-tutor screen needs a terminal") && err.contains("inspect"), "{err}");
    }
}

/// `train --batch 0` is refused up front (it once became a batch of 1 without a word).
#[test]
fn train_refuses_an_empty_batch() {
    let dir = TempDir::new("batch-0");
    let out = dir.join("out");
    let line = fails(&["train", "--steps", "1", "--batch", "0", "--out", out.to_str().unwrap()]);
    assert!(line.contains("--batch 0"), "{line}");
    assert!(!out.exists());
}

// ---------------------------------------------------------------- eval --attentions, --head

/// A checkpoint of the default shape with fresh weights, saved directly (no training: these
/// checks hold for any weights). Returns the folder.
fn fresh_checkpoint(dir: &TempDir) -> PathBuf {
    use bert_tutor::model::{BertConfig, Params, checkpoint};
    use rand::SeedableRng;
    let tok = bert_tutor::text::tokenize::BertTokenizer::bundled().unwrap();
    let cfg = BertConfig::for_vocab(tok.vocab_size());
    let params = Params::init(&cfg, &mut rand::rngs::StdRng::seed_from_u64(0));
    let ck = dir.join("ck");
    checkpoint::save(&ck, &cfg, &params, Some(&tok)).unwrap();
    ck
}

/// `eval --attentions FILE` writes `layer.0` … `layer.{L-1}`, each [heads, T, T] for the
/// 11-token default pair, every query's row summing to 1.
#[test]
fn eval_attentions_writes_every_layer() {
    let dir = TempDir::new("attentions");
    let ck = fresh_checkpoint(&dir);
    let cfg = bert_tutor::model::checkpoint::load(&ck).unwrap().0;
    let file = dir.join("attn.safetensors");
    eval_json(&ck, &["--mask", "3,8", "--attentions", file.to_str().unwrap()]);
    let tensors = bert_tutor::model::checkpoint::read_tensors(&file).unwrap();
    let mut names: Vec<&String> = tensors.keys().collect();
    names.sort();
    let expected: Vec<String> = (0..cfg.num_hidden_layers).map(|i| format!("layer.{i}")).collect();
    assert_eq!(names, expected.iter().collect::<Vec<_>>());
    let mut worst: f32 = 0.0;
    for (name, (shape, values)) in &tensors {
        assert_eq!(shape, &[cfg.num_attention_heads, 11, 11], "{name}");
        for row in values.chunks(11) {
            worst = worst.max((row.iter().sum::<f32>() - 1.0).abs());
        }
    }
    println!("{} layers; worst |row sum − 1| = {worst:.2e}", tensors.len());
    assert!(worst <= 1e-5, "a row sums to 1 ± {worst:.2e}");
}

/// `--head mlm` leaves the pooler's gradient all zero (the MLM loss never reaches it), where
/// the default, both losses, does not; `--head nsp` leaves the MLM transform's all zero.
#[test]
fn eval_grads_head_chooses_the_loss() {
    let dir = TempDir::new("grads-head");
    let ck = fresh_checkpoint(&dir);
    let all_zero = |extra: &[&str], name: &str| -> bool {
        let file = dir.join("grads.safetensors");
        let mut args = vec!["--mask", "3,8", "--grads", file.to_str().unwrap()];
        args.extend_from_slice(extra);
        eval_json(&ck, &args);
        let tensors = bert_tutor::model::checkpoint::read_tensors(&file).unwrap();
        let (_, values) = tensors.get(name).unwrap_or_else(|| panic!("{name} missing from the grads file"));
        values.iter().all(|&x| x == 0.0)
    };
    assert!(all_zero(&["--head", "mlm"], "bert.pooler.dense.weight"), "--head mlm reached the pooler");
    assert!(!all_zero(&[], "bert.pooler.dense.weight"), "both losses should reach the pooler");
    assert!(all_zero(&["--head", "nsp"], "cls.predictions.transform.dense.weight"));
    assert!(!all_zero(&["--head", "both"], "cls.predictions.transform.dense.weight"));
}

/// `--head` without `--grads`, and `--head nsp` under `--sentence-task none` (whose sentence
/// head is not trained), are one error line each.
#[test]
fn eval_head_errors_are_one_line() {
    let dir = TempDir::new("head-errors");
    let ck = fresh_checkpoint(&dir);
    let ck = ck.to_str().unwrap();
    let line = fails(&["eval", "--model", ck, "--mask", "3", "--label", "is-next", "--head", "mlm"]);
    assert!(line.contains("--head") && line.contains("--grads"), "{line}");
    let grads = dir.join("grads.safetensors");
    let g = grads.to_str().unwrap();
    let args = ["--sentence-task", "none", "eval", "--model", ck, "--mask", "3", "--label", "is-next"];
    let line = fails(&[&args[..], &["--grads", g, "--head", "nsp"]].concat());
    assert!(line.contains("not trained") && line.contains("none"), "{line}");
    assert!(!grads.exists(), "nothing written on an error");
}

// ---------------------------------------------------------------- export

/// Every file of a folder, by name.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap())
        })
        .collect();
    out.sort();
    out
}

/// The same flags give the same bytes: two runs of `export --all` after 20 training steps
/// (over a second of training, so a measured speed would show if it leaked in) write
/// identical files, one per stage plus the loss CSV and plot.
#[test]
fn export_all_twice_is_byte_identical() {
    let dir = TempDir::new("export-twice");
    let (one, two) = (dir.join("one"), dir.join("two"));
    for out in [&one, &two] {
        ok(&["export", "--all", "--steps", "20", "--seed", "3", "--out", out.to_str().unwrap()]);
    }
    let (a, b) = (files(&one), files(&two));
    let names: Vec<&str> = a.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(names.len(), 13, "{names:?}");
    assert!(names.contains(&"03-embeddings.svg") && names.contains(&"08-training-loss.csv"), "{names:?}");
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{name} differs between two runs");
    }
    let training = String::from_utf8(a.iter().find(|f| f.0 == "08-training.svg").unwrap().1.clone()).unwrap();
    assert!(training.contains("step 20") && !training.contains("steps/s"), "the headless figure shows no speed");
}

/// One stage to standard output or to a file; the format follows --format, else the file's
/// extension; --mask fixes the masked positions.
#[test]
fn export_one_stage_in_each_format() {
    let text = ok(&["export", "--stage", "masking", "--mask", "3,8", "--format", "txt"]);
    assert!(text.contains("Model sees [CLS] my dog [MASK] cute [SEP] he likes [MASK] ##ing [SEP]"), "{text}");
    assert_eq!(text.lines().count(), 40, "120x40 by default");
    let small = ok(&["export", "--stage", "2", "--size", "80x24", "--format", "ansi"]);
    assert!(small.contains("\x1b[0;36mdog") && small.lines().count() == 24, "{small}");
    let dir = TempDir::new("export-one");
    let page = dir.join("input.html");
    ok(&["export", "--stage", "input", "--out", page.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&page).unwrap().starts_with("<!DOCTYPE html>"));
}

#[test]
fn export_bad_input_is_one_error_line() {
    assert!(fails(&["export", "--stage", "nope"]).contains("not a stage"));
    assert!(fails(&["export", "--stage", "12"]).contains("not a stage"));
    assert!(fails(&["export", "--stage", "2", "--size", "big"]).contains("columns x rows"));
    assert!(fails(&["export", "--stage", "2", "--size", "40x10"]).contains("80x24"));
    assert!(fails(&["export", "--stage", "2", "--format", "png"]).contains("not a format"));
    assert!(fails(&["export", "--stage", "2", "--mask", "3,x"]).contains("--mask"));
    assert!(fails(&["export", "--all"]).contains("--out"));
    assert!(fails(&["export"]).contains("--stage"));
    assert!(fails(&["export", "--stage", "2", "--mask", "0"]).contains("[CLS]"));
}

/// `train --csv`: the header and one row per evaluation, step 0 included.
#[test]
fn train_csv_has_a_row_per_evaluation() {
    let dir = TempDir::new("train-csv");
    let csv = dir.join("loss.csv");
    let out = dir.join("ck");
    ok(&[
        "train",
        "--steps",
        "10",
        "--eval-every",
        "5",
        "--out",
        out.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "step,train MLM,train NSP,total,held-out MLM loss,MLM top-1,NSP accuracy,learning rate,MLM weight,NSP weight,sentence task"
    );
    let steps: Vec<&str> = lines[1..].iter().map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(steps, ["0", "5", "10"]);
    assert!(lines[1..].iter().all(|l| l.split(',').count() == 11 && l.ends_with(",nsp")), "{text}");
}

/// `--present` and `--record` belong to the commands that open a screen: their help shows
/// them, the others' does not, and one given before a subcommand that opens none is refused.
#[test]
fn screen_options_show_only_where_they_apply() {
    for sub in ["train", "bench", "eval", "inspect", "compare"] {
        let help = ok(&[sub, "--help"]);
        assert!(!help.contains("--present") && !help.contains("--record"), "{sub} --help:\n{help}");
    }
    for sub in [&[][..], &["lesson"][..], &["demo"][..]] {
        let help = ok(&[sub, &["--help"]].concat());
        assert!(help.contains("--present") && help.contains("--record"), "{sub:?} --help:\n{help}");
    }
    let export = ok(&["export", "--help"]);
    assert!(export.contains("--present") && !export.contains("--record"), "{export}");
    assert!(fails(&["--present", "train", "--steps", "1"]).contains("--present applies to the screen"));
    assert!(fails(&["--record", "x.cast", "export"]).contains("--record applies to the screen"));
    assert!(stderr(&run(&["train", "--present"])).contains("unexpected argument"));
}

/// `bert-tutor lesson` (the list) with a damaged progress file does what the TUI does: moves
/// it aside to `progress.json.bad-<time>`, says so in one line, and lists the lessons.
#[test]
fn the_lesson_list_moves_a_damaged_progress_file_aside() {
    let state = TempDir::new("damaged-progress");
    std::fs::write(state.join("progress.json"), "{ not json").unwrap();
    let o = Command::new(BIN).arg("lesson").env("BERT_TUTOR_STATE_DIR", &state.0).output().unwrap();
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(stdout(&o).starts_with("Lessons"), "{}", stdout(&o));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("note: lesson progress could not be read") && err.contains("progress.json.bad-"), "{err}");
    let names: Vec<String> =
        std::fs::read_dir(&state.0).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.len() == 1 && names[0].starts_with("progress.json.bad-"), "{names:?}");
}
