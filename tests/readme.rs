//! The READMEs and `docs/` as a learner meets them: every `bert-tutor` command in their shell
//! blocks parses as written (a renamed flag or subcommand fails here before a learner meets it;
//! `cargo run --release -- …` lines are checked the same way), every relative link leads to a
//! file that exists (and an anchor to one of its headings), and README.md stays short enough for
//! a first hour.

use std::collections::HashSet;
use std::path::Path;

use clap::Parser;

/// Every markdown file whose commands and links are checked, by its path from the repository root.
const DOCS: [(&str, &str); 9] = [
    ("README.md", include_str!("../README.md")),
    ("lessons/README.md", include_str!("../lessons/README.md")),
    ("demos/README.md", include_str!("../demos/README.md")),
    ("docs/CLI.md", include_str!("../docs/CLI.md")),
    ("docs/TUI.md", include_str!("../docs/TUI.md")),
    ("docs/DESIGN.md", include_str!("../docs/DESIGN.md")),
    ("docs/TESTING.md", include_str!("../docs/TESTING.md")),
    ("docs/TRAINING.md", include_str!("../docs/TRAINING.md")),
    ("docs/PERFORMANCE.md", include_str!("../docs/PERFORMANCE.md")),
];

/// The most words README.md may hold (split on whitespace). The reference belongs in `docs/`.
const README_MAX_WORDS: usize = 2_500;

/// The commands of every ```sh block, comments and anything after a redirection or pipe removed.
fn shell_commands(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_sh = false;
    for line in markdown.lines() {
        if line.starts_with("```") {
            in_sh = !in_sh && line.trim() == "```sh";
            continue;
        }
        if in_sh {
            let mut command = line.split(" #").next().unwrap_or_default();
            for operator in [" > ", " | ", " && ", " ; "] {
                command = command.split(operator).next().unwrap_or_default();
            }
            let command = command.trim();
            if !command.is_empty() {
                out.push(command.to_string());
            }
        }
    }
    out
}

/// The arguments after the program name, for lines that run bert-tutor.
fn bert_tutor_args(command: &str) -> Option<Vec<String>> {
    let words: Vec<String> = command.split_whitespace().map(String::from).collect();
    match words.first().map(String::as_str) {
        Some("bert-tutor") => Some(words[1..].to_vec()),
        Some("cargo") if words.get(1).map(String::as_str) == Some("run") => {
            let rest = words.iter().position(|w| w == "--").map_or(Vec::new(), |i| words[i + 1..].to_vec());
            Some(rest)
        }
        _ => None,
    }
}

/// The lines outside fenced code blocks.
fn prose_lines(markdown: &str) -> impl Iterator<Item = &str> {
    let mut in_code = false;
    markdown.lines().filter(move |line| {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            return false;
        }
        !in_code
    })
}

/// The targets of every inline link `[text](target)` outside code blocks and code spans.
fn link_targets(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in prose_lines(markdown) {
        // Drop code spans, so that `f(x)` or `](…)` written as code is not read as a link.
        let prose: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        let mut rest = prose.as_str();
        while let Some(start) = rest.find("](") {
            rest = &rest[start + 2..];
            let Some(end) = rest.find(')') else { break };
            out.push(rest[..end].trim().to_string());
            rest = &rest[end + 1..];
        }
    }
    out
}

/// GitHub's anchors for a markdown file's headings: lowercased, spaces to `-`, punctuation other
/// than `-` and `_` dropped, a repeated heading numbered `-1`, `-2`, …
fn heading_anchors(markdown: &str) -> HashSet<String> {
    let mut anchors = HashSet::new();
    for line in prose_lines(markdown) {
        let Some(title) = line.strip_prefix('#') else { continue };
        let title = title.trim_start_matches('#');
        if !title.starts_with(' ') {
            continue;
        }
        let slug: String = title
            .trim()
            .to_lowercase()
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                _ => None,
            })
            .collect();
        let mut anchor = slug.clone();
        let mut n = 0;
        while anchors.contains(&anchor) {
            n += 1;
            anchor = format!("{slug}-{n}");
        }
        anchors.insert(anchor);
    }
    anchors
}

