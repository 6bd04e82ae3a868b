//! Reading demo files and checking them (`bert-tutor demo --check`): every problem is
//! reported as `file:line: what is wrong`, and nothing half-valid is played.
//!
//! Positions (masks, token highlights) are checked against the pair in effect at that step
//! when it is known here: the default pair, or one a step spells out. A pair drawn by seed
//! comes from the corpus the demo is played with, so its positions are checked when the step
//! is shown, and a wrong one is a message on screen.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use toml::Spanned;

use super::{Demo, DemoHighlight, DemoStep, MaskSpec, PairSpec, bundled};
use crate::lesson::Highlight;
use crate::lesson::check::{head_named, line_of, row_named};
use crate::lesson::stage::{Heads, Stage};
use crate::model::BertConfig;
use crate::text::corpus::IS_NEXT;
use crate::text::tokenize::BertTokenizer;

/// A caption is read from the back of a room: at most this many lines.
const CAPTION_LINES: usize = 2;
/// ... and at most this many columns a line, so that it fits an 80-column screen.
const CAPTION_WIDTH: usize = 76;
/// More training than this in one step is not a demo any more.
const MAX_TRAIN: usize = 20_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDemo {
    title: String,
    #[serde(default)]
    seed: u64,
    steps: Vec<Spanned<RawStep>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    stage: Option<Spanned<String>>,
    #[serde(default)]
    reset: bool,
    pair: Option<Spanned<RawPair>>,
    mask: Option<Spanned<Vec<i64>>>,
    mask_seed: Option<u64>,
    loss: Option<Spanned<String>>,
    lr: Option<Spanned<f64>>,
    highlight: Option<Spanned<RawHighlight>>,
    train: Option<Spanned<i64>>,
    #[serde(default)]
    paused: bool,
    caption: Option<Spanned<String>>,
    notes: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPair {
    a: Option<String>,
    b: Option<String>,
    seed: Option<u64>,
    label: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHighlight {
    token: Option<i64>,
    row: Option<String>,
    head: Option<String>,
    attention_head: Option<i64>,
}

/// The bundled demos, checked.
pub fn load_bundled() -> Result<Vec<Demo>> {
    bundled::BUNDLED.iter().map(|(p, t)| load(p, t)).collect()
}

/// A demo file from disk, checked.
pub fn load_path(path: &Path) -> Result<Demo> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("demo file {}: cannot read it", path.display()))?;
    load(&path.display().to_string(), &text)
}

/// Parses and checks one demo; all its problems at once, one per line.
pub fn load(path: &str, text: &str) -> Result<Demo> {
    let at = |span: std::ops::Range<usize>| format!("{path}:{}", line_of(text, span.start));
    let raw = match toml::from_str::<RawDemo>(text) {
        Ok(raw) => raw,
        Err(e) => bail!("{}: {}", at(e.span().unwrap_or(0..0)), e.message()),
    };
    let mut problems = Vec::new();
    if raw.title.trim().is_empty() {
        problems.push(format!("{path}:1: the demo needs a title"));
    }
    if raw.steps.is_empty() {
        problems.push(format!("{path}:1: the demo has no steps ([[steps]] tables)"));
    }
    let tok = BertTokenizer::bundled()?;
    // The pair in effect, while it is known here: its pieces' ids.
    let mut pair = Some(tok.encode_pair(crate::DEFAULT_A, crate::DEFAULT_B, usize::MAX)?.ids);
    let mut steps = Vec::new();
    for s in raw.steps {
        let line = line_of(text, s.span().start);
        let mut step_problems = Vec::new();
        let step = convert_step(s.into_inner(), path, line, &tok, &mut pair, &at, &mut step_problems);
        problems.extend(step_problems);
        steps.push(step);
    }
    if !problems.is_empty() {
        bail!("{} problem(s) in the demo:\n{}", problems.len(), problems.join("\n"));
    }
    Ok(Demo { title: raw.title.trim().to_string(), seed: raw.seed, steps, path: path.to_string() })
}

type At<'a> = &'a dyn Fn(std::ops::Range<usize>) -> String;

