"""Mode collapse, measured: one run per (data set, method, seed), and the table of all of them.

    python -m ganlib.experiments mode-collapse --dataset ring --method pacgan4 --seed 0 --out runs/x
    python -m ganlib.experiments table            # → ganlib/shipped/results/mode_collapse.json

A run trains MLPs (ganlib.models) with ganlib.train.fit on the toy set, draws 2,500 samples and
scores them with ganlib.metrics.mode_coverage (the PacGAN / VEEGAN protocol). Methods are named
after the fixes in ganlib.stability.fixes; ``gan`` is the plain non-saturating GAN baseline. Budgets come
from the profile and are the same for every method; the learning rate decays linearly to zero
over the run (sharp modes, few steps) and the toy data are scaled into [-1, 1] (see data_scale).

    python -m ganlib.experiments table --methods gan pacgan4   # only some methods
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ganlib import losses
from ganlib.config import PROFILE, RESULTS_DIR, seed_everything
from ganlib.data import mode_centers, toy_2d
from ganlib.files import atomic_write, atomic_write_text, git_commit
from ganlib.inference import sample
from ganlib.metrics import mode_coverage
from ganlib.models import MLPDiscriminator, MLPGenerator
from ganlib.train import fit, gan_step

from . import fixes, papers_setup

DATASETS = ("ring", "grid")
N_SAMPLES = 2_500
SEEDS = (0, 1, 2, 3, 4)
RESULTS = RESULTS_DIR / "mode_collapse.json"

METHODS: dict[str, dict] = {
    "gan": dict(pack=1, doc="plain non-saturating GAN (the baseline): same lr for G and D, no penalty"),
    "pacgan4": dict(pack=4, doc="PacGAN: D judges packs of 4 samples (Lin et al. 2018)"),
    "gan-ttur": dict(pack=1, lr_d_factor=2.0,
                     doc="two time-scale update rule: D learns 2× faster than G (Heusel et al. 2017), "
                         "non-saturating loss"),
    "gan-slow-d": dict(pack=1, lr_d_factor=0.5,
                       doc="two time scales the other way round: D learns at half G's rate, so it never "
                           "gets far ahead; G has time to pull its bridge samples into the modes"),
    "hinge-sn": dict(pack=1, sn=True, d_loss=fixes.hinge_d_loss, g_loss=fixes.hinge_g_loss,
                     doc="hinge loss + spectral normalisation on D (SN-GAN: Miyato et al. 2018)"),
    "wgan-gp": dict(pack=1, d_loss=fixes.wgan_d_loss, g_loss=fixes.wgan_g_loss, penalty=fixes.gradient_penalty,
                    doc="Wasserstein loss + gradient penalty, weight 10 (Gulrajani et al. 2017); one critic "
                        "step per G step, like every other row"),
    "r1": dict(pack=1, penalty=fixes.r1_penalty,
               doc="plain GAN + R1 penalty on real data, γ = 10 (Mescheder et al. 2018)"),
    "mbstd": dict(pack=1, mbstd=True,
                  doc="plain GAN + a minibatch-std feature before D's last layer, groups of 4 (Karras et al. 2018)"),
    "gan-papers": dict(pack=1, recipe="papers",
                       doc="the plain GAN in the PacGAN / VEEGAN papers' own recipe (BatchNorm MLPs of 400 units, "
                           "maxout D, lr 1e-4, β₁ 0.8, batch 100, data unscaled, no decay) at the course's step budget"),
    "pacgan4-papers": dict(pack=4, recipe="papers",
                           doc="PacGAN4 in the same papers' recipe: method against recipe"),
}
"""Each method: how D is wrapped (``pack``, ``sn``, ``mbstd``), its losses (``d_loss``, ``g_loss``), a
``penalty``, D's learning rate as a multiple of G's (``lr_d_factor``) and ``recipe="papers"`` for the
papers' own set-up (:mod:`ganlib.stability.papers_setup`); ``doc`` says what it is."""

