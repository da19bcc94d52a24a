"""GPU visit, torch side: baselines and ceilings on the same card, same sizes as GpuKnnBench.

  python3 bench/gpu/torch_bench.py --out torch.json [--quick]

Baselines (float32 inputs, N x d database, Q queries, k):
  cdist_topk : torch.cdist(q, x) then topk(k, largest=False)            (what a user writes)
  mm_topk    : |q|^2 + |x|^2 - 2 q x^T with an fp32 matmul, then topk    (the "fast" torch way)
  mm_tf32_topk: the same with TF32 matmuls allowed (approximate, for reference)
Ceilings: fp32 and TF32 matmul (8192^3), bf16 matmul, device-to-device copy (bytes read+written).
Times: CUDA events, 3 warm-up + 20 timed runs, median.
"""
import argparse
import json
import statistics

import torch

WARMUP = 3
ITERS = 20


def time_ms(fn, iters=ITERS, warmup=WARMUP):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        start = torch.cuda.Event(enable_timing=True)
        stop = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    return statistics.median(times), min(times)


def ceilings(quick):
    out = {}
    m = 4096 if quick else 8192
    a = torch.randn(m, m, device="cuda")
    b = torch.randn(m, m, device="cuda")
    flops = 2.0 * m * m * m
    for name, tf32 in (("matmul_fp32", False), ("matmul_tf32", True)):
        torch.backends.cuda.matmul.allow_tf32 = tf32
        med, _ = time_ms(lambda: a @ b, iters=10)
        out[name + "_tflops"] = flops / (med * 1e-3) / 1e12
    torch.backends.cuda.matmul.allow_tf32 = False
    ah, bh = a.bfloat16(), b.bfloat16()
    med, _ = time_ms(lambda: ah @ bh, iters=10)
    out["matmul_bf16_tflops"] = flops / (med * 1e-3) / 1e12
    del a, b, ah, bh
    n = (1 << 28) if quick else (1 << 30)   # floats: 1 GiB or 4 GiB
    src = torch.randn(n, device="cuda")
    dst = torch.empty_like(src)
    med, _ = time_ms(lambda: dst.copy_(src), iters=10)
    out["copy_gbps"] = 2.0 * n * 4 / (med * 1e-3) / 1e9
    del src, dst
    torch.cuda.empty_cache()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="torch.json")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    torch.manual_seed(0)
    props = torch.cuda.get_device_properties(0)
    result = {"device": props.name, "sms": props.multi_processor_count, "torch": torch.__version__,
              "cuda": torch.version.cuda}
    print(f"torch {torch.__version__} cuda {torch.version.cuda} on {props.name}", flush=True)
    result["ceilings"] = ceilings(args.quick)
    print("ceilings:", {k: round(v, 1) for k, v in result["ceilings"].items()}, flush=True)

    n = 200_000 if args.quick else 1_000_000
    d = 256
    x = torch.randn(n, d, device="cuda")
    xn = (x * x).sum(1)
    qall = torch.randn(1024, d, device="cuda")
    rows = []
    configs = [(1, 10), (16, 10), (256, 10), (1024, 10), (1024, 100), (1024, 1024)]
    print(f"{'Q':>6} {'k':>6} {'cdist_topk':>12} {'mm_topk':>10} {'mm_tf32':>10}  (median ms)", flush=True)
    for q_rows, k in configs:
        q = qall[:q_rows].contiguous()

        def cdist_topk():
            return torch.cdist(q, x).topk(k, dim=1, largest=False)

        def mm_topk():
            dist = (q * q).sum(1, keepdim=True) + xn[None, :] - 2.0 * (q @ x.T)
            return dist.topk(k, dim=1, largest=False)

        torch.backends.cuda.matmul.allow_tf32 = False
        c_med, c_min = time_ms(cdist_topk)
        m_med, m_min = time_ms(mm_topk)
        torch.backends.cuda.matmul.allow_tf32 = True
        t_med, t_min = time_ms(mm_topk)
        torch.backends.cuda.matmul.allow_tf32 = False
        rows.append({"n": n, "d": d, "q": q_rows, "k": k, "cdist_topk_ms": c_med, "mm_topk_ms": m_med,
                     "mm_tf32_topk_ms": t_med, "cdist_topk_min_ms": c_min, "mm_topk_min_ms": m_min})
        print(f"{q_rows:>6} {k:>6} {c_med:>12.3f} {m_med:>10.3f} {t_med:>10.3f}", flush=True)
        torch.cuda.empty_cache()
    result["baselines"] = rows
    with open(args.out, "w") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
