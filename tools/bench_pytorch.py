#!/usr/bin/env python3
"""
bench_pytorch.py -- the PyTorch side of the speed comparison with `bert-tutor bench`.

What it measures:

  The throughput of full BertForPreTraining *training steps* on the CPU with HuggingFace
  transformers + PyTorch (float32), on random synthetic batches. One timed step is exactly:

      optimizer.zero_grad(set_to_none=True)
      loss = model(input_ids, token_type_ids, attention_mask,
                   labels=mlm_labels, next_sentence_label=nsp_labels).loss   # MLM + NSP
      loss.backward()
      torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
      optimizer.step()                                                       # AdamW

  - model: BertForPreTraining(BertConfig(...)) with hidden_act="gelu", dropout 0.1 (hidden and
    attention probs), max_position_embeddings = max(512, seq), in model.train() mode (dropout on),
    float32, HF's default attention implementation (normally "sdpa"; --eager forces "eager").
    The implementation actually used (model.config._attn_implementation) is reported.
  - optimizer: torch.optim.AdamW(lr=1e-4, betas=(0.9, 0.999), eps=1e-6), weight_decay 0.01
    except for parameters whose name contains "bias" or "LayerNorm" (0.0).
  - batches: a fresh random batch for every step (warm-up and timed), all built before timing:
      input_ids       random in [5, vocab), [CLS]=2 at position 0, [SEP]=3 at seq//2 and seq-1
      token_type_ids  0 up to and including the middle [SEP], 1 after it
      attention_mask  all ones
      labels          -100 except at round(seq*0.15) random non-special positions per sequence,
                      where the label is the original id and the input id becomes [MASK]=4
                      (round half away from zero, like Rust's f64::round)
      next_sentence_label  random 0/1
  - threads: torch.set_num_threads(--threads); torch.set_num_interop_threads(1) (best effort).
  - timing: --warmup untimed steps, then --steps steps timed with time.perf_counter().

  It prints the config, threads, attention implementation, steps/s, tokens/s
  (= batch * seq * steps/s), ms/step and the final loss; with --json it prints one JSON object
  instead (steps_per_sec, tokens_per_sec, ms_per_step, threads, torch_version,
  attn_implementation, config, ...).

How to run (from the repository root), mirroring `bert-tutor bench`:

    python3 tools/bench_pytorch.py                      # defaults below
    python3 tools/bench_pytorch.py --vocab 2000 --hidden 64 --layers 2 --heads 4 --ffn 256 \\
        --batch 32 --seq 32 --steps 50 --warmup 5 --threads 2 [--eager] [--json]

    # BERT-Tiny shapes:
    python3 tools/bench_pytorch.py --vocab 30522 --hidden 128 --layers 2 --heads 2 --ffn 512 \\
        --batch 32 --seq 128 --steps 20 --warmup 2 --threads 2

Use the same --threads for both sides, and run on an otherwise idle machine: another process
using the CPU makes the numbers only indicative.

Requirements: Python 3 with torch and transformers (5.x). This script is NOT needed by the
tests (nothing in `cargo test` runs or reads it); it only exists to compare speeds.
"""

import argparse
import json
import math
import platform
import sys
import time


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Time BertForPreTraining training steps (MLM+NSP, AdamW) in PyTorch on the CPU."
    )
    p.add_argument("--vocab", type=int, default=2000, help="vocabulary size (default 2000)")
    p.add_argument("--hidden", type=int, default=64, help="hidden size (default 64)")
    p.add_argument("--layers", type=int, default=2, help="number of encoder layers (default 2)")
    p.add_argument("--heads", type=int, default=4, help="number of attention heads (default 4)")
    p.add_argument("--ffn", type=int, default=256, help="intermediate (FFN) size (default 256)")
    p.add_argument("--batch", type=int, default=32, help="sequences per batch (default 32)")
    p.add_argument("--seq", type=int, default=32, help="sequence length (default 32)")
    p.add_argument("--steps", type=int, default=50, help="timed training steps (default 50)")
    p.add_argument("--warmup", type=int, default=5, help="untimed warm-up steps (default 5)")
    p.add_argument("--threads", type=int, default=2, help="torch intra-op threads (default 2)")
    p.add_argument("--eager", action="store_true", help='force attn_implementation="eager"')
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    a = p.parse_args(argv)

    def need(cond, msg):
        if not cond:
            p.error(msg)

    need(a.vocab > 5, "--vocab must be > 5 (ids 0..4 are special)")
    need(a.hidden > 0 and a.layers > 0 and a.heads > 0 and a.ffn > 0, "sizes must be positive")
    need(a.hidden % a.heads == 0, "--hidden must be divisible by --heads")
    need(a.batch > 0, "--batch must be positive")
    need(a.seq >= 4, "--seq must be >= 4 ([CLS] ... [SEP] ... [SEP])")
    need(a.steps > 0, "--steps must be positive")
    need(a.warmup >= 0, "--warmup must be >= 0")
    need(a.threads > 0, "--threads must be positive")
    return a


def num_masked(seq):
    """round(seq * 0.15), half away from zero (as Rust's f64::round), capped by the number of
    non-special positions (seq - 3)."""
    return min(int(math.floor(seq * 0.15 + 0.5)), seq - 3)


