//! `bert-tutor eval`: one pair, hand-chosen masks and NSP label, through a checkpoint:
//! both losses, per-token losses, top predictions, P(IsNext), and optionally as safetensors
//! every parameter's gradient of the loss `--head` chooses, and every layer's attention map.

use anyhow::{Result, bail};
use serde_json::json;

use crate::cmd::cli::{EvalArgs, GradHead, Inputs, NspLabel};
use crate::model::checkpoint::{self, NamedTensor};
use crate::model::inspect::attention::attentions;
use crate::model::inspect::grad_flow::{HeadChoice, head_grads};
use crate::model::{self, BertConfig, LossWeights, Params};
use crate::text::batch::{Batch, Example};
use crate::text::corpus::{IS_NEXT, NOT_NEXT, SentenceTask};
use crate::text::masking::MaskPlan;
use crate::text::tokenize::BertTokenizer;

pub fn run(inputs: &Inputs, args: &EvalArgs) -> Result<()> {
    if inputs.model.is_none() {
        bail!("eval needs a checkpoint: pass --model DIR (make one with `bert-tutor train --out DIR`)");
    }
    let grad_weights = grad_weights(args, inputs.sentence_task)?;
    let tok = super::load_tokenizer(inputs)?;
    let (cfg, params) = super::load_model(inputs, &tok)?;
    let pair = tok.encode_pair(&args.a, &args.b, cfg.max_position_embeddings)?;
    if pair.dropped > 0 {
        eprintln!(
            "note: the pair was longer than the model's {} positions; dropped {} word pieces",
            cfg.max_position_embeddings, pair.dropped
        );
    }
    check_positions(&tok, &pair.ids, &args.mask)?;
    let label = if args.label == NspLabel::IsNext { IS_NEXT } else { NOT_NEXT };
    let plan = MaskPlan::from_positions(&pair.ids, &args.mask, tok.special.mask);
    let batch = Batch::from_examples(&[Example::from_plan(plan, pair.segments.clone(), label)], tok.special.pad);
    model::check_batch(&cfg, &batch)?;
    // `none` trains masked LM alone, so its total leaves the sentence head out.
    let task = inputs.sentence_task;
    let w = LossWeights { mlm: 1.0, nsp: if task.trains_head() { 1.0 } else { 0.0 } };
    let out = model::evaluate(&params, &cfg, &batch, w);
    if !out.total_loss.is_finite() {
        bail!(
            "the checkpoint gives a non-finite loss (MLM {}, NSP {}): its weights are broken; retrain it",
            out.mlm_loss,
            out.nsp_loss
        );
    }
    write_files(args, &params, &cfg, &batch, grad_weights)?;
    let report = report(&tok, &pair.tokens, &batch, &out, task);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_text(&report);
    }
    Ok(())
}

/// The loss weights `--grads` differentiates: `--head`'s loss, never the sentence head's
/// under `--sentence-task none` (which does not train it).
fn grad_weights(args: &EvalArgs, task: SentenceTask) -> Result<LossWeights> {
    if args.head.is_some() && args.grads.is_none() {
        bail!("--head chooses the loss whose gradients --grads writes: add --grads FILE");
    }
    let choice = match args.head.unwrap_or(GradHead::Both) {
        GradHead::Mlm => HeadChoice::Mlm,
        GradHead::Nsp if !task.trains_head() => bail!(
            "--head nsp: the sentence head is not trained under --sentence-task none, so it has no loss; use --head mlm, or --sentence-task nsp or sop"
        ),
        GradHead::Nsp => HeadChoice::Nsp,
        GradHead::Both => HeadChoice::Both,
    };
    let w = choice.weights();
    Ok(LossWeights { mlm: w.mlm, nsp: if task.trains_head() { w.nsp } else { 0.0 } })
}

/// `--grads` and `--attentions`, each computed only when asked for.
fn write_files(args: &EvalArgs, p: &Params, cfg: &BertConfig, batch: &Batch, grad_weights: LossWeights) -> Result<()> {
    if let Some(path) = &args.grads {
        let grads = head_grads(p, cfg, batch, grad_weights).grads;
        checkpoint::write_tensors(path, &grads.named_values())?;
    }
    if let Some(path) = &args.attentions {
        checkpoint::write_tensors(path, &attention_tensors(p, cfg, batch))?;
    }
    Ok(())
}

