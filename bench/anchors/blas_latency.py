"""Diagnostic twin of io.mmfuse.bench.BlasLatency: one 64x256 by 256x4096 float32 product through
numpy and Debian's OpenBLAS, thread count from OPENBLAS_NUM_THREADS."""
import os
import time

import numpy as np

q = np.random.rand(64, 256).astype(np.float32)
x = np.random.rand(4096, 256).astype(np.float32)
for _ in range(50):
    q @ x.T
calls = 300
t = time.perf_counter()
for _ in range(calls):
    q @ x.T
print("numpy + Debian OpenBLAS, OPENBLAS_NUM_THREADS=%s: %.3f ms per 64x256x4096 product"
      % (os.environ.get("OPENBLAS_NUM_THREADS"), (time.perf_counter() - t) * 1000 / calls))
