"""numpy side of bench/metrics/semantic.ts: reads commands on stdin, answers one JSON line each.

  load <file> <n> <d>   float32 vectors, n × d, converted to float64 (not timed)
  run                   one timed mean cosine distance + Vendi, as baskets computes them
"""
import json
import sys
import time

import numpy as np

X = None
for line in sys.stdin:
    cmd = line.split()
    if cmd[0] == "load":
        n, d = int(cmd[2]), int(cmd[3])
        X = np.fromfile(cmd[1], dtype=np.float32).reshape(n, d).astype(np.float64)
        print(json.dumps({"numpy": np.__version__}), flush=True)
    elif cmd[0] == "run":
        n, d = X.shape
        t = time.perf_counter()
        U = X / np.linalg.norm(X, axis=1, keepdims=True)
        s = U.sum(axis=0)
        mcd = 1 - (s @ s - (U * U).sum()) / (n * (n - 1))
        # The smaller of the two Gram matrices, as baskets takes: same non-zero eigenvalues.
        w = np.linalg.eigvalsh(U.T @ U / n if n > d else U @ U.T / n)
        w = w[w > 0]
        vendi = float(np.exp(-(w * np.log(w)).sum()))
        ms = (time.perf_counter() - t) * 1000
        print(json.dumps({"ms": ms, "mcd": float(mcd), "vendi": vendi}), flush=True)
