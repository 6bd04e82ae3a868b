//! What a careless or unlucky user can hand bert-tutor: configs it cannot compute exactly,
//! absurd shapes, F16 weights, interrupted and concurrent saves, damaged progress files and
//! lessons that changed. Each test fails on the behaviour it replaced.

use std::path::Path;

use bert_tutor::lesson::progress::{LessonProgress, Progress};
use bert_tutor::model::{BertConfig, Params, checkpoint};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn tiny() -> BertConfig {
    BertConfig {
        vocab_size: 40,
        hidden_size: 8,
        num_hidden_layers: 1,
        num_attention_heads: 2,
        intermediate_size: 16,
        max_position_embeddings: 16,
        ..BertConfig::default()
    }
}

fn params(cfg: &BertConfig, seed: u64) -> Params {
    Params::init(cfg, &mut StdRng::seed_from_u64(seed))
}

/// Writes `config.json` holding the tiny config with `key` set to `value`.
fn config_with(dir: &Path, key: &str, value: serde_json::Value) {
    let mut json = serde_json::to_value(tiny()).unwrap();
    json[key] = value;
    std::fs::write(dir.join("config.json"), json.to_string()).unwrap();
}

fn load_error(key: &str, value: serde_json::Value) -> String {
    let dir = tempfile::tempdir().unwrap();
    config_with(dir.path(), key, value);
    format!("{:#}", checkpoint::load_config(dir.path()).unwrap_err())
}

#[test]
fn a_config_key_that_changes_the_math_is_refused_by_name() {
    let e = load_error("position_embedding_type", "relative_key".into());
    assert!(e.contains("position_embedding_type") && e.contains("absolute"), "{e}");
    let e = load_error("is_decoder", true.into());
    assert!(e.contains("is_decoder"), "{e}");
    let e = load_error("tie_word_embeddings", false.into());
    assert!(e.contains("tie_word_embeddings"), "{e}");
    let e = load_error("rotary_base", 10000.into());
    assert!(e.contains("unknown key \"rotary_base\""), "{e}");
    assert_eq!(e.lines().count(), 1, "one line: {e}");
}

#[test]
fn keys_hf_writes_that_do_not_change_the_math_load() {
    let dir = tempfile::tempdir().unwrap();
    let mut json = serde_json::to_value(tiny()).unwrap();
    for (k, v) in [
        ("transformers_version", serde_json::json!("5.24.0")),
        ("position_embedding_type", serde_json::json!("absolute")),
        ("use_cache", serde_json::json!(true)),
        ("classifier_dropout", serde_json::Value::Null),
        ("is_decoder", serde_json::json!(false)),
    ] {
        json[k] = v;
    }
    std::fs::write(dir.path().join("config.json"), json.to_string()).unwrap();
    let cfg = checkpoint::load_config(dir.path()).unwrap();
    assert_eq!(cfg.hidden_size, 8);
}

#[test]
fn absurd_shapes_are_refused_before_anything_is_allocated() {
    for (key, value, says) in [
        ("hidden_size", 1_000_000_000u64, "parameters"),
        ("num_hidden_layers", 1_000_000_000, "num_hidden_layers 1000000000"),
        ("vocab_size", 0, "must be positive"),
        ("num_attention_heads", 0, "must be positive"),
        ("intermediate_size", 1 << 40, "parameters"),
    ] {
        // hidden 10^9 would need 4 GB per row of the word table: a panic or an abort here
        // means the shape was allocated before it was checked.
        let e = load_error(key, value.into());
        assert!(e.contains(says), "{key} = {value}: {e}");
    }
    // Under the parameter cap, but millions of layers (found by fuzzing checkpoint_load).
    let dir = tempfile::tempdir().unwrap();
    let deep = BertConfig {
        hidden_size: 4,
        num_attention_heads: 1,
        intermediate_size: 1,
        num_hidden_layers: 3_669_722,
        ..tiny()
    };
    std::fs::write(dir.path().join("config.json"), serde_json::to_string(&deep).unwrap()).unwrap();
    let e = format!("{:#}", checkpoint::load_config(dir.path()).unwrap_err());
    assert!(e.contains("num_hidden_layers 3669722"), "{e}");
}

#[test]
fn the_parameter_count_matches_the_tensors() {
    for cfg in [tiny(), BertConfig::default(), BertConfig { num_hidden_layers: 3, ..tiny() }] {
        assert_eq!(cfg.parameter_count(), Params::zeros(&cfg).num_parameters() as u128);
    }
}

