"""Checks for notebook 03's exercises: the transposed-convolution size, DCGAN's weight init, the
generator, the discriminator, the training loop in plain PyTorch, and slerp."""

from __future__ import annotations

import functools
import random

import torch
import torch.nn.functional as F
from torch import nn

from ganlib.dcgan import DCGANDiscriminator, DCGANGenerator, conv_transpose_size, dcgan_init
from ganlib.inference import slerp
from ganlib.plain_loop import train_gan

from . import exercise, feedback, same, type_name

_CASES = ((7, 4, 2, 1), (1, 4, 1, 0), (5, 5, 2, 2), (14, 3, 1, 1), (4, 4, 2, 1), (3, 3, 3, 0))


# ----------------------------------------------------------------------------- exercise 1

def _size_cases(seed: int) -> list[dict]:
    """The fixed cases and two drawn from the grading seed (a table of answers to fixed inputs
    cannot pass)."""
    rng, drawn = random.Random(seed), []
    while len(drawn) < 2:
        size, k, s = rng.randint(1, 32), rng.randint(1, 7), rng.randint(1, 4)
        p = rng.randint(0, k - 1)
        # not the reference: the grading copy hides it from cases
        if (size - 1) * s - 2 * p + k >= 1:
            drawn.append((size, k, s, p))
    return [{"args": list(c)} for c in (*_CASES, *drawn)]


def _size_judge(case, got) -> None:
    size, k, s, p = case["args"]
    want = conv_transpose_size(size, k, s, p)
    if got == want and not isinstance(got, bool):
        return
    given = f"size={size}, kernel={k}, stride={s}, padding={p}"
    if not isinstance(got, (int, float)) or isinstance(got, bool):
        raise AssertionError(feedback("return the output size as one whole number", given=given,
                                      expected=want, got=type_name(got)))
    hint = "(size − 1)·stride − 2·padding + kernel"
    if got == size * s:
        hint = ("size·stride is only right for some kernels and paddings: count the kernel's "
                "overhang")
    elif got == (size - 1) * s + k:
        hint = "padding crops the output on both sides: subtract 2·padding"
    elif got == (size - 1) * s - p + k:
        hint = "padding is taken off both sides: 2·padding"
    elif got == (size + 2 * p - k) // s + 1:
        hint = "that is the formula of an ordinary (down-sampling) convolution; invert it"
    raise AssertionError(feedback("wrong output size", given=given, expected=want, got=got,
                                  hint=hint))


check_transposed_conv_size = exercise(
    "transposed_conv_size", notebook="03_dcgan.ipynb", reference=conv_transpose_size,
    title="Output size of a transposed convolution", cases=_size_cases, judge=_size_judge)


# ----------------------------------------------------------------------------- exercise 2

def _probe_model() -> nn.Module:
    """Every layer kind the exercise's text names, each large enough to read its weights' mean and
    spread."""
    return nn.ModuleDict({
        "project": nn.Linear(64, 1568, bias=False), "project_norm": nn.BatchNorm1d(1568),
        "up": nn.ConvTranspose2d(64, 32, 4, 2, 1, bias=False), "up_norm": nn.BatchNorm2d(512),
        "to_image": nn.ConvTranspose2d(32, 1, 4, 2, 1), "down": nn.Conv2d(32, 64, 4, 2, 1),
        "logit": nn.Linear(3136, 1)})


def _init_cases(seed: int) -> list[dict]:
    return [{"seed": seed}]


def _init_run(fn, case):
    torch.manual_seed(case["seed"])
    model = _probe_model()  # PyTorch's default init: only the learner's init can change it
    before = {name: m.weight.detach().clone() for name, m in model.items()}
    fn(model)
    return {name: {"kind": type(m).__name__, "weight": m.weight.detach(),
                   "untouched": torch.equal(before[name], m.weight),
                   "bias": None if getattr(m, "bias", None) is None else m.bias.detach()}
            for name, m in model.items()}


