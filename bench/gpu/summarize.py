"""Joins the Java (mmfuse) and torch results of a GPU visit into one table.

  python3 bench/gpu/summarize.py mmfuse.json torch.json --md results.md --json results.json

The arithmetic floor of each row (NOTES.md): 2*Q*N*d FLOPs at the measured TF32 (or fp32)
matmul rate, or N*d*4 bytes at the measured copy bandwidth, whichever is larger.
"""
import argparse
import json
import math


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mmfuse")
    ap.add_argument("torch")
    ap.add_argument("--md", default="results.md")
    ap.add_argument("--json", default="results.json")
    args = ap.parse_args()
    try:
        mm = json.load(open(args.mmfuse))
    except (OSError, ValueError) as e:
        mm = {"timings": [], "correctness": [], "failures": None, "error": str(e)}
    try:
        th = json.load(open(args.torch))
    except (OSError, ValueError) as e:
        th = {"baselines": [], "ceilings": {}, "error": str(e)}
    ceil = th.get("ceilings", {})
    tf32 = ceil.get("matmul_tf32_tflops", float("nan"))
    fp32 = ceil.get("matmul_fp32_tflops", float("nan"))
    bw = ceil.get("copy_gbps", float("nan"))
    base = {(r["q"], r["k"]): r for r in th.get("baselines", [])}

    rows = []
    for t in mm.get("timings", []):
        if t.get("java_call_ms") is None:
            t["java_call_ms"] = float("nan")
        flops = 2.0 * t["q"] * t["n"] * t["d"]
        bytes_ = 4.0 * t["n"] * t["d"]
        # 3xTF32 does three TF32 products per multiply-add.
        rate = tf32 / 3 if t["mode"] == "3xtf32" else tf32
        floor = max(flops / (rate * 1e12), bytes_ / (bw * 1e9)) * 1e3
        b = base.get((t["q"], t["k"]), {})
        cd = b.get("cdist_topk_ms", float("nan"))
        mmk = b.get("mm_topk_ms", float("nan"))
        rows.append({**t, "floor_ms": floor, "vs_floor": t["kernel_ms"] / floor,
                     "cdist_topk_ms": cd, "mm_topk_ms": mmk,
                     "speedup_vs_cdist": cd / t["kernel_ms"],
                     "speedup_vs_cdist_java_call": cd / t["java_call_ms"] if not math.isnan(t["java_call_ms"]) else float("nan"),
                     "kernel_gbps": bytes_ / (t["kernel_ms"] * 1e-3) / 1e9})

    lines = [f"# GPU k-NN results: {th.get('device', mm.get('device', '?'))}", "",
             f"torch {th.get('torch', '?')} (CUDA {th.get('cuda', '?')}); mmfuse CUDA runtime {mm.get('runtime', '?')}", "",
             "## Ceilings measured in this run", "",
             f"- fp32 matmul: {fp32:.1f} TFLOP/s; TF32 matmul: {tf32:.1f} TFLOP/s; "
             f"bf16 matmul: {ceil.get('matmul_bf16_tflops', float('nan')):.1f} TFLOP/s",
             f"- device copy: {bw:.0f} GB/s (read + write)", "",
             "## Correctness (float64 reference, fresh random inputs)", "",
             "| case | N | d | Q | k | mode | result |", "|---|---|---|---|---|---|---|"]
    for c in mm.get("correctness", []):
        lines.append(f"| {c['case']} | {c['n']} | {c['d']} | {c['q']} | {c['k']} | {c['mode']} | "
                     f"{'pass' if c['pass'] else 'FAIL: ' + c['detail']} |")
    lines += ["", "## Timings (median ms; N=1e6, d=256 unless noted)", "",
              "| Q | k | mode | kernel ms | Java call ms | torch cdist+topk ms | torch mm+topk ms | "
              "speed-up vs cdist (kernel / Java) | floor ms | kernel / floor | kernel TFLOP/s | DB GB/s |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['q']} | {r['k']} | {r['mode']} | {r['kernel_ms']:.3f} | {r['java_call_ms']:.3f} | "
                     f"{r['cdist_topk_ms']:.3f} | {r['mm_topk_ms']:.3f} | {r['speedup_vs_cdist']:.1f}x / "
                     f"{r['speedup_vs_cdist_java_call']:.1f}x | {r['floor_ms']:.3f} | {r['vs_floor']:.2f} | "
                     f"{r['kernel_tflops']:.1f} | {r['kernel_gbps']:.0f} |")
    md = "\n".join(lines) + "\n"
    open(args.md, "w").write(md)
    json.dump({"mmfuse": mm, "torch": th, "rows": rows}, open(args.json, "w"), indent=2)

    print("\n== summary (median ms)")
    print(f"ceilings: fp32 {fp32:.1f} TFLOP/s, tf32 {tf32:.1f} TFLOP/s, copy {bw:.0f} GB/s")
    fails = mm.get("failures")
    print(f"correctness: {'all pass' if fails == 0 else str(fails) + ' FAILED'}")
    print(f"{'Q':>5} {'k':>5} {'mode':>6} {'kernel':>8} {'java':>8} {'cdist':>8} {'x':>5} {'floor':>7} {'/flr':>5} {'TF/s':>6}")
    for r in rows:
        print(f"{r['q']:>5} {r['k']:>5} {r['mode']:>6} {r['kernel_ms']:>8.3f} {r['java_call_ms']:>8.3f} "
              f"{r['cdist_topk_ms']:>8.3f} {r['speedup_vs_cdist']:>5.1f} {r['floor_ms']:>7.3f} "
              f"{r['vs_floor']:>5.2f} {r['kernel_tflops']:>6.1f}")


if __name__ == "__main__":
    main()
