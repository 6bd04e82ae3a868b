//! `bert-tutor inspect`: the course's input figure for a real pair, then its mask plan.

use anyhow::Result;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::json;

use crate::cmd::cli::{Inputs, InspectArgs};
use crate::model::BertConfig;
use crate::text::masking::{Action, MaskPlan, Masker, Strategy};
use crate::text::tokenize::{BertTokenizer, EncodedPair};

pub fn run(inputs: &Inputs, args: &InspectArgs) -> Result<()> {
    let tok = super::load_tokenizer(inputs)?;
    let a = args.a.as_deref().unwrap_or(crate::DEFAULT_A);
    let b = args.b.as_deref().unwrap_or(crate::DEFAULT_B);
    let max_len = BertConfig::default().max_position_embeddings;
    let pair = tok.encode_pair(a, b, max_len)?;
    if pair.dropped > 0 {
        eprintln!(
            "note: the pair was too long; dropped {} word pieces from the end of the longer sentence to fit {max_len} tokens",
            pair.dropped
        );
    }
    let mut masker = Masker::for_tokenizer(&tok);
    masker.strategy = args.strategy;
    let plan = masker.plan(&pair.ids, &mut StdRng::seed_from_u64(inputs.seed));
    if args.json {
        println!("{}", serde_json::to_string_pretty(&to_json(&tok, &pair, &plan))?);
    } else {
        print!("{}", figure(&pair));
        print!("{}", plan_text(&tok, &pair, &plan, &masker, inputs.seed));
    }
    Ok(())
}

fn to_json(tok: &BertTokenizer, pair: &EncodedPair, plan: &MaskPlan) -> serde_json::Value {
    let masked: Vec<_> = plan
        .masked
        .iter()
        .map(|m| json!({"position": m.position, "original": tok.token(m.original), "action": m.action, "replacement": tok.token(m.replacement)}))
        .collect();
    json!({
        "tokens": pair.tokens,
        "token_ids": pair.ids,
        "segment_ids": pair.segments,
        "positions": (0..pair.ids.len()).collect::<Vec<_>>(),
        "masked": masked,
        "input_ids": plan.input_ids,
        "dropped_tokens": pair.dropped,
    })
}

/// Rows Input / Token id / Segment / Position, in column blocks that fit 100 characters.
pub fn figure(pair: &EncodedPair) -> String {
    let rows: [(&str, Vec<String>); 4] = [
        ("Input", pair.tokens.clone()),
        ("Token id", pair.ids.iter().map(u32::to_string).collect()),
        ("Segment", pair.segments.iter().map(|&s| if s == 0 { "A" } else { "B" }.to_string()).collect()),
        ("Position", (0..pair.ids.len()).map(|p| p.to_string()).collect()),
    ];
    let widths: Vec<usize> =
        (0..pair.ids.len()).map(|i| rows.iter().map(|(_, r)| r[i].chars().count()).max().unwrap_or(1)).collect();
    let mut out = String::new();
    let mut start = 0;
    while start < widths.len() {
        let (mut end, mut used) = (start, 10);
        while end < widths.len() && (end == start || used + widths[end] + 2 <= 100) {
            used += widths[end] + 2;
            end += 1;
        }
        for (label, cells) in &rows {
            let line: Vec<String> = (start..end).map(|i| format!("{:<w$}", cells[i], w = widths[i])).collect();
            out.push_str(format!("{label:<10}{}", line.join("  ")).trim_end());
            out.push('\n');
        }
        out.push('\n');
        start = end;
    }
    out
}

fn plan_text(tok: &BertTokenizer, pair: &EncodedPair, plan: &MaskPlan, masker: &Masker, seed: u64) -> String {
    let candidates = pair.ids.iter().filter(|&&id| !tok.special.is_structural(id)).count();
    let n = pair.ids.len();
    let rule = match masker.strategy {
        Strategy::Bernoulli => "each candidate chosen with probability 0.15".to_string(),
        _ => format!("round({n} × 0.15) = {}", masker.count_to_predict(n)),
    };
    let mut out = format!(
        "Mask plan ({}, seed {seed}): {} of {candidates} candidate tokens chosen ({rule})\n",
        masker.strategy.label(),
        plan.masked.len(),
    );
    for m in &plan.masked {
        let what = match m.action {
            Action::Mask => "replaced by [MASK]".to_string(),
            Action::Random => format!("replaced by random token {:?}", tok.token(m.replacement)),
            Action::Keep => "kept as it is".to_string(),
        };
        out.push_str(&format!(
            "  position {:>2}  {:<10} {what}; label {:?}\n",
            m.position,
            tok.token(m.original),
            tok.token(m.original)
        ));
    }
    let shown: Vec<String> = plan.input_ids.iter().map(|&id| tok.token(id)).collect();
    out.push_str(&format!("Model input: {}\n", shown.join(" ")));
    out
}