def _init_judge(case, got) -> None:
    if not isinstance(got, dict) or set(got) != set(_probe_model()):
        raise AssertionError(feedback("the model's layers changed", got=type_name(got),
                                      hint="initialise the layers in place; do not add or remove "
                                           "any"))
    for name, layer in got.items():
        kind, w = layer["kind"], layer["weight"].double()
        mean, std = float(w.mean()), float(w.std())
        if kind.startswith("BatchNorm"):
            if not (abs(mean - 1) < 0.01 and 0.01 < std < 0.03):
                hint = "batch-norm scales ~ N(1, 0.02): nn.init.normal_(m.weight, 1.0, 0.02)"
                if std == 0:
                    hint = ("you left batch norm at its default (all ones): DCGAN draws its scales "
                            "from N(1, 0.02)")
                elif abs(mean) < 0.1:
                    hint = ("batch-norm scales are centred on 1, not 0 (a zero scale switches the "
                            "layer off)")
                raise AssertionError(feedback(f"{kind} {name!r}: scales are not N(1, 0.02)",
                                              expected="mean ≈ 1, std ≈ 0.02",
                                              got=f"mean {mean:.4f}, std {std:.4f}", hint=hint))
        elif not (abs(mean) < 0.003 and 0.015 < std < 0.025):
            hint = ("nn.init.normal_(m.weight, mean=0.0, std=0.02) for every convolution, "
                    "transposed convolution and linear layer")
            if layer.get("untouched"):
                hint = (f"your function left this {kind} at PyTorch's default: give every "
                        "nn.Conv2d, nn.ConvTranspose2d and nn.Linear weights from N(0, 0.02)")
            elif std > 0.5:
                hint = "the standard deviation is 0.02, not 1"
            elif abs(mean) > 0.5:
                hint = "the mean is 0 for conv weights (1 is for batch-norm scales)"
            raise AssertionError(feedback(f"{kind} {name!r}: weights are not N(0, 0.02)",
                                          expected="mean ≈ 0, std ≈ 0.02",
                                          got=f"mean {mean:.4f}, std {std:.4f}", hint=hint))
        if layer["bias"] is not None and float(layer["bias"].abs().max()) > 0:
            raise AssertionError(feedback(f"{kind} {name!r}: biases (and batch-norm shifts) should "
                                          "start at 0",
                                          got=f"max |bias| {float(layer['bias'].abs().max()):.4f}",
                                          hint="nn.init.zeros_(m.bias) when the layer has one"))


check_dcgan_weight_init = exercise(
    "dcgan_weight_init", notebook="03_dcgan.ipynb", reference=dcgan_init,
    title="DCGAN's N(0, 0.02) weight initialisation", cases=_init_cases, run=_init_run,
    judge=_init_judge)


# ------------------------------------------------------------------------ exercise 3: the generator
# The learner's class is built and tried on the learner's side: what it is made of, the sizes it
# goes through, its output range, its initial weights, and whether a few steps against a small
# detective train it.

_WATCHED = (nn.Linear, nn.ConvTranspose2d, nn.Conv2d, nn.BatchNorm1d, nn.BatchNorm2d, nn.ReLU,
            nn.LeakyReLU, nn.Tanh, nn.Sigmoid, nn.Upsample, nn.MaxPool2d)


def _functional_activation(before: torch.Tensor, after: torch.Tensor) -> tuple | None:
    """``("ReLU",)`` or ``("LeakyReLU", slope)`` when ``after`` is that activation of ``before``
    (reshaped or not), applied as a function between two layers; else None."""
    if before.numel() != after.numel() or not (before < 0).any():
        return None
    b, a = before.flatten(), after.flatten()
    if torch.equal(a, b):
        return None
    if torch.allclose(a, F.relu(b), atol=1e-6):
        return ("ReLU",)
    slope = round(float((a[b < 0] / b[b < 0]).median()), 6)
    if 0 < slope < 1 and torch.allclose(a, F.leaky_relu(b, slope), atol=1e-6):
        return ("LeakyReLU", slope)
    return None


