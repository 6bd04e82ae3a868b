//! The folders show the data flow only if imports run one way. This reads every source file
//! and fails on an import of a module above the file's own in the order of `src/lib.rs`
//! (cmd, tui, export, demo, lesson, train, model, text, platform): the trainer knows no screen,
//! the screen knows no command line, the text layer knows nothing of the model, and the
//! platform layer, which any module may use, uses none. Grouped imports (`use crate::{a, b}`)
//! count name by name.

use std::path::Path;

const ORDER: [&str; 9] = ["cmd", "tui", "export", "demo", "lesson", "train", "model", "text", "platform"];

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

/// Lines (0-based) of `text` that name a `crate::` module ranked above `own_rank`, whether
/// as `crate::name` or inside a group, `crate::{name, other::Item}`, over several lines.
fn backward_imports(own_rank: usize, text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (i, _) in text.match_indices("crate::") {
        let start = i + "crate::".len();
        for (at, name) in top_level_names(text, start) {
            if rank(&name).is_some_and(|r| r < own_rank) {
                found.push((text[..at].matches('\n').count(), name));
            }
        }
    }
    found
}

/// The module names right after `crate::` at byte `start`: one name, or each first name of a
/// `{...}` group (nested groups skipped), with the byte where it starts.
fn top_level_names(text: &str, start: usize) -> Vec<(usize, String)> {
    let ident = |from: usize| -> String {
        text[from..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
    };
    if !text[start..].starts_with('{') {
        return vec![(start, ident(start))];
    }
    let (mut names, mut depth, mut expect_name) = (Vec::new(), 0, true);
    for (off, c) in text[start..].char_indices() {
        let at = start + off;
        match c {
            '{' => {
                depth += 1;
                expect_name = depth == 1;
            }
            '}' if depth == 1 => break,
            '}' => depth -= 1,
            ',' if depth == 1 => expect_name = true,
            c if expect_name && (c.is_ascii_alphabetic() || c == '_') => {
                names.push((at, ident(at)));
                expect_name = false;
            }
            _ => {}
        }
    }
    names
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

#[test]
fn the_scanner_catches_a_grouped_backward_import() {
    let model = rank("model").unwrap();
    let text = "use crate::{text::batch::Batch, platform};\nuse crate::{\n    text::{corpus, masking},\n    train::Trainer,\n};";
    assert_eq!(backward_imports(model, text), vec![(3, "train".to_string())]);
    let one_line = "use crate::{tui::{self, app::App}, text::Batch};";
    assert_eq!(backward_imports(model, one_line), vec![(0, "tui".to_string())]);
}
