#!/usr/bin/env python3
"""
make_fixture.py -- generate the committed reference fixture for bert-tutor's Rust tests.

What it makes (all under tests/fixtures/, total well under 1 MB):

  tiny_bert/                         a random tiny BertForPreTraining written by HF itself
      config.json                    (model.save_pretrained(..., safe_serialization=True)),
      model.safetensors              float32, HF's own key layout (tied decoder omitted).
  tiny_bert_old/                     the SAME float32 weights in an "old style" checkpoint,
      config.json                    written with safetensors.torch.save_file directly:
      model.safetensors              LayerNorm.gamma/.beta instead of .weight/.bias, an explicit
                                     cls.predictions.decoder.weight (copy of the word embeddings)
                                     and cls.predictions.decoder.bias (copy of cls.predictions.bias),
                                     plus the buffer bert.embeddings.position_ids (int64, (1, 24)).
  tiny_bert_reference.safetensors    inputs, outputs, losses and gradients of one forward/backward
                                     pass computed by HF in float64 (stored as float32; ids as int64):
      input_ids, token_type_ids, attention_mask, mlm_labels   (B, T) int64
      nsp_labels                                              (B,)   int64
      mlm_logits (B, T, V), nsp_logits (B, 2)
      mlm_loss, nsp_loss, total_loss                          (1,)   total = mlm + nsp
      grad.<param name>   for every parameter (state-dict names, PyTorch shapes, Linear = [out, in]);
                          grad.bert.embeddings.word_embeddings.weight is the FULL gradient of the
                          tied matrix (embedding lookup + MLM decoder). nn.Embedding(padding_idx=0)
                          means row 0 receives no gradient from the lookup, only from the decoder.
      grad_mlm.<param name>, grad_nsp.<param name>
                          the same gradients when only the MLM loss (grad_mlm) or only the NSP loss
                          (grad_nsp) is backpropagated, eval mode, float64 like grad.*. A parameter
                          off that loss's path (the pooler and NSP classifier for MLM; the MLM
                          transform and decoder bias for NSP) gets no gradient in PyTorch and is
                          stored as zeros.
      attn.layer.<i>      (B, A, T, T) layer i's attention probabilities (output_attentions=True,
                          eager, eval mode) [batch, head, query, key]; padding keys get exactly 0.
      adamw_losses (5,)   total loss BEFORE each of 5 AdamW steps on the same batch
      adamw.<name>        every parameter AFTER the 5 AdamW steps
                          (lr=1e-2, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.01 except for
                          parameters whose name contains "bias" or "LayerNorm" -> 0.0; constant lr,
                          no clipping, eval mode). adamw_losses[0] == total_loss.

How to run (from the repository root):

    python3 tools/make_fixture.py

It is seeded (torch.manual_seed(0)), so a re-run reproduces the same files. It needs Python with
torch, transformers (5.x), safetensors and numpy. It is NOT needed at test time: the Rust tests only
read the committed files in tests/fixtures/. Re-run it only if the fixture format changes.

In the spirit of karpathy/llm.c's train_gpt2.py `write_state`: the reference implementation (here
HuggingFace's BertForPreTraining, eager attention, dropout off) computes a forward, loss, backward and
a few optimizer steps on one small batch, and dumps everything so the hand-written implementation can
be checked tensor by tensor.

Batch layout (B=3, T=12; [PAD]=0, [CLS]=2, [SEP]=3, [MASK]=4, ordinary tokens 5..63):
    [CLS] A [SEP] B [SEP] (+ [PAD]...), token_type 0 for "[CLS] A [SEP]", 1 for "B [SEP]", 0 for pads.
    pair 0: |A|=5, |B|=4 (fills 12)   pair 1: |A|=3, |B|=2 + 4 pads   pair 2: |A|=3, |B|=6 (fills 12)
    3 + 2 + 2 masked positions; one keeps its original id, one gets a random id, the rest are [MASK].
    mlm_labels = original id at masked positions, -100 elsewhere. nsp_labels = [0, 1, 0].
"""

import copy
import math
import os
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from transformers import BertConfig, BertForPreTraining

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")

PAD, CLS, SEP, MASK = 0, 2, 3, 4
FIRST_ORDINARY = 5
B, T = 3, 12
ADAMW_STEPS = 5


def make_config():
    return BertConfig(
        vocab_size=64,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=32,
        max_position_embeddings=24,
        type_vocab_size=2,
        hidden_act="gelu",  # exact erf GELU (transformers GELUActivation), not the tanh approximation
        layer_norm_eps=1e-12,
        initializer_range=0.02,
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
        pad_token_id=0,
        attn_implementation="eager",  # not serialized to config.json
    )