def _layers(net: nn.Module, x: torch.Tensor, sized: type) -> tuple[dict, torch.Tensor]:
    """Run ``net(x)`` once and report its layers in the order forward runs them, the output sizes of
    its ``sized`` layers, its LeakyReLU slopes and the spread of its initial conv / linear weights;
    and the output."""
    kinds: list = []
    sizes: list = []
    slopes: list = []
    # the last sized layer's output: is the net's output tanh of it (torch.tanh in forward counts)?
    last: list = []
    prev: list = []  # the previous watched layer's output: was a ReLU applied to it as a function?

    def seen(module, inputs, output):
        if prev and torch.is_tensor(inputs[0]):
            act = _functional_activation(prev[0], inputs[0].detach())
            if act is not None:  # F.relu / F.leaky_relu in forward: the same layer, as a function
                kinds.append(act[0])
                slopes.extend(act[1:])
        kinds.append(type(module).__name__)
        if isinstance(module, sized):
            sizes.append(list(output.shape[1:]))
            last[:] = [output.detach()]
        if isinstance(module, nn.LeakyReLU):
            slopes.append(float(module.negative_slope))
        prev[:] = [output.detach().clone()]  # a copy: an in-place ReLU after it must not change it
    hooks = [m.register_forward_hook(seen) for m in net.modules() if isinstance(m, _WATCHED)]
    out = net(x).detach()
    for h in hooks:
        h.remove()
    weights = torch.cat([m.weight.detach().flatten() for m in net.modules()
                         if isinstance(m, (nn.Linear, nn.ConvTranspose2d, nn.Conv2d))])
    tanh_of_last = bool(last and last[0].shape == out.shape
                        and torch.allclose(out, torch.tanh(last[0]), atol=1e-6))
    if tanh_of_last and (not kinds or kinds[-1] != "Tanh"):
        # torch.tanh(...) in forward: the same layer as nn.Tanh(), written as a function
        kinds.append("Tanh")
    return {"kinds": kinds, "sizes": sizes, "slopes": slopes, "shape": list(out.shape),
            "weight_std": float(weights.std())}, out


def _all_trained(net: nn.Module, loss_of) -> bool:
    """Whether 3 Adam steps on ``loss_of()`` move every parameter of ``net`` (an unused or
    unregistered layer does not)."""
    before = [p.detach().clone() for p in net.parameters()]
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.5, 0.999))
    for _ in range(3):
        loss = loss_of()
        opt.zero_grad()
        loss.backward()
        opt.step()
    moved = [not torch.equal(a, b.detach()) for a, b in zip(before, net.parameters())]
    return all(moved) and len(moved) > 0


def _generator_cases(seed: int) -> list[dict]:
    return [{"seed": seed, "latent_dim": 64, "width": 32},
            {"seed": seed + 1, "latent_dim": 16, "width": 8}]


def _generator_run(fn, case) -> dict:
    """Build ``fn(latent_dim, width)`` and report its layers (in the order forward runs them), the
    sizes its transposed convolutions make, its output range and initial weights, and whether 3
    training steps move every parameter."""
    torch.manual_seed(case["seed"])
    G = fn(latent_dim=case["latent_dim"], width=case["width"])
    report, out = _layers(G, torch.randn(8, case["latent_dim"]), nn.ConvTranspose2d)
    report.update(latent_dim=getattr(G, "latent_dim", None), min=float(out.min()),
                  max=float(out.max()), all_trained=None)
    if list(out.shape[1:]) == [1, 28, 28]:  # train 3 steps against a small detective
        detective = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 1))
        report["all_trained"] = _all_trained(
            G, lambda: F.softplus(-detective(G(torch.randn(8, case["latent_dim"])))).mean()
        )
    return report


def _reader(got, name: str, given: str):
    """Refuse a report that is not a network's (the grader trusts no shape); return
    ``fail(what, hint, expected, got)``."""
    if not isinstance(got, dict) or "kinds" not in got:
        raise AssertionError(feedback(f"the check could not read your {name}", got=type_name(got)))

    def fail(what, hint, expected=None, got_=None):
        raise AssertionError(feedback(what, given=given, expected=expected, got=got_, hint=hint))
    return fail


