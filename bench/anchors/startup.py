"""Anchors for start-up: from process launch (BENCH_T0_NS, set by run.sh just before exec) to the
first result: 'faiss' = first exact kNN search over 1,000 random 256-d vectors with FAISS;
'torch-embed' = first image embedding from a freshly built copy of mmfuse's default model in
PyTorch (model_anchor.py), as StartupProbe's 'embed' mode does in Java."""
import json
import os
import sys
import time

lib = sys.argv[1]
import numpy as np  # noqa: E402

if lib == "faiss":
    import faiss
    x = np.random.default_rng(1).standard_normal((1000, 256), dtype=np.float32)
    index = faiss.IndexFlatL2(256)
    index.add(x)
    assert index.search(x[:1], 10)[1][0][0] == 0
    mode = "search"
else:
    import torch
    import torch.nn.functional as F
    from model_anchor import Model
    torch.manual_seed(42)
    model = Model(reconstruct=False).eval()
    image = np.random.default_rng(1).standard_normal((1, 3, 64, 64), dtype=np.float32)
    with torch.inference_mode():
        e = F.normalize(model.image_encoder(torch.from_numpy(image)), dim=1).numpy()
    assert e.shape == (1, 256)
    mode = "embed"
print(json.dumps({"impl": lib, "mode": mode, "ms": (time.time_ns() - int(os.environ["BENCH_T0_NS"])) / 1e6}))