/// `layer.{i}` (0-based): layer i's attention probabilities for the one pair, shaped
/// [heads, T, T] with [head, query, key], as HF's `output_attentions` without the batch axis.
fn attention_tensors(p: &Params, cfg: &BertConfig, batch: &Batch) -> Vec<NamedTensor> {
    attentions(p, cfg, batch)
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let (_, heads, t, _) = a.dim();
            (format!("layer.{i}"), vec![heads, t, t], a.iter().copied().collect())
        })
        .collect()
}

/// Every position must be inside the sequence and not `[CLS]` or `[SEP]`.
fn check_positions(tok: &BertTokenizer, ids: &[u32], positions: &[usize]) -> Result<()> {
    for &p in positions {
        if p >= ids.len() {
            bail!("--mask position {p} is out of range: the pair has positions 0 to {}", ids.len() - 1);
        }
        if ids[p] == tok.special.cls || ids[p] == tok.special.sep {
            bail!("--mask position {p} is {}: special tokens are never masked; choose a word piece", tok.token(ids[p]));
        }
    }
    Ok(())
}

fn report(
    tok: &BertTokenizer,
    tokens: &[String],
    batch: &Batch,
    out: &model::Outputs,
    task: SentenceTask,
) -> serde_json::Value {
    let predictions: Vec<_> = batch
        .mlm_rows
        .iter()
        .enumerate()
        .map(|(i, &row)| {
            let probs = out.mlm_probs.row(i);
            let probs = probs.as_slice().expect("probabilities are contiguous");
            let top: Vec<_> = model::loss::top_k(probs, 5)
                .into_iter()
                .map(|(id, p)| json!({"token": tok.token(id), "prob": p}))
                .collect();
            json!({"position": row, "original": tokens[row], "loss": out.mlm_token_losses[i], "prob_original": probs[batch.mlm_labels[i] as usize], "top": top})
        })
        .collect();
    json!({
        "tokens": tokens,
        "input_ids": batch.ids,
        "segment_ids": batch.segments,
        "mlm_loss": out.mlm_loss,
        "nsp_loss": out.nsp_loss,
        "total_loss": out.total_loss,
        "mlm_token_losses": out.mlm_token_losses.to_vec(),
        "nsp_prob_is_next": out.nsp_probs[[0, 0]],
        "nsp_label": if batch.nsp_labels[0] == IS_NEXT { "is-next" } else { "not-next" },
        "sentence_task": task,
        "sentence_label": task.label_names()[batch.nsp_labels[0] as usize],
        "sentence_label_names": task.label_names(),
        "sentence_head": task.head(),
        "sentence_head_trained": task.trains_head(),
        "predictions": predictions,
    })
}

fn print_text(r: &serde_json::Value) {
    let tokens: Vec<&str> = r["tokens"].as_array().into_iter().flatten().filter_map(|t| t.as_str()).collect();
    println!("Input: {}", tokens.join(" "));
    for p in r["predictions"].as_array().into_iter().flatten() {
        let top: Vec<String> = p["top"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| format!("{} {:.3}", t["token"].as_str().unwrap_or("?"), t["prob"].as_f64().unwrap_or(0.0)))
            .collect();
        println!(
            "position {:>2} {:<10} p = {:.4}  -log p = {:.4}   top: {}",
            p["position"],
            p["original"].as_str().unwrap_or("?"),
            p["prob_original"].as_f64().unwrap_or(0.0),
            p["loss"].as_f64().unwrap_or(0.0),
            top.join(", ")
        );
    }
    let names: Vec<&str> =
        r["sentence_label_names"].as_array().into_iter().flatten().filter_map(|t| t.as_str()).collect();
    let (first, head) = (names.first().copied().unwrap_or("IsNext"), r["sentence_head"].as_str().unwrap_or("NSP"));
    println!(
        "P({first}) = {:.4}  (label {})",
        r["nsp_prob_is_next"].as_f64().unwrap_or(0.0),
        r["sentence_label"].as_str().unwrap_or("?")
    );
    if r["sentence_head_trained"].as_bool() == Some(false) {
        println!(
            "MLM loss {:.4} = total {:.4}  (sentence task none: the {head} loss {:.4} is not part of it)",
            r["mlm_loss"].as_f64().unwrap_or(0.0),
            r["total_loss"].as_f64().unwrap_or(0.0),
            r["nsp_loss"].as_f64().unwrap_or(0.0)
        );
        return;
    }
    println!(
        "MLM loss {:.4} + {head} loss {:.4} = total {:.4}",
        r["mlm_loss"].as_f64().unwrap_or(0.0),
        r["nsp_loss"].as_f64().unwrap_or(0.0),
        r["total_loss"].as_f64().unwrap_or(0.0)
    );
}
