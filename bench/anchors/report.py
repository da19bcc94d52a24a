"""Turns one bench/run.sh run folder into bench/results/<date>-<host>.md and a PNG plot of CPU
search throughput vs N.

Every mmfuse and anchor number is a list of per-iteration milliseconds per operation (5 measured
iterations after 2 warm-up iterations, on both sides); throughput = items per operation / time.
Tables show the median with the min-max range; a ratio is median(mmfuse) / median(anchor), its
range min(mmfuse)/max(anchor) .. max(mmfuse)/min(anchor).
"""
import argparse
import datetime
import glob
import json
import os
import socket
import statistics

import numpy as np

UNITS = {"search": "queries/s", "image-single": "images/s", "image-batch": "images/s", "text": "captions/s",
         "forward-image": "images/s", "forward-text": "captions/s", "train-step": "examples/s"}
NAMES = {
    "mmfuse": "mmfuse",
    "faiss": "FAISS IndexFlatL2",
    "torch": "PyTorch cdist+topk",
    "cv2": "OpenCV-Python",
    "pil": "Pillow",
    "pil-draft": "Pillow, JPEG draft mode",
    "python-re": "plain Python (re + dict)",
    "pytorch": "same model in PyTorch",
}


def load_jmh(run):
    records = []
    for path in sorted(glob.glob(os.path.join(run, "jmh-*.json"))):
        tag = os.path.basename(path)[4:-5]
        with open(path, encoding="utf-8") as f:
            entries = json.load(f)
        for e in entries:
            name = e["benchmark"].rsplit(".", 2)
            cls = name[-2]
            params = {k: int(v) for k, v in e.get("params", {}).items() if v.lstrip("-").isdigit()}
            if e["primaryMetric"]["scoreUnit"] != "ms/op":
                raise SystemExit(f"{path}: expected ms/op, got {e['primaryMetric']['scoreUnit']}")
            ms = [x for fork in e["primaryMetric"]["rawData"] for x in fork]
            impl = "mmfuse-inherited-env" if tag == "search-inherited-env" else "mmfuse"
            if cls == "SearchBenchmark":
                r = dict(bench="search", n=params["n"], q=params["q"], k=params["k"], threads=params["threads"],
                         items_per_op=params["q"])
            elif cls == "ImageDecodeSingleBenchmark":
                r = dict(bench="image-single", threads=1, items_per_op=1)
            elif cls == "ImageDecodeBatchBenchmark":
                r = dict(bench="image-batch", threads=params["threads"], items_per_op=256)
            elif cls == "EncoderForwardBenchmark":
                r = dict(bench="forward-" + name[-1], batch=params["batch"], threads=params["threads"],
                         items_per_op=params["batch"])
            elif cls == "TrainStepBenchmark":
                r = dict(bench="train-step", objective=e["params"]["objective"], batch=params["batch"],
                         threads=params["threads"], items_per_op=params["batch"])
            elif cls == "TextFeaturisationBenchmark":
                r = dict(bench="text", batch=params["batch"], threads=1, items_per_op=params["batch"])
            else:
                r = dict(bench=cls, threads=params.get("threads", 1), items_per_op=params.get("batch", 1))
            r.update(impl=impl, ms=ms)
            records.append(r)
    return records


