#!/usr/bin/env bash
# Runs bert-tutor bench and tools/bench_pytorch.py on the three configurations of
# docs/PERFORMANCE.md, one after the other on an otherwise idle machine, and prints the
# table. Needs a release build (cargo build --release) and Python with torch+transformers.
# Usage: tools/perf_table.sh [threads]
set -euo pipefail
cd "$(dirname "$0")/.."
T=${1:-2}
BIN=target/release/bert-tutor
declare -A CFG=(
  [a]="--vocab 2000 --hidden 64 --layers 2 --heads 4 --ffn 256 --batch 32 --seq 32"
  [b]="--vocab 30522 --hidden 128 --layers 2 --heads 2 --ffn 512 --batch 32 --seq 128"
  [c]="--vocab 30522 --hidden 256 --layers 4 --heads 4 --ffn 1024 --batch 16 --seq 128"
)
declare -A OURS_STEPS=([a]=300 [b]=20 [c]=10)
declare -A TORCH_STEPS=([a]=100 [b]=5 [c]=5)
echo "| config | PyTorch steps/s | bert-tutor steps/s | speed-up | bert-tutor tokens/s | bert-tutor GFLOP/s |"
echo "|---|---|---|---|---|---|"
for k in a b c; do
  torch=$(python3 tools/bench_pytorch.py ${CFG[$k]} --steps ${TORCH_STEPS[$k]} --warmup 2 --threads "$T" --json 2>/dev/null \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["steps_per_sec"])')
  ours=$($BIN bench ${CFG[$k]} --steps ${OURS_STEPS[$k]} --warmup 2 --threads "$T" --json)
  read -r sps tps gf <<<"$(echo "$ours" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["steps_per_sec"], d["tokens_per_sec"], d["gflops"])')"
  python3 -c "print(f'| ($k) | {float($torch):.2f} | {float($sps):.2f} | {float($sps)/float($torch):.1f}× | {float($tps):.0f} | {float($gf):.1f} |')"
done