/// The tiny model's weights as a safetensors file of `dtype` (F16 or BF16).
fn write_half(path: &Path, p: &Params, dtype: safetensors::Dtype) {
    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = p
        .named_values()
        .into_iter()
        .map(|(n, s, v)| {
            let b = v
                .iter()
                .flat_map(|&x| match dtype {
                    safetensors::Dtype::F16 => half::f16::from_f32(x).to_le_bytes(),
                    _ => half::bf16::from_f32(x).to_le_bytes(),
                })
                .collect();
            (n, s, b)
        })
        .collect();
    let views: Vec<_> = bytes
        .iter()
        .map(|(n, s, b)| (n.clone(), safetensors::tensor::TensorView::new(dtype, s.clone(), b).unwrap()))
        .collect();
    std::fs::write(path, safetensors::serialize(views, None).unwrap()).unwrap();
}

#[test]
fn f16_and_bf16_weights_load_as_their_values() {
    let cfg = tiny();
    let p = params(&cfg, 3);
    for dtype in [safetensors::Dtype::F16, safetensors::Dtype::BF16] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.json"), serde_json::to_string(&cfg).unwrap()).unwrap();
        write_half(&dir.path().join("model.safetensors"), &p, dtype);
        let (_, q) = checkpoint::load(dir.path()).unwrap_or_else(|e| panic!("{dtype:?}: {e:#}"));
        let rounded = |x: f32| match dtype {
            safetensors::Dtype::F16 => half::f16::from_f32(x).to_f32(),
            _ => half::bf16::from_f32(x).to_f32(),
        };
        let (a, b) = (&p.word, &q.word);
        assert!(a.iter().zip(b).all(|(&x, &y)| rounded(x) == y), "{dtype:?} word table");
        assert!(a.iter().zip(b).any(|(&x, &y)| x != y), "{dtype:?}: the values went through half precision");
    }
}

/// Files and folders in `dir` whose names start with `.`: what a save leaves behind.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with('.') || n.ends_with(".tmp"))
        .collect()
}

#[test]
fn a_save_replaces_the_whole_checkpoint_and_leaves_nothing_behind() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("ckpt");
    let cfg = tiny();
    checkpoint::save(&dir, &cfg, &params(&cfg, 1), None).unwrap();
    let second = params(&cfg, 2);
    checkpoint::save(&dir, &cfg, &second, None).unwrap();
    let (_, back) = checkpoint::load(&dir).unwrap();
    assert_eq!(back.word, second.word);
    assert!(leftovers(parent.path()).is_empty(), "{:?}", leftovers(parent.path()));
}

#[test]
fn a_folder_holding_other_work_is_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("thesis.tex"), "months of work").unwrap();
    let cfg = tiny();
    let e = checkpoint::save(dir.path(), &cfg, &params(&cfg, 1), None).unwrap_err();
    assert!(format!("{e:#}").contains("thesis.tex"), "{e:#}");
    assert_eq!(std::fs::read_to_string(dir.path().join("thesis.tex")).unwrap(), "months of work");
    assert!(!dir.path().join("config.json").exists());
}

/// Four threads save three times each into one folder, through `replace`.
fn four_threads_save_into_one_folder(replace: checkpoint::Replace) {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("ckpt");
    let cfg = tiny();
    std::thread::scope(|s| {
        for seed in 0..4 {
            let (dir, cfg) = (&dir, &cfg);
            s.spawn(move || {
                for round in 0..3 {
                    let big = BertConfig { intermediate_size: 16 + 8 * seed, ..cfg.clone() };
                    let p = params(&big, seed as u64 * 10 + round);
                    checkpoint::save_with(replace, dir, &big, &p, None).unwrap();
                }
            });
        }
    });
    // Every thread saved a different shape: a config beside another save's weights fails to load.
    let (cfg, _) = checkpoint::load(&dir).expect("the folder holds one whole save");
    assert!([16, 24, 32, 40].contains(&cfg.intermediate_size));
    assert!(leftovers(parent.path()).is_empty(), "{:?}", leftovers(parent.path()));
}

#[test]
fn concurrent_saves_to_one_folder_never_mix_files() {
    four_threads_save_into_one_folder(bert_tutor::platform::replace_folder);
}

