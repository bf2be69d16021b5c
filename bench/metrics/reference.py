"""Python references for bench/metrics/run.mjs: NLTK cross-response Self-BLEU and numpy semantic metrics."""
import json, sys, time
import numpy as np
from nltk.translate.bleu_score import sentence_bleu, SmoothingFunction

d, n, dim = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
docs = json.load(open(f"{d}/docs.json"))
sm = SmoothingFunction().method1
t = time.perf_counter()
scores = [sentence_bleu(docs[:i] + docs[i + 1:], docs[i], smoothing_function=sm) for i in range(len(docs))]
nltk_ms = (time.perf_counter() - t) * 1000

X = np.fromfile(f"{d}/vecs.f32", dtype=np.float32).reshape(n, dim).astype(np.float64)
t = time.perf_counter()
U = X / np.linalg.norm(X, axis=1, keepdims=True)
s = U.sum(axis=0)
mcd = 1 - (s @ s - (U * U).sum()) / (n * (n - 1))
w = np.linalg.eigvalsh(U.T @ U / n)
w = w[w > 0]
vendi = float(np.exp(-(w * np.log(w)).sum()))
numpy_ms = (time.perf_counter() - t) * 1000
print(json.dumps({"nltk_ms": nltk_ms, "nltk_scores": scores, "nltk_mean": sum(scores) / len(scores), "numpy_ms": numpy_ms, "mcd": float(mcd), "vendi": vendi}))
