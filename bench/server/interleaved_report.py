#!/usr/bin/env python3
"""Markdown report of run.sh's interleaved on/off comparison (INTERLEAVE_ROUNDS > 0).

Usage: interleaved_report.py ROUNDS.jsonl MAX_BATCH > report.md
Each input line is one wrk slice: label batching-on / batching-off, case (image or text),
concurrency, round, throughput, p99_ms, mean_batch. Within a round the two slices ran back to back, so the per-round ratio is
what drift cannot bias; the verdict uses its median. Exit 3 when the image-embedding target at
the highest concurrency is not met (median ratio >= 3, and the batched p99 within
2 x unbatched p99 at concurrency 1 x MAX_BATCH), as bench/server's Main report does.
"""
import json
import statistics
import sys


def main():
    path, max_batch = sys.argv[1], int(sys.argv[2])
    rows = [json.loads(line) for line in open(path) if line.strip()]
    by = {}
    for r in rows:
        by.setdefault((r.get("case", "image"), r["concurrency"]), {}).setdefault(r["round"], {})[r["label"]] = r
    out = []
    summary = {}
    for key in sorted(by):
        case, c = key
        rounds = by[key]
        out.append(f"{case.capitalize()} embedding, concurrency {c}:\n")
        out.append("| round | batched req/s | p99 ms | mean batch | unbatched req/s | p99 ms | ratio |")
        out.append("|---:|---:|---:|---:|---:|---:|---:|")
        ratios, on_p99, off_p99 = [], [], []
        for r in sorted(rounds):
            on, off = rounds[r].get("batching-on"), rounds[r].get("batching-off")
            if not on or not off:
                continue
            ratio = on["throughput"] / off["throughput"] if off["throughput"] > 0 else float("nan")
            ratios.append(ratio)
            on_p99.append(on["p99_ms"])
            off_p99.append(off["p99_ms"])
            mb = on.get("mean_batch")
            out.append(f"| {r} | {on['throughput']:.1f} | {on['p99_ms']:.1f} | {mb if mb is None else round(mb, 1)} | "
                       f"{off['throughput']:.1f} | {off['p99_ms']:.1f} | {ratio:.2f}x |")
        if not ratios:
            continue
        failed = sum(r.get("failed", 0) for rr in rounds.values() for r in rr.values())
        summary[key] = (statistics.median(ratios), min(ratios), max(ratios),
                      statistics.median(on_p99), statistics.median(off_p99))
        out.append("")
        m = summary[key]
        out.append(f"Median ratio {m[0]:.2f}x (min {m[1]:.2f}x, max {m[2]:.2f}x) over "
                   f"{len(ratios)} rounds; median p99 batched {m[3]:.1f} ms, unbatched {m[4]:.1f} ms; "
                   f"failed requests: {failed}.\n")
    rc = 0
    image = {c: v for (case, c), v in summary.items() if case == "image"}
    if image:
        top = max(image)
        med, lo, hi, p99_on, _ = image[top]
        met = med >= 3.0
        line = f"**Target (image embedding, interleaved):** median ratio at concurrency {top}: **{med:.2f}x** " \
               f"(target >= 3.0x: {'met' if met else 'NOT met'}; rounds {lo:.2f}x to {hi:.2f}x)"
        if 1 in image:
            bound = 2 * image[1][4] * max_batch
            line += f"; median p99 {p99_on:.1f} ms vs bound 2 x {image[1][4]:.2f} ms x {max_batch} = {bound:.1f} ms " \
                    f"({'met' if p99_on <= bound else 'NOT met'})"
            met = met and p99_on <= bound
        out.append(line + ".")
        rc = 0 if met else 3
    print("\n".join(out))
    return rc


if __name__ == "__main__":
    sys.exit(main())
