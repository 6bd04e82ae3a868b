#!/usr/bin/env python3
"""
check_hf_load.py -- check that a bert-tutor checkpoint directory loads in HuggingFace transformers.

Usage (from the repository root):

    python3 tools/check_hf_load.py DIR [--json EVAL_JSON]
    python3 tools/check_hf_load.py tests/fixtures/tiny_bert

DIR must hold config.json and model.safetensors (what bert-tutor writes, in HF's layout). The script:

  1. loads it with BertForPreTraining.from_pretrained(DIR, output_loading_info=True) and prints the
     loading info; it FAILS if there are missing, unexpected or mismatched keys, or loading errors.
     The only tolerated entries are the tied decoder aliases cls.predictions.decoder.weight /
     cls.predictions.decoder.bias (they are tied to bert.embeddings.word_embeddings.weight and
     cls.predictions.bias, so a checkpoint may either omit or include them);
  2. checks the decoder is really tied, and that every tensor of model.safetensors whose name is a
     state-dict key was loaded bit-exactly;
  3. prints the config and the parameter count;
  4. runs a forward pass (eval mode, eager attention) on a small fixed batch of ids (two sentence
     pairs, the second one padded) and prints the NSP logits; fails if any output is not finite.
     If DIR/tokenizer.json exists it is only reported, not used (kept simple on purpose).

With --json EVAL_JSON a machine-readable summary (ok, config, parameter count, loading info, the
input batch, NSP logits and probabilities) is written to EVAL_JSON.

Exit status 0 on success, 1 on any failure. Not needed at test time; a developer tool.
"""

import argparse
import json
import math
import os
import sys

import torch

TIED_ALIASES = {"cls.predictions.decoder.weight", "cls.predictions.decoder.bias"}

# bert-tutor's special ids: [PAD]=0, [CLS]=2, [SEP]=3, [MASK]=4; ordinary tokens >= 5
PAD, CLS, SEP, MASK = 0, 2, 3, 4


def fixed_batch(vocab_size, max_pos):
    """Two pairs "[CLS] A [SEP] B [SEP]", the second shorter and padded; ids kept < vocab_size."""
    T = min(10, max_pos)

    def tok(i):
        return 5 + (i * 7) % max(1, vocab_size - 5)

    rows = [
        [CLS, tok(1), tok(2), tok(3), SEP, tok(4), MASK, tok(6), tok(7), SEP],
        [CLS, tok(8), tok(9), SEP, tok(10), SEP, PAD, PAD, PAD, PAD],
    ]
    types = [
        [0, 0, 0, 0, 0, 1, 1, 1, 1, 1],
        [0, 0, 0, 0, 1, 1, 0, 0, 0, 0],
    ]
    mask = [
        [1] * 10,
        [1, 1, 1, 1, 1, 1, 0, 0, 0, 0],
    ]
    rows, types, mask = [r[:T] for r in rows], [t[:T] for t in types], [m[:T] for m in mask]
    ids = torch.tensor(rows, dtype=torch.long)
    if vocab_size <= SEP or ids.max().item() >= vocab_size:
        raise ValueError(f"vocab_size={vocab_size} too small for the fixed batch")
    return ids, torch.tensor(types, dtype=torch.long), torch.tensor(mask, dtype=torch.long)


