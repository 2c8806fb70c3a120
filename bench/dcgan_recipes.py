"""Time to quality: the course's DCGAN recipe against the TensorFlow and PyTorch DCGAN tutorials.

    python bench/dcgan_recipes.py [--slice 60] [--rounds 10] [--course-slice 5] [--threads 1] [--json PATH]
    python bench/dcgan_recipes.py --ratio 10 [--marks 30,60,120,180,300] [--tutorials tf-tutorial] [--json PATH]

All three train on Fashion-MNIST with the same step function (``ganlib.train.gan_step``), in
one process, interleaved: each round gives each tutorial recipe ``--slice`` seconds of training,
then measures its FID (in the course classifier's features, 1,000 samples against 1,000 test
images; evaluation time is not counted). Machine noise therefore hits all recipes alike.
The course recipe comes last in each round and trains only while it is *behind* (its latest FID
above the best FID either tutorial has reached so far), in ``--course-slice`` chunks (finer, so its
time to a level is resolved better), at most ``--slice`` seconds a round; the budget goes to the
slow tutorials, which set the level. Prints the FID-against-time curves and the time each recipe
needs to reach the same FID (the best FID either tutorial reached). Each time is read at the
measurement points, so it can be late by up to one slice (``--slice`` for a tutorial,
``--course-slice`` for the course).

Last run (2026-11-24, defaults: ``python bench/dcgan_recipes.py --json bench.json``, one thread while
other jobs shared the machine's 2 cores; 1,344 s in all). Untrained generators score 210–222 here;
the shipped DCGAN of that day (3,875 steps) scored 17.3 with 1,000 samples (notebook 05, `ci`), so these levels are an early stage
of training:

    recipe            s/step   to FID 120.6 (PyTorch's best)   to FID 90.9 (TF's best)   FID after
    course             0.09        5.0 s (61 steps)               10.1 s (116 steps)       10 s: 85.0
    TF tutorial        2.9       184.7 s (40 steps)              614.2 s (213 steps)      614 s: 90.9
    PyTorch tutorial   7.6       638.9 s (84 steps)              not reached in 639 s     639 s: 120.6

Time to the best FID either tutorial reached (90.9): course 10.1 s vs TF tutorial 614.2 s, 61×
sooner (with the slice granularity, somewhere between 55× and 123×). The margin comes mostly from
the cost of a step (the tutorials' steps cost 33× (TF) and 88× (PyTorch) as much on a CPU).

Ten times the time (``--ratio 10``): each tutorial trains ``--slice`` seconds a round and the course keeps a tenth
of the (slowest) tutorial's training time, measured every round; the table puts the course's FID after S seconds
beside each tutorial's after 10×S. Last run (2026-11-25, ``python bench/dcgan_recipes.py --ratio 10 --tutorials
tf-tutorial,pytorch-tutorial --json PATH``, one thread while another job used the other core; 6,563 s in all); its
output is ``ganlib/shipped/results/dcgan_race.json``, which notebook 03 plots and checks:

    course after S   FID     TF tutorial after 10×S   FID     PyTorch tutorial after 10×S   FID
         30 s        40.4          302 s              80.5             306 s               108.2
         60 s        25.6          605 s              77.1             615 s                74.9
        121 s        17.2        1,210 s              58.1           1,225 s                44.3
        181 s        13.3        1,814 s              58.7           1,840 s                28.0
        302 s        10.2        3,022 s              54.8           3,002 s                21.5

At every S from 30 s to 5 min the course's recipe is ahead of both tutorials given ten times as long. The better
tutorial is TF's only at first: from ten minutes on the PyTorch tutorial (64×64, wider nets, 2.2 s a step here) keeps
improving while TF's stays between 47 and 81; its best in 51 minutes (20.0) the course's recipe passes after 91 s (19.4).
(The chase above stopped at 639 s, before the PyTorch recipe overtook.)

Faithful re-implementations (architecture, init, optimiser, batch size, noise size):
- TensorFlow tutorial (tensorflow.org/tutorials/generative/dcgan): 28×28; G Dense(7·7·256) →
  ConvT(128, 5, s1) → ConvT(64, 5, s2) → ConvT(1, 5, s2, tanh), BN + LeakyReLU(0.3), no biases;
  D Conv(64, 5, s2) → Conv(128, 5, s2), LeakyReLU(0.3), Dropout(0.3), Dense(1); Glorot-uniform
  init, Keras batch norm (momentum 0.99, ε 1e-3); Adam(1e-4) both; batch 256; noise 100.
- PyTorch tutorial (pytorch.org/tutorials/beginner/dcgan_faces_tutorial.html): 64×64 (images
  resized per batch, as its DataLoader does); ngf = ndf = 64, nz = 100; N(0, 0.02) init;
  Adam(2e-4, β₁ 0.5); batch 128.
Differences, all small: both use the shared step (D step, then G step on fresh noise; the TF
tutorial updates both from one forward pass, the PyTorch one reuses the D step's fake); the
PyTorch D's final Sigmoid + BCELoss is the same loss written on logits; PyTorch pads 'same'
convolutions symmetrically where TF pads one more pixel at the bottom/right.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

from ganlib.classifier import features
from ganlib.metrics import frechet_distance
from ganlib.data import load_images
from ganlib.dcgan import FAST_RECIPE, DCGANDiscriminator, DCGANGenerator, dcgan_init
from ganlib.files import atomic_write_text
from ganlib.pretrained import load
from ganlib.sweep import provenance
from ganlib.train import gan_step


class TFGenerator(nn.Module):
    """The TensorFlow tutorial's generator."""

    def __init__(self, latent_dim: int = 100):
        super().__init__()
        self.latent_dim = latent_dim
        bn = lambda c, d=2: (nn.BatchNorm2d if d == 2 else nn.BatchNorm1d)(c, eps=1e-3, momentum=0.01)
        self.fc = nn.Sequential(nn.Linear(latent_dim, 7 * 7 * 256, bias=False), bn(7 * 7 * 256, 1), nn.LeakyReLU(0.3))
        self.net = nn.Sequential(
            nn.ConvTranspose2d(256, 128, 5, 1, 2, bias=False), bn(128), nn.LeakyReLU(0.3),
            nn.ConvTranspose2d(128, 64, 5, 2, 2, output_padding=1, bias=False), bn(64), nn.LeakyReLU(0.3),
            nn.ConvTranspose2d(64, 1, 5, 2, 2, output_padding=1, bias=False), nn.Tanh())
        _glorot(self)

    def forward(self, z):
        return self.net(self.fc(z).view(len(z), 256, 7, 7))