PUBLISHED = {
    ("ring", "gan"): dict(modes=(6.3, 0.5), high_quality=(0.982, 0.002), reverse_kl=(0.45, 0.09)),
    ("grid", "gan"): dict(modes=(17.3, 0.8), high_quality=(0.948, 0.007), reverse_kl=(0.70, 0.07)),
    ("ring", "pacgan4"): dict(modes=(7.8, 0.1), high_quality=(0.959, 0.014), reverse_kl=(0.07, 0.02)),
    ("grid", "pacgan4"): dict(modes=(24.8, 0.2), high_quality=(0.936, 0.006), reverse_kl=(0.04, 0.01)),
}
"""PacGAN's Table 1 (Lin et al. 2018, 10 trials, mean ± standard error): the plain GAN and PacGAN4 in the
papers' recipe. The course's rows of the same method in both recipes are compared with these."""


def budget() -> dict:
    """Steps, batch size, widths and optimiser of one run, from the profile (the same for every method).

    cpu: 4,500 steps of batch 512 take 23-38 s with two threads on the course's 2-core machine
    (hinge-sn, whose spectral norm costs more per step, up to 51 s). Adam with β = (0, 0.9) and lr
    2e-3 decaying linearly to 0 (the high lr spreads the modes apart early; the decay sharpens them).
    """
    return dict(steps=PROFILE.pick(ci=60, cpu=4_500, gpu=10_000), batch_size=PROFILE.pick(ci=64, cpu=512, gpu=512),
                hidden=128, depth=3, latent_dim=2, lr=2e-3, betas=(0.0, 0.9),
                papers_recipe=dict(papers_setup.RECIPE))  # the "-papers" rows: their own nets, lr, batch


def data_scale(dataset: str) -> float:
    """The factor that brings a toy set into [-1, 1] (ring 1, grid 4): G and D see data / scale.

    Same rule as the images (scaled to [-1, 1]): Adam's steps are the same size in every layer,
    so a generator that must reach ±4 learns the grid's fine structure more slowly than one that
    reaches ±1. G's samples are multiplied back before they are scored.
    """
    centers, _ = mode_centers(dataset)
    return float(np.abs(centers).max())


def with_minibatch_std(D: MLPDiscriminator, group_size: int = 4) -> MLPDiscriminator:
    """Insert a :class:`~ganlib.stability.fixes.MinibatchStdDev` feature before D's last layer (in place)."""
    *body, last = D.net
    D.net = nn.Sequential(*body, fixes.MinibatchStdDev(group_size), nn.Linear(last.in_features + 1, 1))
    return D


def make_models(method: str, hidden: int = 128, depth: int = 3, latent_dim: int = 2) -> tuple[nn.Module, nn.Module]:
    """The generator and discriminator of a method (D packed / spectrally normalised / with minibatch std as it asks)."""
    spec = METHODS[method]
    if spec.get("recipe") == "papers":
        G, D = papers_setup.papers_models(spec["pack"])
        return G, (fixes.Packed(D, spec["pack"]) if spec["pack"] > 1 else D)
    G = MLPGenerator(latent_dim, out_dim=2, hidden=hidden, depth=depth)
    D: nn.Module = MLPDiscriminator(in_dim=2 * spec["pack"], hidden=hidden, depth=depth)
    if spec.get("mbstd"):
        D = with_minibatch_std(D)
    if spec.get("sn"):
        D = fixes.spectral_norm(D)
    if spec["pack"] > 1:
        D = fixes.Packed(D, spec["pack"])
    return G, D


def linear_decay(steps: int):
    """An lr ``schedule`` for fit(): every learning rate falls linearly from its start to 0 over ``steps``."""
    return lambda opt: torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, 1 - s / steps))


def reverse_kl(counts) -> float | None:
    """KL(generated ‖ real) over the modes (PacGAN's "reverse KL"): 0 when the high-quality samples are spread
    evenly, log K when they all sit in one of K modes; ``None`` when no sample is of high quality."""
    c = np.asarray(counts, dtype=np.float64)
    if c.sum() == 0:
        return None
    p = c[c > 0] / c.sum()
    return float((p * np.log(p * len(c))).sum())


