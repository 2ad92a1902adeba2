"""Times ``Policy.act`` of the numpy runtime (clients/python/corrective/runtime) on policy blobs.

    python3 bench/python-act.py BLOB_DIR   → one JSON object on stdout: {python, numpy, rows: [...]}

Called by bench/python-act.ts, which writes the blobs. For each ``<name>.crpl`` in BLOB_DIR: a warm-up, then
deterministic ``act(obs)`` with a numpy observation in 5 repeats of N calls (mean µs per call: best and median
repeat), per-call p50/p99 from individually timed calls, and the same with a list observation, with
``act_batch`` on a batch of 1 and with sampled actions.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "clients" / "python"))

from corrective.runtime import load_policy  # noqa: E402

REPEATS = 5
TARGET_S = 0.25  # per repeat


def per_call_us(fn, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n * 1e6


def measure(fn) -> dict:
    for _ in range(200):
        fn()
    # Calls per repeat: about TARGET_S seconds at the warm-up's pace.
    n = max(int(TARGET_S / max(per_call_us(fn, 200) * 1e-6, 1e-7)), 200)
    repeats = [per_call_us(fn, n) for _ in range(REPEATS)]
    single = []
    pc = time.perf_counter_ns
    for _ in range(min(n, 20000)):
        t0 = pc()
        fn()
        single.append(pc() - t0)
    single.sort()
    return {
        "calls": n * REPEATS,
        "meanUs": min(repeats),
        "medianRepeatUs": statistics.median(repeats),
        "p50Us": single[len(single) // 2] / 1e3,
        "p99Us": single[int(len(single) * 0.99)] / 1e3,
    }


def main() -> None:
    blob_dir = Path(sys.argv[1])
    rows = []
    rng = np.random.default_rng(0)
    for path in sorted(blob_dir.glob("*.crpl")):
        policy = load_policy(path.read_bytes())
        obs = rng.uniform(-1, 1, policy.obs_dim)
        as_list = obs.tolist()
        batch1 = obs.reshape(1, -1)
        gen = np.random.default_rng(1)
        cases = {
            "act(numpy), deterministic": lambda: policy.act(obs),
            "act(list), deterministic": lambda: policy.act(as_list),
            "act_batch(1 × obs), deterministic": lambda: policy.act_batch(batch1),
            "act(numpy), sampled": lambda: policy.act(obs, deterministic=False, rng=gen),
        }
        for case, fn in cases.items():
            rows.append({"policy": path.stem, "call": case, **measure(fn)})
    print(json.dumps({
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpuCount": os.cpu_count(),
        "rows": rows,
    }))


if __name__ == "__main__":
    main()
