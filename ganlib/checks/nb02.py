"""Checks for notebook 02's exercises: the two losses from logits, the GAN step, and the training loop."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganlib.losses import d_loss, g_loss_nonsaturating
from ganlib.train import gan_step, train

from . import exercise, feedback, plain, same, type_name, which_mistake

_LOGITS = ([0.0, 0.0], [2.0, -1.0, 0.5], [-3.0, 4.0, 1.0, -0.5])
_EXTREME = [-120.0, 120.0, -30.0]


def _loss_answer(out, inputs: list[torch.Tensor]) -> dict:
    """What a loss function gave back: its value, its kind, and the gradient it sends to each input."""
    if not torch.is_tensor(out):
        return {"value": out, "tensor": False}
    answer = {"value": out.detach(), "tensor": True, "dim": out.dim(), "grad": None}
    if out.dim() == 0 and out.requires_grad:
        answer["grad"] = [g if g is not None else torch.zeros_like(x)
                          for g, x in zip(torch.autograd.grad(out, inputs, allow_unused=True), inputs)]
    return answer


def _scalar(got: dict, name: str, given) -> float:
    """The learner's loss as a number, or a helpful AssertionError about its type or shape."""
    if not got.get("tensor"):
        raise AssertionError(feedback(f"{name} must return a torch tensor", given=given,
                                      got=type_name(got.get("value")),
                                      hint="stay in torch (no .item(), no numpy) so gradients can flow"))
    if got["dim"] != 0:
        raise AssertionError(feedback(f"{name} must return one number (a 0-d tensor)", given=given,
                                      got=f"shape {tuple(got['value'].shape)}",
                                      hint="average over the batch with .mean()"))
    return float(got["value"])


def _close(got: float, want: float) -> bool:
    return abs(got - want) <= 1e-4 * (1 + abs(want)) if got == got and abs(got) != float("inf") else False


# ----------------------------------------------------------------------------- exercise 1

def _g_cases(seed: int) -> list[dict]:
    return [{"logits": torch.tensor(v)} for v in _LOGITS] + [{"logits": torch.tensor(_EXTREME), "extreme": True}]


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
            hint = "that is the saturating (minimax) loss log(1 − D(G(z))); here we want −log D(G(z))"
        raise AssertionError(feedback("wrong value", given=given, expected=round(want, 5),
                                      got=round(value, 5), hint=hint))
    if got["grad"] is None:
        raise AssertionError(feedback("no gradient flows back to the logits", given="logits with requires_grad",
                                      hint="do not detach or convert to numpy inside the loss"))


check_nonsaturating_loss = exercise(
    "nonsaturating_loss", notebook="02_vanilla_gan.ipynb", reference=g_loss_nonsaturating,
    title="The non-saturating generator loss from logits", cases=_g_cases, run=_g_run, judge=_g_judge)


# ----------------------------------------------------------------------------- exercise 2

def _d_cases(seed: int) -> list[dict]:
    pairs = [(_LOGITS[1], _LOGITS[2]), (_LOGITS[0], _LOGITS[1]), ([3.0], [-2.0, 0.5])]
    return ([{"real": torch.tensor(r), "fake": torch.tensor(f)} for r, f in pairs]
            + [{"real": torch.tensor(_EXTREME), "fake": -torch.tensor(_EXTREME), "extreme": True}])


def _d_run(fn, case):
    r, f = case["real"].clone().requires_grad_(True), case["fake"].clone().requires_grad_(True)
    return _loss_answer(fn(r, f), [r, f])


def _d_judge(case, got) -> None:
    real, fake = case["real"], case["fake"]
    given = "logits of ±120" if case.get("extreme") else f"real_logits={real.tolist()}, fake_logits={fake.tolist()}"
    value = _scalar(got, "the discriminator loss", given)
    want = d_loss(real, fake).item()
    if case.get("extreme"):
        if not _close(value, want):
            raise AssertionError(feedback("not numerically stable at large logits", given=given,
                                          expected=round(want, 4), got=value,
                                          hint="use F.softplus (or F.binary_cross_entropy_with_logits), not log(sigmoid)"))
    elif not _close(value, want):
        term_r, term_f = F.softplus(-real).mean().item(), F.softplus(fake).mean().item()
        hint = "mean softplus(−l_real) + mean softplus(l_fake): real should score high, fake low"
        if abs(value - d_loss(fake, real).item()) < 1e-4:
            hint = "real and fake are swapped: D wants high logits on real, low on fake"
        elif abs(value + want) < 1e-4:
            hint = "the sign is flipped: this is a loss to minimise (the negative of V)"
        elif abs(value - term_r) < 1e-4 or abs(value - term_f) < 1e-4:
            hint = "only one of the two terms: D is judged on real and on fake samples"
        elif abs(value - want / 2) < 1e-4 or abs(value - F.softplus(-torch.cat([real, -fake])).mean().item()) < 1e-4:
            hint = "add the two means (each batch weighs the same), do not average them together"
        raise AssertionError(feedback("wrong value", given=given, expected=round(want, 5),
                                      got=round(value, 5), hint=hint))
    if got["grad"] is None:
        raise AssertionError(feedback("no gradient flows back to the logits", given="logits with requires_grad",
                                      hint="do not detach or convert to numpy inside the loss"))


