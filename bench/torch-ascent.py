"""
The PyTorch side of `npm run bench` (bench/run.ts runs it when /usr/bin/python3 has torch):
the same head as a benchmark scenario (bench/models.ts), stepped by the same batched gradient
ascent for the same number of passes, in batches of the same size, and timed. Weights are random
(speed does not depend on them); the class score is taken before the final sigmoid, one class per
row, and its input gradient comes from autograd, as a user of PyTorch would write it.

Usage: python3 bench/torch-ascent.py MODEL --passes P --batch B [--threads T]
Prints one JSON line: seconds, passes, steps, passesPerSecond, threads, torch version.
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class DeepSea(nn.Module):
    """From the last convolution's map (960 × 53): Flatten → Dense 925 (ReLU) → Dense 919."""

    shape = (960, 53)

    def __init__(self, deep_tail=False):
        super().__init__()
        self.fc1 = nn.Linear(50880, 925)
        self.deep_tail = deep_tail
        if deep_tail:
            self.fc2 = nn.Linear(925, 925)
            self.bn = nn.BatchNorm1d(925)
        self.out = nn.Linear(925, 919)

    def forward(self, h):
        # TF.js flattens position-major; the order does not change the cost.
        x = F.relu(self.fc1(h.transpose(1, 2).reshape(h.shape[0], -1)))
        if self.deep_tail:
            x = self.bn(F.elu(self.fc2(x)))
        return self.out(x)


class Basset(nn.Module):
    """From the first convolution's map (300 × 600): BN, ReLU, pool 3; conv 200×11, BN, ReLU, pool 4; conv 200×7, BN, ReLU, pool 4; Dense 1000, 1000, 164."""

    shape = (300, 600)

    def __init__(self):
        super().__init__()
        self.bn1, self.bn2, self.bn3 = nn.BatchNorm1d(300), nn.BatchNorm1d(200), nn.BatchNorm1d(200)
        self.conv2 = nn.Conv1d(300, 200, 11, padding=5)
        self.conv3 = nn.Conv1d(200, 200, 7, padding=3)
        self.fc1, self.fc2, self.out = nn.Linear(2400, 1000), nn.Linear(1000, 1000), nn.Linear(1000, 164)

    def forward(self, h):
        x = F.max_pool1d(F.relu(self.bn1(h)), 3)
        x = F.max_pool1d(F.relu(self.bn2(self.conv2(x))), 4)
        x = F.max_pool1d(F.relu(self.bn3(self.conv3(x))), 4)
        x = x.transpose(1, 2).reshape(h.shape[0], -1)
        return self.out(F.relu(self.fc2(F.relu(self.fc1(x)))))


class BPNet(nn.Module):
    """From the first convolution's map (64 × 1000): six residual dilated convolutions; profile (2 × 1000, summed over positions) and counts (2)."""

    shape = (64, 1000)

    def __init__(self):
        super().__init__()
        self.dil = nn.ModuleList([nn.Conv1d(64, 64, 3, padding=2**i, dilation=2**i) for i in range(1, 7)])
        self.profile = nn.Conv1d(64, 2, 75, padding=37)
        self.counts = nn.Linear(64, 2)

    def forward(self, h):
        x = h
        for conv in self.dil:
            x = x + F.relu(conv(x))
        return torch.cat([self.profile(x).sum(2), self.counts(x.mean(2))], 1)


MODELS = {"deepsea": lambda: DeepSea(), "deeptail": lambda: DeepSea(deep_tail=True), "basset": Basset, "bpnet": BPNet}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model", choices=sorted(MODELS))
    p.add_argument("--passes", type=int, required=True)
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--l2", type=float, default=2.8)
    p.add_argument("--lr", type=float, default=0.01)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = MODELS[a.model]().eval()
    for w in model.parameters():
        w.requires_grad_(False)
    steps = math.ceil(a.passes / a.batch)
    h = torch.randn(a.batch, *model.shape)
    with torch.no_grad():
        classes = torch.arange(a.batch) % model(h[:1]).shape[1]
    started = time.perf_counter()
    for _ in range(steps):
        h.requires_grad_(True)
        scores = model(h).gather(1, classes[:, None])[:, 0]
        (grad,) = torch.autograd.grad(scores.sum(), h)
        with torch.no_grad():
            objective = scores - a.l2 * (h * h).sum((1, 2))
            h = h + a.lr * (grad - 2 * a.l2 * h)
        objective.tolist()  # the patience rule reads J every step
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "passes": steps * a.batch, "steps": steps, "passesPerSecond": steps * a.batch / seconds, "threads": a.threads, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
