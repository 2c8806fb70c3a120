"""Checks for notebook 02's exercises: the two losses from logits, the GAN step, and the training
loop in plain PyTorch."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganlib.losses import d_loss, g_loss_nonsaturating
from ganlib.train import gan_step, train_loop

from . import drawn, exercise, feedback, plain, same, type_name, which_mistake

_LOGITS = ([0.0, 0.0], [2.0, -1.0, 0.5], [-3.0, 4.0, 1.0, -0.5])
_EXTREME = [-120.0, 120.0, -30.0]


def _loss_answer(out, inputs: list[torch.Tensor]) -> dict:
    """What a loss function gave back: its value, its kind, and the gradient it sends to each
    input."""
    if not torch.is_tensor(out):
        return {"value": out, "tensor": False}
    answer = {"value": out.detach(), "tensor": True, "dim": out.dim(), "grad": None}
    if out.dim() == 0 and out.requires_grad:
        answer["grad"] = [g if g is not None else torch.zeros_like(x)
                          for g, x in zip(torch.autograd.grad(out, inputs, allow_unused=True),
                                          inputs)]
    return answer


def _scalar(got: dict, name: str, given) -> float:
    """The learner's loss as a number, or a helpful AssertionError about its type or shape."""
    if not got.get("tensor"):
        raise AssertionError(feedback(f"{name} must return a torch tensor", given=given,
                                      got=type_name(got.get("value")),
                                      hint="stay in torch (no .item(), no numpy) so gradients can "
                                           "flow"))
    if got["dim"] != 0:
        raise AssertionError(feedback(f"{name} must return one number (a 0-d tensor)", given=given,
                                      got=f"shape {tuple(got['value'].shape)}",
                                      hint="average over the batch with .mean()"))
    return float(got["value"])


def _close(got: float, want: float) -> bool:
    return (
        abs(got - want) <= 1e-4 * (1 + abs(want))
        if got == got and abs(got) != float("inf")
        else False
    )


# ----------------------------------------------------------------------------- exercise 1

def _g_cases(seed: int) -> list[dict]:
    return ([{"logits": torch.tensor(v)}
             for v in _LOGITS] + [{"logits": drawn(seed, 1, 4, scale=3)}]
            + [{"logits": torch.tensor(_EXTREME), "extreme": True}])


def _g_run(fn, case):
    x = case["logits"].clone().requires_grad_(True)
    return _loss_answer(fn(x), [x])


def _g_judge(case, got) -> None:
    logits = case["logits"]
    given = "logits of ±120" if case.get("extreme") else logits.tolist()
    value = _scalar(got, "the generator loss", given)
    want = g_loss_nonsaturating(logits).item()
    if case.get("extreme"):
        if not _close(value, want):
            raise AssertionError(feedback("not numerically stable at large logits", given=given,
                                          expected=round(want, 4), got=value,
                                          hint="sigmoid then log overflows: use F.softplus(-l)"))
    elif not _close(value, want):
        hint = "−mean log D(G(z)) with D = sigmoid(logit): −log σ(l) = softplus(−l)"
        if abs(value + want) < 1e-4:
            hint = "the sign is flipped: the generator *minimises* −log D(G(z))"
        elif abs(value - want * len(logits)) < 1e-4:
            hint = "use the mean over the batch, not the sum"
        elif abs(value - F.softplus(logits).mean().item()) < 1e-4:
            hint = ("softplus(l) = −log(1 − D(G(z))) is the discriminator's term for fakes; "
                    "the generator wants −log D(G(z)) = softplus(−l)")
        elif abs(value + F.softplus(logits).mean().item()) < 1e-4:
            hint = ("that is the saturating (minimax) loss log(1 − D(G(z))); here we want −log "
                    "D(G(z))")
        raise AssertionError(feedback("wrong value", given=given, expected=round(want, 5),
                                      got=round(value, 5), hint=hint))
    if got["grad"] is None:
        raise AssertionError(feedback("no gradient flows back to the logits",
                                      given="logits with requires_grad",
                                      hint="do not detach or convert to numpy inside the loss"))