def _init_and_training(got, fail) -> None:
    """What both nets share: weights from N(0, 0.02) (dcgan_init), and every parameter used by
    forward."""
    if not 0.015 < got["weight_std"] < 0.025:
        fail("the weights do not start at N(0, 0.02)",
             "call dcgan_init(self) at the end of __init__",
             "std ≈ 0.02", f"std {got['weight_std']:.4f}")
    if not got["all_trained"]:
        fail("some parameters did not train in 3 steps",
             "every layer must be used in forward (and registered as a submodule: nn.Sequential, "
             "not a list)")


def _generator_judge(case, got) -> None:
    given = (f"my_DCGANGenerator(latent_dim={case['latent_dim']}, width={case['width']}), a batch "
             "of 8 noise vectors")
    fail = _reader(got, "generator", given)
    want = _generator_run(DCGANGenerator, case)
    kinds, wk = got["kinds"], want["kinds"]

    if got["latent_dim"] != case["latent_dim"]:
        fail("G.latent_dim is missing or wrong",
             "set self.latent_dim = latent_dim: sampling code reads it",
             case["latent_dim"], got["latent_dim"])
    if any(k in kinds for k in ("Upsample", "MaxPool2d")):
        fail("fixed up- or down-sampling in the generator",
             "DCGAN learns to up-sample: use nn.ConvTranspose2d(…, 4, 2, 1), no nn.Upsample or "
             "pooling")
    if kinds.count("ConvTranspose2d") != 2 or got["sizes"] != want["sizes"]:
        fail("the generator does not go 7 → 14 → 28 in two transposed convolutions",
             "project z to 2·width maps of 7×7 (view(len(z), -1, 7, 7)), then two "
             "nn.ConvTranspose2d with kernel 4, stride 2, padding 1: each doubles the side",
             f"transposed convolutions giving {want['sizes']} (channels, height, width)",
             f"{kinds.count('ConvTranspose2d')} giving {got['sizes']}")
    if got["shape"] != want["shape"]:
        fail("wrong output shape", "a batch of N noise vectors must give N images of shape 1×28×28",
             want["shape"], got["shape"])
    if not kinds or kinds[-1] != "Tanh":
        hint = "end with nn.Tanh(): the real images are scaled to [−1, 1]"
        if kinds and kinds[-1] == "Sigmoid":
            hint = ("tanh, not sigmoid, at the output: the real images are in [−1, 1], a sigmoid "
                    "only reaches [0, 1]")
        elif kinds and kinds[-1].startswith("BatchNorm"):
            hint = ("no batch norm on the output: end with the last transposed convolution and "
                    "nn.Tanh()")
        fail("the generator's last layer is not tanh", hint, "Tanh",
             kinds[-1] if kinds else "no layer")
    if len(kinds) >= 2 and kinds[-2].startswith("BatchNorm"):
        fail("batch norm on the generator's output",
             "the guidelines keep batch norm off G's last layer: "
             "ConvTranspose2d(width, 1, 4, 2, 1) straight into nn.Tanh()")
    if "LeakyReLU" in kinds:
        fail("LeakyReLU in the generator", "the guidelines use ReLU in G (LeakyReLU is D's)")
    if kinds.count("ReLU") != wk.count("ReLU") or sum(k.startswith("BatchNorm")
                                                      for k in kinds) != sum(
            k.startswith("BatchNorm") for k in wk):
        fail("the hidden layers differ from the guidelines",
             "after the projection and after the first transposed convolution: batch norm, then "
             "ReLU",
             [k for k in wk], [k for k in kinds])
    if kinds.count("Linear") != 1:
        fail("the generator needs exactly one linear layer",
             "only the projection of z to 7×7 maps is fully connected",
             1, kinds.count("Linear"))
    if not (-1.0 <= got["min"] and got["max"] <= 1.0):
        fail("outputs outside [−1, 1]", "end with nn.Tanh()", "[−1, 1]",
             f"[{got['min']:.3f}, {got['max']:.3f}]")
    _init_and_training(got, fail)


