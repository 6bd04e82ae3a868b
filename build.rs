//! Embeds every `lessons/*.toml` and `demos/*.toml` into the binary, so lessons and demos
//! work offline from anywhere. A new file is picked up by the next build; nothing else
//! lists them.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    embed("lessons", "lesson");
    embed("demos", "demo");
}

/// Writes `$OUT_DIR/<folder>.rs`: a `BUNDLED` table of (path, contents) of the folder's
/// TOML files, in file-name order.
fn embed(folder: &str, what: &str) {
    println!("cargo:rerun-if-changed={folder}");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "toml")).collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut out = format!(
        "/// (path, contents) of every bundled {what} file, in file-name order.\npub static BUNDLED: &[(&str, &str)] = &[\n"
    );
    for f in &files {
        let name = format!("{folder}/{}", f.file_name().and_then(|n| n.to_str()).unwrap_or_default());
        writeln!(out, "    ({name:?}, include_str!({:?})),", f.display().to_string()).expect("write to string");
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join(format!("{folder}.rs"));
    std::fs::write(dest, out).expect("write the bundle table");
}