check_nonsaturating_loss = exercise(
    "nonsaturating_loss", notebook="02_vanilla_gan.ipynb", reference=g_loss_nonsaturating,
    title="The non-saturating generator loss from logits", cases=_g_cases, run=_g_run,
    judge=_g_judge)


# ----------------------------------------------------------------------------- exercise 2

def _d_cases(seed: int) -> list[dict]:
    pairs = [(_LOGITS[1], _LOGITS[2]), (_LOGITS[0], _LOGITS[1]), ([3.0], [-2.0, 0.5])]
    return ([{"real": torch.tensor(r), "fake": torch.tensor(f)} for r, f in pairs]
            + [{"real": drawn(seed, 2, 3, scale=3), "fake": drawn(seed, 3, 5, scale=3)}]
            + [{"real": torch.tensor(_EXTREME), "fake": -torch.tensor(_EXTREME), "extreme": True}])


def _d_run(fn, case):
    r, f = case["real"].clone().requires_grad_(True), case["fake"].clone().requires_grad_(True)
    return _loss_answer(fn(r, f), [r, f])


def _d_judge(case, got) -> None:
    real, fake = case["real"], case["fake"]
    given = "logits of ±120" if case.get("extreme") else (f"real_logits={real.tolist()}, "
                                                          f"fake_logits={fake.tolist()}")
    value = _scalar(got, "the discriminator loss", given)
    want = d_loss(real, fake).item()
    if case.get("extreme"):
        if not _close(value, want):
            raise AssertionError(feedback("not numerically stable at large logits", given=given,
                                          expected=round(want, 4), got=value,
                                          hint="use F.softplus (or "
                                               "F.binary_cross_entropy_with_logits), not "
                                               "log(sigmoid)"))
    elif not _close(value, want):
        term_r, term_f = F.softplus(-real).mean().item(), F.softplus(fake).mean().item()
        hint = "mean softplus(−l_real) + mean softplus(l_fake): real should score high, fake low"
        if abs(value - d_loss(fake, real).item()) < 1e-4:
            hint = "real and fake are swapped: D wants high logits on real, low on fake"
        elif abs(value + want) < 1e-4:
            hint = "the sign is flipped: this is a loss to minimise (the negative of V)"
        elif abs(value - term_r) < 1e-4 or abs(value - term_f) < 1e-4:
            hint = "only one of the two terms: D is judged on real and on fake samples"
        elif (
            abs(value - want / 2) < 1e-4
            or abs(value - F.softplus(-torch.cat([real, -fake])).mean().item()) < 1e-4
        ):
            hint = "add the two means (each batch weighs the same), do not average them together"
        raise AssertionError(feedback("wrong value", given=given, expected=round(want, 5),
                                      got=round(value, 5), hint=hint))
    if got["grad"] is None:
        raise AssertionError(feedback("no gradient flows back to the logits",
                                      given="logits with requires_grad",
                                      hint="do not detach or convert to numpy inside the loss"))


check_discriminator_loss = exercise(
    "discriminator_loss", notebook="02_vanilla_gan.ipynb", reference=d_loss,
    title="The discriminator loss from logits", cases=_d_cases, run=_d_run, judge=_d_judge)


# ------------------------------------------------------------------------- exercise 3: the GAN step
# Tried on the check's own tiny players and losses (the learner's process runs no ganlib answer);
# the judge replays the same steps with ganlib's gan_step, and with typical mistakes to name the one
# the learner made.

def _softplus_d(real_logits, fake_logits):
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def _softplus_g(fake_logits):
    return F.softplus(-fake_logits).mean()


# The losses the step's cases hand to the learner's step: the logistic and hinge losses with weights
# and a margin of the check's own, so that no function kept in a grading copy computes a graded
# answer (this notebook's two losses, notebook 04's hinge loss). The standard ones above serve only
# the judge's mistake model (taken out of the copy).
def _logistic_d(real_logits, fake_logits):
    return F.softplus(-real_logits).mean() + 0.5 * F.softplus(fake_logits).mean()


