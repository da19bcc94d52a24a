"""Anchor for start-up: from process launch (BENCH_T0_NS, set by run.sh just before exec) to the
first exact kNN result over 1,000 random 256-d vectors, with FAISS or with PyTorch."""
import json
import os
import sys
import time

lib = sys.argv[1]
import numpy as np  # noqa: E402

x = np.random.default_rng(1).standard_normal((1000, 256), dtype=np.float32)
if lib == "faiss":
    import faiss
    index = faiss.IndexFlatL2(256)
    index.add(x)
    ids = index.search(x[:1], 10)[1]
else:
    import torch
    t = torch.from_numpy(x)
    ids = torch.topk(torch.cdist(t[:1], t), 10, largest=False).indices.numpy()
assert ids[0][0] == 0
print(json.dumps({"impl": lib, "ms": (time.time_ns() - int(os.environ["BENCH_T0_NS"])) / 1e6}))