/// The two renames macOS and Windows use, run here too.
#[test]
fn concurrent_saves_never_mix_files_with_the_portable_renames() {
    four_threads_save_into_one_folder(bert_tutor::platform::replace_by_renames);
}

/// The portable swap: when the new folder cannot take the name, the old checkpoint goes
/// back, and nothing is left beside it (the old code left it in `.NAME.old`).
#[test]
fn a_failed_portable_swap_puts_the_old_checkpoint_back() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("ckpt");
    let cfg = tiny();
    checkpoint::save(&dir, &cfg, &params(&cfg, 1), None).unwrap();
    let missing = parent.path().join(".ckpt.saving-gone");
    assert!(bert_tutor::platform::replace_by_renames(&missing, &dir).is_err());
    let (_, back) = checkpoint::load(&dir).expect("the old checkpoint is back in place");
    assert_eq!(back.word, params(&cfg, 1).word);
    assert!(leftovers(parent.path()).is_empty(), "{:?}", leftovers(parent.path()));
}

/// A folder left by an older bert-tutor under the fixed name `.ckpt.old` (a crash between its
/// renames) no longer blocks a save: each swap moves the old folder aside under a new name.
#[test]
fn a_stale_old_folder_does_not_block_the_portable_swap() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("ckpt");
    let stale = parent.path().join(".ckpt.old");
    std::fs::create_dir(&stale).unwrap();
    std::fs::write(stale.join("config.json"), "{}").unwrap();
    let cfg = tiny();
    for seed in 1..=2 {
        checkpoint::save_with(bert_tutor::platform::replace_by_renames, &dir, &cfg, &params(&cfg, seed), None).unwrap();
    }
    assert_eq!(checkpoint::load(&dir).unwrap().1.word, params(&cfg, 2).word);
    assert_eq!(leftovers(parent.path()), [".ckpt.old"], "the stale folder is not ours to remove");
}

fn lesson(version: u32) -> bert_tutor::lesson::Lesson {
    let mut l = bert_tutor::lesson::load_bundled().unwrap().remove(0);
    l.version = version;
    l
}

#[test]
fn a_damaged_progress_file_is_moved_aside_and_progress_starts_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("progress.json");
    std::fs::write(&path, "{ this is not json").unwrap();
    let found = Progress::load_or_recover(&path);
    assert_eq!(found.progress, Progress::default());
    assert_eq!(found.path.as_deref(), Some(path.as_path()));
    let note = found.note.expect("the learner is told");
    assert!(note.contains("moved to") && note.contains(".bad-"), "{note}");
    let aside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("progress.json.bad-"))
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(std::fs::read_to_string(dir.path().join(&aside[0])).unwrap(), "{ this is not json");
}

#[test]
fn progress_from_a_newer_bert_tutor_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("progress.json");
    std::fs::write(&path, r#"{"version": 99, "current": null, "lessons": {}}"#).unwrap();
    let found = Progress::load_or_recover(&path);
    assert!(found.note.unwrap().contains("newer"));
    assert!(!path.exists(), "moved aside, so the next save cannot clobber it");
}

#[test]
fn a_lesson_whose_version_changed_has_its_progress_reset() {
    let old = lesson(1);
    let mut p = Progress::default();
    p.lesson_mut(&old).completed.insert(old.steps[0].id.clone());
    p.current = Some((old.id.clone(), old.steps[1].id.clone()));
    assert!(p.reset_changed(std::slice::from_ref(&old)).is_empty(), "same version: kept");
    let new = lesson(2);
    assert_eq!(p.reset_changed(std::slice::from_ref(&new)), vec![new.title.clone()]);
    assert!(!p.lessons.contains_key(&new.id));
    assert_eq!(p.current, Some((new.id.clone(), new.steps[0].id.clone())), "back to its first step");
}

#[test]
fn progress_saved_before_versions_were_kept_counts_as_version_1() {
    let l = lesson(1);
    let mut p = Progress::default();
    p.lessons.insert(l.id.clone(), LessonProgress { version: 0, ..Default::default() });
    assert!(p.reset_changed(&[l]).is_empty());
}

#[test]
fn a_progress_save_is_durable_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("progress.json");
    let l = lesson(1);
    let mut p = Progress::default();
    p.lesson_mut(&l).finished = true;
    p.save(&path).unwrap();
    assert_eq!(Progress::load(&path).unwrap().lessons[&l.id].version, 1);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("progress.json")]);
}