def _logistic_g(fake_logits):
    return 1.5 * F.softplus(-fake_logits).mean()


def _hinge_d(real_logits, fake_logits):
    return F.relu(0.5 - real_logits).mean() + F.relu(0.5 + fake_logits).mean()


def _hinge_g(fake_logits):
    return -fake_logits.mean()


def _small_penalty(D, real, fake):
    return 0.1 * D(real).pow(2).mean()


# Adam's eps: with PyTorch's 1e-8 a gradient that is float noise (1e-9 in one correct form, −1e-9 in
# another: D scoring real and fake in one pass, say) becomes a full step of ±lr, and correct steps
# end 0.02 apart. With 1e-4 equivalent forms end within 4e-6 of each other and every modelled
# mistake at least 0.02 away (measured over grading seeds 0-300 with the cases' losses below,
# 2026-12-07), so the judge compares at 1e-3. (A reused fake_logits changes only the reported
# d_fake: at least 0.0046 away over the same seeds.)
_EPS = 1e-4
_TOL = 1e-3
_LOSSES = {"logistic": (_logistic_d, _logistic_g), "hinge": (_hinge_d, _hinge_g)}


class _TinyG(torch.nn.Module):
    """The check's own generator: 3 noise numbers → a 2-D point."""

    latent_dim = 3

    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.ReLU(),
                                       torch.nn.Linear(16, 2))

    def forward(self, z):
        return self.net(z)


def _tiny_d() -> torch.nn.Module:
    """The check's own discriminator: a 2-D point → one logit."""
    return torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.LeakyReLU(0.2),
                               torch.nn.Linear(16, 1), torch.nn.Flatten(0))


def _step_cases(seed: int) -> list[dict]:
    g = torch.Generator().manual_seed(seed)
    return [{"seed": seed + i, "losses": losses, "penalty": penalty, "opt": opt,
             "real": 0.5 * torch.randn(4, 16, 2, generator=g) + torch.tensor([1.0, -0.5])}
            for i, (losses, penalty, opt) in enumerate((("logistic", False, "sgd"),
                                                        ("hinge", False, "adam"),
                                                        ("logistic", True, "adam")))]


