#!/usr/bin/env python3
"""Sums ncu's per-instruction warp-stall samples of one kernel by code region.

Input: a listing from bench/gpu/run.sh's stall profiles (ncu --page source --print-source sass;
BENCH_STALLS or BENCH_PROFILE=1), plain or .gz. Regions are cut at the instructions that delimit
the wgmma kernel's phases: the main loop ends at the last `WARPGROUP.DEPBAR.LE gsb0, 0x0` before
the epilogue, the epilogue at the first `BAR.SYNC` after it, the trims at the final wait before
EXIT. Also printed: warp instructions executed per region per (tile, warp) (the tile-end wait runs
once per tile and warp), and how often the lean epilogue's pre-test vote (`VOTE.ANY P0, P0` run
once per tile and warp) passes.

    python3 bench/gpu/stall_regions.py ncu-source-wgmma2.log.gz
"""
import gzip
import re
import sys


def rows(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        for line in f:
            m = re.match(r"^(0x[0-9a-f]+)\s+(.*?)\s{2,}(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", line)
            if m:
                yield int(m.group(1), 16), m.group(2).strip(), int(m.group(3)), int(m.group(6))


def main(path):
    full = list(rows(path))
    r = [(a, ins, s) for a, ins, s, _ in full]
    total = sum(s for _, _, s in r)
    # Phase boundaries: first wait_group 0 (end of a tile's MMAs), the barrier that ends the
    # epilogue's appends (the first BAR.SYNC after a long run without one), the last wait_group 0.
    waits = [i for i, (_, ins, _) in enumerate(r) if ins.startswith("WARPGROUP.DEPBAR.LE gsb0, 0x0")]
    first_wait, last_wait = waits[0], waits[-1]
    bars = [i for i, (_, ins, _) in enumerate(r) if ins.startswith("BAR.SYNC") and i > first_wait + 2]
    gaps = [(bars[j + 1] - bars[j], j) for j in range(len(bars) - 1)]
    _, j = max(gaps)
    epi_end = bars[j + 1]
    parts = {
        "main loop (mbarrier wait, HGMMA, wait_group, barrier, TMA issue)": sum(s for _, _, s in r[:first_wait + 1]),
        "epilogue (distances, filter, appends)": sum(s for _, _, s in r[first_wait + 1:epi_end]),
        "trims and the barriers around them": sum(s for _, _, s in r[epi_end:last_wait]),
        "rest": sum(s for _, _, s in r[last_wait:]),
    }
    print(f"{total} samples")
    for name, s in parts.items():
        print(f"{100.0 * s / total:5.1f} %  {name}")
    tile_warps = full[first_wait][3]
    bounds = [0, first_wait + 1, epi_end, last_wait, len(full)]
    per = [sum(e for *_, e in full[bounds[i]:bounds[i + 1]]) / tile_warps for i in range(4)]
    print(f"warp instructions per (tile, warp): main {per[0]:.0f}, epilogue {per[1]:.0f}, trims {per[2]:.0f}")
    votes = [i for i, (_, ins, _, e) in enumerate(full) if ins.startswith("VOTE.ANY P0, P0") and e == tile_warps]
    if votes:
        passed = sum(full[i + 2][3] for i in votes) / sum(full[i][3] for i in votes)
        print(f"lean pre-test votes passing: {100.0 * passed:.1f} % ({len(votes)} per tile)")


if __name__ == "__main__":
    main(sys.argv[1])