def make_batches(torch, n, batch, seq, vocab, generator):
    """n random pre-training batches (dicts of tensors), see the module docstring."""
    CLS, SEP, MASK = 2, 3, 4
    mid = seq // 2
    k = num_masked(seq)
    special = torch.zeros(seq, dtype=torch.bool)
    special[[0, mid, seq - 1]] = True
    token_type = (torch.arange(seq) > mid).long().expand(batch, seq).contiguous()
    out = []
    for _ in range(n):
        ids = torch.randint(5, vocab, (batch, seq), generator=generator, dtype=torch.long)
        ids[:, 0] = CLS
        ids[:, mid] = SEP
        ids[:, seq - 1] = SEP
        # k distinct random non-special positions per row: argsort of uniform noise with the
        # special positions pushed to the end.
        noise = torch.rand(batch, seq, generator=generator)
        noise[:, special] = 2.0
        pos = noise.argsort(dim=1)[:, :k]
        labels = torch.full((batch, seq), -100, dtype=torch.long)
        labels.scatter_(1, pos, ids.gather(1, pos))
        ids.scatter_(1, pos, MASK)
        nsp = torch.randint(0, 2, (batch,), generator=generator, dtype=torch.long)
        out.append(
            dict(
                input_ids=ids,
                token_type_ids=token_type.clone(),
                attention_mask=torch.ones(batch, seq, dtype=torch.long),
                labels=labels,
                next_sentence_label=nsp,
            )
        )
    return out


def main(argv=None):
    a = parse_args(argv)

    import torch

    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # already set, or parallel work already started
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)

    import transformers
    from transformers import BertConfig, BertForPreTraining

    cfg = BertConfig(
        vocab_size=a.vocab,
        hidden_size=a.hidden,
        num_hidden_layers=a.layers,
        num_attention_heads=a.heads,
        intermediate_size=a.ffn,
        max_position_embeddings=max(512, a.seq),
        hidden_act="gelu",
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
    )
    if a.eager:
        cfg._attn_implementation = "eager"
    model = BertForPreTraining(cfg).to(torch.float32)
    model.train()
    attn_impl = model.config._attn_implementation
    n_params = sum(p.numel() for p in model.parameters())  # tied decoder counted once

    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if ("bias" in name or "LayerNorm" in name) else decay).append(p)
    opt = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": 0.01},
            {"params": no_decay, "weight_decay": 0.0},
        ],
        lr=1e-4,
        betas=(0.9, 0.999),
        eps=1e-6,
    )

    gen = torch.Generator().manual_seed(0)
    batches = make_batches(torch, a.warmup + a.steps, a.batch, a.seq, a.vocab, gen)

    def step(b):
        opt.zero_grad(set_to_none=True)
        loss = model(**b).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss

    loss = None
    for b in batches[: a.warmup]:
        loss = step(b)

    step_times = []
    t0 = time.perf_counter()
    for b in batches[a.warmup :]:
        ts = time.perf_counter()
        loss = step(b)
        step_times.append(time.perf_counter() - ts)
    elapsed = time.perf_counter() - t0
    final_loss = float(loss.detach())

    steps_per_sec = a.steps / elapsed
    tokens_per_sec = a.batch * a.seq * steps_per_sec
    ms_per_step = 1000.0 * elapsed / a.steps
    st = sorted(step_times)
    median_ms = 1000.0 * st[len(st) // 2] if len(st) % 2 else 500.0 * (st[len(st) // 2 - 1] + st[len(st) // 2])
    min_ms = 1000.0 * st[0]

    config = dict(
        vocab=a.vocab,
        hidden=a.hidden,
        layers=a.layers,
        heads=a.heads,
        ffn=a.ffn,
        batch=a.batch,
        seq=a.seq,
        steps=a.steps,
        warmup=a.warmup,
        max_position_embeddings=cfg.max_position_embeddings,
        masked_per_sequence=num_masked(a.seq),
    )

    if a.json:
        print(
            json.dumps(
                dict(
                    config=config,
                    threads=a.threads,
                    interop_threads=torch.get_num_interop_threads(),
                    attn_implementation=attn_impl,
                    eager_forced=a.eager,
                    steps_per_sec=steps_per_sec,
                    tokens_per_sec=tokens_per_sec,
                    ms_per_step=ms_per_step,
                    median_ms_per_step=median_ms,
                    min_ms_per_step=min_ms,
                    seconds=elapsed,
                    final_loss=final_loss,
                    num_parameters=n_params,
                    torch_version=torch.__version__,
                    transformers_version=transformers.__version__,
                    python_version=platform.python_version(),
                )
            )
        )
    else:
        c = config
        print(
            f"pytorch bench: BertForPreTraining vocab={c['vocab']} hidden={c['hidden']} "
            f"layers={c['layers']} heads={c['heads']} ffn={c['ffn']} batch={c['batch']} "
            f"seq={c['seq']} ({n_params:,} parameters, {c['masked_per_sequence']} masked/seq)"
        )
        print(
            f"torch {torch.__version__}, transformers {transformers.__version__}, "
            f"threads={a.threads} (interop {torch.get_num_interop_threads()}), "
            f"attn_implementation={attn_impl}, train mode (dropout 0.1), float32"
        )
        print(f"warmup {a.warmup} steps, timed {a.steps} steps in {elapsed:.3f} s")
        print(f"steps/s:   {steps_per_sec:.2f}")
        print(f"tokens/s:  {tokens_per_sec:.0f}")
        print(f"ms/step:   {ms_per_step:.2f} (median {median_ms:.2f}, min {min_ms:.2f})")
        print(f"final loss: {final_loss:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