check_dcgan_generator = exercise(
    "dcgan_generator", notebook="03_dcgan.ipynb", reference=DCGANGenerator,
    title="Build the DCGAN generator (7 → 14 → 28)", cases=_generator_cases, run=_generator_run,
    judge=_generator_judge)


# -------------------------------------------------------------------- exercise 4: the discriminator
# Like the generator's: the learner's class is built and tried on the learner's side.

def _discriminator_cases(seed: int) -> list[dict]:
    return [{"seed": seed, "width": 32}, {"seed": seed + 1, "width": 8}]


def _discriminator_run(fn, case) -> dict:
    """Build ``fn(width)`` and report its layers (in the order forward runs them), the sizes its
    convolutions make, its LeakyReLU slopes, its output's shape, its initial weights, and whether 3
    training steps move every parameter."""
    torch.manual_seed(case["seed"])
    D = fn(width=case["width"])
    report, out = _layers(D, torch.rand(64, 1, 28, 28) * 2 - 1, nn.Conv2d)
    # logits have both signs
    report.update(all_trained=None, probabilities=bool(((out >= 0) & (out <= 1)).all()))
    if list(out.shape) == [64]:  # 3 steps of the detective's loss on two fixed batches
        real, fake = torch.rand(8, 1, 28, 28) * 2 - 1, torch.rand(8, 1, 28, 28) * 2 - 1
        report["all_trained"] = _all_trained(
            D, lambda: F.softplus(-D(real)).mean() + F.softplus(D(fake)).mean()
        )
    return report


def _discriminator_judge(case, got) -> None:
    given = f"my_DCGANDiscriminator(width={case['width']}), a batch of 64 images of 1×28×28"
    fail = _reader(got, "discriminator", given)
    want = _discriminator_run(DCGANDiscriminator, case)
    kinds, wk = got["kinds"], want["kinds"]

    if any(k in kinds for k in ("Upsample", "MaxPool2d")):
        fail("pooling in the discriminator",
             "DCGAN learns to down-sample: strided nn.Conv2d(…, 4, 2, 1), no pooling")
    if kinds.count("Conv2d") != 2 or got["sizes"] != want["sizes"]:
        fail("the discriminator does not go 28 → 14 → 7 in two strided convolutions",
             "nn.Conv2d(1, width, 4, 2, 1), then nn.Conv2d(width, 2·width, 4, 2, 1): each halves "
             "the side",
             f"convolutions giving {want['sizes']} (channels, height, width)",
             f"{kinds.count('Conv2d')} giving {got['sizes']}")
    if got["shape"] != want["shape"]:
        hint = "one logit per image: a batch of N images gives a tensor of shape (N,)"
        if got["shape"] == [64, 1]:
            hint = ("the last linear layer gives shape (N, 1): return it as (N,) with .squeeze(1) "
                    "(or .view(-1))")
        fail("wrong output shape", hint, want["shape"], got["shape"])
    if kinds and kinds[-1] == "Sigmoid" or got["probabilities"]:
        fail("a sigmoid at the end",
             "return the logit, the score before the sigmoid: the losses take logits "
             "(and stay finite where a probability would round to 0 or 1)")
    if "ReLU" in kinds:
        fail("ReLU in the discriminator",
             "the guidelines use LeakyReLU(0.2) in D (plain ReLU is G's)")
    if len(kinds) >= 2 and kinds[0] == "Conv2d" and kinds[1].startswith("BatchNorm"):
        fail("batch norm on the discriminator's input layer",
             "the first convolution goes straight into LeakyReLU(0.2); batch norm comes after the "
             "second")
    if kinds.count("LeakyReLU") != wk.count("LeakyReLU") or sum(k.startswith("BatchNorm")
                                                                for k in kinds) != sum(
            k.startswith("BatchNorm") for k in wk):
        fail("the hidden layers differ from the guidelines",
             "after the first convolution LeakyReLU(0.2); after the second batch norm, then "
             "LeakyReLU(0.2)",
             list(wk), list(kinds))
    if any(abs(s - 0.2) > 1e-9 for s in got["slopes"]):
        fail("LeakyReLU with another slope",
             "nn.LeakyReLU(0.2): a slope of 0.2 for negative inputs", 0.2, got["slopes"])
    if kinds.count("Linear") != 1:
        fail("the discriminator needs exactly one linear layer",
             "only the last layer, features → one logit, is "
             "fully connected: nn.Flatten(), then nn.Linear(2·width·7·7, 1)", 1,
             kinds.count("Linear"))
    _init_and_training(got, fail)


