"""Anchor: PyTorch (Debian's python3-torch) torch.cdist + torch.topk, the two-liner a PyTorch user
writes for exact kNN, on the shared vectors with the same N, Q, k and thread count."""
import argparse
import os

import numpy as np
import torch

from common import emit, measure, require_thread_env, write_ids

p = argparse.ArgumentParser()
p.add_argument("--db", required=True)
p.add_argument("--queries", required=True)
p.add_argument("--n", type=int, required=True)
p.add_argument("--q", type=int, nargs="+", default=[1, 64])
p.add_argument("--k", type=int, default=10)
p.add_argument("--threads", type=int, required=True)
p.add_argument("--out", required=True)
p.add_argument("--ids-dir")
a = p.parse_args()

require_thread_env(a.threads)
torch.set_num_threads(a.threads)
db = np.load(a.db, mmap_mode="r")
x = torch.from_numpy(np.array(db[: a.n]))  # a writable in-memory copy
queries = np.load(a.queries)


def search(xq):
    with torch.inference_mode():
        return torch.topk(torch.cdist(xq, x), a.k, dim=1, largest=False, sorted=True)


for q in a.q:
    xq = torch.from_numpy(np.ascontiguousarray(queries[:q]))
    ms = measure(lambda: search(xq))
    ids = search(xq).indices.numpy()
    if a.ids_dir:
        write_ids(os.path.join(a.ids_dir, f"ids-torch-n{a.n}-q{q}-t{a.threads}.txt"), ids)
    emit(a.out, bench="search", impl="torch", n=a.n, q=q, k=a.k, threads=a.threads, ms=ms, items_per_op=q)
