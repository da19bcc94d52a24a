"""Anchor: FAISS IndexFlatL2 exact search on the shared vectors (same N, Q, k as SearchBenchmark).

Best configuration on this kind of machine (shared/ANCHORS.md): Debian's FAISS linked to OpenBLAS
(libopenblas0-pthread), one OpenMP thread, OPENBLAS_NUM_THREADS = the thread count, and
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset. run.sh sets that environment; this script checks it.
"""
import argparse
import os

import faiss
import numpy as np

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
faiss.omp_set_num_threads(1)  # OpenMP=2 is pathological here; BLAS threads carry the parallelism
db = np.load(a.db, mmap_mode="r")
queries = np.load(a.queries)
index = faiss.IndexFlatL2(db.shape[1])
index.add(np.ascontiguousarray(db[: a.n]))
for q in a.q:
    xq = np.ascontiguousarray(queries[:q])
    ms = measure(lambda: index.search(xq, a.k))
    _, ids = index.search(xq, a.k)
    if a.ids_dir:
        write_ids(os.path.join(a.ids_dir, f"ids-faiss-n{a.n}-q{q}-t{a.threads}.txt"), ids)
    emit(a.out, bench="search", impl="faiss", n=a.n, q=q, k=a.k, threads=a.threads, ms=ms, items_per_op=q)