class TFDiscriminator(nn.Module):
    """The TensorFlow tutorial's discriminator."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 64, 5, 2, 2), nn.LeakyReLU(0.3), nn.Dropout(0.3),
            nn.Conv2d(64, 128, 5, 2, 2), nn.LeakyReLU(0.3), nn.Dropout(0.3),
            nn.Flatten(), nn.Linear(128 * 7 * 7, 1))
        _glorot(self)

    def forward(self, x):
        return self.net(x).squeeze(1)


def _glorot(module):
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class TorchGenerator(nn.Module):
    """The PyTorch tutorial's generator (64×64 output)."""

    def __init__(self, latent_dim: int = 100, ngf: int = 64):
        super().__init__()
        self.latent_dim = latent_dim
        c = [ngf * 8, ngf * 4, ngf * 2, ngf]
        layers = [nn.ConvTranspose2d(latent_dim, c[0], 4, 1, 0, bias=False), nn.BatchNorm2d(c[0]), nn.ReLU(True)]
        for a, b in zip(c, c[1:]):
            layers += [nn.ConvTranspose2d(a, b, 4, 2, 1, bias=False), nn.BatchNorm2d(b), nn.ReLU(True)]
        self.net = nn.Sequential(*layers, nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False), nn.Tanh())
        dcgan_init(self)

    def forward(self, z):
        return self.net(z.view(len(z), -1, 1, 1))


class TorchDiscriminator(nn.Module):
    """The PyTorch tutorial's discriminator (64×64 input; logits instead of Sigmoid + BCELoss)."""

    def __init__(self, ndf: int = 64):
        super().__init__()
        c = [ndf, ndf * 2, ndf * 4, ndf * 8]
        layers = [nn.Conv2d(1, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True)]
        for a, b in zip(c, c[1:]):
            layers += [nn.Conv2d(a, b, 4, 2, 1, bias=False), nn.BatchNorm2d(b), nn.LeakyReLU(0.2, inplace=True)]
        self.net = nn.Sequential(*layers, nn.Conv2d(c[-1], 1, 4, 1, 0, bias=False))
        dcgan_init(self)

    def forward(self, x):
        return self.net(x).view(-1)


