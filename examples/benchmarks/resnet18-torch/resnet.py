"""ResNet-18 inference throughput and latency on the CPU with PyTorch.

The model has random weights (torchvision.models.resnet18(weights=None)): no
download, and speed does not depend on the weights' values. Runs `warmup`
untimed batches, then `iters` timed ones; reports images/s and per-batch
latency percentiles in milliseconds.
"""
import argparse
import json
import os
import time

import torch
import torchvision


def percentile(sorted_vals, q):
    k = (len(sorted_vals) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(sorted_vals) - 1)
    return sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (k - lo)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0 = library default)")
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--out", default="/cmc/out/metrics.json")
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None).eval()
    x = torch.randn(a.batch, 3, a.size, a.size)
    lat = []
    with torch.inference_mode():
        for _ in range(a.warmup):
            model(x)
        for _ in range(a.iters):
            t = time.perf_counter()
            y = model(x)
            lat.append(time.perf_counter() - t)
    assert y.shape == (a.batch, 1000), y.shape
    s = sorted(lat)
    metrics = {
        "images_per_s": a.batch * len(lat) / sum(lat),
        "latency_p50_ms": percentile(s, 0.50) * 1e3,
        "latency_p90_ms": percentile(s, 0.90) * 1e3,
        "latency_p99_ms": percentile(s, 0.99) * 1e3,
        "batch": a.batch,
        "threads": torch.get_num_threads(),
    }
    print(f"batch={a.batch}: {metrics['images_per_s']:.1f} img/s, p50 {metrics['latency_p50_ms']:.1f} ms, p99 {metrics['latency_p99_ms']:.1f} ms")
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(metrics, f)


if __name__ == "__main__":
    main()