fn convert_step(
    s: RawStep,
    path: &str,
    line: usize,
    tok: &BertTokenizer,
    pair: &mut Option<Vec<u32>>,
    at: At,
    problems: &mut Vec<String>,
) -> DemoStep {
    let mut note = |span: std::ops::Range<usize>, what: String| problems.push(format!("{}: {what}", at(span)));
    let stage = s.stage.and_then(|name| {
        let found = Stage::from_name(name.get_ref());
        if found.is_none() {
            let names: Vec<_> = Stage::ALL.iter().map(|s| s.name()).collect();
            note(name.span(), format!("unknown stage \"{}\" (one of {})", name.get_ref(), names.join(", ")));
        }
        found
    });
    let new_pair = s.pair.and_then(|p| {
        let span = p.span();
        pair_spec(p.into_inner(), tok, pair).map_err(|e| note(span, e)).ok()
    });
    let mask = match (s.mask, s.mask_seed) {
        (Some(m), Some(_)) => {
            note(m.span(), "give mask (positions) or mask_seed, not both".into());
            None
        }
        (Some(m), None) => {
            let span = m.span();
            mask_positions(m.into_inner(), pair.as_deref(), tok).map_err(|e| note(span, e)).ok()
        }
        (None, Some(seed)) => Some(MaskSpec::Seed(seed)),
        (None, None) => None,
    };
    let heads = s.loss.and_then(|l| {
        let found = match l.get_ref().as_str() {
            "mlm+nsp" | "both" => Some(Heads::Both),
            "mlm" => Some(Heads::MlmOnly),
            "nsp" => Some(Heads::NspOnly),
            _ => None,
        };
        if found.is_none() {
            note(l.span(), format!("loss \"{}\" is not one of mlm+nsp, mlm, nsp", l.get_ref()));
        }
        found
    });
    let lr = s.lr.and_then(|lr| {
        let v = *lr.get_ref();
        if v > 0.0 && v <= 1.0 {
            Some(v as f32)
        } else {
            note(
                lr.span(),
                format!("lr {v} is outside (0, 1]; the TUI's peak is {:.0e}", crate::train::RECOMMENDED.peak_lr),
            );
            None
        }
    });
    let highlight = s.highlight.and_then(|h| {
        let span = h.span();
        highlight(h.into_inner(), pair.as_deref()).map_err(|e| note(span, e)).ok()
    });
    let train = match s.train {
        None => 0,
        Some(n) => usize::try_from(*n.get_ref()).ok().filter(|&n| n <= MAX_TRAIN).unwrap_or_else(|| {
            note(n.span(), format!("train {} is not a step count from 0 to {MAX_TRAIN}", n.get_ref()));
            0
        }),
    };
    if s.paused && train == 0 {
        problems.push(format!("{path}:{line}: paused = true needs train = N (it holds the step's training for p)"));
    }
    let caption = s.caption.map(|c| {
        let text = c.get_ref().trim().to_string();
        if text.lines().count() > CAPTION_LINES {
            problems
                .push(format!("{}: a caption has at most {CAPTION_LINES} lines (put the rest in notes)", at(c.span())));
        }
        if let Some(long) = text.lines().find(|l| l.chars().count() > CAPTION_WIDTH) {
            problems.push(format!(
                "{}: caption line \"{long}\" is {} columns; at most {CAPTION_WIDTH} fit an 80-column screen",
                at(c.span()),
                long.chars().count()
            ));
        }
        text
    });
    DemoStep {
        line,
        stage,
        reset: s.reset,
        pair: new_pair,
        mask,
        heads,
        lr,
        highlight,
        train,
        paused: s.paused,
        caption,
        notes: s.notes.map(|n| n.trim().to_string()),
    }
}

/// A pair spelled out, or drawn by seed; updates what is known of the pair in effect.
fn pair_spec(p: RawPair, tok: &BertTokenizer, pair: &mut Option<Vec<u32>>) -> Result<PairSpec, String> {
    let label = match p.label.as_deref() {
        None | Some("is-next") | Some("in-order") => IS_NEXT,
        Some("not-next") | Some("swapped") => 1 - IS_NEXT,
        Some(other) => return Err(format!("pair label \"{other}\" is not one of is-next, not-next")),
    };
    match (p.a, p.b, p.seed) {
        (Some(a), Some(b), None) => {
            let ids = tok
                .encode_pair(&a, &b, BertConfig::default().max_position_embeddings)
                .map_err(|e| format!("{e:#}"))?
                .ids;
            *pair = Some(ids);
            Ok(PairSpec::Text { a, b, label })
        }
        (None, None, Some(seed)) => {
            *pair = None;
            Ok(PairSpec::Seed { seed, is_next: label == IS_NEXT })
        }
        _ => Err("a pair is { a = \"…\", b = \"…\" } or { seed = N }, with an optional label".into()),
    }
}

/// Fixed masked positions: inside the pair, never `[CLS]` or `[SEP]`, no repeats.
fn mask_positions(raw: Vec<i64>, pair: Option<&[u32]>, tok: &BertTokenizer) -> Result<MaskSpec, String> {
    let mut positions = Vec::new();
    for p in raw {
        let p = usize::try_from(p).map_err(|_| format!("mask position {p} is negative"))?;
        if let Some(ids) = pair {
            if p >= ids.len() {
                return Err(format!("mask position {p} is outside the pair's positions 0 to {}", ids.len() - 1));
            }
            if tok.special.is_structural(ids[p]) {
                return Err(format!("mask position {p} is {}, which is never masked", tok.token(ids[p])));
            }
        }
        if positions.contains(&p) {
            return Err(format!("mask position {p} is given twice"));
        }
        positions.push(p);
    }
    Ok(MaskSpec::Positions(positions))
}

fn highlight(h: RawHighlight, pair: Option<&[u32]>) -> Result<DemoHighlight, String> {
    let cfg = BertConfig::default();
    let heads = cfg.num_hidden_layers * cfg.num_attention_heads;
    match (h.token, h.row.as_deref(), h.head.as_deref(), h.attention_head) {
        (Some(t), None, None, None) => match (usize::try_from(t), pair) {
            (Ok(t), Some(ids)) if t < ids.len() => Ok(DemoHighlight::Lesson(Highlight::Token(t))),
            (Ok(t), None) => Ok(DemoHighlight::Lesson(Highlight::Token(t))),
            _ => Err(format!(
                "highlight token {t} is outside the pair's positions 0 to {}",
                pair.map_or(0, |ids| ids.len() - 1)
            )),
        },
        (None, Some(r), None, None) => row_named(r).map(|r| DemoHighlight::Lesson(Highlight::Row(r))),
        (None, None, Some(h), None) => head_named(h).map(|h| DemoHighlight::Lesson(Highlight::Head(h))),
        (None, None, None, Some(n)) if (1..=heads as i64).contains(&n) => Ok(DemoHighlight::AttentionHead(n as usize)),
        (None, None, None, Some(n)) => Err(format!("attention_head {n} is not from 1 to {heads} (layers × heads)")),
        _ => Err("a highlight names exactly one of token, row, head or attention_head".into()),
    }
}