def recipes():
    """name → (G, D, batch size, lr, betas, image size)."""
    r = FAST_RECIPE
    return {
        "course": (DCGANGenerator(r["latent_dim"], r["width"]), DCGANDiscriminator(r["width"]),
                   r["batch_size"], r["lr_g"], r["betas"], 28),
        "tf-tutorial": (TFGenerator(), TFDiscriminator(), 256, 1e-4, (0.9, 0.999), 28),
        "pytorch-tutorial": (TorchGenerator(), TorchDiscriminator(), 128, 2e-4, (0.5, 0.999), 64),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--slice", type=float, default=60.0, help="seconds of training per tutorial recipe per round")
    p.add_argument("--course-slice", type=float, default=5.0, help="seconds per course-recipe chunk")
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--n-fid", type=int, default=1000)
    p.add_argument("--json", default=None, help="also write the curves and the summary here")
    p.add_argument("--ratio", type=float, default=None,
                   help="instead of the chase: give each tutorial RATIO times the course's training time, "
                        "round by round, and compare the course's FID at each of --marks with the tutorials' at "
                        "RATIO times that mark (--rounds is then what the largest mark needs)")
    p.add_argument("--marks", default="30,60,120,180,300", help="course training times (s) for --ratio")
    p.add_argument("--tutorials", default="tf-tutorial,pytorch-tutorial",
                   help="which tutorial recipes race (comma-separated)")
    a = p.parse_args()
    marks = sorted(float(m) for m in a.marks.split(","))
    chosen = [n.strip() for n in a.tutorials.split(",") if n.strip()]
    known = ("tf-tutorial", "pytorch-tutorial")
    if not chosen or any(n not in known for n in chosen):
        p.error(f"--tutorials takes names from {', '.join(known)}, got {a.tutorials!r}")
    if a.ratio is not None:
        if a.ratio <= 1 or min(marks) <= 0:
            p.error("--ratio must be above 1 and every mark above 0 s")
        a.rounds = math.ceil(a.ratio * marks[-1] / a.slice)
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    x, _ = load_images("fashion-mnist", "train")
    test, _ = load_images("fashion-mnist", "test")
    clf = load("fashion-mnist-classifier")
    real_feats = features(clf, test[:a.n_fid])
    z_eval = torch.randn(a.n_fid, 100, generator=torch.Generator().manual_seed(1))
    runs = {}
    order = (*chosen, "course")  # the course last: it chases the tutorials' best (or keeps 1/RATIO of their time)
    made = recipes()
    for name in order:
        G, D, bs, lr, betas, size = made[name]
        runs[name] = dict(G=G, D=D, bs=bs, size=size, opt_g=torch.optim.Adam(G.parameters(), lr, betas=betas),
                          opt_d=torch.optim.Adam(D.parameters(), lr, betas=betas),
                          gen=torch.Generator().manual_seed(0), t=0.0, steps=0, curve=[])
    tutorials = [n for n in runs if n != "course"]

    def fid(run):
        G = run["G"].eval()
        with torch.no_grad():
            fake = torch.cat([G(z_eval[i:i + 250, :G.latent_dim]) for i in range(0, a.n_fid, 250)])
        G.train()
        if fake.shape[-1] != 28:
            fake = F.interpolate(fake, size=28, mode="bilinear", antialias=True, align_corners=False)
        return frechet_distance(real_feats, features(clf, fake))

    def train(run, seconds):
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            idx = torch.randint(len(x), (run["bs"],), generator=run["gen"])
            real = x[idx]
            if run["size"] != 28:  # the PyTorch tutorial's transforms.Resize(64), per batch
                real = F.interpolate(real, size=run["size"], mode="bilinear", align_corners=False)
            gan_step(run["G"], run["D"], run["opt_g"], run["opt_d"], real)
            run["steps"] += 1
        run["t"] += time.perf_counter() - start
        run["curve"].append((run["t"], run["steps"], fid(run)))

    def best_tutorial():
        return min(f for n in tutorials for _, _, f in runs[n]["curve"])

    bench_start = time.perf_counter()
    for run in runs.values():
        run["curve"].append((0.0, 0, fid(run)))
    for rnd in range(a.rounds):
        for name, run in runs.items():
            if name != "course":
                train(run, a.slice)
            elif a.ratio is not None:  # keep 1/RATIO of the (slowest-clocked) tutorial's time, measured every round
                train(run, min(runs[n]["t"] for n in tutorials) / a.ratio - run["t"])
            else:
                used = 0.0
                while run["curve"][-1][2] > best_tutorial() and used < a.slice:
                    train(run, a.course_slice)
                    used += a.course_slice
            print(f"round {rnd + 1}: {name:17s} t={run['t']:6.1f}s steps={run['steps']:5d} "
                  f"FID={run['curve'][-1][2]:8.2f}", flush=True)

    print(f"\nFID (course classifier features, {a.n_fid} samples) against training wall time (s:FID):")
    for name, run in runs.items():
        print(f"  {name:17s} " + "  ".join(f"{t:.0f}:{f:.1f}" for t, _, f in run["curve"]))
    if a.ratio is not None:
        return _compare_at_marks(a, runs, marks, bench_start)
    target = best_tutorial()

    def reach(name, level):
        return next(((t, s) for t, s, f in runs[name]["curve"] if f <= level), None)

    print(f"\nTime to reach FID {target:.1f} (the best FID either tutorial reached):")
    print(f"  {'recipe':17s} {'time to it':>12s} {'steps':>6s} {'trained':>8s} {'best FID':>9s}")
    times = {n: reach(n, target) for n in runs}
    for n, hit in times.items():
        best = min(f for _, _, f in runs[n]["curve"])
        got = f"{hit[0]:10.1f} s {hit[1]:6d}" if hit else f"{'not reached':>12s} {'':6s}"
        print(f"  {n:17s} {got} {runs[n]['t']:7.0f}s {best:9.1f}")
    tut = min(hit[0] for n, hit in times.items() if n != "course" and hit is not None)
    ratio = tut / times["course"][0] if times["course"] and times["course"][0] > 0 and tut > 0 else None
    if ratio:
        print(f"  course recipe is {ratio:.0f}x sooner than the better tutorial")
    print(f"bench wall time {time.perf_counter() - bench_start:.0f} s (training + FID evaluations)")
    if a.json:
        _write(a, {"target_fid": target, "ratio": ratio, "curves": {n: r["curve"] for n, r in runs.items()},
                   "time_to_target": {n: hit for n, hit in times.items()}})


def _write(a, result: dict) -> None:
    """The bench's result with its provenance (:func:`ganlib.sweep.provenance`) and arguments, to ``--json``."""
    prov = provenance("python bench/dcgan_recipes.py " + " ".join(sys.argv[1:]),
                      machine=f"{platform.machine()}, {os.cpu_count()} cores, {a.threads} thread(s)")
    atomic_write_text(a.json, json.dumps({**prov, "args": vars(a), **result}, indent=1))


def _compare_at_marks(a, runs, marks, bench_start) -> None:
    """--ratio's table: the course's FID after S seconds beside each tutorial's after RATIO×S (each read at the
    first measurement at or after that time, so a tutorial gets slightly more than RATIO×S, never less)."""
    def at(name, t):
        return next(((tt, f) for tt, _, f in runs[name]["curve"] if tt >= t), None)

    tutorials = [n for n in runs if n != "course"]
    print(f"\nCourse recipe after S seconds against each tutorial after {a.ratio:g}×S (FID, {a.n_fid} samples):")
    print(f"  {'S':>6s} {'course':>16s} " + " ".join(f"{n + ' at ' + format(a.ratio, 'g') + '×S':>28s}" for n in tutorials)
          + "  course ahead of all")
    rows = []
    for s in marks:
        c = at("course", s)
        ts = {n: at(n, a.ratio * s) for n in tutorials}
        ahead = c is not None and all(v is not None and c[1] <= v[1] for v in ts.values())
        rows.append({"S": s, "course": c, "tutorials": ts, "course_ahead": ahead})
        cells = " ".join(f"{f'{v[1]:.1f} (at {v[0]:.0f} s)' if v else 'not run':>28s}" for v in ts.values())
        print(f"  {s:5.0f}s {f'{c[1]:.1f} (at {c[0]:.0f} s)' if c else 'not run':>16s} {cells}  {'yes' if ahead else 'no'}")
    print(f"bench wall time {time.perf_counter() - bench_start:.0f} s (training + FID evaluations)")
    if a.json:
        _write(a, {"curves": {n: r["curve"] for n, r in runs.items()}, "marks": rows})


if __name__ == "__main__":
    main()