def _step_run(fn, case) -> dict:
    """Four GAN steps of ``fn`` on tiny players, from the case's seed; what they returned and where
    the players ended."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(case["seed"])
        G, D = _TinyG(), _tiny_d()
        if case["opt"] == "sgd":
            opt_g, opt_d = torch.optim.SGD(G.parameters(), lr=0.05), torch.optim.SGD(
                D.parameters(), lr=0.05
            )
        else:
            opt_g = torch.optim.Adam(G.parameters(), lr=0.01, betas=(0.5, 0.999), eps=_EPS)
            opt_d = torch.optim.Adam(D.parameters(), lr=0.01, betas=(0.5, 0.999), eps=_EPS)
        into_g = [0]
        next(G.parameters()).register_hook(lambda grad: into_g.__setitem__(0, into_g[0] + 1))
        d_loss_fn, g_loss_fn = _LOSSES[case["losses"]]
        rules = {"d_loss": d_loss_fn, "g_loss": g_loss_fn,
                 "penalty": _small_penalty if case["penalty"] else None}
        stats = [fn(G, D, opt_g, opt_d, real, **rules) for real in case["real"]]
    return {"stats": stats, "G": [p.detach() for p in G.parameters()],
            "D": [p.detach() for p in D.parameters()], "backward_into_G": into_g[0]}


def _step_variant(order="DG", zero_d=True, zero_g=True, step_d=True, step_g=True, swap=False,
                  fixed_losses=False, d_steps_in_g=False, keep_z=False, g_names_logits=False):
    """The GAN step with one mistake: the judge's model of what a learner may have written."""
    def step(G, D, opt_g, opt_d, real, d_loss=None, g_loss=None, penalty=None):
        if fixed_losses:
            d_loss, g_loss = _softplus_d, _softplus_g
        out = {}

        def d_move():
            z = torch.randn(len(real), G.latent_dim)
            out["z"] = z
            fake = G(z).detach()
            real_logits, fake_logits = D(real), D(fake)
            loss_d = d_loss(fake_logits, real_logits) if swap else d_loss(real_logits, fake_logits)
            if penalty is not None:
                loss_d = loss_d + penalty(D, real, fake)
            if zero_d:
                opt_d.zero_grad()
            loss_d.backward()
            if step_d:
                opt_d.step()
            out.update(d_loss=loss_d.detach(), d_real=torch.sigmoid(real_logits.detach()).mean(),
                       d_fake=torch.sigmoid(fake_logits.detach()).mean())

        def g_move():
            z = out["z"] if keep_z and "z" in out else torch.randn(len(real), G.latent_dim)
            fake_logits = D(G(z))
            loss_g = g_loss(fake_logits)
            if g_names_logits:  # the forger's scores named fake_logits: the return line reads them
                out["d_fake"] = torch.sigmoid(fake_logits.detach()).mean()
            if zero_g:
                opt_g.zero_grad()
            loss_g.backward()
            if step_g:
                opt_g.step()
            if d_steps_in_g:
                opt_d.step()
            out["g_loss"] = loss_g.detach()

        for move in (d_move, g_move) if order == "DG" else (g_move, d_move):
            move()
        return {k: out[k] for k in ("d_loss", "g_loss", "d_real", "d_fake")}
    return step


_STEP_MISTAKES = (
    (_step_variant(order="GD"),
     "the detective moves first, then the forger (against the detective that just learnt)"),
    (_step_variant(zero_d=False),
     "D's gradients pile up from step to step: call opt_d.zero_grad() before loss_d.backward()"),
    (_step_variant(zero_g=False),
     "G's gradients pile up from step to step: call opt_g.zero_grad() before loss_g.backward()"),
    (_step_variant(step_d=False),
     "the detective never learns: call opt_d.step() after loss_d.backward()"),
    (_step_variant(step_g=False),
     "the forger never learns: call opt_g.step() after loss_g.backward()"),
    (_step_variant(swap=True), "d_loss takes (real_logits, fake_logits), in that order"),
    (_step_variant(fixed_losses=True),
     "use the d_loss and g_loss the step is given (notebook 04 passes hinge and Wasserstein losses "
     "through them)"),
    (_step_variant(d_steps_in_g=True),
     "only opt_g takes a step in the forger's move: D's weights must not change there"),
    (_step_variant(keep_z=True),
     "the forger's step uses fresh noise (the line z = torch.randn(...) above it)"),
    (_step_variant(g_names_logits=True),
     "d_fake is wrong: the return line reads real_logits and fake_logits from the detective's "
     "move, and the forger's move overwrote fake_logits; give the forger's scores another name, or "
     "none: loss_g = g_loss(D(G(z)))"),
)


def _step_judge(case, got) -> None:
    given = (f"4 steps of tiny 2-D players with {case['opt']}, {case['losses']} losses"
             + (", and a penalty" if case["penalty"] else ""))
    if not isinstance(got, dict) or "stats" not in got:
        raise AssertionError(feedback("the check could not read your step's results",
                                      got=type_name(got)))
    want = plain(_step_run(gan_step, case))
    if got.get("backward_into_G", 0) > want["backward_into_G"]:
        raise AssertionError(feedback("D's loss sent gradients into G", given=given,
                                      hint="detach the fakes in D's step, G(z).detach(): D's move "
                                           "must not train G"))
    hint = which_mistake(lambda fn: plain(_step_run(fn, case)), gan_step, _STEP_MISTAKES,
                         lambda other: same(got["stats"], other["stats"], _TOL)
                         and same(got["G"], other["G"], _TOL)
                         and same(got["D"], other["D"], _TOL),
                         "D's step: fakes G(z).detach(), loss_d = d_loss(D(real), D(fake)), "
                         "zero_grad / backward / step; G's step: loss_g = g_loss(D(G(z))) with "
                         "fresh z, zero_grad / backward / step on opt_g only")
    if hint is None:
        return
    first = lambda st: ({k: round(float(v), 4) for k, v in st[0].items()}  # noqa: E731
                        if st and isinstance(st[0], dict) else st)
    raise AssertionError(feedback("your GAN step trains the players differently from the reference",
                                  given=given, expected=f"first step {first(want['stats'])}",
                                  got=f"first step {first(got['stats'])}", hint=hint))


