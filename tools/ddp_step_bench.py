#!/usr/bin/env python3
"""PyTorch DDP (gloo) side of the training-step benchmark against ringtrain.

Trains ringtrain's zoo model (libs/models) with the same per-worker batch, loss and optimizer, and prints one
JSON object on stdout for the lead's comparison tool to merge with ringtrain's figures. Two measurements,
back to back in one run so that both see the same machine load:

  compute_only  one process, no process group: S timed steps of zero_grad, forward, softmax cross-entropy
                (mean over the batch), backward, SGD(lr 0.05, momentum 0.9) on B samples.
  ddp           W processes, DistributedDataParallel over gloo (default buckets), each rank on its own B samples;
                a barrier before the timed steps, then the same S steps per rank.

Threads: every process, the compute_only one included, runs T threads (set_threads: torch's intra-op threads and
OpenBLAS's own pool, which Debian's torch does not size; before 2026-11-29 it was left at one thread per core in
every process) with T defaulting to max(1, cores // W), cores being the CPUs this process may run on (2 on the
benchmark machine): W ranks then do not oversubscribe the cores, and compute_only gets exactly the threads one
rank has, so the ddp - compute_only difference is the price of distribution rather than of a thread count change.

Binding: with --bind-to core (the default) each of the W processes (DDP ranks, compute_only_busy processes) runs
on CPUs of its own, an equal contiguous block of the CPUs this process may use, as `ringtrain launch --bind-to core`
starts its workers (and mpirun binds two ranks): set on every thread the process has first thing, so the threads
gloo and torch start later inherit it. compute_only's single process keeps every CPU, as ringtrain's 1-worker run does.

Needs Debian's python3-torch (apt-get install -y python3-torch); run it with /usr/bin/python3.
Usage: ddp_step_bench.py --model mlp|cnn|linear --batch-size B --workers W [--steps S] [--warmup K] [--threads T]
                         [--bind-to core|none]
"""
import argparse
import ctypes
import json
import multiprocessing
import os
import queue
import socket
import statistics
import sys
import time
from datetime import timedelta

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

# MNIST-shaped samples, NCHW (ringtrain's tfjs models take NHWC [28, 28, 1]; the layer math is the same).
IMAGE_SHAPE = (1, 28, 28)
CLASSES = 10
LR = 0.05
MOMENTUM = 0.9
MODEL_SEED = 0
# Distinct pre-generated batches per rank, cycled through: enough that no step reuses the previous step's
# tensors, few enough that long runs do not hold S batches in memory. The values do not change the step time.
BATCH_POOL = 8
# How often the parent looks at its ranks while it waits for their reports.
POLL_SECONDS = 0.5


# Kernel initialisation per model, as libs/models draws them (layer-initializers.ts): zero biases everywhere.
KERNELS = {"linear": "glorot-uniform", "mlp": "glorot-uniform", "cnn": "fan-in-uniform"}