#[test]
fn every_readme_command_parses() {
    let mut checked = 0;
    for (name, text) in DOCS {
        for command in shell_commands(text) {
            let Some(args) = bert_tutor_args(&command) else { continue };
            let argv = std::iter::once("bert-tutor".to_string()).chain(args);
            if let Err(e) = bert_tutor::cmd::cli::Cli::try_parse_from(argv) {
                panic!("{name}: `{command}` does not parse:\n{e}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 25, "only {checked} commands found: did the code blocks of the READMEs or docs/ move?");
}

#[test]
fn every_docs_file_is_checked() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let listed: HashSet<&str> = DOCS.iter().map(|(name, _)| *name).collect();
    for entry in std::fs::read_dir(root.join("docs")).expect("docs/ is readable") {
        let name = entry.expect("docs/ entry").file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            let path = format!("docs/{name}");
            assert!(listed.contains(path.as_str()), "{path} is not in tests/readme.rs's DOCS: add it there");
        }
    }
}

#[test]
fn every_relative_link_resolves() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for (name, text) in DOCS {
        let dir = Path::new(name).parent().unwrap_or(Path::new(""));
        for target in link_targets(text) {
            if target.starts_with("http://") || target.starts_with("https://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = match target.split_once('#') {
                Some((path, anchor)) => (path, Some(anchor)),
                None => (target.as_str(), None),
            };
            // A pure #anchor points into this same file.
            let (file, file_text) = if path.is_empty() {
                (name.to_string(), Some(text.to_string()))
            } else {
                let joined = root.join(dir).join(path);
                assert!(
                    joined.exists(),
                    "{name}: the link `{target}` points at {}, which does not exist",
                    joined.display()
                );
                let file = dir.join(path).display().to_string();
                let file_text = if path.ends_with(".md") { std::fs::read_to_string(&joined).ok() } else { None };
                (file, file_text)
            };
            if let (Some(anchor), Some(file_text)) = (anchor, file_text) {
                assert!(
                    heading_anchors(&file_text).contains(anchor),
                    "{name}: the link `{target}` names #{anchor}, which is no heading of {file}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} links found: did the README lose its Further reading?");
}

#[test]
fn the_readme_stays_short() {
    let words = include_str!("../README.md").split_whitespace().count();
    assert!(
        words < README_MAX_WORDS,
        "README.md has {words} words, at most {README_MAX_WORDS} allowed: it is for a learner's first hour. \
         Move reference material (flags, test details, measured figures) to docs/ and link it from \
         README's Further reading"
    );
}

#[test]
fn a_wrong_flag_is_caught() {
    let argv = ["bert-tutor", "compare", "--stepz", "3"];
    assert!(bert_tutor::cmd::cli::Cli::try_parse_from(argv).is_err());
    assert_eq!(bert_tutor_args("cargo run --release -- lesson 1"), Some(vec!["lesson".into(), "1".into()]));
    assert_eq!(bert_tutor_args("cargo test"), None);
    assert_eq!(shell_commands("```sh\nbert-tutor eval --json > eval.json  # save it\n```"), ["bert-tutor eval --json"]);
}

#[test]
fn links_and_anchors_are_read_as_github_does() {
    let text = "# The TUI in full\n## Figures for slides: export\n```sh\n# not a heading\n```\n## Demos, for teaching a class\n";
    let anchors = heading_anchors(text);
    for anchor in ["the-tui-in-full", "figures-for-slides-export", "demos-for-teaching-a-class"] {
        assert!(anchors.contains(anchor), "{anchor} missing from {anchors:?}");
    }
    assert!(!anchors.contains("not-a-heading"));
    let links =
        link_targets("See [a](docs/CLI.md#x) and `[b](code)`, then [c](https://x.org).\n```\n[d](in-code)\n```\n");
    assert_eq!(links, ["docs/CLI.md#x", "https://x.org"]);
}