def neighbour_pairs(dataset: str) -> np.ndarray:
    """The pairs of modes at the smallest distance apart (the ring's 8 neighbours, the grid's 40): (P, 2) indices."""
    centers, _ = mode_centers(dataset)
    d = np.linalg.norm(centers[:, None] - centers[None], axis=2)
    nearest = d[d > 0].min()
    i, j = np.nonzero(np.triu(np.isclose(d, nearest, rtol=1e-6), k=1))
    return np.stack([i, j], axis=1)


KINDS = ("high quality", "on a bridge", "elsewhere")


def sample_kinds(samples, dataset: str, threshold: float = 3.0) -> np.ndarray:
    """Each sample's kind: 0 high quality (within ``threshold`` σ of a mode), 1 on a bridge (not, but within
    ``threshold`` σ of a straight segment joining two neighbouring modes), 2 elsewhere."""
    pts = np.asarray(samples, dtype=np.float64)
    centers, std = mode_centers(dataset)
    good = (np.linalg.norm(pts[:, None] - centers[None], axis=2) / std).min(axis=1) < threshold
    pairs = neighbour_pairs(dataset)
    a, b = centers[pairs[:, 0]], centers[pairs[:, 1]]                       # (P, 2) segment ends
    ab = b - a
    t = np.clip(((pts[:, None] - a[None]) * ab[None]).sum(2) / (ab * ab).sum(1)[None], 0, 1)
    dist = np.linalg.norm(pts[:, None] - (a[None] + t[..., None] * ab[None]), axis=2).min(axis=1) / std
    return np.where(good, 0, np.where(dist < threshold, 1, 2))


def bridge_fraction(samples, dataset: str, threshold: float = 3.0) -> float:
    """Fraction of samples that miss every mode but lie on a bridge between two neighbouring modes (the thin
    trails a generator draws when it tears its one Gaussian of noise into separate modes)."""
    return float((sample_kinds(samples, dataset, threshold) == 1).mean())


