"""Joins the Java (mmfuse) and torch results of a GPU visit into one table.

  python3 bench/gpu/summarize.py mmfuse.json torch.json --md results.md --json results.json

The arithmetic floor of each row (NOTES.md): 2*Q*N*d FLOPs at the measured TF32 (or fp32)
matmul rate, or N*d*4 bytes at the measured copy bandwidth, whichever is larger.
"""
import argparse
import json
import math
import sys

NAN = float("nan")


def load(path, empty):
    """The file's JSON; raw control characters in strings are tolerated (strict=False); on any
    other problem the error is reported and `empty` stands in, so the other file still prints."""
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError as e:
        print(f"summarize: cannot read {path}: {e}", file=sys.stderr)
        return {**empty, "error": str(e)}
    for strict in (True, False):
        try:
            return json.loads(text, strict=strict)
        except ValueError as e:
            err = e
    print(f"summarize: {path} is not valid JSON ({err}); continuing without it", file=sys.stderr)
    return {**empty, "error": str(err)}


def num(v):
    return NAN if v is None else float(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mmfuse")
    ap.add_argument("torch")
    ap.add_argument("--md", default="results.md")
    ap.add_argument("--json", default="results.json")
    args = ap.parse_args()
    mm = load(args.mmfuse, {"timings": [], "correctness": [], "failures": None})
    th = load(args.torch, {"baselines": [], "ceilings": {}})
    ceil = th.get("ceilings", {})
    tf32 = ceil.get("matmul_tf32_tflops", float("nan"))
    fp32 = ceil.get("matmul_fp32_tflops", float("nan"))
    bw = ceil.get("copy_gbps", float("nan"))
    base = {(r["q"], r["k"]): r for r in th.get("baselines", [])}

    rows = []
    for t in mm.get("timings", []):
        try:
            t = dict(t)
            t.setdefault("variant", "fused")
            t["java_call_ms"] = num(t.get("java_call_ms"))
            t["kernel_ms"] = num(t.get("kernel_ms"))
            t["kernel_tflops"] = num(t.get("kernel_tflops"))
            flops = 2.0 * t["q"] * t["n"] * t["d"]
            bytes_ = 4.0 * t["n"] * t["d"]
            # 3xTF32 does three TF32 products per multiply-add; the small-Q path is fp32 SIMT.
            if t["mode"] == "3xtf32":
                rate = tf32 / 3
            elif t["variant"] == "smallq":
                rate = fp32
            else:
                rate = tf32
            floor = max(flops / (rate * 1e12), bytes_ / (bw * 1e9)) * 1e3
            b = base.get((t["q"], t["k"]), {})
            cd = num(b.get("cdist_topk_ms"))
            mmk = num(b.get("mm_topk_ms"))
            kern = t["kernel_ms"]
            rows.append({**t, "floor_ms": floor, "vs_floor": kern / floor,
                         "cdist_topk_ms": cd, "mm_topk_ms": mmk,
                         "speedup_vs_cdist": cd / kern if kern > 0 else NAN,
                         "speedup_vs_mm_topk": mmk / kern if kern > 0 else NAN,
                         "speedup_vs_cdist_java_call": cd / t["java_call_ms"] if t["java_call_ms"] > 0 else NAN,
                         "kernel_gbps": bytes_ / (kern * 1e-3) / 1e9 if kern > 0 else NAN})
        except (KeyError, TypeError, ValueError, ZeroDivisionError) as e:
            print(f"summarize: skipping timing row {t}: {e!r}", file=sys.stderr)

    lines = [f"# GPU k-NN results: {th.get('device', mm.get('device', '?'))}", "",
             f"torch {th.get('torch', '?')} (CUDA {th.get('cuda', '?')}); mmfuse CUDA runtime {mm.get('runtime', '?')}", "",
             "## Ceilings measured in this run", "",
             f"- fp32 matmul: {fp32:.1f} TFLOP/s; TF32 matmul: {tf32:.1f} TFLOP/s; "
             f"bf16 matmul: {ceil.get('matmul_bf16_tflops', float('nan')):.1f} TFLOP/s",
             f"- device copy: {bw:.0f} GB/s (read + write)", "",
             "## Correctness (float64 reference, fresh random inputs)", "",
             "| case | N | d | Q | k | mode | result |", "|---|---|---|---|---|---|---|"]
    for c in mm.get("correctness", []):
        lines.append(f"| {c.get('case')} | {c.get('n')} | {c.get('d')} | {c.get('q')} | {c.get('k')} | {c.get('mode')} | "
                     f"{'pass' if c.get('pass') else 'FAIL: ' + str(c.get('detail'))} |")
    lines += ["", "## Timings (median ms; N=1e6, d=256 unless noted)", "",
              "| Q | k | mode | variant | kernel ms | Java call ms | torch cdist+topk ms | torch mm+topk ms | "
              "speed-up vs cdist (kernel / Java) | floor ms | kernel / floor | kernel TFLOP/s | DB GB/s |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['q']} | {r['k']} | {r['mode']} | {r['variant']} | {r['kernel_ms']:.3f} | {r['java_call_ms']:.3f} | "
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
    for name, data in (("mmfuse", mm), ("torch", th)):
        if "error" in data:
            print(f"{name} results unreadable: {data['error']}")
    print(f"{'Q':>5} {'k':>5} {'mode':>6} {'variant':>7} {'kernel':>8} {'java':>8} {'cdist':>8} {'x':>5} {'mm_x':>5} {'floor':>7} {'/flr':>5} {'TF/s':>6}")
    for r in rows:
        print(f"{r['q']:>5} {r['k']:>5} {r['mode']:>6} {r['variant']:>7} {r['kernel_ms']:>8.3f} {r['java_call_ms']:>8.3f} "
              f"{r['cdist_topk_ms']:>8.3f} {r['speedup_vs_cdist']:>5.1f} {r['speedup_vs_mm_topk']:>5.2f} {r['floor_ms']:>7.3f} "
              f"{r['vs_floor']:>5.2f} {r['kernel_tflops']:>6.1f}")


if __name__ == "__main__":
    main()