check_gan_step = exercise(
    "gan_step", notebook="02_vanilla_gan.ipynb", reference=gan_step,
    title="The GAN step: the detective's move, then the forger's", cases=_step_cases, run=_step_run,
    judge=_step_judge)


# ----------------------------------------------------------------------------- exercise 4: the loop
# The learner's loop is tried with the check's own probe step (it holds no answer to exercise 3):
# the judge replays the reference loop, and typical mistakes, with the same probe and compares the
# history and where the players end.

def _probe_step(G, D, opt_g, opt_d, real):
    """A stand-in GAN step: moves both players with the optimisers it is given and reports two
    numbers."""
    loss_d = D(G(torch.randn(len(real), G.latent_dim)).detach()).mean() - D(real).mean()
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()
    loss_g = -D(G(torch.randn(len(real), G.latent_dim))).mean()
    opt_g.zero_grad()
    loss_g.backward()
    opt_g.step()
    return {"d_loss": loss_d.detach(), "g_loss": loss_g.detach()}


def _probe_data(n, generator):
    """The check's real data: 2-D points around (1, −0.5), drawn with the generator the loop
    passes."""
    return 0.5 * torch.randn(n, 2, generator=generator) + torch.tensor([1.0, -0.5])


def _loop_cases(seed: int) -> list[dict]:
    return [{"seed": seed + i, "steps": steps, "batch_size": bs, "lr": lr}
            for i, (steps, bs, lr) in enumerate(((3, 8, 0.01), (5, 4, 0.05), (1, 16, 0.02)))]


def _loop_run(fn, case) -> dict:
    """The learner's loop on the check's tiny players and probe step; what it returned and where the
    players ended."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(case["seed"])
        G, D = _TinyG(), _tiny_d()
        calls = [0]

        def step(*args, **kwargs):
            calls[0] += 1
            return _probe_step(*args, **kwargs)

        history = fn(G, D, _probe_data, case["steps"], batch_size=case["batch_size"], lr=case["lr"],
                     seed=1000 + case["seed"], step=step)
    return {"history": history, "calls": calls[0], "G": [p.detach() for p in G.parameters()],
            "D": [p.detach() for p in D.parameters()]}


def _loop_variant(per_step_opt=False, betas=(0.5, 0.999), sgd=False, seeded=True, fixed_lr=None,
                  swap_opts=False,
                  tensors=False, extra_step=False):  # tensors, extra_step: forms the tests try
    """The plain loop with one mistake: the judge's model of what a learner may have written."""
    def loop(G, D, data, steps, batch_size=64, lr=1e-3, seed=0, step=None):
        rate = lr if fixed_lr is None else fixed_lr

        def opts():
            if sgd:
                return torch.optim.SGD(D.parameters(), lr=rate), torch.optim.SGD(
                    G.parameters(), lr=rate
                )
            return (torch.optim.Adam(D.parameters(), lr=rate, betas=betas),
                    torch.optim.Adam(G.parameters(), lr=rate, betas=betas))
        opt_d, opt_g = opts()
        batches = torch.Generator().manual_seed(seed) if seeded else None
        history = []
        for _ in range(steps + extra_step):
            if per_step_opt:
                opt_d, opt_g = opts()
            real = data(batch_size, batches)
            stats = step(G, D, opt_d, opt_g, real) if swap_opts else step(G, D, opt_g, opt_d, real)
            history.append(dict(stats) if tensors else {k: v.item() for k, v in stats.items()})
        return history
    return loop


