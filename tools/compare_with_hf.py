"""Cross-check `bert-tutor eval` against HF transformers on a saved checkpoint.

Usage:
    bert-tutor eval --model DIR --mask 3,8 --label is-next --json > eval.json
    python3 tools/compare_with_hf.py DIR eval.json

Loads DIR with BertForPreTraining.from_pretrained (eval mode, no dropout), feeds it the
exact input ids, segments and labels that bert-tutor used, and prints both sets of losses
and P(IsNext) with their differences. Exits non-zero if any differs by more than 1e-4
relative. Needs torch and transformers; not used by the tests.
"""
import json
import sys

import torch
from transformers import BertForPreTraining


def main() -> int:
    model_dir, eval_path = sys.argv[1], sys.argv[2]
    ours = json.load(open(eval_path))
    model = BertForPreTraining.from_pretrained(model_dir, attn_implementation="eager").eval()
    ids = torch.tensor([ours["input_ids"]])
    segments = torch.tensor([ours["segment_ids"]])
    labels = torch.full_like(ids, -100)
    for p in ours["predictions"]:
        labels[0, p["position"]] = _token_id(model_dir, p["original"])
    nsp_label = torch.tensor([0 if ours["nsp_label"] == "is-next" else 1])
    with torch.no_grad():
        out = model(input_ids=ids, token_type_ids=segments, attention_mask=torch.ones_like(ids))
    ce = torch.nn.CrossEntropyLoss()
    mlm = ce(out.prediction_logits.view(-1, model.config.vocab_size), labels.view(-1)).item()
    nsp = ce(out.seq_relationship_logits, nsp_label).item()
    p_next = torch.softmax(out.seq_relationship_logits, -1)[0, 0].item()
    worst = 0.0
    for name, theirs, mine in [("mlm_loss", mlm, ours["mlm_loss"]), ("nsp_loss", nsp, ours["nsp_loss"]),
                               ("total_loss", mlm + nsp, ours["total_loss"]), ("p_is_next", p_next, ours["nsp_prob_is_next"])]:
        rel = abs(theirs - mine) / max(abs(theirs), 1e-12)
        worst = max(worst, rel)
        print(f"{name:11} HF {theirs:.6f}  bert-tutor {mine:.6f}  rel diff {rel:.1e}")
    return 0 if worst <= 1e-4 else 1


def _token_id(model_dir: str, token: str) -> int:
    vocab = open(f"{model_dir}/vocab.txt", encoding="utf-8").read().split("\n")
    return vocab.index(token)


if __name__ == "__main__":
    sys.exit(main())
