#!/usr/bin/python3
"""The cnn's kernel initialisation in PyTorch: one epoch of ringtrain's mnist split (8,000 train, 2,000 test,
exported by ringtrain's own loader) with SGD at ringtrain's defaults (LR 0.1, momentum 0.9, cosine to 0 over the
epoch, global batch 128 as `launch --nproc-per-node 2 --batch-size 64`), the cnn of tools/ddp_step_bench.py
with Glorot-uniform (xavier_uniform_) kernels and with PyTorch's own default (U(+-1/sqrt(fan_in))), at LR 0.1
and 0.02, seeds 0-2. Prints each run's first losses, last loss and test accuracy. Why libs/models/src/cnn.ts draws
fan-in-uniform kernels: with Glorot ones the first steps at LR 0.1 diverge, in PyTorch as in ringtrain.

Usage (from the repository root, Debian's python3-torch): /usr/bin/python3 tools/experiments/cnn-init-torch.py
"""
import importlib.util
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from torch import nn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
GLOBAL_BATCH = 128
# Seeds of the weights and of the batches' order.
SEEDS = (0, 1, 2)
EXPORT = """
const { loadMnist } = await import('@ringtrain/data');
const { writeFileSync } = await import('node:fs');
const mnist = await loadMnist();
for (const [name, split] of [['train', mnist.train], ['test', mnist.test]]) {
  writeFileSync(`${process.argv[1]}/${name}.x`, split.inputs);
  writeFileSync(`${process.argv[1]}/${name}.y`, split.labels);
}
"""


def ringtrain_mnist():
    """ringtrain's mnist split as NCHW float tensors and int64 labels (its inputs are NHWC with one channel)."""
    with tempfile.TemporaryDirectory() as out:
        hooks = os.path.join(ROOT, "apps/cli/bin/register-hooks.mjs")
        subprocess.run(["node", "--import", hooks, "--input-type=module", "-e", EXPORT, out], cwd=ROOT, check=True)

        def split(name):
            x = np.fromfile(os.path.join(out, f"{name}.x"), dtype=np.float32).reshape(-1, 1, 28, 28)
            y = np.fromfile(os.path.join(out, f"{name}.y"), dtype=np.int32).astype(np.int64)
            return torch.from_numpy(x), torch.from_numpy(y)

        return split("train"), split("test")


def ddp_step_bench():
    spec = importlib.util.spec_from_file_location("ddp_step_bench", os.path.join(ROOT, "tools/ddp_step_bench.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def train_one_epoch(model, lr, train, test):
    (x, y), (x_test, y_test) = train, test
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    steps = -(-len(x) // GLOBAL_BATCH)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
    order = torch.randperm(len(x))
    losses = []
    model.train()
    for step in range(steps):
        batch = order[step * GLOBAL_BATCH:(step + 1) * GLOBAL_BATCH]
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x[batch]), y[batch])
        loss.backward()
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
    return losses, accuracy


def main():
    train, test = ringtrain_mnist()
    bench = ddp_step_bench()
    for kernels in ("glorot-uniform", "fan-in-uniform"):
        for lr in (0.1, 0.02):
            for seed in SEEDS:
                torch.manual_seed(seed)
                model = bench.build_model("cnn", kernels)
                losses, accuracy = train_one_epoch(model, lr, train, test)
                first = " ".join(f"{loss:5.2f}" for loss in losses[:4])
                print(f"{kernels:15s} lr {lr:<5} seed {seed}  first losses {first}  last {losses[-1]:.3f}  test accuracy {accuracy:.4f}")


if __name__ == "__main__":
    sys.exit(main())