_LOOP_MISTAKES = (
    (_loop_variant(per_step_opt=True),
     "make the two optimisers once, before the loop: Adam keeps running averages "
                                       "from step to step, and a new optimiser forgets them"),
    (_loop_variant(betas=(0.9, 0.999)),
     "Adam with betas=(0.5, 0.999), the GAN setting (PyTorch's default is 0.9)"),
    (_loop_variant(sgd=True), "use torch.optim.Adam for both players"),
    (_loop_variant(seeded=False), "draw the real batches with data(batch_size, batches), batches = "
                                  "torch.Generator().manual_seed(seed), made once before the loop"),
    (_loop_variant(fixed_lr=1e-3), "use the lr you are given for both optimisers"),
    (_loop_variant(fixed_lr=2e-4), "use the lr you are given for both optimisers"),
    (_loop_variant(swap_opts=True),
     "the step takes (G, D, opt_g, opt_d, real): G's optimiser first"),
)


def _numbers(history) -> list | None:
    """A history as lists of floats (0-d tensors read as their number); None when it is not a list
    of dicts."""
    if not isinstance(history, list) or not all(isinstance(h, dict) for h in history):
        return None
    out = []
    for h in history:
        row = {}
        for k, v in h.items():
            if torch.is_tensor(v) and v.numel() == 1:
                v = float(v)
            row[k] = v
        out.append(row)
    return out


def _loop_judge(case, got) -> None:
    given = (f"tiny 2-D players, a stand-in step, steps={case['steps']}, "
             f"batch_size={case['batch_size']}, lr={case['lr']}, seed={1000 + case['seed']}")
    if not isinstance(got, dict) or "history" not in got:
        raise AssertionError(feedback("the check could not read what your loop did",
                                      got=type_name(got)))
    want = plain(_loop_run(train_loop, case))
    if got.get("calls") != want["calls"]:
        raise AssertionError(feedback("your loop calls the step a different number of times",
                                      given=given, expected=f"{want['calls']} calls of step(G, D, "
                                                            "opt_g, opt_d, real)",
                                      got=f"{got.get('calls')} calls",
                                      hint="one call of the step you are given per pass, for _ in "
                                           "range(steps)"))
    history = _numbers(got["history"])
    if history is None or len(history) != len(want["history"]):
        raise AssertionError(feedback("your loop must return its history: a list with one dict per "
                                      "step",
                                      given=given,
                                      expected=f"a list of {len(want['history'])} dicts",
                                      got=type_name(got["history"]),
                                      hint="history.append({name: value.item() for name, value in "
                                           "stats.items()})"))
    hint = which_mistake(lambda fn: plain(_loop_run(fn, case)), train_loop, _LOOP_MISTAKES,
                         lambda other: same(history, _numbers(other["history"]), _TOL)
                         and same(got["G"], other["G"], _TOL) and same(got["D"], other["D"], _TOL),
                         "Adam(…, lr=lr, betas=(0.5, 0.999)) for each player, once; batches = "
                         "torch.Generator().manual_seed(seed); for each step: real = "
                         "data(batch_size, batches), stats = step(G, D, opt_g, opt_d, real), and "
                         "keep the numbers in the history")
    if hint is None:
        return
    raise AssertionError(feedback("your loop trains the players differently from the reference",
                                  given=given,
                                  expected=f"first step {history and want['history'][0]}",
                                  got=f"first step {history[0] if history else None}", hint=hint))


check_training_loop = exercise(
    "training_loop", notebook="02_vanilla_gan.ipynb", reference=train_loop,
    title="The training loop in plain PyTorch", cases=_loop_cases, run=_loop_run, judge=_loop_judge)
