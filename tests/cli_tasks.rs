//! The sentence objectives on the command line, run as a process: `train --json`,
//! `--sentence-task` for train and eval, and `compare` (its table, CSV and JSON, and the
//! same seed giving the same table).

use std::process::{Command, Output};

use common::temp::TempDir;
use serde_json::Value;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_bert-tutor");

fn ok(args: &[&str]) -> (String, String) {
    let o: Output = Command::new(BIN).args(args).current_dir(std::env::temp_dir()).output().expect("run");
    let (out, err) = (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned());
    assert!(o.status.success(), "{args:?} failed:\n{out}\n{err}");
    assert!(!err.contains("panicked"), "{err}");
    (out, err)
}

/// The first 60 documents of the bundled corpus: 54 to train on, 6 held out.
fn small_corpus(dir: &TempDir) -> String {
    let docs: Vec<&str> = bert_tutor::text::corpus::DEFAULT_CORPUS.split("\n\n").take(60).collect();
    let path = dir.path("corpus.txt");
    std::fs::write(&path, docs.join("\n\n")).unwrap();
    path
}

const JSON_KEYS: [&str; 9] = [
    "step",
    "seconds",
    "train_mlm",
    "train_nsp",
    "lr",
    "heldout_mlm_loss",
    "heldout_mlm_top1",
    "heldout_nsp_acc",
    "heldout_nsp_loss",
];

#[test]
fn train_json_prints_one_object_per_evaluation_and_nothing_else() {
    let dir = TempDir::new("json");
    let corpus = small_corpus(&dir);
    let out = dir.path("ck");
    let args = ["--corpus", &corpus, "train", "--steps", "12", "--eval-every", "5", "--max-seq-length", "48"];
    let (stdout, stderr) = ok(&[&args[..], &["--json", "--out", &out]].concat());
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    let steps: Vec<u64> = lines.iter().map(|v| v["step"].as_u64().unwrap()).collect();
    assert_eq!(steps, [0, 5, 10, 12], "an evaluation at step 0, every 5 steps, and at the end");
    for v in &lines {
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut want = JSON_KEYS.to_vec();
        want.sort_unstable();
        assert_eq!(keys, want, "{v}");
        for k in ["heldout_mlm_top1", "heldout_nsp_acc"] {
            let x = v[k].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&x), "{k} is a fraction: {x}");
        }
    }
    assert!(lines[0]["train_mlm"].is_null(), "no training loss before the first step");
    assert!(lines[1]["train_mlm"].as_f64().unwrap() > 0.0);
    assert!(stderr.contains("saved step 12"), "the rest goes to stderr: {stderr}");
}

#[test]
fn sentence_task_sop_trains_and_eval_names_its_labels() {
    let dir = TempDir::new("sop");
    let corpus = small_corpus(&dir);
    let ck = dir.path("ck");
    let (stdout, _) = ok(&[
        "--corpus",
        &corpus,
        "--sentence-task",
        "sop",
        "train",
        "--steps",
        "4",
        "--eval-every",
        "2",
        "--out",
        &ck,
    ]);
    assert!(stdout.contains("train SOP") && stdout.contains("sentence task sop"), "{stdout}");
    let eval = |extra: &[&str]| -> Value {
        let base = ["eval", "--model", &ck, "--mask", "3", "--json"];
        serde_json::from_str(&ok(&[&base[..], extra].concat()).0).unwrap()
    };
    let sop = eval(&["--sentence-task", "sop", "--label", "swapped"]);
    assert_eq!(sop["sentence_label"], "Swapped");
    assert_eq!(sop["sentence_label_names"], serde_json::json!(["InOrder", "Swapped"]));
    let nsp = eval(&["--label", "not-next"]);
    assert_eq!(nsp["sentence_label"], "NotNext");
    assert_eq!(sop["nsp_loss"], nsp["nsp_loss"], "the same head and label 1, only the names differ");
    let none = eval(&["--sentence-task", "none", "--label", "is-next"]);
    let (mlm, total) = (none["mlm_loss"].as_f64().unwrap(), none["total_loss"].as_f64().unwrap());
    assert!((mlm - total).abs() < 1e-6, "task none: the total is the MLM loss alone ({mlm} vs {total})");
    let text = ok(&["eval", "--model", &ck, "--mask", "3", "--label", "in-order", "--sentence-task", "sop"]).0;
    assert!(text.contains("P(InOrder)") && text.contains("SOP loss"), "{text}");
}

