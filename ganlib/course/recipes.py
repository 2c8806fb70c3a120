"""The recipes behind the shipped checkpoints:
``python -m ganlib.pretrain NAME [--max-seconds S] [--out PATH] [--seed N]``.

NAME is one of :data:`TARGETS` (``fashion-mnist-classifier``, ``dcgan-fashion-mnist``,
``cdcgan-fashion-mnist``, ``superres-fashion-mnist``, ``superres-l1-fashion-mnist``,
``stylegan-fashion-mnist``). Seeded and repeatable on the CPU, with a progress bar.
``--max-seconds`` stops training after S seconds of wall time and still writes a usable
checkpoint. Without ``--out`` the file goes to ``ganlib/shipped/checkpoints/NAME.pt`` and its
manifest entry (sha256, command, commit, seed, wall time, device, metrics) is rewritten; with
``--out`` only the file is written.

``--rescore`` re-measures a shipped checkpoint's metrics without retraining it (for example after
the classifier, whose features FID and class coverage use, was remade); the entry keeps its
training record and gains ``rescored`` (command, commit, classifier sha256).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Callable

import torch
from torch import nn

from ganlib import pretrained
from ganlib.callbacks import EMA, TimeLimit, recalibrate_batch_norm
from ganlib.classifier import Classifier, accuracy, judge, train_classifier
from ganlib.config import PROFILE, seed_everything
from ganlib.data import load_images
from ganlib.dcgan import (FAST_RECIPE, AuxClassifierDiscriminator, ConditionalDCGANDiscriminator,
                          ConditionalDCGANGenerator, DCGANDiscriminator, DCGANGenerator,
                          aux_classifier_gan_step, conditional_gan_step)
from ganlib.files import atomic_write_text, git_commit
from ganlib.stability.fixes import hinge_d_loss, hinge_g_loss
from ganlib.train import fit, gan_step


def say(progress: bool, line: str) -> None:
    """A line per step of a long command (a recipe takes minutes); silent when ``progress`` is
    off."""
    if progress:
        print(f"[pretrain {time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


class RecipeError(ValueError):
    """A recipe name or a shipped checkpoint that does not exist; the message lists the choices."""


def _device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"


def make_classifier(seed: int, max_seconds: float | None, device: torch.device, progress: bool):
    """Train the course classifier on Fashion-MNIST's training split (8 epochs, shifted and mirrored
    batches); measure test accuracy."""
    x, y = load_images("fashion-mnist", "train")
    model = Classifier()
    info = train_classifier(model, x, y, epochs=8, seed=seed, device=device,
                            max_seconds=max_seconds, progress=progress)
    say(progress, f"trained {info['epochs']} epochs; measuring test accuracy")
    return model, {**info, **measure("fashion-mnist-classifier", model)}


GAN_RECIPES: dict[str, dict] = {
    "dcgan-fashion-mnist": dict(FAST_RECIPE, g_width=64, d_width=32, loss="hinge", ema=0.9999,
                                recalibrate=True, steps=40_000),
    "cdcgan-fashion-mnist": dict(FAST_RECIPE, g_width=32, d_width=32, loss="hinge", ema=0.999,
                                 aux=0.2, steps=24_000),
}
"""The shipped generators' recipes: the fast recipe (``ganlib.dcgan.FAST_RECIPE``) with the hinge
loss and G's moving average (``ganlib.callbacks.EMA``) as the shipped weights. The unconditional G
is twice as wide and trains 40,000 steps; its average (decay 0.9999, which EMA's warm-up
``(1 + s)/(10 + s)`` keeps lower throughout these steps: about the last s/9 steps are averaged) gets
batch-norm statistics measured with its own weights (``recalibrate``:
``ganlib.callbacks.recalibrate_batch_norm``). The conditional one trains 24,000 steps with AC-GAN's
class term (``aux``: its weight in G's loss). FID in the classifier's features (5,000 samples),
unconditional: fast recipe 4,000 steps 16.1; one run of this recipe read at 6,000 / 18,000 / 24,000
/ 30,000 / 36,000 steps, decay 0.999 with the live G's statistics 10.3 / 6.3 / 5.7 / 5.5 / 5.2,
statistics re-measured 10.2 / 6.1 / 5.6 / 5.2 / 4.9, decay 0.9999 re-measured 10.2 / 6.1 / 5.6 / 5.1
/ 4.8; 40,000 steps 4.7 (37 min on one thread). Conditional: fast recipe 4,100 steps 5.5 (92.4%
asked-class agreement); hinge + EMA 7,000 steps 3.8 (92.2%), 24,000 steps 2.6 (92.9%); with the
class term, 24,000 steps, 2.9 (95.1%, 17 min)."""


def train_dcgan(seed: int, max_seconds: float | None, device, progress: bool, *, conditional: bool,
                steps: int | None = None) -> tuple[nn.Module, dict]:
    """Train a shipped DCGAN's recipe (:data:`GAN_RECIPES`) on Fashion-MNIST with
    ``ganlib.train.fit``; return G's moving average and its metrics. Stops early on time
    (``max_seconds``)."""
    r = GAN_RECIPES["cdcgan-fashion-mnist" if conditional else "dcgan-fashion-mnist"]
    steps = steps or r["steps"]
    x, y = load_images("fashion-mnist", "train")
    rules = dict(d_loss=hinge_d_loss, g_loss=hinge_g_loss) if r["loss"] == "hinge" else {}
    if conditional:
        G = ConditionalDCGANGenerator(r["latent_dim"], r["g_width"])
        if r.get("aux"):  # AC-GAN's class term on top of the projection detective
            D, step, rules["aux_weight"] = (
                AuxClassifierDiscriminator(r["d_width"]),
                aux_classifier_gan_step,
                r["aux"],
            )
        else:
            D, step = ConditionalDCGANDiscriminator(r["d_width"]), conditional_gan_step
    else:
        G, D, step = (
            DCGANGenerator(r["latent_dim"], r["g_width"]),
            DCGANDiscriminator(r["d_width"]),
            gan_step,
        )
    ema = EMA(G, r["ema"]) if r["ema"] else None
    history = fit(G, D, x, steps=steps, batch_size=r["batch_size"], lr_g=r["lr_g"], lr_d=r["lr_d"],
                  betas=r["betas"], seed=seed, device=device, every=25, progress=progress,
                  labels=y if conditional else None, step=step,
                  callbacks=[*([ema] if ema else []), TimeLimit(max_seconds)], **rules)
    G = (ema.G if ema else G).eval()
    # the averaged weights' own batch-norm statistics (see recalibrate_batch_norm)
    if r.get("recalibrate"):
        say(progress, "re-estimating the moving average's batch-norm statistics")
        recalibrate_batch_norm(G, seed=seed)
    done = len(history)
    say(progress, f"trained {done} steps; measuring FID and class coverage on 5,000 samples")
    # on the training device
    metrics = {"steps": done, "stopped_by_time": bool(history.stopped), **judge(G)}
    return G.cpu(), metrics


def make_superres(seed: int, max_seconds: float | None, device, progress: bool, *,
                  adversarial: bool) -> tuple[nn.Module, dict]:
    """Notebook 08's super-resolution pair, 7×7 → 28×28: the same L1 warm-up, then the same number
    of steps with the patch detective (``superres-fashion-mnist``) or without it (its L1 twin)."""
    from ganlib.at_work.superres import (SUPERRES_RECIPE, SUPERRES_STEPS, PatchDetective,
                                         SuperResolver, superres_scores, train_superres)

    r = SUPERRES_RECIPE
    x, _ = load_images("fashion-mnist", "train")
    G, D = SuperResolver(r["in_size"], r["width"], r["layers"]), PatchDetective(r["width"])
    info = train_superres(G, D, x, **SUPERRES_STEPS,
                          adv_weight=r["adv_weight"] if adversarial else 0.0, seed=seed,
                          batch_size=r["batch_size"], lr=r["lr"], betas=r["betas"], device=device,
                          max_seconds=max_seconds, progress=progress)
    G.cpu().eval()
    return G, {**info, "adv_weight": r["adv_weight"] if adversarial else 0.0, **superres_scores(G)}


def make_stylegan(seed: int, max_seconds: float | None, device, progress: bool,
                  steps: int | None = None):
    """Notebook 07's mini-StyleGAN: ``ganlib.style.miniature``'s recipe for STYLE_STEPS steps (stops
    early on time); the weight-averaged generator, measured like the DCGANs."""
    from ganlib.style.miniature import STYLE_STEPS, train_style_gan

    G, history = train_style_gan(steps or STYLE_STEPS, seed=seed, device=device,
                                 max_seconds=max_seconds, progress=progress)
    return G, {"steps": len(history), "stopped_by_time": bool(history.stopped), **judge(G)}


TARGETS: dict[str, Callable] = {
    "fashion-mnist-classifier": make_classifier,
    "dcgan-fashion-mnist": lambda s, t, d, p: train_dcgan(s, t, d, p, conditional=False),
    "cdcgan-fashion-mnist": lambda s, t, d, p: train_dcgan(s, t, d, p, conditional=True),
    "superres-fashion-mnist": lambda s, t, d, p: make_superres(s, t, d, p, adversarial=True),
    "superres-l1-fashion-mnist": lambda s, t, d, p: make_superres(s, t, d, p, adversarial=False),
    "stylegan-fashion-mnist": make_stylegan,
}
"""Each recipe: ``(seed, max_seconds, device, progress) -> (model, metrics)``."""


def run(name: str, *, seed: int = 0, max_seconds: float | None = None, out=None,
        progress: bool = True, device=None, threads: int | None = None) -> tuple[Path, dict]:
    """Train target ``name``, save it, and (when ``out`` is None) record it in the manifest."""
    if name not in TARGETS:
        raise RecipeError(f"unknown target {name!r}; choose one of {', '.join(sorted(TARGETS))}")
    device = torch.device(device) if device is not None else PROFILE.device
    if threads:
        torch.set_num_threads(threads)
    seed_everything(seed)
    # the code that trains; read now, before the new checkpoint makes ganlib/ "dirty"
    commit = git_commit()
    start = time.perf_counter()
    say(progress, f"{name}: training on {_device_name(device)}, seed {seed}"
        + (f", at most {max_seconds:g} s" if max_seconds is not None else ""))
    model, metrics = TARGETS[name](seed, max_seconds, device, progress)
    wall = time.perf_counter() - start
    shipped = out is None
    path = pretrained.CHECKPOINT_DIR / f"{name}.pt" if shipped else Path(out)
    pretrained.save(model.cpu(), path)
    command = f"python -m ganlib.pretrain {name} --seed {seed}" + (
        f" --max-seconds {max_seconds:g}" if max_seconds is not None else "") + (
        f" --threads {threads}" if threads else "")
    entry = {"file": path.name, "sha256": pretrained.sha256(path), "bytes": path.stat().st_size,
             "command": command, "commit": commit, "seed": seed, "wall_time_s": round(wall, 1),
             "device": _device_name(device), "torch": torch.__version__, "metrics": metrics}
    if name != "fashion-mnist-classifier":
        entry["classifier_sha256"] = _classifier_sha256()
    if shipped:
        _write_entry(name, entry)
    return path, entry


def _classifier_sha256() -> str | None:
    """The sha256 of the shipped classifier whose features the GAN metrics were measured in."""
    return pretrained.manifest().get("fashion-mnist-classifier", {}).get("sha256")


def _write_entry(name: str, entry: dict) -> None:
    # read again just before writing: another target may have finished
    entries = pretrained.manifest()
    entries[name] = entry
    atomic_write_text(pretrained.MANIFEST, json.dumps(entries, indent=2, sort_keys=True) + "\n")


def measure(name: str, model) -> dict:
    """The metrics of a trained target: test accuracy for the classifier; FID in the classifier's
    features, class coverage (and asked-class accuracy) for a generator."""
    if name == "fashion-mnist-classifier":
        xt, yt = load_images("fashion-mnist", "test")
        return {"test_accuracy": round(accuracy(model, xt, yt), 4)}
    if name.startswith("superres"):
        from ganlib.at_work.superres import superres_scores

        return superres_scores(model)
    return judge(model)


def rescore(name: str, threads: int | None = None) -> dict:
    """Re-measure shipped checkpoint ``name`` (hash-checked) and rewrite its manifest metrics; no
    training."""
    entries = pretrained.manifest()
    if name not in entries:
        raise RecipeError(f"{name!r} is not a shipped checkpoint; choose one of "
                          f"{', '.join(sorted(entries))}")
    if threads:
        torch.set_num_threads(threads)
    entry = entries[name]
    model = pretrained.load(name)
    kept = {k: entry["metrics"][k] for k in ("steps", "epochs", "stopped_by_time", "adv_weight")
            if k in entry["metrics"]}
    entry["metrics"] = {**kept, **measure(name, model)}
    if name != "fashion-mnist-classifier":
        entry["classifier_sha256"] = _classifier_sha256()
    entry["rescored"] = {"command": f"python -m ganlib.pretrain {name} --rescore",
                         "commit": git_commit()}
    _write_entry(name, entry)
    return entry


def main(argv: list[str] | None = None) -> int:
    """Command line: train one named checkpoint and print its manifest entry."""
    p = argparse.ArgumentParser(prog="python -m ganlib.pretrain",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("name", help=", ".join(TARGETS))
    p.add_argument("--max-seconds", type=float, default=None, help="stop training after S seconds")
    p.add_argument("--out", default=None,
                   help="write here instead of the shipped checkpoints (no manifest)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None,
                   help="CPU threads (1 is fastest on a busy machine)")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--rescore", action="store_true",
                   help="re-measure the shipped checkpoint's metrics (no training) and update the "
                        "manifest")
    a = p.parse_args(argv)
    try:
        if a.rescore:
            print(json.dumps(rescore(a.name, threads=a.threads), indent=2))
            return 0
        path, entry = run(a.name, seed=a.seed, max_seconds=a.max_seconds, out=a.out,
                          progress=not a.no_progress, threads=a.threads)
    except RecipeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    print(json.dumps(entry, indent=2))
    return 0
