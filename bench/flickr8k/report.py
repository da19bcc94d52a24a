"""Turns the train/eval reports of bench/flickr8k/run.sh into one markdown table."""
import json
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone

runs, out, command, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def pct(x):
    return "%.1f" % (100 * x)


rows = []
for name in names:
    train = json.load(open(os.path.join(runs, name, "train-report.json")))
    ev = json.load(open(os.path.join(runs, name, "eval-test.json")))
    d = train["details"]
    m = d["model"]
    hist = d["history"]
    r = ev["details"]["report"]
    t2i, i2t = r["textToImage"], r["imageToText"]
    eps = sum(h["examplesPerSecond"] for h in hist) / max(1, len(hist))
    lr = "cosine" if "cosineDecay=true" in d.get("train", "") else "constant"
    rows.append(
        "| %s | %s | %s | %s | %d | %.1f | %d | %.0f | %s / %s / %s | %.0f | %s / %s / %s | %.0f | %.0f | %.0f |"
        % (name, m["objective"].lower(), lr, m["textEncoder"].lower(), m["imageSize"], d["seconds"] / 60, len(hist), eps,
           pct(t2i["recallAt1"]), pct(t2i["recallAt5"]), pct(t2i["recallAt10"]), t2i["medianRank"],
           pct(i2t["recallAt1"]), pct(i2t["recallAt5"]), pct(i2t["recallAt10"]), i2t["medianRank"],
           ev["details"]["images_per_second"], ev["details"]["captions_per_second"]))

java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
with open(out + ".tmp", "w") as f:
    f.write("# Flickr8k text<->image retrieval, trained from scratch\n\n")
    f.write("- date: %s\n" % datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    f.write("- machine: %s, %d cores visible, %s\n" % (cpu_model(), os.cpu_count(), java))
    f.write("- command: `%s` (data: ../shared/data/flickr8k, official 6000/1000/1000 split)\n" % command)
    f.write("- test protocol: each of the 5,000 test captions ranks the 1,000 test images (text->image); each "
            "image ranks the 5,000 captions, hit if any of its 5 is in the top K (image->text). Chance R@10 = 1 %.\n")
    f.write("- minutes = wall time of training incl. per-epoch validation; ex/s = mean training examples/s; "
            "img/s and cap/s = embedding throughput in `eval`.\n\n")
    f.write("| run | objective | lr | text | px | minutes | epochs | ex/s | T->I R@1/5/10 (%) | T->I medR | "
            "I->T R@1/5/10 (%) | I->T medR | img/s | cap/s |\n")
    f.write("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
    f.write("\n".join(rows) + "\n")
os.replace(out + ".tmp", out)