def check(dir_path):
    from safetensors.torch import load_file
    from transformers import BertForPreTraining

    summary = {"dir": dir_path, "ok": False}
    errors = []
    for f in ("config.json", "model.safetensors"):
        if not os.path.isfile(os.path.join(dir_path, f)):
            errors.append(f"missing file {f}")
    if errors:
        return summary, errors

    model, info = BertForPreTraining.from_pretrained(dir_path, output_loading_info=True, attn_implementation="eager")
    model.eval()
    info_clean = {k: sorted(map(str, v)) for k, v in info.items()}
    summary["loading_info"] = info_clean
    print("loading_info:")
    for k, v in info_clean.items():
        print(f"  {k}: {v}")
    for k in ("missing_keys", "unexpected_keys"):
        bad = [x for x in info_clean.get(k, []) if x not in TIED_ALIASES]
        if bad:
            errors.append(f"{k}: {bad}")
    if info_clean.get("mismatched_keys"):
        errors.append(f"mismatched_keys: {info_clean['mismatched_keys']}")
    if info_clean.get("error_msgs"):
        errors.append(f"error_msgs: {info_clean['error_msgs']}")

    # tied decoder
    p = model.cls.predictions
    if p.decoder.weight.data_ptr() != model.bert.embeddings.word_embeddings.weight.data_ptr():
        errors.append("cls.predictions.decoder.weight is not tied to bert.embeddings.word_embeddings.weight")

    # values loaded bit-exactly
    file_sd = load_file(os.path.join(dir_path, "model.safetensors"))
    model_sd = model.state_dict()
    n_cmp = 0
    for k, v in file_sd.items():
        if k in model_sd:
            n_cmp += 1
            if tuple(v.shape) != tuple(model_sd[k].shape) or not torch.equal(v.to(model_sd[k].dtype), model_sd[k]):
                errors.append(f"value of {k} differs after loading")
    print(f"file tensors: {len(file_sd)} ({n_cmp} compared bit-exactly with the loaded model); "
          f"file dtypes: {sorted({str(v.dtype) for v in file_sd.values()})}")
    if "cls.predictions.decoder.weight" in file_sd:
        if not torch.equal(file_sd["cls.predictions.decoder.weight"], file_sd.get("bert.embeddings.word_embeddings.weight", torch.empty(0))):
            errors.append("file has cls.predictions.decoder.weight different from the word embeddings (untied checkpoint)")

    cfg = model.config
    n_params = sum(t.numel() for t in model.parameters())
    print("config:")
    cfg_dict = cfg.to_diff_dict()
    print(json.dumps(cfg_dict, indent=2, sort_keys=True, default=str))
    print(f"parameters: {n_params} (tied decoder counted once); model dtype: {next(model.parameters()).dtype}")
    summary["config"] = cfg_dict
    summary["num_parameters"] = n_params

    if os.path.isfile(os.path.join(dir_path, "tokenizer.json")):
        print("tokenizer.json present (not used by this check)")
        summary["tokenizer_json"] = True

    ids, types, mask = fixed_batch(cfg.vocab_size, cfg.max_position_embeddings)
    with torch.no_grad():
        out = model(input_ids=ids, token_type_ids=types, attention_mask=mask)
    nsp = out.seq_relationship_logits.float()
    mlm = out.prediction_logits.float()
    print("input_ids:", ids.tolist())
    print("token_type_ids:", types.tolist())
    print("attention_mask:", mask.tolist())
    print(f"mlm logits shape: {tuple(mlm.shape)}")
    print("nsp logits:", [[round(x, 6) for x in r] for r in nsp.tolist()])
    probs = torch.softmax(nsp, dim=-1)
    print("nsp P(is_next):", [round(x, 6) for x in probs[:, 0].tolist()])
    if not (torch.isfinite(nsp).all() and torch.isfinite(mlm).all()):
        errors.append("non-finite outputs")
    summary.update(
        input_ids=ids.tolist(), token_type_ids=types.tolist(), attention_mask=mask.tolist(),
        nsp_logits=nsp.tolist(), nsp_probs=probs.tolist(),
        mlm_logits_shape=list(mlm.shape),
        mlm_logits_mean=float(mlm.mean()), mlm_logits_std=float(mlm.std()),
    )
    return summary, errors


def main(argv=None):
    ap = argparse.ArgumentParser(description="Check a bert-tutor checkpoint directory loads in HF BertForPreTraining.")
    ap.add_argument("dir", help="checkpoint directory with config.json and model.safetensors")
    ap.add_argument("--json", metavar="EVAL_JSON", help="write a JSON summary of the check here")
    args = ap.parse_args(argv)

    try:
        summary, errors = check(args.dir)
    except Exception as e:  # any load/forward exception is a failure
        summary, errors = {"dir": args.dir, "ok": False}, [f"{type(e).__name__}: {e}"]

    summary["ok"] = not errors
    summary["errors"] = errors
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=2, default=str)
    if errors:
        for e in errors:
            print("FAIL:", e, file=sys.stderr)
        return 1
    print("OK: loads in HF with no missing/unexpected keys")
    return 0


if __name__ == "__main__":
    sys.exit(main())
