"""Time ganlib's frechet_distance against pytorch-fid's calculate_frechet_distance at d = 2048.

Both start from the same features (N × d, float64) in the same run; the two are interleaved,
repeated, and the medians compared. Statistics (mean, covariance) are computed once, outside
the timing, so both time the same thing: the distance from the statistics.

    .venv/bin/python bench/fid_speed.py [--dim 2048] [--n 4096] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np

from ganlib.metrics import feature_stats, frechet_distance_from_stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dim", type=int, default=2048)
    parser.add_argument("--n", type=int, default=4096, help="samples per set (must exceed --dim)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from pytorch_fid.fid_score import calculate_frechet_distance

    rng = np.random.default_rng(args.seed)
    # features shaped like a network's: a shared correlated part plus per-set differences
    mix = rng.normal(size=(args.dim, args.dim)) / np.sqrt(args.dim)
    a = np.maximum(rng.normal(size=(args.n, args.dim)) @ mix, 0)
    b = np.maximum(rng.normal(size=(args.n, args.dim)) @ mix * 1.1 + 0.05, 0)
    stats = (*feature_stats(a, "a"), *feature_stats(b, "b"))

    ours, theirs, values = [], [], {}
    for _ in range(args.repeats):
        t = time.perf_counter()
        values["ganlib"] = frechet_distance_from_stats(*stats)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            values["pytorch-fid"] = float(calculate_frechet_distance(*stats))
        theirs.append(time.perf_counter() - t)

    rel = abs(values["ganlib"] - values["pytorch-fid"]) / abs(values["pytorch-fid"])
    m_ours, m_theirs = statistics.median(ours), statistics.median(theirs)
    print(f"d={args.dim} N={args.n} repeats={args.repeats} (interleaved)")
    print(f"FID  ganlib={values['ganlib']:.10f}  pytorch-fid={values['pytorch-fid']:.10f}  rel. diff={rel:.2e}")
    print(f"time ganlib median={m_ours:.3f}s  pytorch-fid median={m_theirs:.3f}s")
    print(f"speed-up: ganlib is {m_theirs / m_ours:.1f}× faster")


if __name__ == "__main__":
    main()
