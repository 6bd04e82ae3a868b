//! Every `bert-tutor` command in the READMEs' shell blocks parses as written: a renamed
//! flag or subcommand fails here before a learner meets it. (`cargo run --release -- …`
//! lines are checked the same way.)

use clap::Parser;

/// The commands of every ```sh block, comments removed.
fn shell_commands(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_sh = false;
    for line in markdown.lines() {
        if line.starts_with("```") {
            in_sh = !in_sh && line.trim() == "```sh";
            continue;
        }
        if in_sh {
            let command = line.split(" #").next().unwrap_or_default().trim();
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

#[test]
fn every_readme_command_parses() {
    let mut checked = 0;
    for (name, text) in [
        ("README.md", include_str!("../README.md")),
        ("lessons/README.md", include_str!("../lessons/README.md")),
        ("demos/README.md", include_str!("../demos/README.md")),
    ] {
        for command in shell_commands(text) {
            let Some(args) = bert_tutor_args(&command) else { continue };
            let argv = std::iter::once("bert-tutor".to_string()).chain(args);
            if let Err(e) = bert_tutor::cmd::cli::Cli::try_parse_from(argv) {
                panic!("{name}: `{command}` does not parse:\n{e}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 6, "only {checked} commands found: did the README's code blocks move?");
}

#[test]
fn a_wrong_flag_is_caught() {
    let argv = ["bert-tutor", "compare", "--stepz", "3"];
    assert!(bert_tutor::cmd::cli::Cli::try_parse_from(argv).is_err());
    assert_eq!(bert_tutor_args("cargo run --release -- lesson 1"), Some(vec!["lesson".into(), "1".into()]));
    assert_eq!(bert_tutor_args("cargo test"), None);
}
