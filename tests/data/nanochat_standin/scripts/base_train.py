"""Stand-in for nanochat's scripts/base_train.py (tests only): upstream's options, upstream's
log lines with made-up numbers, and the seed torch was given. Run it as upstream's is run:
`python -m scripts.base_train --depth=4 --target-flops=1e12`, or under
`torchrun --standalone --nproc_per_node=N -m scripts.base_train -- ...`."""

import argparse
import os

from nanochat.common import compute_init, print0, torch

# Upstream's options at 92d63d4, as facts: (name, type, default); "flag" is store_true.
OPTIONS = [
    ("run", str, "dummy"), ("device-type", str, ""), ("fp8", "flag", False),
    ("fp8-recipe", str, "tensorwise"), ("depth", int, 20), ("aspect-ratio", int, 64),
    ("head-dim", int, 128), ("max-seq-len", int, 2048), ("window-pattern", str, "SSSL"),
    ("num-iterations", int, -1), ("target-flops", float, -1.0),
    ("target-param-data-ratio", float, 12), ("device-batch-size", int, 32),
    ("total-batch-size", int, -1), ("embedding-lr", float, 0.3),
    ("unembedding-lr", float, 0.008), ("weight-decay", float, 0.28), ("matrix-lr", float, 0.02),
    ("scalar-lr", float, 0.5), ("warmup-steps", int, 40), ("warmdown-ratio", float, 0.65),
    ("final-lr-frac", float, 0.05), ("resume-from-step", int, -1), ("eval-every", int, 250),
    ("eval-tokens", int, 80 * 524288), ("core-metric-every", int, 2000),
    ("core-metric-max-per-task", int, 500), ("sample-every", int, 2000),
    ("save-every", int, -1), ("model-tag", str, None),
]  # fmt: skip
CHOICES = {"fp8-recipe": ["rowwise", "tensorwise"]}
VOCAB = 4096


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Pretrain base model (stand-in)")
    for name, kind, default in OPTIONS:
        if kind == "flag":
            parser.add_argument(f"--{name}", action="store_true")
        else:
            parser.add_argument(f"--{name}", type=kind, default=default, choices=CHOICES.get(name))
    return parser.parse_args()


def main() -> None:
    args = parse()
    device = args.device_type or "cpu"
    print0(f"Autodetected device type: {device}")
    _, _, _, world, _ = compute_init(device)
    print0(f"orgtui stand-in: seed {torch.seed}")
    print0(f"Vocab size: {VOCAB:,}")
    width = args.depth * args.aspect_ratio
    matrices = 12 * args.depth * width * width
    params = {"wte": VOCAB * width, "lm_head": VOCAB * width, "transformer_matrices": matrices}
    total = sum(params.values())
    print0("Parameter counts:")
    for key, value in [*params.items(), ("total", total)]:
        print0(f"{key:24s}: {value:,}")
    per_token = 6 * (matrices + VOCAB * width) + 12 * args.depth * width * args.max_seq_len
    print0(f"Estimated FLOPs per token: {per_token:e}")
    batch = args.total_batch_size if args.total_batch_size > 0 else 4096
    if args.num_iterations > 0:
        steps = args.num_iterations
        print0(f"Using user-provided number of iterations: {steps:,}")
    elif args.target_flops > 0:
        steps = max(1, round(args.target_flops / (per_token * batch)))
        print0(f"Calculated number of iterations from target FLOPs: {steps:,}")
    else:
        steps = max(1, round(args.target_param_data_ratio * matrices / batch))
        print0(f"Calculated number of iterations from target data:param ratio: {steps:,}")
    tokens = batch * steps
    print0(f"Total number of training tokens: {tokens:,}")
    print0(f"Total training FLOPs estimate: {per_token * tokens:e}")
    print0(f"Total batch size {batch:,} => world size {world}")
    # A made-up result that moves a little with the seed (as a real run's does).
    seed = torch.seed if torch.seed is not None else 42
    bpb = 2.2 + (seed % 997) / 1e5 - 0.01 * min(steps, 50) / 50
    print0(f"Step {0:05d} | Validation bpb: {bpb + 1:.6f}")
    for step in sorted({0, 1, steps - 1}):
        print0(f"step {step:05d}/{steps:05d} ({100 * step / steps:.2f}%) | loss: {8 - step / steps:.6f}"
               f" | lrm: 1.00 | dt: 10.00ms | tok/sec: 409,600 | bf16_mfu: 0.00 | epoch: 0 pq: 0"
               " rg: 1 | total time: 0.00m")  # fmt: skip
    print0(f"Step {steps:05d} | Validation bpb: {bpb:.6f}")
    print0("Peak memory usage: 0.00MiB")
    print0("Total training time: 0.01m")
    print0(f"Minimum validation bpb: {bpb:.6f}")
    print0(f"orgtui stand-in: world size {world}, CUDA_VISIBLE_DEVICES="
           f"{os.environ.get('CUDA_VISIBLE_DEVICES', '')!r}")  # fmt: skip


if __name__ == "__main__":
    main()