check_dcgan_discriminator = exercise(
    "dcgan_discriminator", notebook="03_dcgan.ipynb", reference=DCGANDiscriminator,
    title="Build the DCGAN discriminator (28 → 14 → 7 → a logit)", cases=_discriminator_cases,
    run=_discriminator_run, judge=_discriminator_judge)


# -------------------------------------------------------------------- exercise 5: the training loop
# The learner's loop trains two small networks on 2-D points in a short seeded run, called three
# times in a row as the notebook calls it; what comes back is plain data: the forger's points on the
# grader's noise after each call, the numbers the loop returned, and how often each optimiser
# stepped. The judge asks what any correct loop does, whatever order it draws its random numbers in:
# each optimiser steps once a round, the forger's points move to the data, and the loop reports what
# D said each round.

_LOOP_CALLS, _LOOP_STEPS, _LOOP_LATENT, _LOOP_RADIUS = 3, 100, 4, 3.0


def _loop_cases(seed: int) -> list[dict]:
    g = torch.Generator().manual_seed(seed)
    angle = float(torch.rand(1, generator=g)) * 2 * torch.pi
    centre = _LOOP_RADIUS * torch.tensor([torch.cos(torch.tensor(angle)),
                                          torch.sin(torch.tensor(angle))])
    return [{"seed": seed, "centre": centre, "steps": _LOOP_STEPS, "calls": _LOOP_CALLS,
             "batch_size": 64, "data": centre + 0.3 * torch.randn(2000, 2, generator=g),
             "z": torch.randn(500, _LOOP_LATENT, generator=g)}]


def _loop_players(seed: int) -> tuple[nn.Module, nn.Module]:
    """A small forger (4 noise numbers → a 2-D point) and detective (a point → one logit),
    seeded."""
    torch.manual_seed(seed)
    G = nn.Sequential(nn.Linear(_LOOP_LATENT, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(),
                      nn.Linear(32, 2))
    G.latent_dim = _LOOP_LATENT
    D = nn.Sequential(nn.Linear(2, 32), nn.LeakyReLU(0.2), nn.Linear(32, 32), nn.LeakyReLU(0.2),
                      nn.Linear(32, 1), nn.Flatten(0))
    return G, D


_MARK = 1e30  # left in the gradients after each step: a loop that does not zero them adds to it


def _stepped(counts: dict, key: str, net: nn.Module, *hook_args) -> None:
    counts[key] += 1
    for p in net.parameters():
        if p.grad is not None:
            p.grad.fill_(_MARK)


def _stale(counts: dict, key: str, net: nn.Module, *hook_args) -> None:
    if any(p.grad is not None and bool((p.grad.abs() > _MARK / 2).any()) for p in net.parameters()):
        counts["stale_" + key] += 1


def _loop_run(fn, case) -> dict:
    """Train the small players with ``fn``, called ``calls`` times; the forger's points on the
    case's noise after each."""
    G, D = _loop_players(case["seed"])
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.999))
    counts = {"g": 0, "d": 0, "stale_g": 0, "stale_d": 0}
    for key, opt, net in (("g", opt_g, G), ("d", opt_d, D)):
        opt.register_step_pre_hook(functools.partial(_stale, counts, key, net))
        opt.register_step_post_hook(functools.partial(_stepped, counts, key, net))
    g_before = [p.detach().clone() for p in G.parameters()]
    returned, points = [], []
    for _ in range(case["calls"]):
        returned.append(fn(G, D, opt_g, opt_d, case["data"].clone(), case["steps"],
                           batch_size=case["batch_size"]))
        with torch.no_grad():
            points.append(G(case["z"]))
    return {"points": points, "returned": returned, "g_steps": counts["g"], "d_steps": counts["d"],
            "stale_g": counts["stale_g"], "stale_d": counts["stale_d"],
            "g_moved": any(not torch.equal(a, b.detach())
                           for a, b in zip(g_before, G.parameters()))}


