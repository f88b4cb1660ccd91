#!/usr/bin/env python3
"""torch.distributed gloo all-reduce timed over a chosen number of iterations, for tools/compare-gloo.mjs --iters.

The anchor (../shared/anchors/gloo_allreduce.py) times 3-50 iterations per size (3 at 64 MiB), a window short
enough for a burst of other load on a shared machine to decide a run. This script measures the same way (float32
ones, 2 untimed all-reduces, a barrier, then the timed loop; 1 torch thread per process) over --iters iterations,
and reports the slowest rank's mean time, as `ringtrain bench allreduce` does. Same JSON schema as the anchor.
Needs Debian's python3-torch; run it with /usr/bin/python3.
Usage: gloo_allreduce_iters.py --iters N [--workers 2,4] [--sizes 16M,64M] --json FILE
"""
import argparse
import json
import os
import socket
import time


def parse_size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(float(text[:-1]) * units[text[-1].upper()]) if text[-1].upper() in units else int(text)


def worker(rank, world, sizes, iters, port, queue):
    import torch
    import torch.distributed as dist
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    seconds = []
    for nbytes in sizes:
        tensor = torch.ones(max(1, nbytes // 4))
        for _ in range(2):
            dist.all_reduce(tensor)
        dist.barrier()
        start = time.perf_counter()
        for _ in range(iters):
            dist.all_reduce(tensor)
        seconds.append((time.perf_counter() - start) / iters)
    queue.put((rank, seconds))
    dist.destroy_process_group()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main():
    import torch.multiprocessing as mp
    parser = argparse.ArgumentParser()
    parser.add_argument("--iters", type=int, required=True)
    parser.add_argument("--workers", default="2,4")
    parser.add_argument("--sizes", default="16M,64M")
    parser.add_argument("--json", required=True)
    args = parser.parse_args()
    if args.iters < 1:
        parser.error("--iters must be at least 1")
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    context = mp.get_context("spawn")
    results = []
    for world in [int(w) for w in args.workers.split(",")]:
        queue = context.Queue()
        port = free_port()
        procs = [context.Process(target=worker, args=(rank, world, sizes, args.iters, port, queue)) for rank in range(world)]
        for proc in procs:
            proc.start()
        per_rank = [queue.get(timeout=600)[1] for _ in procs]
        for proc in procs:
            proc.join()
        for i, nbytes in enumerate(sizes):
            slowest = max(seconds[i] for seconds in per_rank)
            algbw = nbytes / slowest / 1e9
            results.append({"workers": world, "bytes": nbytes, "time_ms": slowest * 1e3,
                            "algbw_gbps": algbw, "busbw_gbps": algbw * 2 * (world - 1) / world})
    with open(args.json, "w") as out:
        json.dump({"results": results}, out, indent=1)


if __name__ == "__main__":
    main()
