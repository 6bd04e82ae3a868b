//! Any bytes as a lesson file: the parser and checker return lessons or problems, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    match bert_tutor::lesson::load(vec![("fuzz.toml".to_string(), text)]) {
        Ok(lessons) => {
            assert_eq!(lessons.len(), 1);
            assert!(!lessons[0].steps.is_empty(), "a checked lesson has steps");
        }
        Err(e) => {
            let msg = format!("{e:#}");
            assert!(msg.contains("problem"), "{msg}");
        }
    }
});
