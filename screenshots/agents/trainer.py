"""A stand-in agent for screenshots: prints a nanochat-style training log in colour."""

import math
import random
import sys
import time

random.seed(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
print("\x1b[1m$ python train.py --time 300 --seed 1\x1b[0m")
print("\x1b[2mmodel: d=384 L=6 heads=6 | params 10.7M | tokens/step 65,536\x1b[0m")
step, total = 0, 400
while True:
    step += 1
    loss = 3.3 * math.exp(-step / 180) + 1.05 + random.random() * 0.03
    colour = 32 if loss < 2 else 33
    print(
        f"step {step:4d}/{total} | loss \x1b[{colour}m{loss:.4f}\x1b[0m | dt {38 + random.random() * 6:.1f}ms"
        f" | tok/sec \x1b[36m{1_650_000 + random.randint(-40_000, 40_000):,}\x1b[0m | bf16_mfu 41.2"
    )
    if step % 25 == 0:
        print(f"\x1b[1;35mStep {step:05d} | Validation bpb: {loss / 2.6:.4f}\x1b[0m")
    sys.stdout.flush()
    time.sleep(0.25)