check_discriminator_loss = exercise(
    "discriminator_loss", notebook="02_vanilla_gan.ipynb", reference=d_loss,
    title="The discriminator loss from logits", cases=_d_cases, run=_d_run, judge=_d_judge)


# ----------------------------------------------------------------------------- exercise 3: the GAN step
# Tried on the check's own tiny players and losses (the learner's process runs no ganlib answer); the judge
# replays the same steps with ganlib's gan_step, and with typical mistakes to name the one the learner made.

def _softplus_d(real_logits, fake_logits):
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def _softplus_g(fake_logits):
    return F.softplus(-fake_logits).mean()


def _hinge_d(real_logits, fake_logits):
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()


def _hinge_g(fake_logits):
    return -fake_logits.mean()


def _small_penalty(D, real, fake):
    return 0.1 * D(real).pow(2).mean()


_LOSSES = {"logistic": (_softplus_d, _softplus_g), "hinge": (_hinge_d, _hinge_g)}


class _TinyG(torch.nn.Module):
    """The check's own generator: 3 noise numbers → a 2-D point."""

    latent_dim = 3

    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))

    def forward(self, z):
        return self.net(z)


def _step_cases(seed: int) -> list[dict]:
    g = torch.Generator().manual_seed(seed)
    return [{"seed": seed + i, "losses": losses, "penalty": penalty, "opt": opt,
             "real": 0.5 * torch.randn(4, 16, 2, generator=g) + torch.tensor([1.0, -0.5])}
            for i, (losses, penalty, opt) in enumerate((("logistic", False, "sgd"), ("hinge", False, "adam"),
                                                        ("logistic", True, "adam")))]


def _step_run(fn, case) -> dict:
    """Four GAN steps of ``fn`` on tiny players, from the case's seed; what they returned and where the players ended."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(case["seed"])
        G = _TinyG()
        D = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.LeakyReLU(0.2), torch.nn.Linear(16, 1),
                                torch.nn.Flatten(0))
        if case["opt"] == "sgd":
            opt_g, opt_d = torch.optim.SGD(G.parameters(), lr=0.05), torch.optim.SGD(D.parameters(), lr=0.05)
        else:
            opt_g = torch.optim.Adam(G.parameters(), lr=0.01, betas=(0.5, 0.999))
            opt_d = torch.optim.Adam(D.parameters(), lr=0.01, betas=(0.5, 0.999))
        into_g = [0]
        next(G.parameters()).register_hook(lambda grad: into_g.__setitem__(0, into_g[0] + 1))
        d_loss_fn, g_loss_fn = _LOSSES[case["losses"]]
        rules = {"d_loss": d_loss_fn, "g_loss": g_loss_fn, "penalty": _small_penalty if case["penalty"] else None}
        stats = [fn(G, D, opt_g, opt_d, real, **rules) for real in case["real"]]
    return {"stats": stats, "G": [p.detach() for p in G.parameters()], "D": [p.detach() for p in D.parameters()],
            "backward_into_G": into_g[0]}


def _step_variant(order="DG", zero_d=True, zero_g=True, step_d=True, step_g=True, swap=False, fixed_losses=False,
                  d_steps_in_g=False, keep_z=False):
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
            loss_g = g_loss(D(G(z)))
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
    (_step_variant(order="GD"), "the detective moves first, then the forger (against the detective that just learnt)"),
    (_step_variant(zero_d=False), "D's gradients pile up from step to step: call opt_d.zero_grad() before loss_d.backward()"),
    (_step_variant(zero_g=False), "G's gradients pile up from step to step: call opt_g.zero_grad() before loss_g.backward()"),
    (_step_variant(step_d=False), "the detective never learns: call opt_d.step() after loss_d.backward()"),
    (_step_variant(step_g=False), "the forger never learns: call opt_g.step() after loss_g.backward()"),
    (_step_variant(swap=True), "d_loss takes (real_logits, fake_logits), in that order"),
    (_step_variant(fixed_losses=True),
     "use the d_loss and g_loss the step is given (notebook 04 passes hinge and Wasserstein losses through them)"),
    (_step_variant(d_steps_in_g=True), "only opt_g takes a step in the forger's move: D's weights must not change there"),
    (_step_variant(keep_z=True), "the forger's step uses fresh noise (the line z = torch.randn(...) above it)"),
)


def _step_judge(case, got) -> None:
    given = (f"4 steps of tiny 2-D players with {case['opt']}, {case['losses']} losses"
             + (", and a penalty" if case["penalty"] else ""))
    if not isinstance(got, dict) or "stats" not in got:
        raise AssertionError(feedback("the check could not read your step's results", got=type_name(got)))
    want = plain(_step_run(gan_step, case))
    if got.get("backward_into_G", 0) > want["backward_into_G"]:
        raise AssertionError(feedback("D's loss sent gradients into G", given=given,
                                      hint="detach the fakes in D's step, G(z).detach(): D's move must not train G"))
    hint = which_mistake(lambda fn: plain(_step_run(fn, case)), gan_step, _STEP_MISTAKES,
                         lambda other: same(got["stats"], other["stats"]) and same(got["G"], other["G"], 1e-4)
                         and same(got["D"], other["D"], 1e-4),
                         "D's step: fakes G(z).detach(), loss_d = d_loss(D(real), D(fake)), zero_grad / backward / step; "
                         "G's step: loss_g = g_loss(D(G(z))) with fresh z, zero_grad / backward / step on opt_g only")
    if hint is None:
        return
    first = lambda st: {k: round(float(v), 4) for k, v in st[0].items()} if st and isinstance(st[0], dict) else st  # noqa: E731
    raise AssertionError(feedback("your GAN step trains the players differently from the reference", given=given,
                                  expected=f"first step {first(want['stats'])}", got=f"first step {first(got['stats'])}",
                                  hint=hint))


check_gan_step = exercise(
    "gan_step", notebook="02_vanilla_gan.ipynb", reference=gan_step,
    title="The GAN step: the detective's move, then the forger's", cases=_step_cases, run=_step_run, judge=_step_judge)


# ----------------------------------------------------------------------------- exercise 4: the loop

def _loop_cases(seed: int) -> list[dict]:
    return [{"start": 0, "steps": 3}, {"start": 2, "steps": 5}, {"start": 4, "steps": 4}]


class _Batches:
    def __init__(self, log: list):
        self.log, self.n = log, 0

    def next(self):
        self.n += 1
        self.log.append(["batch", self.n])
        return (torch.tensor(float(self.n)), torch.tensor(-float(self.n)))


class _LoopRun:
    """A stand-in for ganlib's Run: the loop only reads and writes these fields."""

    def __init__(self, start: int, log: list):
        self.G, self.D, self.opt_g, self.opt_d = "G", "D", "opt_g", "opt_d"
        self.batches, self.step, self.total, self.stats = _Batches(log), start, 0, None
        self.rules = {"g_loss": "the rules"}
        self.step_fn = lambda G, D, opt_g, opt_d, *batch, **rules: self._step(log, (G, D, opt_g, opt_d), batch, rules)

    @staticmethod
    def _step(log, players, batch, rules):
        log.append(["step", list(players), [float(b) if torch.is_tensor(b) else repr(b) for b in batch], sorted(rules)])
        return {"step_said": len(log)}


