//! Any bytes as the saved-progress file: `Progress::load` and `load_or_recover` never panic.
#![no_main]

use bert_tutor::lesson::progress::Progress;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("progress.json");
    std::fs::write(&path, data).expect("write the progress file");
    let loaded = Progress::load(&path);
    let recovered = Progress::load_or_recover(&path);
    match loaded {
        Ok(p) => {
            assert_eq!(recovered.progress, p);
            assert!(recovered.note.is_none());
            assert_eq!(recovered.path.as_deref(), Some(path.as_path()));
            // What loads also saves and loads back the same (with the current version).
            p.save(&path).expect("save the progress back");
            let back = Progress::load(&path).expect("a saved file loads");
            assert_eq!(back.lessons, p.lessons);
            assert_eq!(back.current, p.current);
        }
        Err(_) => {
            assert_eq!(recovered.progress, Progress::default());
            assert!(recovered.note.is_some());
            assert!(!path.exists(), "a damaged file is moved aside");
        }
    }
});