def _mean_pair(pairs: list, which: int) -> float:
    return sum(float(p[which]) for p in pairs) / max(len(pairs), 1)


# the forger's points must end within this share of their starting distance from the data
_LOOP_NEAR = 0.5


def _loop_judge(case, got) -> None:
    steps, calls, centre = case["steps"], case["calls"], case["centre"].double()
    start = float(centre.norm())  # the untrained forger's points sit near 0
    given = (f"small players on 2-D points around ({float(centre[0]):.2f}, "
             f"{float(centre[1]):.2f}); my_train_gan(G, D, opt_g, opt_d, points, steps={steps}, "
             f"batch_size={case['batch_size']}), called {calls} times in a row")
    if not isinstance(got, dict) or "points" not in got:
        raise AssertionError(feedback("the check could not read what your loop did",
                                      got=type_name(got)))

    def fail(what, hint, expected=None, got_=None):
        raise AssertionError(feedback(what, given=given, expected=expected, got=got_, hint=hint))

    if got["d_steps"] != steps * calls or got["g_steps"] != steps * calls:
        fail("each optimiser must step once per round",
             "in every round: opt_d.step() after the detective's "
             "loss.backward(), then opt_g.step() after the forger's",
             f"{steps * calls} steps of each",
             f"opt_d {got['d_steps']}, opt_g {got['g_steps']}")
    for key, who in (("stale_d", "opt_d"), ("stale_g", "opt_g")):
        if got[key]:
            fail(f"{who} stepped on gradients left over from the round before",
                 f"{who}.zero_grad() before each backward(): PyTorch adds new gradients to the old "
                 "ones (and the forger's backward() also fills D's gradients)", "0 stale steps",
                 f"{got[key]} of {steps * calls}")
    pairs = [p for r in got["returned"] if isinstance(r, list) for p in r]
    ok_pairs = all(isinstance(r, list) and len(r) == steps for r in got["returned"]) and all(
        isinstance(p, list) and len(p) == 2
        and all(isinstance(v, (int, float)) and 0 <= v <= 1 for v in p)
        for p in pairs)
    if not ok_pairs:
        first = got["returned"][0] if got["returned"] else None
        fail("the loop must return one (D(x), D(G(z))) pair per round",
             "append (torch.sigmoid(real_logits).mean().item(), "
             "torch.sigmoid(fake_logits).mean().item()) each round and return the list",
             f"a list of {steps} pairs of probabilities",
             type_name(first) if not isinstance(first, list) else f"a list of {len(first)} items")
    points = got["points"]
    if not all(torch.is_tensor(x) and tuple(x.shape) == (len(case["z"]), 2)
               and bool(torch.isfinite(x).all())
               for x in points):
        fail("the forger's points could not be read after your loop",
             "train G and D in place; do not replace them")
    gap = float((points[-1].double().mean(0) - centre).norm())
    late = pairs[len(pairs) // 2:]
    d_real, d_fake = _mean_pair(late, 0), _mean_pair(late, 1)
    if gap < _LOOP_NEAR * start:
        return
    hint = ("the detective's loss is d_loss(D(real), D(fake.detach())); the forger's is "
            "g_loss_nonsaturating(D(fake)), without detach, so its gradient reaches G")
    if not got["g_moved"]:
        hint = ("G's weights never changed: the forger's loss must reach G (no .detach() on the "
                "fakes there, and no torch.no_grad()), then opt_g.step()")
    elif d_fake > d_real + 0.05:
        hint = ("D scores the fakes above the real points: the detective's loss takes the real "
                "logits first, d_loss(real_logits, fake_logits) (real → 1, fake → 0)")
    fail("the forger did not reach the data", hint,
         f"the forger's points centred within {_LOOP_NEAR * start:.1f} of the data (they start "
         f"{start:.1f} away)",
         f"{gap:.2f} away; in the second half D(x) {d_real:.2f}, D(G(z)) {d_fake:.2f}")


check_gan_training = exercise(
    "gan_training", notebook="03_dcgan.ipynb", reference=train_gan,
    title="The training loop in plain PyTorch", cases=_loop_cases, run=_loop_run, judge=_loop_judge)


# ----------------------------------------------------------------------------- exercise 6: slerp

def _slerp_cases(seed: int) -> list[dict]:
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(3, 16, generator=g, dtype=torch.float64)
    t = torch.linspace(0, 1, 7, dtype=torch.float64)
    return [{"z0": z[0], "z1": z[1], "t": t}, {"z0": z[2], "z1": -0.5 * z[2] + 0.3 * z[0], "t": t},
            {"z0": z[1], "z1": z[1].clone(), "t": t}]


def _slerp_run(fn, case):
    return fn(case["z0"].clone(), case["z1"].clone(), case["t"].clone())


def _slerp_judge(case, got) -> None:
    z0, z1, t = case["z0"], case["z1"], case["t"]
    want = slerp(z0, z1, t)
    given = (f"z0, z1 of 16 numbers (|z0| = {float(z0.norm()):.2f}, |z1| = "
             f"{float(z1.norm()):.2f}), t = 7 steps from 0 to 1")
    if not torch.is_tensor(got):
        raise AssertionError(feedback("return a tensor", given=given,
                                      expected="a tensor of shape (7, 16)",
                                      got=type_name(got)))
    if same(got, want, 1e-6):
        return
    hint = "sin((1 − t)·ω)·z0 + sin(t·ω)·z1, divided by sin ω, with ω the angle between z0 and z1"
    if tuple(got.shape) != tuple(want.shape):
        hint = ("one row per t: reshape t to a column, t.view(-1, 1), so it broadcasts against z0 "
                "and z1")
    elif not bool(torch.isfinite(got).all()):
        hint = ("when z0 and z1 point the same way ω = 0 and sin ω = 0: fall back to the straight "
                "line (1 − t)·z0 + t·z1")
    elif same(got, (1 - t.view(-1, 1)) * z0 + t.view(-1, 1) * z1, 1e-6):
        hint = ("that is the straight line: mid-way its length shrinks (where N(0, I) has little "
                "mass); follow the arc: sin((1 − t)ω)/sin ω · z0 + sin(tω)/sin ω · z1")
    elif same(got, slerp(z1, z0, t), 1e-6):
        hint = "the path runs backwards: t = 0 must give z0, t = 1 must give z1"
    elif same(got, slerp(z0 / z0.norm(), z1 / z1.norm(), t), 1e-6):
        hint = ("compute ω from the unit vectors, but interpolate the vectors themselves, not "
                "their unit versions")
    raise AssertionError(
        feedback(
            "wrong path between z0 and z1",
            given=given,
            expected=f"at t = 0.5: {[round(v, 3) for v in want[3, :3].tolist()]} …",
            got=(
                f"at t = 0.5: {[round(v, 3) for v in got.flatten()[:3].tolist()]} …"
                if got.numel()
                else "empty"
            ),
            hint=hint,
        )
    )


check_slerp = exercise("slerp", notebook="03_dcgan.ipynb", reference=slerp,
                       title="Spherical interpolation between two noise vectors",
                       cases=_slerp_cases, run=_slerp_run, judge=_slerp_judge)
