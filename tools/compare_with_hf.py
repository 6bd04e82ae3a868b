"""Cross-check `bert-tutor eval` against HF transformers on a saved checkpoint.

Usage:
    bert-tutor eval --model DIR --mask 3,8 --label is-next --json > eval.json
    python3 tools/compare_with_hf.py DIR eval.json

    # also every layer's attention probabilities, and the gradients of one head's loss:
    bert-tutor eval --model DIR --mask 3,8 --label is-next --json \\
        --attentions attn.safetensors --grads grads.safetensors --head mlm > eval.json
    python3 tools/compare_with_hf.py DIR eval.json --attentions attn.safetensors \\
        --grads grads.safetensors --head mlm

Loads DIR with BertForPreTraining.from_pretrained (eager attention, eval mode, no dropout),
feeds it the exact input ids, segments and labels that bert-tutor used, and prints both sets of
losses and P(IsNext) with their differences (1e-4 relative).

--attentions FILE: bert-tutor's `layer.{i}` tensors ([heads, T, T]) against HF's
    `output_attentions=True`, within 1e-5 max absolute difference.
--grads FILE --head mlm|nsp|both (default both): bert-tutor's gradients against HF's when only
    that loss is backpropagated: the cross-entropy of `prediction_logits` at the masked positions
    (mlm), of `seq_relationship_logits` (nsp), or their sum (both; the MLM loss alone when the
    eval ran with --sentence-task none). Computed here, since HF only sums the two when given
    both labels. Each tensor's error is max|ours - HF| / max(max|HF|, 1e-30), within 1e-4. Two
    exceptions: the attention key biases, whose true gradient is 0 (a shift shared by every key
    of a query cancels in the softmax), so both sides hold only rounding noise: their max|ours - HF|
    is measured against the largest HF gradient of any tensor, within 1e-6; and a parameter
    outside the loss's path (HF gives it no gradient) must be exactly 0 in ours.
The HF side of both checks runs in float64.

Prints the worst errors and exits non-zero if any check fails. Needs torch and transformers;
not used by the tests.
"""
import argparse
import copy
import json
import sys

import torch
from safetensors.torch import load_file
from transformers import BertForPreTraining

LOSS_TOL = 1e-4
ATTN_TOL = 1e-5
GRAD_TOL = 1e-4
TINY = 1e-30
# A key bias adds the same score to every key of a query, which softmax cancels: its true
# gradient is 0 and both sides hold rounding noise, compared against the largest gradient.
ZERO_IN_THEORY = "attention.self.key.bias"
ZERO_TOL = 1e-6


def main() -> int:
    args = parse_args()
    ours = json.load(open(args.eval_json))
    model = BertForPreTraining.from_pretrained(args.model_dir, attn_implementation="eager").eval()
    ids = torch.tensor([ours["input_ids"]])
    segments = torch.tensor([ours["segment_ids"]])
    labels = torch.full_like(ids, -100)
    for p in ours["predictions"]:
        labels[0, p["position"]] = _token_id(args.model_dir, p["original"])
    nsp_label = torch.tensor([0 if ours["nsp_label"] == "is-next" else 1])
    inputs = dict(input_ids=ids, token_type_ids=segments, attention_mask=torch.ones_like(ids))
    ok = check_losses(model, inputs, labels, nsp_label, ours)
    model64 = copy.deepcopy(model).double().eval()
    if args.attentions:
        ok &= check_attentions(model64, inputs, args.attentions)
    if args.grads:
        trained = ours.get("sentence_head_trained", True)
        if args.head == "nsp" and not trained:
            print("--head nsp: the eval ran with --sentence-task none, which does not train the sentence head")
            return 2
        ok &= check_grads(model64, inputs, labels, nsp_label, args.grads, args.head, trained)
    return 0 if ok else 1


def parse_args():
    ap = argparse.ArgumentParser(description="Cross-check bert-tutor eval against HF transformers.")
    ap.add_argument("model_dir", help="the checkpoint folder bert-tutor eval read")
    ap.add_argument("eval_json", help="bert-tutor eval --json output")
    ap.add_argument("--attentions", metavar="FILE", help="bert-tutor eval --attentions output")
    ap.add_argument("--grads", metavar="FILE", help="bert-tutor eval --grads output")
    ap.add_argument("--head", choices=["mlm", "nsp", "both"], help="the --head the grads were made with (default both)")
    args = ap.parse_args()
    if args.head and not args.grads:
        ap.error("--head needs --grads FILE")
    args.head = args.head or "both"
    return args


