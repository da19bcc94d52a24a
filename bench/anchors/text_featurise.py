"""Anchor: caption -> 32 padded token ids in plain Python (lower-case, regex words, dict lookup,
unknown -> 1, pad -> 0), with a vocabulary of the 9,998 most frequent tokens seen at least twice,
like TextFeaturisationBenchmark. Simpler rules than mmfuse's Tokenizer (no NFKC, no emoji or
ideograph handling), so it does less work per caption."""
import argparse
import collections
import re

from common import emit, measure

MAX_LEN = 32
WORD = re.compile(r"\w+")

p = argparse.ArgumentParser()
p.add_argument("--captions", required=True)
p.add_argument("--batch", type=int, nargs="+", default=[1, 64])
p.add_argument("--out", required=True)
a = p.parse_args()

captions = []
with open(a.captions, encoding="utf-8") as f:
    for line in f:
        _, _, cap = line.rstrip("\n").partition("\t")
        if cap.strip():
            captions.append(cap)
counts = collections.Counter(t for c in captions for t in WORD.findall(c.lower()))
kept = sorted((t for t, n in counts.items() if n >= 2), key=lambda t: (-counts[t], t))[:9998]
vocab = {t: i + 2 for i, t in enumerate(kept)}


def encode(caption):
    ids = [vocab.get(t, 1) for t in WORD.findall(caption.lower())[:MAX_LEN]]
    return ids + [0] * (MAX_LEN - len(ids))


for batch in a.batch:
    state = {"i": 0}

    def op():
        i = state["i"]
        for b in range(batch):
            encode(captions[(i + b) % len(captions)])
        state["i"] = (i + batch) % len(captions)

    ms = measure(op)
    emit(a.out, bench="text", impl="python-re", batch=batch, threads=1, ms=ms, items_per_op=batch)
