//! Reading lesson files and checking them (`bert-tutor lesson --check`): every problem
//! is reported as `file:line: what is wrong`, and nothing half-valid is loaded.

use crate::text::corpus::SentenceTask;
use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use toml::Spanned;

use super::stage::{Heads, Stage};
use super::{Answer, Head, Highlight, Lesson, Quantity, Quiz, QuizKind, Row, Step, Task, TaskKind, bundled};

/// Positions of the default pair (`[CLS] my dog is cute [SEP] he likes play ##ing [SEP]`),
/// counted by the bundled tokenizer, which token highlights must fall within.
fn default_pair_len() -> usize {
    static LEN: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *LEN.get_or_init(|| {
        crate::text::tokenize::BertTokenizer::bundled()
            .and_then(|t| t.encode_pair(crate::DEFAULT_A, crate::DEFAULT_B, usize::MAX))
            .map_or(0, |e| e.ids.len())
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLesson {
    id: Spanned<String>,
    title: String,
    version: u32,
    summary: String,
    steps: Vec<RawStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    id: Spanned<String>,
    stage: Spanned<String>,
    text: String,
    highlight: Option<Spanned<RawHighlight>>,
    action: Option<Spanned<RawAction>>,
    quiz: Option<Spanned<RawQuiz>>,
    #[serde(default)]
    on_screen: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHighlight {
    token: Option<i64>,
    row: Option<String>,
    head: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    #[serde(rename = "do")]
    kind: String,
    stage: Option<String>,
    heads: Option<String>,
    steps: Option<i64>,
    task: Option<String>,
    say: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuiz {
    kind: String,
    question: String,
    choices: Option<Vec<String>>,
    answer: Option<toml::Value>,
    answer_from: Option<String>,
    tolerance: Option<f64>,
    #[serde(default)]
    hints: Vec<String>,
    explanation: String,
}

/// The lessons built into the binary, checked.
pub fn load_bundled() -> Result<Vec<Lesson>> {
    load(bundled::BUNDLED.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect())
}

/// Every `*.toml` in `dir`, checked.
pub fn load_dir(dir: &Path) -> Result<Vec<Lesson>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("lesson folder {}: cannot read it", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let sources = files
        .iter()
        .map(|p| {
            Ok((
                p.display().to_string(),
                std::fs::read_to_string(p).with_context(|| format!("{}: cannot read it", p.display()))?,
            ))
        })
        .collect::<Result<_>>()?;
    load(sources)
}

/// Parses and checks `(path, text)` sources; all problems at once, one per line.
pub fn load(sources: Vec<(String, String)>) -> Result<Vec<Lesson>> {
    let mut problems = Vec::new();
    let mut lessons = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    if sources.is_empty() {
        bail!("no lesson files found (lessons/*.toml)");
    }
    for (path, text) in &sources {
        let at = |span: std::ops::Range<usize>| format!("{path}:{}", line_of(text, span.start));
        match toml::from_str::<RawLesson>(text) {
            Err(e) => problems.push(format!("{}: {}", at(e.span().unwrap_or(0..0)), e.message())),
            Ok(raw) => {
                if let Some(first) = seen.insert(raw.id.get_ref().clone(), at(raw.id.span())) {
                    problems.push(format!(
                        "{}: duplicate lesson id \"{}\" (first at {first})",
                        at(raw.id.span()),
                        raw.id.get_ref()
                    ));
                }
                match convert(raw, path, &at) {
                    Ok(l) => lessons.push(l),
                    Err(mut p) => problems.append(&mut p),
                }
            }
        }
    }
    if !problems.is_empty() {
        bail!("{} problem(s) in the lessons:\n{}", problems.len(), problems.join("\n"));
    }
    Ok(lessons)
}

pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|&b| b == b'\n').count() + 1
}

/// Ids key saved progress, so they are kept simple: lowercase letters, digits and -.
fn check_id(
    what: &str,
    id: &Spanned<String>,
    at: &dyn Fn(std::ops::Range<usize>) -> String,
    problems: &mut Vec<String>,
) {
    let s = id.get_ref();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        problems.push(format!("{}: {what} id \"{s}\" must be lowercase letters, digits and -", at(id.span())));
    }
}

fn convert(raw: RawLesson, path: &str, at: &dyn Fn(std::ops::Range<usize>) -> String) -> Result<Lesson, Vec<String>> {
    let mut problems = Vec::new();
    check_id("lesson", &raw.id, at, &mut problems);
    if raw.steps.is_empty() {
        problems.push(format!("{}: the lesson has no steps", at(raw.id.span())));
    }
    let mut ids: HashMap<String, String> = HashMap::new();
    let mut steps = Vec::new();
    for s in raw.steps {
        if let Some(first) = ids.insert(s.id.get_ref().clone(), at(s.id.span())) {
            problems.push(format!("{}: duplicate step id \"{}\" (first at {first})", at(s.id.span()), s.id.get_ref()));
        }
        match convert_step(s, at) {
            Ok(step) => steps.push(step),
            Err(mut p) => problems.append(&mut p),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Lesson {
        id: raw.id.into_inner(),
        title: raw.title,
        version: raw.version,
        summary: raw.summary,
        steps,
        path: path.into(),
    })
}

fn convert_step(s: RawStep, at: &dyn Fn(std::ops::Range<usize>) -> String) -> Result<Step, Vec<String>> {
    let mut problems = Vec::new();
    check_id("step", &s.id, at, &mut problems);
    let stage = Stage::from_name(s.stage.get_ref());
    if stage.is_none() {
        let names: Vec<_> = Stage::ALL.iter().map(|s| s.name()).collect();
        problems.push(format!(
            "{}: unknown stage \"{}\" (one of {})",
            at(s.stage.span()),
            s.stage.get_ref(),
            names.join(", ")
        ));
    }
    let highlight = checked(s.highlight, highlight, at, &mut problems);
    let task = checked(s.action, task, at, &mut problems);
    let quiz = checked(s.quiz, quiz, at, &mut problems);
    let on_screen = on_screen(s.on_screen, at, &mut problems);
    match stage {
        Some(stage) if problems.is_empty() => {
            Ok(Step { id: s.id.into_inner(), stage, text: s.text.trim().to_string(), highlight, task, quiz, on_screen })
        }
        _ => Err(problems),
    }
}

/// The texts a step points at on the screen. Each must be one non-empty line, since the
/// lesson walk looks for it on one row of the drawn screen.
fn on_screen(
    raw: Vec<Spanned<String>>,
    at: &dyn Fn(std::ops::Range<usize>) -> String,
    problems: &mut Vec<String>,
) -> Vec<String> {
    for text in &raw {
        if text.get_ref().trim().is_empty() {
            problems.push(format!("{}: an on_screen text is empty", at(text.span())));
        } else if text.get_ref().contains('\n') {
            problems.push(format!("{}: an on_screen text must be one line of the screen", at(text.span())));
        }
    }
    raw.into_iter().map(Spanned::into_inner).collect()
}

/// Converts an optional raw table, noting a problem at its line if it is invalid.
fn checked<R, T>(
    raw: Option<Spanned<R>>,
    convert: fn(R) -> Result<T, String>,
    at: &dyn Fn(std::ops::Range<usize>) -> String,
    problems: &mut Vec<String>,
) -> Option<T> {
    let raw = raw?;
    let span = raw.span();
    convert(raw.into_inner()).map_err(|e| problems.push(format!("{}: {e}", at(span)))).ok()
}

fn highlight(h: RawHighlight) -> Result<Highlight, String> {
    match (h.token, h.row.as_deref(), h.head.as_deref()) {
        (Some(t), None, None) if (0..default_pair_len() as i64).contains(&t) => Ok(Highlight::Token(t as usize)),
        (Some(t), None, None) => Err(format!(
            "highlight token {t} is outside the pair's positions 0 to {}",
            default_pair_len().saturating_sub(1)
        )),
        (None, Some(r), None) => row_named(r).map(Highlight::Row),
        (None, None, Some(h)) => head_named(h).map(Highlight::Head),
        _ => Err("a highlight names exactly one of token, row or head".into()),
    }
}

/// An embedding row by its name in lesson and demo files.
pub(crate) fn row_named(r: &str) -> Result<Row, String> {
    Ok(match r {
        "token" => Row::Token,
        "segment" => Row::Segment,
        "position" => Row::Position,
        "sum" => Row::Sum,
        "layernorm" => Row::LayerNorm,
        other => {
            return Err(format!("highlight row \"{other}\" is not one of token, segment, position, sum, layernorm"));
        }
    })
}

/// A loss head by its name in lesson and demo files.
pub(crate) fn head_named(h: &str) -> Result<Head, String> {
    Ok(match h {
        "mlm" => Head::Mlm,
        "nsp" => Head::Nsp,
        "total" => Head::Total,
        other => return Err(format!("highlight head \"{other}\" is not one of mlm, nsp, total")),
    })
}

fn task(a: RawAction) -> Result<Task, String> {
    let kind = match a.kind.as_str() {
        "visit-stage" => {
            let name = a.stage.as_deref().ok_or("action visit-stage needs stage = \"<stage>\"")?;
            TaskKind::VisitStage(
                Stage::from_name(name).ok_or_else(|| format!("action visit-stage: unknown stage \"{name}\""))?,
            )
        }
        "reroll-mask" => TaskKind::RerollMask,
        "toggle-mask" => TaskKind::ToggleMask,
        "cycle-strategy" => TaskKind::CycleStrategy,
        "edit-pair" => TaskKind::EditPair,
        "new-pair" => TaskKind::NewPair,
        "swap-b" => TaskKind::SwapB,
        "change-head" => TaskKind::ChangeHead,
        "attention-grid" => TaskKind::AttentionGrid,
        "heads" => TaskKind::Heads(match a.heads.as_deref() {
            Some("mlm") => Heads::MlmOnly,
            Some("nsp") => Heads::NspOnly,
            Some("both") => Heads::Both,
            _ => return Err("action heads needs heads = \"mlm\", \"nsp\" or \"both\"".into()),
        }),
        "sentence-task" => TaskKind::SentenceTask(match a.task.as_deref() {
            Some("nsp") => SentenceTask::Nsp,
            Some("sop") => SentenceTask::Sop,
            Some("none") => SentenceTask::None,
            _ => return Err("action sentence-task needs task = \"nsp\", \"sop\" or \"none\"".into()),
        }),
        "train" => match a.steps {
            Some(n @ 1..=2000) => TaskKind::Train(n as usize),
            _ => return Err("action train needs steps = 1 to 2000".into()),
        },
        other => return Err(format!("unknown action \"{other}\"")),
    };
    Ok(Task { kind, say: a.say })
}

fn quiz(q: RawQuiz) -> Result<Quiz, String> {
    let kind = match q.kind.as_str() {
        "choice" => {
            let choices =
                q.choices.filter(|c| (2..=5).contains(&c.len())).ok_or("a choice quiz needs 2 to 5 choices")?;
            let answer = match q.answer.as_ref().and_then(toml::Value::as_integer) {
                Some(n) if (1..=choices.len() as i64).contains(&n) => n as usize,
                Some(n) => return Err(format!("answer {n} is not one of the choices 1 to {}", choices.len())),
                None => return Err("a choice quiz needs answer = <number of the right choice>".into()),
            };
            QuizKind::Choice { choices, answer }
        }
        "number" => {
            let answer = match (q.answer.as_ref(), q.answer_from.as_deref()) {
                (Some(v), None) => {
                    Answer::Fixed(v.as_float().or(v.as_integer().map(|i| i as f64)).ok_or("answer must be a number")?)
                }
                (None, Some(name)) => Answer::From(
                    Quantity::from_name(name)
                        .ok_or_else(|| format!("answer_from \"{name}\" is not a known quantity"))?,
                ),
                (None, None) => return Err("a number quiz needs answer or answer_from".into()),
                (Some(_), Some(_)) => return Err("give answer or answer_from, not both".into()),
            };
            let tolerance = q.tolerance.filter(|t| *t >= 0.0).ok_or("a number quiz needs tolerance >= 0")?;
            QuizKind::Number { answer, tolerance }
        }
        other => return Err(format!("unknown quiz kind \"{other}\" (choice or number)")),
    };
    Ok(Quiz { question: q.question, kind, hints: q.hints, explanation: q.explanation })
}
