//! The folders show the data flow only if imports run one way. This reads every source file
//! and fails on an import of a module above the file's own in the order of `src/lib.rs`
//! (cmd, tui, export, demo, lesson, train, model, text): the trainer knows no screen, the screen knows no
//! command line, and the text layer knows nothing of the model.

use std::path::Path;

const ORDER: [&str; 8] = ["cmd", "tui", "export", "demo", "lesson", "train", "model", "text"];

fn rank(module: &str) -> Option<usize> {
    ORDER.iter().position(|m| *m == module)
}

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to: `src/tui/app/pair.rs` → `tui`, `src/text.rs` → `text`.
fn home(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().to_string();
    first.trim_end_matches(".rs").to_string()
}

/// Lines (0-based) of `text` that name a `crate::` module ranked above `own_rank`.
fn backward_imports(own_rank: usize, text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        for (i, _) in line.match_indices("crate::") {
            let rest = &line[i + "crate::".len()..];
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if rank(&name).is_some_and(|r| r < own_rank) {
                found.push((n, name));
            }
        }
    }
    found
}

#[test]
fn no_module_imports_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    assert!(files.len() > 40, "found only {} source files", files.len());
    let mut wrong = Vec::new();
    for file in &files {
        let own = home(&src, file);
        let Some(own_rank) = rank(&own) else { continue };
        let text = std::fs::read_to_string(file).unwrap();
        for (n, name) in backward_imports(own_rank, &text) {
            wrong.push(format!("{}:{}: {own} imports {name}", file.display(), n + 1));
        }
    }
    assert!(wrong.is_empty(), "imports against the flow:\n{}", wrong.join("\n"));
}

#[test]
fn the_scanner_catches_a_backward_import() {
    let train = rank("train").unwrap();
    let text =
        "use crate::model::Params;\nuse crate::tui::event::Event;\nlet x = crate::text::batch::Batch::default();";
    assert_eq!(backward_imports(train, text), vec![(1, "tui".to_string())]);
}
