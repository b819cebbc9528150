"""tinychat: a small byte-level GPT trained on Shakespeare under a compute budget.

    python train.py [--flops F | --time SECONDS] [--seed S] [--threads N] [--steps-log K]

Bytes are the tokens (256 of them), so the validation loss in bits is bits per byte:
`val_bpb`. The model: rotary position embeddings, RMSNorm, a ReLU^2 MLP, untied input and
output embeddings, and a soft-cap on the logits (`softcap`; 0 removes it). Muon trains the
blocks' matrices, AdamW the embeddings; the learning rate warms up, holds, and falls to 0
over the last `cooldown` of the run. The budget is a number of FLOPs (`--flops`, or
ORGTUI_FLOPS_BUDGET): the run takes exactly as many steps as fit, so a seed, a FLOPs budget
and a thread count give the same result every time. Without one, a wall-clock budget
(`--time`, or ORGTUI_TIME_BUDGET) ends it. The seed is `--seed` or ORGTUI_SEED. It uses CUDA
with bf16 when there is a GPU, else the CPU with the threads given (--threads, or
OMP_NUM_THREADS). It ends with `key: value` summary lines.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

# -- knobs: what an experiment changes, one at a time (search_space.toml names them) --------
n_layer = 2
n_head = 4
n_embd = 64
seq_len = 32
batch_size = 128
lr = 0.01
muon_lr = 0.02
warmup_steps = 20
cooldown = 0.3
weight_decay = 0.0
softcap = 15.0
# -- end of knobs ----------------------------------------------------------------------------

DATA = Path(__file__).parent / "data" / "shakespeare.txt"
VAL_FRACTION = 0.1
VAL_TOKENS = 64 * 1024
PEAK_BF16 = {"H100": 989e12, "H200": 989e12, "A100": 312e12, "L40S": 362e12, "A10": 125e12}


class Attention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.qkv = nn.Linear(n_embd, 3 * n_embd, bias=False)
        self.proj = nn.Linear(n_embd, n_embd, bias=False)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        b, t, c = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, n_head, c // n_head).transpose(1, 3).unbind(2)
        q, k = (
            rotate(F.rms_norm(q, (q.size(-1),)), cos, sin),
            rotate(F.rms_norm(k, (k.size(-1),)), cos, sin),
        )
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.proj(y.transpose(1, 2).reshape(b, t, c))


def rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotary position embedding over the last dimension (its two halves)."""
    a, b = x.chunk(2, dim=-1)
    return torch.cat([a * cos - b * sin, a * sin + b * cos], dim=-1)


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.attn = Attention()
        self.up = nn.Linear(n_embd, 4 * n_embd, bias=False)
        self.down = nn.Linear(4 * n_embd, n_embd, bias=False)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(F.rms_norm(x, (x.size(-1),)), cos, sin)
        return x + self.down(F.relu(self.up(F.rms_norm(x, (x.size(-1),)))).square())


class GPT(nn.Module):
    cos: torch.Tensor
    sin: torch.Tensor

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(256, n_embd)
        self.blocks = nn.ModuleList(Block() for _ in range(n_layer))
        self.head = nn.Linear(n_embd, 256, bias=False)
        half = n_embd // n_head // 2
        freq = 1.0 / (10000 ** (torch.arange(half, dtype=torch.float32) / half))
        angles = torch.outer(torch.arange(seq_len, dtype=torch.float32), freq)
        self.register_buffer("cos", angles.cos(), persistent=False)
        self.register_buffer("sin", angles.sin(), persistent=False)
        for name, p in self.named_parameters():
            if p.dim() == 2:
                std = (
                    0.02 / math.sqrt(2 * n_layer)
                    if name.endswith(("proj.weight", "down.weight"))
                    else 0.02
                )
                nn.init.normal_(p, std=std)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        t = idx.size(1)
        x = self.embed(idx)
        cos, sin = self.cos[:t].to(x.dtype), self.sin[:t].to(x.dtype)
        for block in self.blocks:
            x = block(x, cos, sin)
        logits = self.head(F.rms_norm(x, (x.size(-1),))).float()
        if softcap > 0:
            logits = softcap * torch.tanh(logits / softcap)
        return logits


