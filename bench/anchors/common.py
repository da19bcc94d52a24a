"""Shared helpers of the Python anchors: JMH-like timing and one JSON line per result.

Timing mirrors the JMH settings of the Java side (1 warm-up iteration of 1 s, 5 measured
iterations of 1 s, each iteration's score the mean time per call), so that both sides report
the same kind of number.
"""
import json
import os
import time


def measure(fn, warmup_iterations=1, iterations=5, iteration_s=None):
    """Returns the mean milliseconds per call of fn for each measured iteration.

    iteration_s defaults to BENCH_ITERATION_S (run.sh sets 0.5 for the fast operations, as their
    JMH benchmarks use 500 ms iterations) or 1 s."""
    if iteration_s is None:
        iteration_s = float(os.environ.get("BENCH_ITERATION_S", "1.0"))
    for _ in range(warmup_iterations):
        _run_iteration(fn, iteration_s)
    return [_run_iteration(fn, iteration_s) for _ in range(iterations)]


def _run_iteration(fn, iteration_s):
    calls = 0
    start = time.perf_counter()
    deadline = start + iteration_s
    while True:
        fn()
        calls += 1
        now = time.perf_counter()
        if now >= deadline:
            return (now - start) * 1000.0 / calls


def emit(out_path, **record):
    """Appends one result as a JSON line (the file is shared by all anchors of a run)."""
    record["env"] = {k: os.environ.get(k) for k in
                     ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    with open(out_path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")
    print(json.dumps({k: v for k, v in record.items() if k != "env"}), flush=True)


def require_thread_env(threads):
    """A '1 thread' anchor that actually used two cores would be a wrong result, not a slow one."""
    blas = os.environ.get("OPENBLAS_NUM_THREADS")
    if blas is None or int(blas) != threads:
        raise SystemExit(f"threads={threads} needs OPENBLAS_NUM_THREADS={threads} (found {blas}); run via bench/run.sh")
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if os.environ.get(var):
            raise SystemExit(f"{var} is set: it cripples Debian's OpenBLAS 0.3.21 (see shared/ANCHORS.md); unset it")


def write_ids(path, ids):
    with open(path, "w", encoding="utf-8") as f:
        for row in ids:
            f.write(" ".join(str(int(i)) for i in row) + "\n")


def first_images(folder, count):
    """The first `count` JPEGs by name, as bytes: the same set the Java benchmarks read."""
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith(".jpg"))[:count]
    if len(names) < count:
        raise SystemExit(f"{folder} holds {len(names)} JPEGs, need {count}")
    out = []
    for n in names:
        with open(os.path.join(folder, n), "rb") as f:
            out.append(f.read())
    return out