def assert_tied(model):
    p = model.cls.predictions
    we = model.bert.embeddings.word_embeddings.weight
    assert p.decoder.weight is we, "decoder weight must be tied to word embeddings"
    assert p.decoder.weight.data_ptr() == we.data_ptr()
    # transformers 5 also ties decoder.bias to cls.predictions.bias (_tied_weights_keys)
    assert p.decoder.bias is p.bias, "decoder bias must be tied to cls.predictions.bias"


def randomize_(model):
    """Overwrite every parameter so nothing is 0 or 1 (makes the gradient test non-trivial)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name and name.endswith(".weight"):
                p.copy_(1.0 + 0.1 * torch.randn_like(p))
            elif "LayerNorm" in name and name.endswith(".bias"):
                p.copy_(0.1 * torch.randn_like(p))
            elif name == "cls.predictions.bias":
                p.copy_(0.1 * torch.randn_like(p))
            else:  # all Linear weights/biases and all embeddings, including word-embedding row 0
                p.copy_(0.3 * torch.randn_like(p))


def rand_tokens(n):
    return torch.randint(FIRST_ORDINARY, 64, (n,))


def make_batch():
    # (len A, len B); total = 3 + a + b, padded to T
    splits = [(5, 4), (3, 2), (3, 6)]
    input_ids = torch.full((B, T), PAD, dtype=torch.long)
    token_type_ids = torch.zeros((B, T), dtype=torch.long)
    attention_mask = torch.zeros((B, T), dtype=torch.long)
    for i, (la, lb) in enumerate(splits):
        seq = [CLS] + rand_tokens(la).tolist() + [SEP] + rand_tokens(lb).tolist() + [SEP]
        n = len(seq)
        assert n <= T
        input_ids[i, :n] = torch.tensor(seq)
        token_type_ids[i, la + 2 : n] = 1
        attention_mask[i, :n] = 1
    assert attention_mask[0].all() and attention_mask[2].all() and attention_mask[1].sum() == T - 4

    # masked positions (never [CLS]/[SEP]/[PAD]); chosen randomly among ordinary tokens
    n_mask = [3, 2, 2]
    masked = []
    for i in range(B):
        cand = [t for t in range(T) if input_ids[i, t].item() >= FIRST_ORDINARY]
        perm = torch.randperm(len(cand))[: n_mask[i]]
        masked.append(sorted(cand[j] for j in perm.tolist()))

    mlm_labels = torch.full((B, T), -100, dtype=torch.long)
    original = input_ids.clone()
    flat = [(i, t) for i in range(B) for t in masked[i]]
    keep_pos = flat[1]  # one "keep" case (pair 0)
    rand_pos = flat[4]  # one "random replacement" case (pair 1)
    for i, t in flat:
        mlm_labels[i, t] = original[i, t]
        if (i, t) == keep_pos:
            continue
        if (i, t) == rand_pos:
            r = original[i, t].item()
            while r == original[i, t].item():
                r = torch.randint(FIRST_ORDINARY, 64, (1,)).item()
            input_ids[i, t] = r
        else:
            input_ids[i, t] = MASK
    nsp_labels = torch.tensor([0, 1, 0], dtype=torch.long)
    return input_ids, token_type_ids, attention_mask, mlm_labels, nsp_labels, keep_pos, rand_pos


def forward_losses(model, batch):
    input_ids, token_type_ids, attention_mask, mlm_labels, nsp_labels = batch
    out = model(
        input_ids=input_ids,
        token_type_ids=token_type_ids,
        attention_mask=attention_mask,
        labels=mlm_labels,
        next_sentence_label=nsp_labels,
    )
    V = out.prediction_logits.shape[-1]
    mlm = F.cross_entropy(out.prediction_logits.reshape(-1, V), mlm_labels.reshape(-1), ignore_index=-100)
    nsp = F.cross_entropy(out.seq_relationship_logits.reshape(-1, 2), nsp_labels.reshape(-1))
    return out, mlm, nsp


def per_head_grads(model64, batch, head):
    """`grad_<head>.<name>`: d(one head's loss)/d(every parameter) on a fresh copy, eval mode.
    Parameters off that loss's path get no gradient from PyTorch: stored as zeros."""
    model = copy.deepcopy(model64).eval()
    model.zero_grad(set_to_none=True)
    _, mlm, nsp = forward_losses(model, batch)
    {"mlm": mlm, "nsp": nsp}[head].backward()
    return {
        f"grad_{head}.{n}": (p.grad if p.grad is not None else torch.zeros_like(p)).detach().float().contiguous()
        for n, p in model.named_parameters()
    }


def attentions(model64, batch):
    """`attn.layer.<i>`: every layer's attention probabilities (B, A, T, T), eval mode."""
    input_ids, token_type_ids, attention_mask, _, _ = batch
    with torch.no_grad():
        out = model64(
            input_ids=input_ids, token_type_ids=token_type_ids, attention_mask=attention_mask, output_attentions=True
        )
    pad_keys = (attention_mask == 0)[:, None, None, :]  # (B, 1, 1, T): the key axis
    maps = {}
    for i, a in enumerate(out.attentions):
        assert a.shape == (B, model64.config.num_attention_heads, T, T), a.shape
        assert (a.masked_select(pad_keys.expand_as(a)) == 0).all(), f"layer {i}: a padding key gets weight"
        maps[f"attn.layer.{i}"] = a.detach().float().contiguous()
    return maps


def old_style_state(model32):
    """State dict in the legacy layout: gamma/beta, explicit tied decoder, position_ids buffer."""
    sd = {}
    for name, p in model32.state_dict().items():
        t = p.detach().clone().contiguous()  # clone: save_file refuses shared storage
        if "LayerNorm" in name:
            name = name.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")
        sd[name] = t
    assert "cls.predictions.decoder.weight" in sd and "cls.predictions.decoder.bias" in sd
    sd["bert.embeddings.position_ids"] = torch.arange(model32.config.max_position_embeddings, dtype=torch.long)[None, :].contiguous()
    return sd


def main():
    torch.manual_seed(0)
    config = make_config()
    model32 = BertForPreTraining(config)
    assert model32.config._attn_implementation == "eager", model32.config._attn_implementation
    model32.tie_weights()
    assert_tied(model32)
    randomize_(model32)
    assert_tied(model32)
    model32 = model32.float().eval()

    input_ids, token_type_ids, attention_mask, mlm_labels, nsp_labels, keep_pos, rand_pos = make_batch()
    batch = (input_ids, token_type_ids, attention_mask, mlm_labels, nsp_labels)

    # ---- float64 reference: exact copy of the float32 weights ------------------------------------
    model64 = copy.deepcopy(model32).double().eval()
    assert_tied(model64)
    for (n32, p32), (n64, p64) in zip(model32.named_parameters(), model64.named_parameters()):
        assert n32 == n64 and p64.dtype == torch.float64 and torch.equal(p64, p32.double())
    model64.zero_grad(set_to_none=True)
    out, mlm_loss, nsp_loss = forward_losses(model64, batch)
    hf_loss = out.loss
    assert torch.allclose(mlm_loss + nsp_loss, hf_loss, rtol=0, atol=1e-12), (mlm_loss, nsp_loss, hf_loss)
    hf_loss.backward()

    param_names = [n for n, _ in model64.named_parameters()]
    assert "cls.predictions.bias" in param_names
    assert "cls.predictions.decoder.weight" not in param_names  # de-duplicated (tied)
    grads = {}
    for name, p in model64.named_parameters():
        assert p.grad is not None, name
        grads["grad." + name] = p.grad.detach().float().contiguous()
    # sanity: row 0 of the word-embedding grad comes only from the decoder
    g_we = model64.bert.embeddings.word_embeddings.weight.grad
    assert g_we[0].abs().sum() > 0

    # ---- AdamW trajectory on a separate deep copy ------------------------------------------------
    model_opt = copy.deepcopy(model64)
    model_opt.zero_grad(set_to_none=True)
    assert_tied(model_opt)
    decay, no_decay = [], []
    for name, p in model_opt.named_parameters():
        (no_decay if ("bias" in name or "LayerNorm" in name) else decay).append(p)
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
        lr=1e-2, betas=(0.9, 0.999), eps=1e-6,
    )
    adamw_losses = []
    for step in range(ADAMW_STEPS):
        opt.zero_grad(set_to_none=True)
        o = model_opt(
            input_ids=input_ids, token_type_ids=token_type_ids, attention_mask=attention_mask,
            labels=mlm_labels, next_sentence_label=nsp_labels,
        )
        adamw_losses.append(o.loss.item())
        o.loss.backward()
        opt.step()
    assert adamw_losses[0] == hf_loss.item()
    # every parameter after the 5 steps (the tied decoder appears once, as the word table):
    # a wrong decay group (a LayerNorm weight decayed, say) moves these by ~lr·wd·w per step.
    adamw_params = {"adamw." + n: p.detach().float().contiguous() for n, p in model_opt.named_parameters()}
    # the saved gradients were not disturbed by the optimizer run
    assert torch.equal(model64.bert.embeddings.word_embeddings.weight.grad, g_we)

    # ---- per-head gradients and attention maps, each on its own copy -----------------------------
    head_grads = {**per_head_grads(model64, batch, "mlm"), **per_head_grads(model64, batch, "nsp")}
    for name in param_names:  # the two heads' gradients add up to the total's
        total = grads["grad." + name].double()
        parts = head_grads["grad_mlm." + name].double() + head_grads["grad_nsp." + name].double()
        assert torch.allclose(parts, total, rtol=1e-5, atol=1e-7), name
    attention_maps = attentions(model64, batch)

    # ---- write files ----------------------------------------------------------------------------
    os.makedirs(FIXTURES, exist_ok=True)
    tiny_dir = os.path.join(FIXTURES, "tiny_bert")
    model32.save_pretrained(tiny_dir, safe_serialization=True)

    old_dir = os.path.join(FIXTURES, "tiny_bert_old")
    os.makedirs(old_dir, exist_ok=True)
    model32.config.to_json_file(os.path.join(old_dir, "config.json"))
    save_file(old_style_state(model32), os.path.join(old_dir, "model.safetensors"), metadata={"format": "pt"})

    ref = {
        "input_ids": input_ids,
        "token_type_ids": token_type_ids,
        "attention_mask": attention_mask,
        "mlm_labels": mlm_labels,
        "nsp_labels": nsp_labels,
        "mlm_logits": out.prediction_logits.detach().float(),
        "nsp_logits": out.seq_relationship_logits.detach().float(),
        "mlm_loss": mlm_loss.detach().float().reshape(1),
        "nsp_loss": nsp_loss.detach().float().reshape(1),
        "total_loss": hf_loss.detach().float().reshape(1),
        "adamw_losses": torch.tensor(adamw_losses, dtype=torch.float32),
    }
    ref.update(grads)
    ref.update(adamw_params)
    ref.update(head_grads)
    ref.update(attention_maps)
    ref = {k: v.contiguous() for k, v in ref.items()}
    ref_path = os.path.join(FIXTURES, "tiny_bert_reference.safetensors")
    save_file(ref, ref_path, metadata={"format": "pt", "generator": "tools/make_fixture.py"})

    # ---- verify what was written ----------------------------------------------------------------
    saved = load_file(os.path.join(tiny_dir, "model.safetensors"))
    sd32 = model32.state_dict()
    for k, v in saved.items():
        assert v.dtype == torch.float32 and torch.equal(v, sd32[k]), k
    reloaded = BertForPreTraining.from_pretrained(tiny_dir, attn_implementation="eager").double().eval()
    out2, _, _ = forward_losses(reloaded, batch)
    assert torch.equal(out2.loss, hf_loss), (out2.loss, hf_loss)

    # ---- summary ----------------------------------------------------------------------------------
    torch.set_printoptions(precision=6, linewidth=120)
    print("config: V=64 H=16 L=2 heads=4 I=32 P=24 types=2 gelu(erf) eps=1e-12, attn=eager, dtype ref=float64")
    print("input_ids:\n", input_ids)
    print("token_type_ids:\n", token_type_ids)
    print("attention_mask:\n", attention_mask)
    print("mlm_labels:\n", mlm_labels)
    print("nsp_labels:", nsp_labels.tolist())
    print(f"keep case at {keep_pos}, random case at {rand_pos} (id {input_ids[rand_pos].item()} instead of {mlm_labels[rand_pos].item()})")
    print(f"mlm_loss   = {mlm_loss.item():.10f}")
    print(f"nsp_loss   = {nsp_loss.item():.10f}")
    print(f"total_loss = {hf_loss.item():.10f}   (ln(64) = {math.log(64):.10f}, ln(2) = {math.log(2):.10f})")
    print("adamw_losses =", [f"{x:.10f}" for x in adamw_losses])
    print("nsp_logits:\n", out.seq_relationship_logits.detach())
    print(f"{len(grads)} gradient tensors; parameter count = {sum(p.numel() for p in model32.parameters())}")
    print("saved tiny_bert/model.safetensors keys:", len(saved))
    for k in sorted(saved):
        print(f"  {k:60s} {tuple(saved[k].shape)} {saved[k].dtype}")
    for d, _, files in sorted(os.walk(FIXTURES)):
        for f in sorted(files):
            p = os.path.join(d, f)
            print(f"  {os.path.relpath(p, ROOT):55s} {os.path.getsize(p):8d} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