def check_losses(model, inputs, labels, nsp_label, ours) -> bool:
    with torch.no_grad():
        out = model(**inputs)
    mlm, nsp = (x.item() for x in head_losses(out, labels, nsp_label))
    p_next = torch.softmax(out.seq_relationship_logits, -1)[0, 0].item()
    total = mlm + nsp if ours.get("sentence_head_trained", True) else mlm
    worst = 0.0
    for name, theirs, mine in [("mlm_loss", mlm, ours["mlm_loss"]), ("nsp_loss", nsp, ours["nsp_loss"]),
                               ("total_loss", total, ours["total_loss"]), ("p_is_next", p_next, ours["nsp_prob_is_next"])]:
        rel = abs(theirs - mine) / max(abs(theirs), 1e-12)
        worst = max(worst, rel)
        print(f"{name:11} HF {theirs:.6f}  bert-tutor {mine:.6f}  rel diff {rel:.1e}")
    return worst <= LOSS_TOL


def head_losses(out, labels, nsp_label):
    """(MLM, NSP) mean cross-entropies, as BertForPreTraining sums them."""
    ce = torch.nn.CrossEntropyLoss()
    mlm = ce(out.prediction_logits.reshape(-1, out.prediction_logits.shape[-1]), labels.reshape(-1))
    return mlm, ce(out.seq_relationship_logits.reshape(-1, 2), nsp_label)


def check_attentions(model64, inputs, path) -> bool:
    ours = load_file(path)
    with torch.no_grad():
        theirs = model64(**inputs, output_attentions=True).attentions
    worst, where = 0.0, ""
    if sorted(ours) != sorted(f"layer.{i}" for i in range(len(theirs))):
        print(f"attentions: {path} has {sorted(ours)}, HF has layers 0..{len(theirs) - 1}")
        return False
    for i, t in enumerate(theirs):
        mine, ref = ours[f"layer.{i}"].double(), t[0]
        if mine.shape != ref.shape:
            print(f"attentions layer.{i}: shape {list(mine.shape)}, HF {list(ref.shape)}")
            return False
        d = (mine - ref).abs()
        print(f"attention layer.{i} {list(mine.shape)}  max |ours - HF| {d.max().item():.2e}")
        if d.max().item() > worst:
            h, q, k = divmod_index(d.argmax().item(), ref.shape)
            worst, where = d.max().item(), f"layer.{i} head {h} query {q} key {k}"
    print(f"attentions: worst max abs diff {worst:.2e} ({where}), tolerance {ATTN_TOL:.0e}")
    return worst <= ATTN_TOL


def divmod_index(flat, shape):
    out = []
    for n in reversed(shape):
        flat, r = divmod(flat, n)
        out.append(r)
    return tuple(reversed(out))


def hf_grads(model64, inputs, labels, nsp_label, head, trained):
    model64.zero_grad(set_to_none=True)
    mlm, nsp = head_losses(model64(**inputs), labels, nsp_label)
    loss = {"mlm": mlm, "nsp": nsp, "both": mlm + nsp if trained else mlm}[head]
    loss.backward()
    return {n: p.grad for n, p in model64.named_parameters()}


def check_grads(model64, inputs, labels, nsp_label, path, head, trained) -> bool:
    ours = load_file(path)
    theirs = hf_grads(model64, inputs, labels, nsp_label, head, trained)
    if sorted(ours) != sorted(theirs):
        print(f"grads: names differ; only ours {sorted(set(ours) - set(theirs))}, only HF {sorted(set(theirs) - set(ours))}")
        return False
    scale = max(g.abs().max().item() for g in theirs.values() if g is not None)
    rows, ok = [], True
    for name, ref in theirs.items():
        mine = ours[name].double()
        if ref is None:  # outside this loss's path: ours must be exactly 0
            bad = (mine != 0).sum().item()
            ok &= bad == 0
            print(f"{name:55} no HF gradient (not on the {head} loss's path); ours nonzero entries: {bad}")
            continue
        if mine.shape != ref.shape:
            print(f"{name}: shape {list(mine.shape)}, HF {list(ref.shape)}")
            return False
        diff = (mine - ref).abs().max().item()
        if name.endswith(ZERO_IN_THEORY):
            ok &= diff / scale <= ZERO_TOL
            print(f"{name:55} true gradient 0: max |ours - HF| {diff:.2e} = {diff / scale:.1e} of the largest "
                  f"gradient ({scale:.2e}), tolerance {ZERO_TOL:.0e}")
            continue
        rows.append((diff / max(ref.abs().max().item(), TINY), name))
    rows.sort(reverse=True)
    for rel, name in rows[:5]:
        print(f"{name:55} rel err {rel:.2e}")
    worst = rows[0] if rows else (0.0, "")
    print(f"grads (--head {head}): worst rel err {worst[0]:.2e} ({worst[1]}), tolerance {GRAD_TOL:.0e}, "
          f"{len(rows)} tensors compared")
    return ok and worst[0] <= GRAD_TOL


def _token_id(model_dir: str, token: str) -> int:
    vocab = open(f"{model_dir}/vocab.txt", encoding="utf-8").read().split("\n")
    return vocab.index(token)


if __name__ == "__main__":
    sys.exit(main())