def plot_kinds(samples, dataset: str, ax=None, title: str | None = None, legend: bool = True):
    """The real modes (blue, on top) and every generated sample coloured by its kind; legend under the axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5))
    pts = np.asarray(samples)
    kinds = sample_kinds(pts, dataset)
    for k, (label, color) in enumerate(zip(KINDS, ("tab:orange", "tab:red", "tab:gray"))):
        sel = pts[kinds == k]
        ax.scatter(sel[:, 0], sel[:, 1], s=3, alpha=0.5, color=color,
                   label=f"generated, {label} ({len(sel) / len(pts):.1%})")
    real = toy_2d(dataset, 2_500, torch.Generator().manual_seed(1)).numpy()
    ax.scatter(real[:, 0], real[:, 1], s=1, color="tab:blue", alpha=0.8, label="real", zorder=3)
    ax.set_aspect("equal")
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    if legend:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, markerscale=4, fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def plot_over_training(result: dict, dataset: str, label: str = ""):
    """One row of panels: G's 2,500 samples at each snapshot of a :func:`run` and at its end, each titled with
    its step, modes captured and high-quality fraction; one legend for the row. Returns the figure."""
    import matplotlib.pyplot as plt

    shots = dict(sorted(result["snapshots"].items()))
    fig, axes = plt.subplots(1, len(shots), figsize=(3.4 * len(shots), 4.2), squeeze=False)
    centers, _ = mode_centers(dataset)
    lim = 1.5 * float(np.abs(centers).max())  # the data's square with a margin: far-off samples are counted, not drawn
    for ax, (step, shot) in zip(axes[0], shots.items()):
        away = int((np.abs(shot["samples"]) > lim).any(axis=1).sum())
        plot_kinds(shot["samples"], dataset, ax=ax, legend=False,
                   title=f"step {step}: {shot['modes']} of {len(centers)} modes\n{shot['high_quality']:.0%} high quality"
                         + (f", {away} off the plot" if away else ""))
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_xlabel("")
        ax.set_ylabel("")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, [t.split(" (")[0] for t in labels], loc="lower center", ncol=4, markerscale=4, fontsize=8)
    if label:
        fig.suptitle(label)
    fig.tight_layout(rect=(0, 0.07, 1, 0.92 if label else 1))
    return fig


def score(samples, dataset: str) -> dict:
    """Everything the table reports about 2,500 samples: modes, high-quality fraction, reverse KL, bridges."""
    cov = mode_coverage(samples, dataset)
    return {"modes": cov["modes"], "high_quality": cov["high_quality"], "reverse_kl": reverse_kl(cov["counts"]),
            "bridges": bridge_fraction(samples, dataset), "counts": cov["counts"]}


def run(dataset: str, method: str, seed: int, progress: bool = True, snapshots=(), rules: dict | None = None,
        **overrides) -> dict:
    """Train one run; return ``{"samples": 2,500×2 array, "modes", "high_quality", "reverse_kl", "bridges",
    "seconds", "G", "snapshots"}``. A ``recipe="papers"`` method trains with the papers' own optimiser, batch and
    data units. A progress bar counts the steps unless ``progress=False`` (the table's runs are quiet).

    ``snapshots``: steps at which G's 2,500 samples (the same noise as the final ones) are also drawn and
    scored, to picture the run over training: ``{step: {"samples", "modes", ...}}``. ``rules`` replace the
    method's own (``d_loss``, ``g_loss``, ``penalty``, ``step``, ``lr_d_factor``): your own loss in a run;
    ``rules["wrap_d"]``, a function D → D (e.g. :func:`with_minibatch_std`), changes D before it trains: a fix
    added to a method's run.
    """
    if dataset not in DATASETS or method not in METHODS:
        raise ValueError(f"dataset in {DATASETS}, method in {tuple(METHODS)}; got {dataset!r}, {method!r}")
    b = {**budget(), **overrides}
    seed_everything(seed)
    G, D = make_models(method, b["hidden"], b["depth"], b["latent_dim"])
    spec = {**METHODS[method], **(rules or {})}
    if spec.get("wrap_d") is not None:
        D = spec["wrap_d"](D)
    if spec.get("recipe") == "papers":
        r = papers_setup.RECIPE
        scale, batch_size, lr_g, betas, schedule = 1.0, r["batch_size"], r["lr"], r["betas"], None
    else:
        scale, batch_size, lr_g, betas = data_scale(dataset), b["batch_size"], b["lr"], tuple(b["betas"])
        schedule = linear_decay(b["steps"])
    shots: dict[int, dict] = {}
    wanted = {int(s) for s in snapshots}

    def snap(run) -> None:
        if run.step in wanted:
            pts = sample(run.G, N_SAMPLES, seed=10_000 + seed).numpy() * scale
            shots[run.step] = {"samples": pts, **score(pts, dataset)}

    start = time.perf_counter()
    fit(G, D, lambda n, g: toy_2d(dataset, n, g) / scale, steps=b["steps"], batch_size=batch_size,
        lr_g=lr_g, lr_d=lr_g * spec.get("lr_d_factor", 1.0), betas=betas,
        d_loss=spec.get("d_loss", losses.d_loss), g_loss=spec.get("g_loss", losses.g_loss_nonsaturating),
        penalty=spec.get("penalty"), step=spec.get("step", gan_step), schedule=schedule, seed=seed, device="cpu",
        every=50, progress=progress, callbacks=[snap] if wanted else ())
    seconds = time.perf_counter() - start
    samples = sample(G, N_SAMPLES, seed=10_000 + seed).numpy() * scale
    return {"samples": samples, **score(samples, dataset), "seconds": seconds, "G": G, "snapshots": shots}


def mode_collapse(dataset: str, method: str, seed: int, out: Path, progress: bool = True) -> dict:
    """One run written to ``out/samples.npy`` and ``out/metrics.json``; returns the metrics."""
    r = run(dataset, method, seed, progress=progress)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "samples.npy", lambda f: np.save(f, r["samples"]))
    metrics = {k: r[k] for k in ("modes", "high_quality", "reverse_kl", "bridges")}
    metrics["seconds"] = round(r["seconds"], 2)
    atomic_write_text(out / "metrics.json", json.dumps(metrics, indent=1) + "\n")
    return metrics


def method_settings(method: str) -> str:
    """A method's settings as text (functions by name, the doc left out): the table records them, and a test
    compares the shipped table's with today's."""
    spec = METHODS[method]
    return ", ".join(f"{k}={getattr(v, '__name__', v)}" for k, v in sorted(spec.items()) if k != "doc")


def provenance(command: str) -> dict:
    """Where a result came from: command, commit, date, machine, profile, torch version."""
    return {"command": command, "commit": git_commit(), "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()} {platform.processor() or ''} {torch.get_num_threads()} thread(s)".strip(),
            "profile": PROFILE.name, "torch version": torch.__version__, "budget": {
                k: v for k, v in budget().items()}, "methods": {m: method_settings(m) for m in METHODS}}


def table_row(dataset: str, method: str, seed: int, threads: int = 1) -> dict:
    """One row of the table (runs in a worker process with ``threads`` torch threads)."""
    torch.set_num_threads(threads)
    r = run(dataset, method, seed, progress=False)
    row = {"dataset": dataset, "method": method, "seed": seed, "modes": r["modes"],
           "high_quality": round(r["high_quality"], 4),
           "reverse_kl": None if r["reverse_kl"] is None else round(r["reverse_kl"], 4),
           "bridges": round(r["bridges"], 4), "seconds": round(r["seconds"], 1)}
    return row


class Unfinished(Exception):
    """``table(max_runs=…)`` stopped before every row was done; run it again with ``resume=True``."""


def table(out: Path = RESULTS, methods=tuple(METHODS), seeds=SEEDS, datasets=DATASETS, jobs: int = 1,
          threads: int = 1, command: str = "python -m ganlib.experiments table", resume: bool = False,
          max_runs: int | None = None, progress: bool = True) -> dict:
    """Every method × data set × seed (``jobs`` runs at a time, ``threads`` torch threads each); written to ``out``.

    Each finished row is also appended to ``out`` + ``.rows.jsonl``. ``resume=True`` keeps the rows found
    there that the same commit and budget made; ``max_runs`` stops (raising :class:`Unfinished`) after that
    many new rows, so a long table can share a machine in turns. The rows do not depend on either.
    Prints each row as JSON when it is done, under a progress bar with the time left (``progress=False``: quiet).
    """
    from concurrent.futures import ProcessPoolExecutor

    from tqdm.auto import tqdm

    out = Path(out)
    partial = out.with_name(out.name + ".rows.jsonl")
    prov = provenance(command)  # the commit and budget of the code that runs now
    stamp = {"commit": prov["commit"], "budget": json.loads(json.dumps(prov["budget"]))}
    done: dict[tuple, dict] = {}
    if resume and partial.exists():
        for line in partial.read_text().splitlines():
            rec = json.loads(line)
            if rec.pop("stamp", None) == stamp:
                done[(rec["dataset"], rec["method"], rec["seed"])] = rec
    elif partial.exists():
        partial.unlink()
    # seed by seed, method by method (in the order given), so a table cut short has its first rows complete
    todo = [(d, m, s) for s in seeds for m in methods for d in datasets if (d, m, s) not in done]
    now = todo if max_runs is None else todo[:max_runs]

    with tqdm(total=len(now), desc="mode-collapse runs", unit="run", disable=not progress) as bar:
        def keep(row: dict) -> None:
            done[(row["dataset"], row["method"], row["seed"])] = row
            with open(partial, "a", encoding="utf-8") as f:
                f.write(json.dumps({**row, "stamp": stamp}) + "\n")
            bar.write(json.dumps(row))  # printed even without the bar (tqdm.write is plain print then)
            bar.update(1)

        if jobs > 1:
            with ProcessPoolExecutor(jobs) as pool:
                for row in pool.map(table_row, *zip(*now), [threads] * len(now)) if now else ():
                    keep(row)
        else:
            for t in now:
                keep(table_row(*t, threads=threads))
    if len(now) < len(todo):
        raise Unfinished(f"{len(todo) - len(now)} runs left; run the table again with resume")
    rows = [done[(d, m, s)] for d in datasets for m in methods for s in seeds]
    result = {"rows": rows, "provenance": prov}
    result["provenance"].update(jobs=jobs, threads=threads)
    atomic_write_text(out, json.dumps(result, indent=1) + "\n")
    partial.unlink(missing_ok=True)
    return result


def summary(rows: list[dict]) -> list[dict]:
    """Mean ± standard error over seeds of modes and high quality, per (data set, method)."""
    out = []
    keys = sorted({(r["dataset"], r["method"]) for r in rows}, key=lambda k: (k[0], list(METHODS).index(k[1])
                                                                               if k[1] in METHODS else 99))
    for dataset, method in keys:
        sel = [r for r in rows if r["dataset"] == dataset and r["method"] == method]
        row = {"dataset": dataset, "method": method, "runs": len(sel)}
        for key in ("modes", "high_quality", "reverse_kl", "bridges", "seconds"):
            v = np.array([r[key] for r in sel if r.get(key) is not None], dtype=float)
            row[key] = float(v.mean()) if len(v) else None
            row[key + "_se"] = float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else 0.0
            if key in ("reverse_kl", "bridges"):
                row[key + "_runs"] = len(v)  # runs that measured it (reverse KL: with a high-quality sample)
        out.append(row)
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: ``mode-collapse`` (one run), ``table`` (all runs) or ``combine`` (a partial run into the table)."""
    p = argparse.ArgumentParser(prog="python -m ganlib.experiments", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    one = sub.add_parser("mode-collapse", help="train one run and score its 2,500 samples")
    one.add_argument("--dataset", choices=DATASETS, required=True)
    one.add_argument("--method", choices=tuple(METHODS), required=True)
    one.add_argument("--seed", type=int, default=0)
    one.add_argument("--out", type=Path, required=True)
    one.add_argument("--threads", type=int, default=2, help="torch threads (default 2, the course machine's cores)")
    one.add_argument("--no-progress", action="store_true", help="no progress bar")
    tab = sub.add_parser("table", help="every method × data set × 5 seeds → ganlib/shipped/results/mode_collapse.json")
    tab.add_argument("--out", type=Path, default=RESULTS)
    tab.add_argument("--jobs", type=int, default=1, help="runs at a time")
    tab.add_argument("--threads", type=int, default=2,
                     help="torch threads per run (default 2: the course machine's 2 cores, one run at a time)")
    tab.add_argument("--methods", nargs="+", choices=tuple(METHODS), default=list(METHODS),
                     help="the methods to run (default: all)")
    tab.add_argument("--resume", action="store_true",
                     help="keep the rows this commit already finished (OUT.rows.jsonl); same numbers")
    tab.add_argument("--max-runs", type=int, default=None,
                     help="stop after this many new runs (exit code 3); resume later to take turns on a shared machine")
    tab.add_argument("--no-progress", action="store_true", help="no progress bar (the rows are still printed)")
    comb = sub.add_parser("combine", help="the shipped table from itself and the rows of a partial table run")
    comb.add_argument("--rows", type=Path, required=True, help="a table run's OUT.rows.jsonl")
    comb.add_argument("--out", type=Path, default=RESULTS)
    comb.add_argument("--made-by", default="", help="the table command that made the rows (for the provenance)")
    args = p.parse_args(argv)
    if args.cmd == "combine":
        res = combine(load_table(args.out), args.rows, f"python -m ganlib.experiments combine --rows {args.rows.name}",
                      args.made_by)
        atomic_write_text(args.out, json.dumps(res, indent=1) + "\n")
        print(res["provenance"]["rerun"], "; not run:", res["provenance"]["not_run"])
        return 0
    torch.set_num_threads(args.threads)  # 2 threads: 1.3× faster than 1; the sums run in another order, so a run
    # can differ from its 1-thread twin (notebook 04 measured gan-slow-d, grid, seed 0: 91.3 % vs 88.7 % high quality)
    if args.cmd == "mode-collapse":
        print(json.dumps(mode_collapse(args.dataset, args.method, args.seed, args.out, progress=not args.no_progress)))
    else:
        command = "python -m ganlib.experiments table" + (f" --jobs {args.jobs}" if args.jobs > 1 else "")
        command += f" --threads {args.threads}" if args.threads != 2 else ""
        if list(args.methods) != list(METHODS):
            command += " --methods " + " ".join(args.methods)
        try:
            table(args.out, methods=tuple(args.methods), jobs=args.jobs, threads=args.threads, command=command,
                  resume=args.resume, max_runs=args.max_runs, progress=not args.no_progress)
        except Unfinished as e:
            print(e, file=sys.stderr)
            return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())


# ----------------------------------------------------------------------------- reading the table

def combine(earlier: dict, rows_file: Path, command: str, made_by: str = "") -> dict:
    """The shipped table from an earlier table and the rows of a newer, partial run (``table``'s ``.rows.jsonl``).

    A newer row replaces the earlier one of the same data set, method and seed; earlier rows that were not
    rerun are kept as they were (without reverse KL and bridges, which need the samples). The provenance is
    the newer run's (its commit from the rows' stamp), with the earlier table's under ``"earlier"`` and how
    many rerun rows repeated the earlier modes and high-quality fraction exactly, and the methods with no run.
    """
    recs = [json.loads(line) for line in Path(rows_file).read_text().splitlines() if line.strip()]
    stamps = {json.dumps(r.pop("stamp"), sort_keys=True) for r in recs}
    if len(stamps) != 1:
        raise ValueError(f"{rows_file}: rows from {len(stamps)} different commits or budgets; combine one run")
    stamp = json.loads(stamps.pop())
    new = {(r["dataset"], r["method"], r["seed"]): r for r in recs}
    old = {(r["dataset"], r["method"], r["seed"]): r for r in earlier["rows"]}
    repeated = [k for k in new if k in old and (new[k]["modes"], new[k]["high_quality"]) ==
                (old[k]["modes"], old[k]["high_quality"])]
    keys = [k for k in old if k not in new] + list(new)
    order = lambda k: (DATASETS.index(k[0]), list(METHODS).index(k[1]), k[2])  # noqa: E731
    rows = [new.get(k, old.get(k)) for k in sorted(keys, key=order)]
    prov = provenance(command)
    if json.loads(json.dumps(prov["budget"])) != stamp["budget"]:
        raise ValueError("the newer rows were made with another budget than today's")
    ran = {r["method"] for r in rows}
    prov.update(commit=stamp["commit"], jobs=1, threads=1, earlier=earlier["provenance"],
                not_run=[m for m in METHODS if m not in ran], rows_made_by=made_by,
                rerun=f"{len(new)} runs made anew; {len([k for k in new if k in old])} of them repeat earlier runs, "
                      f"{len(repeated)} with exactly the same modes and high-quality fraction")
    return {"rows": rows, "provenance": prov}


def load_table(path: Path = RESULTS) -> dict:
    """The shipped table (rows and provenance); an empty one, saying how to make it, when it is missing."""
    path = Path(path)
    if not path.exists():
        return {"rows": [], "provenance": {"command": "not shipped: run python -m ganlib.experiments table"}}
    return json.loads(path.read_text())


def published(dataset: str, method: str) -> dict | None:
    """PacGAN's published numbers for a row's method (the ``-papers`` rows compare with the same method)."""
    return PUBLISHED.get((dataset, method.removesuffix("-papers")))


def within_noise(a: tuple[float, float], b: tuple[float, float], z: float = 2.0) -> bool:
    """Whether two means (each with its standard error) differ by less than ``z`` combined standard errors."""
    return abs(a[0] - b[0]) <= z * float(np.hypot(a[1], b[1]))


def reproduction(row: dict) -> str:
    """``reproduced`` when modes, high quality and reverse KL are each within noise of PacGAN's published
    numbers (2 combined standard errors); otherwise ``NOT reproduced`` and the paper's numbers (a column the
    row did not measure cannot reproduce, but it can fail to); '' when the paper has no such row."""
    paper = published(row["dataset"], row["method"])
    if paper is None:
        return ""
    ours = {k: (row[k], row[k + "_se"]) for k in ("modes", "high_quality", "reverse_kl") if row[k] is not None}
    same = row["runs"] > 1 and "reverse_kl" in ours and all(within_noise(ours[k], paper[k]) for k in ours)
    if row["runs"] > 1 and "reverse_kl" not in ours and all(within_noise(ours[k], paper[k]) for k in ours):
        return "reverse KL not measured; modes and high quality within noise of the paper's"
    (m, m_se), (hq, hq_se), (kl, kl_se) = paper["modes"], paper["high_quality"], paper["reverse_kl"]
    text = f"paper {m:.1f} ± {m_se:.1f}, {100 * hq:.1f} ± {100 * hq_se:.1f} %, KL {kl:.2f} ± {kl_se:.2f}"
    verdict = "reproduced" if same else "NOT reproduced" if row["runs"] > 1 else "one run: cannot tell"
    return verdict + f" ({text})"


def _cell(r: dict, key: str, scale: float = 1.0, digits: int = 2) -> str:
    """``mean ± se`` of one column, ``(k/n)`` when only k of the n runs measured it, ``—`` when none did."""
    if r[key] is None:
        return "—"
    if r["runs"] < 2:  # one run: no standard error
        return f"{scale * r[key]:.{digits}f}"
    text = f"{scale * r[key]:.{digits}f} ± {scale * r[key + '_se']:.{digits}f}"
    return text + (f" ({r[key + '_runs']}/{r['runs']})" if r.get(key + "_runs", r["runs"]) < r["runs"] else "")


def format_table(summ: list[dict]) -> str:
    """The summary as text: runs, mean ± standard error of every column, the run time, the paper's numbers.

    A ``(k/n)`` after a reverse KL or bridges value: only k of the n runs measured it (reverse KL needs a
    high-quality sample; rows kept from an earlier table have no bridges or reverse KL). One run: ± 0.
    """
    head = (f"{'data':5s} {'method':15s} {'runs':>4s} {'modes':>11s} {'high quality %':>15s} {'reverse KL':>19s} "
            f"{'bridges %':>17s} {'s/run':>6s}  vs PacGAN's Table 1")
    lines = [head, "-" * len(head)]
    for r in summ:
        lines.append(f"{r['dataset']:5s} {r['method']:15s} {r['runs']:4d} {_cell(r, 'modes', 1, 1):>11s} "
                     f"{_cell(r, 'high_quality', 100, 1):>15s} {_cell(r, 'reverse_kl'):>19s} "
                     f"{_cell(r, 'bridges', 100, 1):>17s} {r['seconds']:6.0f}  {reproduction(r)}")
    return "\n".join(lines)


def ties(summ: list[dict], dataset: str, key: str, z: float = 2.0) -> list[tuple[str, str]]:
    """Pairs of methods whose ``key`` means on ``dataset`` are within ``z`` combined standard errors."""
    rows = [r for r in summ if r["dataset"] == dataset and r[key] is not None and r["runs"] > 1]
    return [(a["method"], b["method"]) for i, a in enumerate(rows) for b in rows[i + 1:]
            if within_noise((a[key], a[key + "_se"]), (b[key], b[key + "_se"]), z)]


def noise_sentences(summ: list[dict], key: str = "high_quality", z: float = 2.0) -> list[str]:
    """One sentence per method and data set naming the methods it cannot be told apart from on ``key``
    (a method with one run has no standard error: it is named as such)."""
    out = []
    for dataset in DATASETS:
        pairs = ties(summ, dataset, key, z)
        for r in (r for r in summ if r["dataset"] == dataset):
            if r["runs"] < 2:
                out.append(f"{dataset}, {key.replace('_', ' ')}: {r['method']} has one run, no standard error: "
                           "it cannot be compared within noise")
                continue
            mates = [b if a == r["method"] else a for a, b in pairs if r["method"] in (a, b)]
            if mates:
                out.append(f"{dataset}, {key.replace('_', ' ')}: {r['method']} is within noise (< {z:g} SE) of "
                           f"{', '.join(mates)}")
    return out