def build_model(name, kernels=None):
    """ringtrain's libs/models zoo model `name`, initialised as ringtrain does (its KERNELS scheme unless `kernels`
    says otherwise: glorot-uniform is xavier_uniform_, fan-in-uniform PyTorch's own default; zero biases).

    The weights never match ringtrain's numerically (different RNGs), only in shape and distribution; the
    flatten order differs too (NCHW vs NHWC), a permutation of the first dense layer's inputs.
    """
    channels, height, width = IMAGE_SHAPE
    pixels = channels * height * width
    if name == "linear":
        layers = [nn.Flatten(), nn.Linear(pixels, CLASSES)]
    elif name == "mlp":
        layers = [nn.Flatten(), nn.Linear(pixels, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
                  nn.Linear(256, CLASSES)]
    else:
        # Two 'valid' 3x3 convolutions without bias (the batchnorm's beta replaces it), each followed by
        # batchnorm with torch's defaults (ringtrain chose them too) and relu; 2x2 max-pool; dense 512 relu.
        filters = 32
        pooled = ((height - 4) // 2) * ((width - 4) // 2)
        layers = [
            nn.Conv2d(channels, filters, 3, bias=False), nn.BatchNorm2d(filters, eps=1e-5, momentum=0.1), nn.ReLU(),
            nn.Conv2d(filters, filters, 3, bias=False), nn.BatchNorm2d(filters, eps=1e-5, momentum=0.1), nn.ReLU(),
            nn.MaxPool2d(2), nn.Flatten(), nn.Linear(filters * pooled, 512), nn.ReLU(), nn.Linear(512, CLASSES),
        ]
    model = nn.Sequential(*layers)
    scheme = kernels or KERNELS[name]
    if scheme not in ("glorot-uniform", "fan-in-uniform"):
        raise ValueError(f"unknown kernel scheme {scheme!r}: glorot-uniform or fan-in-uniform")
    for layer in model.modules():
        if isinstance(layer, (nn.Linear, nn.Conv2d)):
            if scheme == "glorot-uniform":
                nn.init.xavier_uniform_(layer.weight)  # else the weight keeps nn.Linear's / nn.Conv2d's own draw
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
    return model


def make_batches(batch_size, seed, count):
    """`count` synthetic batches: inputs uniform in [0, 1), labels uniform over the classes, fixed by `seed`."""
    generator = torch.Generator().manual_seed(seed)
    return [
        (torch.rand((batch_size, *IMAGE_SHAPE), generator=generator),
         torch.randint(0, CLASSES, (batch_size,), generator=generator))
        for _ in range(count)
    ]


def time_steps(model, batches, steps, warmup, before_timing=None, after_step=None):
    """Per-step wall times in ms of `steps` training steps after `warmup` untimed ones.

    before_timing runs once between warmup and the timed steps; after_step(i) after step i, outside its timing.
    On CPU every op is synchronous, and DDP's backward returns only once its all-reduces have finished, so
    the wall time of a step is its full cost.
    """
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)

    def step(i):
        inputs, labels = batches[i % len(batches)]
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(inputs), labels).backward()
        optimizer.step()

    for i in range(warmup):
        step(i)
    if before_timing is not None:
        before_timing()
    step_ms = []
    for i in range(warmup, warmup + steps):
        start = time.perf_counter()
        step(i)
        step_ms.append((time.perf_counter() - start) * 1e3)
        if after_step is not None:
            after_step(i)
    return step_ms


class ReducerCommTimes:
    """Gradient all-reduce times from DDP's reducer's own host-side timers (a private API, torch 1.13).

    backward_comm_time runs from the launch of the first bucket's all-reduce to the end of finalize_backward
    (all buckets reduced and copied back into .grad); backward_compute_comm_overlap_time from that launch to the
    end of autograd's backward compute. Their difference is the exposed part: how long backward waited for the
    network after its compute was done. The reducer logs an iteration's times at the next forward, so the
    figures read after step i are those of step i - 1, and the last timed step has none.
    """

    def __init__(self, ddp_model, first_timed_step):
        self.ddp_model = ddp_model
        self.first_timed_step = first_timed_step
        self.comm_ms = []
        self.exposed_ms = []
        # The default samples only iterations 1-10 and every 100th; 1 times every step (a few clock reads).
        ddp_model._set_ddp_runtime_logging_sample_rate(1)

    def after_step(self, i):
        if i - 1 < self.first_timed_step:
            return
        data = self.ddp_model._get_ddp_logging_data()
        comm_ns = data.get("backward_comm_time")
        overlap_ns = data.get("backward_compute_comm_overlap_time")
        if comm_ns is not None and overlap_ns is not None:
            self.comm_ms.append(comm_ns / 1e6)
            self.exposed_ms.append((comm_ns - overlap_ns) / 1e6)


def set_threads(threads):
    """T threads for this process: torch's intra-op threads and, when torch runs on OpenBLAS, OpenBLAS's pool.
    Debian's torch (BLAS_INFO=generic) does not pass torch.set_num_threads on to the BLAS it loads, and OpenBLAS
    starts one thread per core unless told otherwise, so without this every process would run its dense layers
    on all the cores."""
    torch.set_num_threads(threads)
    blas = openblas()
    if blas is not None:
        blas.openblas_set_num_threads(threads)


def openblas():
    """The OpenBLAS torch loaded (whatever the name of the file that provides it), or None for another BLAS."""
    path = blas_library()
    blas = ctypes.CDLL(path) if path is not None else None
    return blas if blas is not None and hasattr(blas, "openblas_set_num_threads") else None


def blas_threads():
    """OpenBLAS's thread count in this process, or None when torch runs on another BLAS."""
    blas = openblas()
    return blas.openblas_get_num_threads() if blas is not None else None


def rounded(values):
    return [round(v, 3) for v in values]


def median_or_none(values):
    return round(statistics.median(values), 3) if values else None


def bind(rank, args):
    """--bind-to core: this process on the rank-th of W equal blocks of the CPUs it may use (none if W > CPUs). Every
    thread of it: `import torch` has started some already (they would keep the old mask), those started later inherit."""
    cpus = sorted(os.sched_getaffinity(0))
    per = len(cpus) // args.workers
    if args.bind_to == "core" and per >= 1:
        for thread in os.listdir("/proc/self/task"):
            os.sched_setaffinity(int(thread), cpus[rank * per:(rank + 1) * per])