def orthogonalize(g: torch.Tensor, steps: int = 5) -> torch.Tensor:
    """The nearest semi-orthogonal matrix to `g`, roughly (Newton-Schulz iterations, with the
    coefficients of Keller Jordan's Muon)."""
    a, b, c = 3.4445, -4.7750, 2.0315
    x = g.float() / (g.norm() + 1e-7)
    tall = x.size(0) > x.size(1)
    if tall:
        x = x.T
    for _ in range(steps):
        m = x @ x.T
        x = a * x + (b * m + c * m @ m) @ x
    return x.T if tall else x


class Muon(torch.optim.Optimizer):
    """Momentum, orthogonalized: each matrix moves by the orthogonalized (Nesterov) momentum
    of its gradient, scaled for its shape; weight decay as AdamW's (decoupled)."""

    def __init__(self, params, lr: float, momentum: float = 0.95, weight_decay: float = 0.0):
        super().__init__(params, {"lr": lr, "momentum": momentum, "weight_decay": weight_decay})

    @torch.no_grad()
    def step(self) -> None:  # type: ignore[override]
        for group in self.param_groups:
            lr, beta, decay = group["lr"], group["momentum"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                buf = self.state[p].setdefault("momentum", torch.zeros_like(p.grad))
                buf.lerp_(p.grad, 1 - beta)
                update = orthogonalize(p.grad.lerp(buf, beta)).to(p.dtype)
                if decay:
                    p.mul_(1 - lr * decay)
                p.add_(update, alpha=-lr * max(1.0, p.size(0) / p.size(1)) ** 0.5)


def flops_per_token(model: GPT) -> float:
    """Training FLOPs per token: 6 per weight (forward and backward; the input embedding is
    a lookup) plus attention's 12 * layers * width * context."""
    weights = sum(p.numel() for p in model.parameters()) - model.embed.weight.numel()
    return 6 * weights + 12 * n_layer * n_embd * seq_len


def batches(data: torch.Tensor, gen: torch.Generator, device: str):
    while True:
        starts = torch.randint(0, data.numel() - seq_len - 1, (batch_size,), generator=gen)
        rows = torch.stack([data[s : s + seq_len + 1] for s in starts.tolist()]).to(device)
        yield rows[:, :-1], rows[:, 1:]


@torch.no_grad()
def evaluate(model: GPT, val: torch.Tensor, device: str, autocast) -> float:
    """Bits per byte on a fixed slice of the held-out text."""
    model.eval()
    n = min(VAL_TOKENS, val.numel() - 1) // seq_len * seq_len
    x = val[:n].view(-1, seq_len).to(device)
    y = val[1 : n + 1].view(-1, seq_len).to(device)
    total = 0.0
    for i in range(0, x.size(0), 64):
        with autocast:
            logits = model(x[i : i + 64])
        total += F.cross_entropy(
            logits.view(-1, 256), y[i : i + 64].reshape(-1), reduction="sum"
        ).item()
    model.train()
    return total / n / math.log(2)


def env_number(name: str) -> float | None:
    value = os.environ.get(name, "").strip()
    return float(value) if value else None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--flops", type=float, default=env_number("ORGTUI_FLOPS_BUDGET"))
    parser.add_argument("--time", type=float, default=env_number("ORGTUI_TIME_BUDGET"))
    parser.add_argument("--seed", type=int, default=int(env_number("ORGTUI_SEED") or 0))
    parser.add_argument("--threads", type=int, default=int(env_number("OMP_NUM_THREADS") or 0))
    parser.add_argument("--steps-log", type=int, default=0, help="print a step line every K steps")
    args = parser.parse_args()
    if args.flops is None and args.time is None:
        parser.error("give a budget: --flops, --time, ORGTUI_FLOPS_BUDGET or ORGTUI_TIME_BUDGET")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu" and args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(device == "cpu")
    raw = torch.frombuffer(bytearray(DATA.read_bytes()), dtype=torch.uint8).long()
    split = int(raw.numel() * (1 - VAL_FRACTION))
    train, val = raw[:split], raw[split:]
    model = GPT().to(device)
    autocast = torch.autocast(device, dtype=torch.bfloat16, enabled=device == "cuda")
    per_token = flops_per_token(model)
    per_step = per_token * batch_size * seq_len
    total_steps = int(args.flops // per_step) if args.flops is not None else None
    # Muon for the blocks' matrices, AdamW for the embeddings (input and output).
    matrices = [p for p in model.blocks.parameters() if p.dim() == 2]
    ids = {id(p) for p in matrices}
    optimizers = [
        torch.optim.AdamW(
            [p for p in model.parameters() if id(p) not in ids],
            lr=lr,
            betas=(0.9, 0.99),
            weight_decay=0.0,
        ),
        Muon(matrices, lr=muon_lr, weight_decay=weight_decay),
    ]
    groups = [group for o in optimizers for group in o.param_groups]
    peaks = [group["lr"] for group in groups]
    gen = torch.Generator().manual_seed(args.seed)
    data = batches(train, gen, device)
    log_every = args.steps_log or max(1, (total_steps or 1000) // 20)
    start = time.perf_counter()
    step, loss_value = 0, float("nan")
    while True:
        elapsed = time.perf_counter() - start
        if total_steps is not None:
            if step >= total_steps:
                break
            progress = step / max(1, total_steps)
        else:
            if elapsed >= args.time:
                break
            progress = elapsed / args.time
        # warmup, then flat, then linear to 0 over the last `cooldown` of the run
        warm = min(1.0, (step + 1) / max(1, warmup_steps))
        scale = warm * min(1.0, (1 - progress) / cooldown) if cooldown > 0 else warm
        for group, peak in zip(groups, peaks, strict=True):
            group["lr"] = peak * scale
        x, y = next(data)
        t0 = time.perf_counter()
        with autocast:
            logits = model(x)
        loss = F.cross_entropy(logits.view(-1, 256), y.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        for o in optimizers:
            o.step()
            o.zero_grad(set_to_none=True)
        step += 1
        if step % log_every == 0 or step == 1:
            loss_value = loss.item()
            dt = time.perf_counter() - t0
            of = f"{total_steps:05d}" if total_steps is not None else "?????"
            pct = f"{100 * step / total_steps:.2f}" if total_steps else f"{100 * progress:.2f}"
            print(
                f"step {step:05d}/{of} ({pct}%) | loss: {loss_value:.6f} | dt: {dt * 1000:.2f}ms"
                f" | tok/sec: {batch_size * seq_len / dt:,.0f}",
                flush=True,
            )
    training = time.perf_counter() - start
    val_bpb = evaluate(model, val, device, autocast)
    tokens = step * batch_size * seq_len
    flops = per_step * step
    params = sum(p.numel() for p in model.parameters())
    if device == "cuda":
        peak = torch.cuda.max_memory_allocated() / 2**20
        name = torch.cuda.get_device_name()
        peak_flops = next((v for k, v in PEAK_BF16.items() if k in name), None)
        mfu = f"{100 * flops / training / peak_flops:.2f}" if peak_flops and training else "n/a"
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        mfu = "n/a"
    print("---")
    print(f"val_bpb: {val_bpb:.6f}")
    print(f"training_seconds: {training:.1f}")
    print(f"total_tokens: {tokens}")
    print(f"flops: {flops:.4e}")
    print(f"num_params: {params}")
    print(f"peak_mem_mb: {peak:.1f}")
    print(f"mfu_percent: {mfu}")
    print(f"num_steps: {step}")
    print(f"seed: {args.seed}")
    print(f"tok_per_sec: {tokens / training:.0f}" if training else "tok_per_sec: n/a")


if __name__ == "__main__":
    main()