def load_jsonl(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def throughput(r):
    return [r["items_per_op"] * 1000.0 / ms for ms in r["ms"]]


def stats(values):
    return statistics.median(values), min(values), max(values)


def fmt(x):
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def cell(values):
    med, lo, hi = stats(values)
    return f"**{fmt(med)}** ({fmt(lo)}–{fmt(hi)})"


def ratio_cell(mine, theirs):
    m, mlo, mhi = stats(mine)
    a, alo, ahi = stats(theirs)
    r = m / a
    mark = "" if r >= 1.0 else " ⚠"
    return r, f"**{r:.2f}×**{mark} ({mlo / ahi:.2f}–{mhi / alo:.2f})"


def key_of(r):
    return tuple((k, r.get(k)) for k in ("bench", "n", "q", "k", "batch", "objective", "threads"))


def size_text(r):
    if r["bench"] == "search":
        return f"N={r['n']:,}, Q={r['q']}, k={r['k']}, d=256"
    if r["bench"] == "image-single":
        return "1 JPEG 224² → 3×64×64"
    if r["bench"] == "image-batch":
        return "256 JPEGs 224² → 3×64×64"
    if r["bench"] == "text":
        return f"batch {r['batch']}, 32 ids"
    if r["bench"] == "forward-image":
        return f"batch {r['batch']}, 3×64×64 → 256"
    if r["bench"] == "forward-text":
        return f"batch {r['batch']}, 8–20 tokens → 256"
    if r["bench"] == "train-step":
        what = "default model, InfoNCE" if r["objective"] == "contrastive" else "founding design: seed loss + both reconstructions"
        return f"batch {r['batch']}, {what}"
    return ""


OPERATIONS = {
    "search": "CPU exact kNN (squared L2)",
    "image-single": "image decode + resize, single",
    "image-batch": "image decode + resize, batch",
    "text": "text featurisation",
    "forward-image": "image encoder forward (Embedder)",
    "forward-text": "text encoder forward (Embedder)",
    "train-step": "one training step (AdamW)",
}


def recall(run, impl, n, q, t, k=10):
    mine = os.path.join(run, f"ids-mmfuse-n{n}-q{q}-t{t}.txt")
    theirs = os.path.join(run, f"ids-{impl}-n{n}-q{q}-t{t}.txt")
    if not (os.path.exists(mine) and os.path.exists(theirs)):
        return None
    with open(mine) as f1, open(theirs) as f2:
        a = [set(map(int, line.split())) for line in f1]
        b = [set(map(int, line.split())) for line in f2]
    return sum(len(x & y) for x, y in zip(a, b)) / (k * len(a))


def plot(records, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    impls = ("mmfuse", "faiss", "torch")
    search = [r for r in records if r["bench"] == "search" and r["impl"] in impls]
    qs = sorted({r["q"] for r in search})
    fig, axes = plt.subplots(1, len(qs), figsize=(6 * len(qs), 4.5), squeeze=False)
    colours = {"mmfuse": "tab:red", "faiss": "tab:blue", "torch": "tab:green"}
    for ax, q in zip(axes[0], qs):
        for impl in impls:
            for t, style in ((2, "-"), (1, "--")):
                rows = sorted((r for r in search if r["impl"] == impl and r["q"] == q and r["threads"] == t),
                              key=lambda r: r["n"])
                if not rows:
                    continue
                ns = [r["n"] for r in rows]
                st = [stats(throughput(r)) for r in rows]
                med = np.array([s[0] for s in st])
                err = np.array([[s[0] - s[1] for s in st], [s[2] - s[0] for s in st]])
                ax.errorbar(ns, med, yerr=err, fmt=style + "o", color=colours[impl], capsize=3, markersize=4,
                            label=f"{NAMES[impl]}, {t} thread{'s' if t > 1 else ''}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("N (database vectors, d = 256)")
        ax.set_ylabel("queries / s (higher is better)")
        ax.set_title(f"Exact kNN on CPU, Q = {q} per call, k = 10")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("median of 5 iterations, bars = min–max; solid = 2 threads, dashed = 1 thread", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--run", required=True)
    p.add_argument("--results", required=True)
    p.add_argument("--command", default="bench/run.sh")
    a = p.parse_args()

    records = load_jmh(a.run) + load_jsonl(os.path.join(a.run, "anchors.jsonl"))
    machine = {}
    if os.path.exists(os.path.join(a.run, "machine.txt")):
        with open(os.path.join(a.run, "machine.txt"), encoding="utf-8") as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    machine[k] = v
    stem = f"{datetime.date.today().isoformat()}-{socket.gethostname()}"
    os.makedirs(a.results, exist_ok=True)
    md_path = os.path.join(a.results, stem + ".md")
    png_path = os.path.join(a.results, stem + ".png")

    mmfuse = {key_of(r): r for r in records if r["impl"] == "mmfuse"}
    anchors = [r for r in records if r["impl"] not in ("mmfuse", "mmfuse-inherited-env")]
    order = ["search", "image-single", "image-batch", "text", "forward-image", "forward-text", "train-step"]
    anchors.sort(key=lambda r: (order.index(r["bench"]) if r["bench"] in order else 99, -r.get("threads", 1),
                                r.get("n", 0), r.get("q", 0), r.get("batch", 0), r.get("objective", ""), r["impl"]))

    out = []
    w = out.append
    w(f"# mmfuse benchmark results, {datetime.date.today().isoformat()}, {socket.gethostname()}\n")
    w(f"Command: `{a.command}` (from the repository root; {machine.get('elapsed_s', '?')} s in all, "
      "build and anchor install included).\n")
    w("Every number is the **median** of 5 measured iterations of ~1 s each (0.5 s for image decoding, text "
      "and inference) after 1 warm-up iteration "
      "(JMH on the Java side, the same loop in bench/anchors/common.py on the Python side), with the "
      "min–max range in brackets. Ratio = mmfuse / anchor (higher is better for mmfuse; ⚠ marks a "
      "loss). mmfuse and its anchors ran interleaved, block by block, in the same run. "
      "**The machine is shared with other builds, so the numbers are noisy**: the load average at "
      "each block is listed at the end, and a wide min–max range means the block was disturbed.\n")

    # Headline.
    head = []
    for t in (1, 2):
        k = key_of(dict(bench="search", n=1_000_000, q=64, k=10, threads=t))
        f = [r for r in anchors if r["impl"] == "faiss" and key_of(r) == k]
        if k in mmfuse and f:
            r, _ = ratio_cell(throughput(mmfuse[k]), throughput(f[0]))
            head.append((t, r))
    if head:
        parts = [f"{r:.2f}× at {t} thread{'s' if t > 1 else ''} ({'met' if r >= 1.0 else 'NOT met'})" for t, r in head]
        w(f"**Target (CPU search, Q=64, N=1M, d=256, k=10): mmfuse ≥ 1.0× FAISS throughput** — CpuKnn: "
          f"{', '.join(parts)}.\n")

    w("## Side by side\n")
    w("| operation | size | threads | mmfuse | anchor | anchor result | ratio |")
    w("|---|---|---|---|---|---|---|")
    for r in anchors:
        if r["bench"] not in UNITS:
            continue
        mine = mmfuse.get(key_of(r))
        unit = UNITS[r["bench"]]
        mcell = cell(throughput(mine)) + f" {unit}" if mine else "—"
        rc = ratio_cell(throughput(mine), throughput(r))[1] if mine else "—"
        w(f"| {OPERATIONS[r['bench']]} | {size_text(r)} | {r['threads']} | {mcell} | {NAMES.get(r['impl'], r['impl'])} "
          f"| {cell(throughput(r))} {unit} | {rc} |")
    inherited = [r for r in records if r["impl"] == "mmfuse-inherited-env"]
    for r in inherited:
        base = mmfuse.get(key_of(r))
        note = f", {stats(throughput(r))[0] / stats(throughput(base))[0]:.2f}× the clean-environment result" if base else ""
        w(f"\nmmfuse with the machine's inherited `{machine.get('inherited_env', '')}` "
          f"(not used for the ratios; both sides above run without them): {size_text(r)}, {r['threads']} threads: "
          f"{cell(throughput(r))} queries/s{note}.")
    w("")

    w("## Results agree\n")
    rec_lines = []
    for r in anchors:
        if r["bench"] == "search" and r["impl"] in ("faiss", "torch") and r["q"] == 64:
            rc = recall(a.run, r["impl"], r["n"], r["q"], r["threads"])
            if rc is not None:
                rec_lines.append(f"{NAMES[r['impl']]} N={r['n']:,} {r['threads']}t: {rc:.4f}")
    w("Inside the Java benchmarks: CpuKnn's ids for the first and last query of each batch equal a "
      "float64 brute force on every measured iteration; every image decodes into [-1, 1]; every caption "
      "gives 32 in-vocabulary ids. Across implementations:\n")
    if rec_lines:
        w("- recall@10 of each anchor against mmfuse's exact (float64 re-ranked) top 10, Q=64: "
          + "; ".join(rec_lines) + ". Anything below 1.0 is float32 rounding in the anchor reordering "
            "near-ties at rank 10 (random normal data in 256-d has many).")
    mine_img = os.path.join(a.run, "images-mmfuse.npy")
    for lib in ("cv2", "pil"):
        other = os.path.join(a.run, f"images-{lib}.npy")
        if os.path.exists(mine_img) and os.path.exists(other):
            x, y = np.load(mine_img), np.load(other)
            d = np.abs(x - y)
            w(f"- first 8 decoded images, mmfuse vs {NAMES[lib]}: mean |Δ| = {d.mean():.4f}, "
              f"max |Δ| = {d.max():.4f} (values in [-1, 1]; 1/127.5 = 0.0078 is one 8-bit level).")
    w("")

    startup = load_jsonl(os.path.join(a.run, "startup.jsonl"))
    if startup:
        w("## Start-up to first result\n")
        w("From launching the process to the first result (ms, median and min–max of "
          f"{len([s for s in startup if s['impl'] == 'mmfuse-cold'])} rounds). Cold = a fresh, empty JavaCPP cache "
          "(`-Dorg.bytedeco.javacpp.cachedir=<new dir>`: LibTorch, OpenBLAS and OpenCV natives are unpacked from "
          "the jars first); warm = the existing `~/.javacpp/cache`. 'First result' is the "
          "first image embedding of a freshly built default model (random weights: checkpoint loading is not included) or the first exact kNN search.\n")
        unfixed_path = os.path.join(a.run, "startup-unfixed.txt")
        if os.path.exists(unfixed_path):
            with open(unfixed_path) as f:
                unfixed = f.read().strip()
            w("Cold start **as the library is now** (no pre-extraction): "
              + ("worked." if unfixed == "ok" else
                 f"**failed ({unfixed})**. With an empty cache JavaCPP loads libtorch.so before it has extracted "
                 "libtorch_cpu.so, so the dynamic linker picks libtorch_cpu.so from the system path; where Debian's "
                 "libtorch 1.13 is installed (python3-torch, an anchor here) the JVM crashes. The cold rows below "
                 "therefore call `Loader.cacheResources(\"/org/bytedeco/pytorch/<platform>/\")` first, the fix "
                 "proposed for the library.") + "\n")
        w("| process | first result | launch → result | of which JVM → main | main → result |")
        w("|---|---|---|---|---|")
        groups = {}
        for s in startup:
            groups.setdefault((s["impl"], s.get("mode", "search")), []).append(s)
        labels = {"mmfuse-cold": "java, mmfuse, cold JavaCPP cache (pre-extracting)", "mmfuse-warm": "java, mmfuse, warm cache",
                  "faiss": "python3 + FAISS (anchor)", "torch-embed": "python3 + PyTorch, same model (anchor)"}
        whats = {"search": "kNN search, 1,000×256", "embed": "image embedding, fresh default model",
                 "decode": "JPEG → 3×64×64"}
        for (impl, mode), rows in groups.items():
            what = whats.get(mode, mode)
            ms = cell([s["ms"] for s in rows])
            j = cell([s["jvm_to_main_ms"] for s in rows]) if "jvm_to_main_ms" in rows[0] else "—"
            m = cell([s["main_to_result_ms"] for s in rows]) if "main_to_result_ms" in rows[0] else "—"
            w(f"| {labels.get(impl, impl)} | {what} | {ms} | {j} | {m} |")
        w("")

    losses = [r for r in anchors if key_of(r) in mmfuse
              and ratio_cell(throughput(mmfuse[key_of(r)]), throughput(r))[0] < 1.0]
    w("## Where mmfuse loses\n")
    if not losses:
        w("Nowhere in this run.\n")
    for r in losses:
        rr = ratio_cell(throughput(mmfuse[key_of(r)]), throughput(r))[0]
        w(f"- {OPERATIONS[r['bench']]}, {size_text(r)}, {r['threads']} thread(s): {rr:.2f}× {NAMES.get(r['impl'], r['impl'])}.")
    w("\n<!-- analysis -->\n")

    if os.path.exists(os.path.join(a.run, "load.txt")):
        w("## Machine load during the run\n")
        w("`/proc/loadavg` (1, 5, 15 min) at the start of each block; on 2 cores anything above ~1 means "
          "another process competed with the benchmark:\n")
        with open(os.path.join(a.run, "load.txt")) as f:
            w("```\n" + f.read().strip() + "\n```\n")

    w("## Machine and versions\n")
    for k in ("cpu", "cores", "memory", "kernel", "jdk", "maven", "mmfuse_commit", "libtorch_javacpp",
              "opencv_javacpp", "openblas_javacpp", "py_versions", "python", "blas_alternative",
              "anchor_openblas_core", "inherited_env"):
        if k in machine:
            w(f"- {k}: `{machine[k]}`")
    debs = [f"{k[4:]} {v}" for k, v in machine.items() if k.startswith("deb_")]
    if debs:
        w(f"- Debian packages: `{', '.join(debs)}`")
    w("- Thread settings: mmfuse search `OMP_NUM_THREADS=t, OPENBLAS_NUM_THREADS=1` + `torch.set_num_threads(t)` "
      "(as the `mmfuse` launcher: CpuKnn splits the tiles between t workers), the model benchmarks "
      "`OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=t` + `torch.set_num_threads(t)`; "
      "FAISS `OMP_NUM_THREADS=1, OPENBLAS_NUM_THREADS=t` (its best configuration here, ANCHORS.md); PyTorch "
      "`OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=t` + `torch.set_num_threads(t)`; image decoding one OpenCV thread "
      "per image and t worker threads on both sides. `OPENBLAS_CORETYPE` and `OPENBLAS_L2_SIZE` unset for every "
      "process measured.")
    w(f"\n![CPU search throughput vs N]({os.path.basename(png_path)})\n")

    search = [r for r in records if r["bench"] == "search"]
    if search:
        plot(records, png_path)
    with open(md_path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    print(md_path)


if __name__ == "__main__":
    main()
