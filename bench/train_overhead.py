"""How much does ganlib's `fit` cost over a bare PyTorch GAN loop doing the same work?

Same models (copies of one initialisation), same seed, same batches and noise: both loops end
with bit-identical weights on the CPU (checked). The two are timed interleaved, several times;
the ratio of medians is printed last as ``overhead_ratio=X`` (goal: X ≤ 1.03).
On the CPU the clock is this process's CPU time (one thread by default), which other programs
competing for the cores do not inflate; on CUDA it is wall time after a synchronize.

  python bench/train_overhead.py                       # the Fashion-MNIST-sized MLPs
  python bench/train_overhead.py --model toy --steps 1000
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ganlib.models import MLPDiscriminator, MLPGenerator  # noqa: E402
from ganlib.train import fit  # noqa: E402


def bare_loop(G, D, data, steps, batch_size, lr, seed, device):
    """The textbook loop: no history, no guard, no callbacks, no progress bar."""
    opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))
    batch_gen = torch.Generator(device=device).manual_seed(seed)
    noise_gen = torch.Generator(device=device).manual_seed(seed + 1)
    for _ in range(steps):
        x = data[torch.randint(len(data), (batch_size,), device=device, generator=batch_gen)]
        z = torch.randn(batch_size, G.latent_dim, device=device, generator=noise_gen)
        fake = G(z).detach()
        loss_d = F.softplus(-D(x)).mean() + F.softplus(D(fake)).mean()
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        z = torch.randn(batch_size, G.latent_dim, device=device, generator=noise_gen)
        loss_g = F.softplus(-D(G(z))).mean()
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
    if device.type == "cuda":
        torch.cuda.synchronize()


def ganlib_loop(G, D, data, steps, batch_size, lr, seed, device, progress=False):
    fit(G, D, data, steps=steps, batch_size=batch_size, lr_g=lr, lr_d=lr, seed=seed, device=device,
        progress=progress)
    if device.type == "cuda":
        torch.cuda.synchronize()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=("image", "toy"), default="image")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1, help="CPU threads (1: stable timings on busy machines)")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--progress", action="store_true", help="time fit with its progress bar on")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    torch.manual_seed(0)
    if args.model == "image":
        G0 = MLPGenerator(64, (1, 28, 28), hidden=(256, 512), tanh=True)
        D0 = MLPDiscriminator((1, 28, 28), hidden=(512, 256))
        data = torch.rand(10_000, 1, 28, 28) * 2 - 1
    else:
        G0, D0 = MLPGenerator(2, out_dim=2, hidden=128), MLPDiscriminator(in_dim=2, hidden=128)
        data = torch.randn(10_000, 2)
    data = data.to(device)
    common = (data, args.steps, args.batch_size, 2e-4, 0, device)

    # same work: both loops must end with the same weights
    Ga, Da, Gb, Db = (copy.deepcopy(m).to(device) for m in (G0, D0, G0, D0))
    bare_loop(Ga, Da, *common)
    ganlib_loop(Gb, Db, *common)
    same = all(torch.equal(a, b) for a, b in zip(list(Ga.parameters()) + list(Da.parameters()),
                                                 list(Gb.parameters()) + list(Db.parameters())))
    print(f"model={args.model} steps={args.steps} batch={args.batch_size} device={device} "
          f"threads={args.threads} identical_weights={same}")

    clock = time.perf_counter if device.type == "cuda" else time.process_time
    times = {"bare": [], "ganlib": []}
    for r in range(args.repeats):
        order = (("bare", bare_loop), ("ganlib", ganlib_loop)) if r % 2 == 0 else \
            (("ganlib", ganlib_loop), ("bare", bare_loop))
        for name, loop in order:
            G, D = copy.deepcopy(G0).to(device), copy.deepcopy(D0).to(device)
            kw = {"progress": args.progress} if name == "ganlib" else {}
            t = clock()
            loop(G, D, *common, **kw)
            times[name].append(clock() - t)
        print(f"repeat {r}: bare {times['bare'][-1]:.3f}s  ganlib {times['ganlib'][-1]:.3f}s")
    bare, ours = statistics.median(times["bare"]), statistics.median(times["ganlib"])
    print(f"clock={'wall' if device.type == 'cuda' else 'process cpu time'}")
    print(f"median: bare {bare:.3f}s ({1e3 * bare / args.steps:.2f} ms/step), "
          f"ganlib {ours:.3f}s ({1e3 * ours / args.steps:.2f} ms/step)")
    print(f"overhead_ratio={ours / bare:.3f}")


if __name__ == "__main__":
    main()