def ddp_rank(rank, args, port, start, reports):
    """One DDP rank: trains on its own batches and puts (rank, report) on `reports`."""
    bind(rank, args)
    set_threads(args.threads)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=args.workers,
                            timeout=timedelta(seconds=args.timeout))
    try:
        torch.manual_seed(MODEL_SEED)
        model = DistributedDataParallel(build_model(args.model), broadcast_buffers=args.broadcast_buffers)
        comm = ReducerCommTimes(model, args.warmup)
        batches = make_batches(args.batch_size, seed=rank, count=min(BATCH_POOL, args.steps + args.warmup))
        step_ms = time_steps(model, batches, args.steps, args.warmup, before_timing=dist.barrier,
                             after_step=comm.after_step)
        reports.put((rank, {
            "rank": rank,
            "blas_threads": blas_threads(),
            "step_ms_median": round(statistics.median(step_ms), 3),
            "allreduce_ms_median": median_or_none(comm.comm_ms),
            "exposed_allreduce_ms_median": median_or_none(comm.exposed_ms),
            "step_ms": rounded(step_ms),
        }))
    finally:
        dist.destroy_process_group()


def compute_rank(rank, args, port, start, reports):
    """One of the compute_only_busy processes: the compute-only steps on its own batches, no process group.
    `start` (a barrier of all W) holds the timed steps back until every process has warmed up, so that they
    are timed while the others compute too (start-up alone, `import torch` included, takes longer than them)."""
    bind(rank, args)
    set_threads(args.threads)
    torch.manual_seed(MODEL_SEED)
    batches = make_batches(args.batch_size, seed=rank, count=min(BATCH_POOL, args.steps + args.warmup))
    step_ms = time_steps(build_model(args.model), batches, args.steps, args.warmup, before_timing=start.wait)
    reports.put((rank, {"rank": rank, "blas_threads": blas_threads(), "step_ms_median": round(statistics.median(step_ms), 3),
                        "step_ms": rounded(step_ms)}))


def free_port():
    """A TCP port free on 127.0.0.1 now (the OS picks it; rank 0 binds it again a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def collect_reports(processes, reports, deadline):
    """Every rank's report, in rank order; fails fast when a rank dies, and at `deadline` (time.monotonic)."""
    by_rank = {}
    while len(by_rank) < len(processes):
        try:
            rank, report = reports.get(timeout=POLL_SECONDS)
            by_rank[rank] = report
        except queue.Empty:
            failed = {rank: p.exitcode for rank, p in enumerate(processes) if p.exitcode not in (None, 0)}
            if failed:
                raise RuntimeError(f"ddp ranks exited with codes {failed} (their tracebacks are on stderr)")
            if time.monotonic() > deadline:
                raise TimeoutError(f"ddp ranks did not report within the timeout; got ranks {sorted(by_rank)}")
    return [by_rank[rank] for rank in range(len(processes))]


def run_ranks(target, args):
    """`target` in W processes at once (args.workers); their reports in rank order. Each gets its rank, the
    arguments, a free port for a process group and a barrier of all W (ddp_rank uses the process group's)."""
    context = multiprocessing.get_context("spawn")
    reports = context.Queue()
    port = free_port()
    start = context.Barrier(args.workers, timeout=args.timeout)
    processes = [context.Process(target=target, args=(rank, args, port, start, reports), daemon=True)
                 for rank in range(args.workers)]
    deadline = time.monotonic() + args.timeout
    for process in processes:
        process.start()
    try:
        ranks = collect_reports(processes, reports, deadline)
        # Ranks report before they leave the process group; give them the rest of the timeout to do so.
        for process in processes:
            process.join(max(1.0, deadline - time.monotonic()))
        return ranks
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
                process.join(5)


def run_compute_only(args):
    torch.manual_seed(MODEL_SEED)
    model = build_model(args.model)
    batches = make_batches(args.batch_size, seed=0, count=min(BATCH_POOL, args.steps + args.warmup))
    return time_steps(model, batches, args.steps, args.warmup)


def blas_library():
    """The BLAS shared object torch loaded (dense layers run on it): Debian's torch takes whatever libblas.so.3
    the alternatives system points at, the netlib reference BLAS unless OpenBLAS or BLIS is installed."""
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if "libblas" in os.path.basename(path) or "openblas" in path or "blis" in path:
                return os.path.realpath(path)
    return None