fn compare(corpus: &str, csv: &str) -> (Value, String) {
    let (json, _) = ok(&compare_args(corpus, csv));
    (serde_json::from_str(&json).unwrap(), std::fs::read_to_string(csv).unwrap())
}

fn compare_args<'a>(corpus: &'a str, csv: &'a str) -> Vec<&'a str> {
    let steps = ["--steps", "6", "--probe-steps", "30", "--probe-pairs", "256"];
    [&["--corpus", corpus, "--seed", "3", "compare"][..], &steps, &["--json", "--csv", csv]].concat()
}

/// `compare` as a process allowed one core (`taskset -c 0`), as on a one-core machine.
#[cfg(target_os = "linux")]
fn compare_on_one_core(corpus: &str, csv: &str) -> (Value, String) {
    let o = Command::new("taskset").args(["-c", "0", BIN]).args(compare_args(corpus, csv)).output().expect("taskset");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (serde_json::from_slice(&o.stdout).unwrap(), std::fs::read_to_string(csv).unwrap())
}

#[test]
fn compare_prints_the_table_writes_the_csv_and_repeats_with_the_seed() {
    let dir = TempDir::new("compare");
    let corpus = small_corpus(&dir);
    let (a, csv) = compare(&corpus, &dir.path("a.csv"));
    let rows = a["rows"].as_array().unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r["trained_with"].as_str().unwrap()).collect();
    assert_eq!(names, ["none", "nsp", "sop"]);
    for r in rows {
        for k in ["mlm_top1", "nsp_acc", "sop_acc"] {
            let x = r[k].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&x), "{k} {x}");
        }
    }
    // Each model's own task is scored by its head, the others by a probe.
    let by: Vec<(&str, &str)> =
        rows.iter().map(|r| (r["nsp_by"].as_str().unwrap(), r["sop_by"].as_str().unwrap())).collect();
    assert_eq!(by, [("probe", "probe"), ("head", "probe"), ("probe", "head")]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "trained_with,mlm_top1,nsp_acc,sop_acc,nsp_by,sop_by");
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[2].starts_with("nsp,"), "{csv}");

    let (b, csv_b) = compare(&corpus, &dir.path("b.csv"));
    assert_eq!(a, b, "the same seed gives the same table");
    assert_eq!(csv, csv_b);
    assert_eq!(a["threads"], 2, "the thread count is pinned, not one per core");
    #[cfg(target_os = "linux")]
    {
        let (c, csv_c) = compare_on_one_core(&corpus, &dir.path("c.csv"));
        assert_eq!((a, csv), (c, csv_c), "the same table on a machine of one core");
    }

    let (text, _) = ok(&[
        "--corpus",
        &corpus,
        "compare",
        "--sentence-tasks",
        "nsp,sop",
        "--steps",
        "4",
        "--probe-steps",
        "10",
        "--probe-pairs",
        "128",
    ]);
    assert!(text.contains("trained with") && text.contains("(probe)") && text.contains("Curves"), "{text}");
    assert!(!text.contains("\nnone "), "only the tasks asked for: {text}");
}

/// A task named twice would train the same row twice: refused in one line, before training.
#[test]
fn compare_refuses_a_task_named_twice() {
    let o = Command::new(BIN).args(["compare", "--sentence-tasks", "nsp,nsp"]).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        ["error: --sentence-tasks names nsp twice: each task trains one model, so give each once"]
    );
}