def _loop_run(fn, case) -> dict:
    log: list = []
    run = _LoopRun(case["start"], log)
    callbacks = [lambda r, i=i: log.append(["callback", i, r.step, r.total, r.stats]) for i in (1, 2)]
    fn(run, case["steps"], callbacks)
    return {"log": log, "step": run.step, "total": run.total}


def _loop_judge(case, got) -> None:
    given = (f"a run at step {case['start']}, train(run, steps={case['steps']}, callbacks=[two callbacks])")
    want = plain(_loop_run(train, case))
    if same(got, want):
        return
    if not isinstance(got, dict) or "log" not in got:
        raise AssertionError(feedback("the check could not read what your loop did", got=type_name(got)))
    log, steps = got["log"], [e for e in got["log"] if e and e[0] == "step"]
    n_want = len([e for e in want["log"] if e[0] == "step"])
    hint = ("run.total = steps; while run.step < steps: batch = run.batches.next(); "
            "run.stats = run.step_fn(run.G, run.D, run.opt_g, run.opt_d, *batch, **run.rules); "
            "run.step += 1; then every callback(run)")
    if got.get("total") != case["steps"]:
        hint = "set run.total = steps first (the progress bar and the dashboard read it)"
    elif len(steps) != n_want:
        hint = (f"a run that is already at step {case['start']} takes only {n_want} more: loop while run.step < steps "
                "(a resumed run does not start at 0)") if case["start"] else "one step per pass, until run.step reaches steps"
    elif any(e[2] != w[2] for e, w in zip(steps, [e for e in want["log"] if e[0] == "step"])):
        hint = "unpack the batch into the step: run.step_fn(run.G, run.D, run.opt_g, run.opt_d, *batch, **run.rules)"
    elif any(e[3] != ["g_loss"] for e in steps):
        hint = "pass the run's rules on to the step: **run.rules"
    else:
        calls = [e for e in log if e and e[0] == "callback"]
        calls_want = [e for e in want["log"] if e[0] == "callback"]
        if len(calls) != len(calls_want):
            hint = "call every callback once after every step, with the run"
        elif any(c[2] != w[2] for c, w in zip(calls, calls_want)):
            hint = "count the step (run.step += 1) before the callbacks see the run"
        elif any(c[4] is None for c in calls):
            hint = "keep what the step returned in run.stats: the callbacks read it"
    raise AssertionError(feedback("your loop runs the game differently from the reference", given=given,
                                  expected=f"{n_want} steps, ending at step {want['step']}",
                                  got=f"{len(steps)} steps, ending at step {got.get('step')}", hint=hint))


check_training_loop = exercise(
    "training_loop", notebook="02_vanilla_gan.ipynb", reference=train,
    title="The training loop", cases=_loop_cases, run=_loop_run, judge=_loop_judge)
