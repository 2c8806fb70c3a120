"""Time to quality: the course's DCGAN recipe against the TensorFlow and PyTorch DCGAN tutorials.

    python bench/dcgan_recipes.py [--slice 20] [--rounds 6] [--threads 1]

All three train on Fashion-MNIST with the same step function (``ganlib.train.gan_step``), in
one process, interleaved: each round gives every recipe ``--slice`` seconds of training, then
measures its FID (in the course classifier's features, 1,000 samples against 1,000 test images;
evaluation time is not counted). Machine noise therefore hits all recipes alike.
Prints the FID-against-time curves and the time each recipe needs to reach the same FID.

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
import time

import torch
import torch.nn.functional as F
from torch import nn

from ganlib.classifier import features, frechet_distance
from ganlib.data import load_images
from ganlib.dcgan import FAST_RECIPE, DCGANDiscriminator, DCGANGenerator, dcgan_init
from ganlib.pretrained import load
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
    p.add_argument("--slice", type=float, default=20.0, help="seconds of training per recipe per round")
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--n-fid", type=int, default=1000)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    x, _ = load_images("fashion-mnist", "train")
    test, _ = load_images("fashion-mnist", "test")
    clf = load("fashion-mnist-classifier")
    real_feats = features(clf, test[:a.n_fid])
    z_eval = torch.randn(a.n_fid, 100, generator=torch.Generator().manual_seed(1))
    runs = {}
    for name, (G, D, bs, lr, betas, size) in recipes().items():
        runs[name] = dict(G=G, D=D, bs=bs, size=size, opt_g=torch.optim.Adam(G.parameters(), lr, betas=betas),
                          opt_d=torch.optim.Adam(D.parameters(), lr, betas=betas),
                          gen=torch.Generator().manual_seed(0), t=0.0, steps=0, curve=[])

    def fid(run):
        G = run["G"].eval()
        with torch.no_grad():
            fake = torch.cat([G(z_eval[i:i + 250, :G.latent_dim]) for i in range(0, a.n_fid, 250)])
        G.train()
        if fake.shape[-1] != 28:
            fake = F.interpolate(fake, size=28, mode="bilinear", antialias=True, align_corners=False)
        return frechet_distance(real_feats, features(clf, fake))

    for run in runs.values():
        run["curve"].append((0.0, 0, fid(run)))
    for rnd in range(a.rounds):
        for name, run in runs.items():
            start = time.perf_counter()
            while time.perf_counter() - start < a.slice:
                idx = torch.randint(len(x), (run["bs"],), generator=run["gen"])
                real = x[idx]
                if run["size"] != 28:  # the PyTorch tutorial's transforms.Resize(64), per batch
                    real = F.interpolate(real, size=run["size"], mode="bilinear", align_corners=False)
                gan_step(run["G"], run["D"], run["opt_g"], run["opt_d"], real)
                run["steps"] += 1
            run["t"] += time.perf_counter() - start
            run["curve"].append((run["t"], run["steps"], fid(run)))
            print(f"round {rnd + 1}: {name:17s} t={run['t']:6.1f}s steps={run['steps']:5d} "
                  f"FID={run['curve'][-1][2]:8.2f}", flush=True)

    print("\nFID (course classifier features) against training wall time:")
    for name, run in runs.items():
        print(f"  {name:17s} " + "  ".join(f"{t:5.0f}s:{f:6.1f}" for t, _, f in run["curve"]))
    best_tut = min(min(f for _, _, f in runs[n]["curve"]) for n in ("tf-tutorial", "pytorch-tutorial"))

    def reach(name, target):
        return next((t for t, _, f in runs[name]["curve"] if f <= target), None)

    print(f"\nTime to reach FID {best_tut:.1f} (the best FID either tutorial reached):")
    times = {n: reach(n, best_tut) for n in runs}
    for n, t in times.items():
        print(f"  {n:17s} " + (f"{t:6.1f} s" if t is not None else f"did not reach it in {runs[n]['t']:.0f} s"))
    tut = min(t for n, t in times.items() if n != "course" and t is not None)
    if times["course"]:
        print(f"  course recipe is {tut / times['course']:.1f}x sooner than the better tutorial "
              "(a lower bound: the tutorial's time is where it first got there)")


if __name__ == "__main__":
    main()
