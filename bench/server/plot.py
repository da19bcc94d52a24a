#!/usr/bin/env python3
"""Plots the soak samples (CSV from `Main soak`) to a PNG: RSS, physicalBytes, JavaCPP-tracked bytes
and heap over time, with the least-squares line fitted after the warm-up. Needs matplotlib."""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(csv_path, png_path, warmup_s):
    rows = list(csv.DictReader(open(csv_path)))
    t = [float(r["t_s"]) for r in rows]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    for key, label in [("rss_mb", "RSS (VmRSS)"), ("physical_mb", "Pointer.physicalBytes()"),
                       ("javacpp_tracked_mb", "Pointer.totalBytes()"), ("heap_used_mb", "JVM heap used")]:
        pts = [(x, float(r[key])) for x, r in zip(t, rows) if r[key] not in ("NaN", "")]
        if not pts:
            continue
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker=".", label=label)
        fit = [p for p in pts if p[0] >= warmup_s]
        if key in ("rss_mb", "physical_mb") and len(fit) >= 2:
            n = len(fit)
            mt = sum(p[0] for p in fit) / n
            my = sum(p[1] for p in fit) / n
            sxx = sum((p[0] - mt) ** 2 for p in fit)
            slope = sum((p[0] - mt) * (p[1] - my) for p in fit) / sxx if sxx else 0.0
            xs = [fit[0][0], fit[-1][0]]
            ax.plot(xs, [my + slope * (x - mt) for x in xs], "k--", linewidth=1)
    ax.axvline(warmup_s, color="grey", linestyle=":", label="end of warm-up")
    ax.set_xlabel("seconds")
    ax.set_ylabel("MB")
    ax.set_title("mmfuse serve soak: memory")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(png_path, dpi=100)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 120.0)