def available_cores():
    return len(os.sched_getaffinity(0))


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="PyTorch DDP (gloo) training-step benchmark on ringtrain's zoo models; prints JSON on stdout.",
        epilog="Threads: every process (compute-only and each DDP rank) runs T threads, in torch and in OpenBLAS; "
               f"the default T = max(1, cores // W), cores = {available_cores()} here, keeps W ranks from "
               "oversubscribing the cores and gives compute-only the same threads as one rank.")
    parser.add_argument("--model", choices=["mlp", "cnn", "linear"], required=True)
    parser.add_argument("--batch-size", type=int, required=True, help="samples per worker per step")
    parser.add_argument("--workers", type=int, required=True, help="DDP processes (W)")
    parser.add_argument("--steps", type=int, default=30, help="timed steps (S, default 30)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps before them (K, default 5)")
    parser.add_argument("--threads", type=int, help="torch threads per process (T, default max(1, cores // W))")
    parser.add_argument("--no-broadcast-buffers", dest="broadcast_buffers", action="store_false",
                        help="turn off DDP's per-forward broadcast of rank 0's batchnorm statistics (on by default, "
                             "as in DDP; ringtrain keeps each rank's own)")
    parser.add_argument("--bind-to", choices=["core", "none"], default="core",
                        help="each of the W processes on CPUs of its own (core, the default) or anywhere (none)")
    parser.add_argument("--timeout", type=float, default=300.0,
                        help="seconds the DDP run (and any one collective) may take before it is ended (default 300)")
    args = parser.parse_args(argv)
    for name in ("batch_size", "workers", "steps"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.warmup < 0:
        parser.error("--warmup must be at least 0")
    if args.threads is None:
        args.threads = max(1, available_cores() // args.workers)
    elif args.threads < 1:
        parser.error("--threads must be at least 1")
    return args


def main(argv):
    args = parse_args(argv)
    set_threads(args.threads)
    compute_ms = run_compute_only(args)
    try:
        busy = run_ranks(compute_rank, args)
        ranks = run_ranks(ddp_rank, args)
    except (RuntimeError, TimeoutError) as error:
        print(f"ddp_step_bench: {error}", file=sys.stderr)
        return 1

    compute_median = statistics.median(compute_ms)
    # Like the ddp figure: the slowest of the W processes.
    busy_median = max(rank["step_ms_median"] for rank in busy)
    # The slowest rank sets the pace of synchronous data parallelism.
    ddp_median = max(rank["step_ms_median"] for rank in ranks)
    exposed = [rank["exposed_allreduce_ms_median"] for rank in ranks]
    comm = [rank["allreduce_ms_median"] for rank in ranks]
    print(json.dumps({
        "framework": "pytorch-ddp",
        "torch_version": torch.__version__,
        "blas": blas_library(),
        "model": args.model,
        "batch_size": args.batch_size,
        "workers": args.workers,
        "threads_per_worker": args.threads,
        "blas_threads": blas_threads(),
        "threads_note": "torch.set_num_threads and OpenBLAS's thread count in every process, compute-only included; default "
                        "max(1, cores // workers) so the workers do not oversubscribe the cores",
        "cores": available_cores(),
        "bind_to": args.bind_to,
        "steps": args.steps,
        "warmup": args.warmup,
        "compute_only": {
            "step_ms_median": round(compute_median, 3),
            "samples_per_second": round(args.batch_size / (compute_median / 1e3), 1),
            "step_ms": rounded(compute_ms),
        },
        "compute_only_busy": {
            "step_ms_median": round(busy_median, 3),
            "note": "W compute-only processes at once, the slowest one's median: contention without communication",
            "ranks": busy,
        },
        "ddp": {
            "step_ms_median": round(ddp_median, 3),
            "samples_per_second": round(args.workers * args.batch_size / (ddp_median / 1e3), 1),
            "overhead_pct": round((ddp_median - compute_median) / ddp_median * 100, 2),
            "overhead_note": "(ddp step - compute-only step) / ddp step: gradient all-reduce, synchronisation and "
                             "contention between ranks for the cores, not a measured communication time",
            "comm_overhead_pct": round((ddp_median - busy_median) / ddp_median * 100, 2),
            "comm_overhead_note": "(ddp step - compute_only_busy step) / ddp step: the same without the contention",
            "allreduce_ms_median": max(comm) if None not in comm else None,
            "exposed_allreduce_ms_median": max(exposed) if None not in exposed else None,
            "allreduce_note": "from DDP's reducer timers (max over ranks of each rank's median): allreduce = first "
                              "bucket launch to gradients reduced; exposed = the part after backward compute ended",
            "broadcast_buffers": args.broadcast_buffers,
            "ranks": ranks,
        },
    }, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
