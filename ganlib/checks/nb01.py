"""Checks for notebook 01's exercises: the optimal detective D*(x), the Jensen–Shannon divergence,
and one move of each player."""

from __future__ import annotations

import math

import numpy as np
import torch

from ganlib.data import Mixture1D, gaussian_1d
from ganlib.game.duel import detective_step, forger_step
from ganlib.game.theory import grid, jsd, kl, optimal_detective

from . import exercise, feedback, plain, same, type_name, which_mistake

_XS = grid(-10.0, 10.0, 2001)
_PAIRS = ((gaussian_1d(0, 1), gaussian_1d(1, 1)),
          (Mixture1D((-2.0, 2.0), (0.5, 0.5)), gaussian_1d(0.5, 1.5)),
          (gaussian_1d(-1, 0.5), gaussian_1d(3, 0.5)))


def _pairs(seed: int) -> tuple:
    """The fixed pairs of densities and one drawn from the grading seed (means 1 to 3 apart), so a
    table of answers to fixed inputs cannot pass."""
    rng = np.random.default_rng(seed)
    m, gap = rng.uniform(-3, 3), rng.uniform(1, 3) * rng.choice([-1, 1])
    s1, s2 = rng.uniform(0.6, 1.5, size=2)
    drawn = (gaussian_1d(round(float(m), 2), round(float(s1), 2)),
             gaussian_1d(round(float(m + gap), 2), round(float(s2), 2)))
    return (*_PAIRS, drawn)


def _array(got, name: str, given, shape) -> np.ndarray:
    """The learner's result as a float array of the right shape, or a helpful AssertionError."""
    if isinstance(got, dict) or isinstance(got, str):
        raise AssertionError(feedback(f"{name} must return numbers", given=given,
                                      got=type_name(got)))
    arr = np.asarray(got.numpy() if torch.is_tensor(got) else got, dtype=np.float64)
    if arr.shape != shape:
        raise AssertionError(feedback(f"{name} must return one value per x", given=given,
                                      expected=f"shape {shape}", got=f"shape {arr.shape}",
                                      hint="work elementwise on the arrays; do not sum or average"))
    return arr


# ----------------------------------------------------------------------------- exercise 1: D*(x)

def _detective_cases(seed: int) -> list[dict]:
    xs = _XS[::10]
    out = [{"p": torch.from_numpy(d.pdf(xs)), "q": torch.from_numpy(f.pdf(xs)),
            "given": f"p_data = {d}, p_g = {f} on {len(xs)} points in [-10, 10]"}
           for d, f in _pairs(seed)]
    return out + [{"p": torch.zeros(3, dtype=torch.float64),
                   "q": torch.zeros(3, dtype=torch.float64), "given": "p_data = p_g = [0, 0, 0]"}]


def _detective_run(fn, case):
    return fn(case["p"].numpy().copy(), case["q"].numpy().copy())


def _detective_judge(case, got) -> None:
    p, q = case["p"].numpy(), case["q"].numpy()
    got = _array(got, "optimal_detective", case["given"], p.shape)
    want = optimal_detective(p, q)
    if not p.any() and not q.any():
        if not np.allclose(got, 0.5):
            raise AssertionError(feedback("where both densities are 0 the detective cannot tell: "
                                          "D* should be ½",
                                          given=case["given"], expected=[0.5, 0.5, 0.5], got=got,
                                          hint="0/0 is nan: use np.where(p + q > 0, p / (p + q), "
                                               "0.5)"))
        return
    ok = np.isfinite(got) & (np.abs(got - want) <= 1e-6)
    if ok.all():
        return
    j = int(np.argmin(ok))
    xs = _XS[::10]
    hint = "D*(x) = p_data(x) / (p_data(x) + p_g(x)): the share of the density that is real"
    if np.allclose(got, 1 - want, atol=1e-6):
        hint = ("you returned p_g/(p_data+p_g), the chance the x is fake; D* is the chance it is "
                "real")
    elif np.isfinite(got).all() and np.ptp(got) < 1e-9:
        hint = "D* is not constant: it depends on x through both densities"
    elif np.allclose(got, p / np.maximum(q, 1e-300), rtol=1e-6):
        hint = "p_data / p_g is the density ratio; divide by the sum p_data + p_g instead"
    raise AssertionError(feedback(f"wrong D*(x) at x = {xs[j]:.2f}", given=case["given"],
                                  expected=round(float(want[j]), 6), got=got[j], hint=hint))


check_optimal_detective = exercise(
    "optimal_detective", notebook="01_forger_vs_detective.ipynb", reference=optimal_detective,
    title="The optimal detective D*(x) = p_data / (p_data + p_g)",
    cases=_detective_cases, run=_detective_run, judge=_detective_judge)


# ----------------------------------------------------------------------------- exercise 2: JSD

def _jsd_cases(seed: int) -> list[dict]:
    out = [{"p": torch.from_numpy(d.pdf(_XS)), "q": torch.from_numpy(f.pdf(_XS)),
            "given": f"p = {d}, q = {f}, xs = grid(-10, 10, 2001)"} for d, f in _pairs(seed)]
    uniform = torch.full((len(_XS),), 1 / 20, dtype=torch.float64)
    # exactly 0 on half the grid: 0·log 0 must count as 0
    left = torch.from_numpy(np.where(_XS <= 0, 0.1, 0.0))
    return out + [{"p": uniform, "q": uniform.clone(), "given": "p = q = uniform on [-10, 10]",
                   "same": True},
                  {"p": left, "q": torch.from_numpy(gaussian_1d(3, 1).pdf(_XS)),
                   "given": "p = uniform on [-10, 0] (exactly 0 for x > 0), q = N(3, 1)"}]


def _jsd_run(fn, case):
    return fn(case["p"].numpy().copy(), case["q"].numpy().copy(), _XS.copy())


def _jsd_judge(case, got) -> None:
    p, q, given = case["p"].numpy(), case["q"].numpy(), case["given"]
    try:
        got = float(got.item() if torch.is_tensor(got) and got.numel() == 1 else got)
    except (TypeError, ValueError, RuntimeError):
        raise AssertionError(
            feedback(
                "jsd must return one number",
                given=given,
                got=type_name(got),
                hint="integrate over x (integrate or np.trapezoid)",
            )
        ) from None
    if case.get("same"):
        if abs(got) > 1e-9:
            raise AssertionError(feedback("JSD of a density with itself must be 0", given=given,
                                          expected=0.0, got=got))
        return
    want = jsd(p, q, _XS)
    if math.isfinite(got) and abs(got - want) <= 1e-4:
        return
    hint = "JSD = ½ KL(p ‖ m) + ½ KL(q ‖ m) with m = (p + q) / 2, each KL integrated over xs"
    if abs(got - 2 * want) <= 1e-4:
        hint = "you forgot the ½ in front of each KL term"
    elif abs(got + want) <= 1e-4:
        hint = "the sign is flipped: KL(p ‖ m) = ∫ p log(p / m), not log(m / p)"
    elif abs(got - 0.5 * (kl(p, q, _XS) + kl(q, p, _XS))) <= 1e-4:
        hint = "compare each density with the mixture m = (p + q)/2, not with each other"
    elif abs(got - want / (_XS[1] - _XS[0])) <= 1e-2 * (1 + abs(want) / (_XS[1] - _XS[0])):
        hint = "a sum over the grid is not an integral: multiply by dx (or use integrate)"
    elif abs(got - want / math.log(2)) <= 1e-4:
        hint = ("that is the JSD in bits (log base 2); the course measures it in nats: the natural "
                "log, np.log")
    elif abs(got - want / math.log(10)) <= 1e-4:
        hint = ("that is the JSD with log base 10; the course measures it in nats: the natural "
                "log, np.log")
    elif not math.isfinite(got):
        hint = ("0·log 0 must count as 0: where p is 0, p·log(p/m) is 0·(−∞) = nan in NumPy; "
                "skip those points (np.where(p > 0, …, 0), or np.divide(..., where=p > 0))")
    raise AssertionError(feedback("wrong JSD", given=given, expected=round(want, 6), got=got,
                                  hint=hint))


check_jsd = exercise("jsd", notebook="01_forger_vs_detective.ipynb", reference=jsd,
                     title="The Jensen–Shannon divergence on a grid",
                     cases=_jsd_cases, run=_jsd_run, judge=_jsd_judge)


# ----------------------------------------------------------------- exercises 3 and 4: the two moves
# Each is tried on the check's own tiny players (no ganlib answer runs on the learner's side); the
# judge replays the same moves with ganlib's answer, and with typical mistakes to name the one the
# learner made.

def _numbers(values, name: str) -> list[float]:
    """The losses a move returned, as floats (a 0-d tensor counts), or a helpful AssertionError."""
    out = []
    for v in values:
        if torch.is_tensor(v) and v.numel() == 1:
            v = v.item()
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            raise AssertionError(feedback(f"{name} must return its loss as a number",
                                          got=type_name(v), hint="return loss.item()"))
        out.append(float(v))
    return out


def _moves_cases(seed: int) -> list[dict]:
    g = torch.Generator().manual_seed(seed)
    return [{"seed": seed + i, "opt": opt, "lr": lr,
             "real": 1.0 + 0.7 * torch.randn(3, 16, 1, generator=g),
             "noise": torch.randn(3, 16, 1, generator=g), "forger_mean": -2.0 + i,
             "saturating": i == 2}
            for i, (opt, lr) in enumerate((("sgd", 0.5), ("adam", 0.05), ("sgd", 0.5)))]


def _tiny_detective(seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))


def _optimizer(case, params):
    params = list(params)
    if case["opt"] == "sgd":
        return torch.optim.SGD(params, lr=case["lr"])
    return torch.optim.Adam(params, lr=case["lr"], betas=(0.5, 0.999))


def _bce(logits, label: float):
    return torch.nn.functional.binary_cross_entropy_with_logits(
        logits, torch.full_like(logits, label)
    )


def _detective_moves(fn, case) -> dict:
    """Three moves of ``fn`` with a tiny detective; the fakes hang on a one-number forger."""
    detective = _tiny_detective(case["seed"])
    forger_mean = torch.nn.Parameter(torch.tensor(case["forger_mean"]))
    opt = _optimizer(case, detective.parameters())
    losses = [fn(detective, opt, real, forger_mean + z)
              for real, z in zip(case["real"], case["noise"])]
    return {"losses": losses, "params": [p.detach() for p in detective.parameters()],
            "forger_grad": None if forger_mean.grad is None else forger_mean.grad.detach()}


def _update(loss, opt, zero_grad: bool, step: bool) -> float:
    """The end of a move, with the steps a mistaken move may leave out."""
    if zero_grad:
        opt.zero_grad()
    loss.backward()
    if step:
        opt.step()
    return loss.item()


def _detective_variant(loss_of, zero_grad=True, step=True):
    """A detective move with a given loss of (real_logits, fake_logits): the judge's model of a
    mistake."""
    def move(detective, opt, real, fake):
        return _update(loss_of(detective(real), detective(fake.detach())), opt, zero_grad, step)
    return move


_RIGHT_D = lambda r, f: _bce(r, 1.0) + _bce(f, 0.0)  # noqa: E731
_DETECTIVE_MISTAKES = (
    (_detective_variant(lambda r, f: _bce(r, 0.0) + _bce(f, 1.0)),
     "the labels are swapped: real samples get label 1 ('real'), the forger's get 0 ('fake')"),
    (_detective_variant(lambda r, f: _bce(r, 1.0)),
     "only the real samples are scored: add the fakes' term (label 0)"),
    (_detective_variant(lambda r, f: _bce(f, 0.0)),
     "only the fakes are scored: add the real samples' term (label 1)"),
    (_detective_variant(lambda r, f: torch.nn.functional.binary_cross_entropy_with_logits(
        torch.cat([r, f]), torch.cat([torch.ones_like(r), torch.zeros_like(f)]))),
     "one mean over both batches is half the course's loss: add the two means (real term + fake "
     "term)"),
    (_detective_variant(lambda r, f: -(_bce(r, 1.0) + _bce(f, 0.0))),
     "the sign is flipped: the detective minimises its binary cross-entropy"),
    (_detective_variant(_RIGHT_D, zero_grad=False),
     "the gradients pile up from move to move: call opt_d.zero_grad() before loss.backward()"),
    (_detective_variant(_RIGHT_D, step=False),
     "the detective never moves: call opt_d.step() after loss.backward()"),
)


def _detective_move_judge(case, got) -> None:
    given = (f"3 moves with {case['opt']} (lr {case['lr']}) of a small detective, 16 real and 16 "
             "fake samples each")
    if not isinstance(got, dict) or "losses" not in got:
        raise AssertionError(feedback("the check could not read your move's results",
                                      got=type_name(got)))
    losses = _numbers(got["losses"], "detective_step")
    want = plain(_detective_moves(detective_step, case))
    grad = got.get("forger_grad")
    if torch.is_tensor(grad) and float(grad.abs()) > 0:
        raise AssertionError(feedback("the detective's move sent gradients into the forger",
                                      given=given, hint="score fake.detach(): the detective's loss "
                                                        "must not train the forger"))
    hint = which_mistake(lambda fn: plain(_detective_moves(fn, case)), detective_step,
                         _DETECTIVE_MISTAKES,
                         lambda other: same(losses, other["losses"])
                         and same(got["params"], other["params"], 1e-4),
                         "the loss is BCE(D(real), 1) + BCE(D(fake), 0) with "
                         "F.binary_cross_entropy_with_logits; then zero_grad, backward, step")
    if hint is None:
        return
    raise AssertionError(feedback("the detective's move differs from the reference", given=given,
                                  expected=f"losses {[round(v, 5) for v in want['losses']]}",
                                  got=f"losses {[round(v, 5) for v in losses]}", hint=hint))


check_detective_step = exercise(
    "detective_step", notebook="01_forger_vs_detective.ipynb", reference=detective_step,
    title="One move of the detective", cases=_moves_cases, run=_detective_moves,
    judge=_detective_move_judge)


class _TinyForger(torch.nn.Module):
    """G(z) = mean + exp(log_std)·z: the check's own two-number forger."""

    def __init__(self, mean: float):
        super().__init__()
        self.mean = torch.nn.Parameter(torch.tensor(float(mean)))
        self.log_std = torch.nn.Parameter(torch.tensor(-0.5))

    def forward(self, z):
        return self.mean + self.log_std.exp() * z


def _forger_moves(fn, case) -> dict:
    """Three moves of ``fn`` against a fixed tiny detective; what moved, and what the moves
    returned."""
    detective = _tiny_detective(case["seed"] + 100)
    detective.requires_grad_(False)  # as the duel does: the detective is only looked through
    before = [p.detach().clone() for p in detective.parameters()]
    forger = _TinyForger(case["forger_mean"])
    opt = _optimizer(case, forger.parameters())
    kw = {"saturating": True} if case["saturating"] else {}
    losses = [fn(forger, detective, opt, z, **kw) for z in case["noise"]]
    changed = any(not torch.equal(a, b) for a, b in zip(before, detective.parameters()))
    return {"losses": losses, "params": [forger.mean.detach(), forger.log_std.detach()],
            "detective_changed": changed}


def _forger_variant(loss_of, zero_grad=True, step=True):
    """A forger move with a given loss of the fakes' logits (the saturating branch as given): a
    mistake's model."""
    def move(forger, detective, opt, z, saturating=False):
        loss = loss_of(detective(forger(z))) if not saturating else -_bce(detective(forger(z)), 0.0)
        return _update(loss, opt, zero_grad, step)
    return move


_RIGHT_G = lambda f: _bce(f, 1.0)  # noqa: E731
_FORGER_MISTAKES = (
    (_forger_variant(lambda f: _bce(f, 0.0)),
     "label 0 means 'fake': the forger wants the detective to say 'real' (label 1) on its samples"),
    (_forger_variant(lambda f: -_bce(f, 0.0)),
     "that is the saturating (minimax) move log(1 − D(G(z))); the default is −log D(G(z)) = "
     "BCE(logits, 1)"),
    (_forger_variant(lambda f: -_bce(f, 1.0)),
     "the sign is flipped: the forger minimises −log D(G(z))"),
    (_forger_variant(_RIGHT_G, zero_grad=False),
     "the gradients pile up from move to move: call opt_g.zero_grad() before loss.backward()"),
    (_forger_variant(_RIGHT_G, step=False),
     "the forger never moves: call opt_g.step() after loss.backward()"),
)


def _forger_move_judge(case, got) -> None:
    mode = "saturating=True" if case["saturating"] else "the default (non-saturating)"
    given = f"3 moves with {case['opt']} (lr {case['lr']}), {mode}, against a fixed small detective"
    if not isinstance(got, dict) or "losses" not in got:
        raise AssertionError(feedback("the check could not read your move's results",
                                      got=type_name(got)))
    if got.get("detective_changed"):
        raise AssertionError(feedback("the forger's move changed the detective", given=given,
                                      hint="only opt_g steps here: the forger learns through the "
                                           "detective's eyes"))
    losses = _numbers(got["losses"], "forger_step")
    want = plain(_forger_moves(forger_step, case))
    hint = which_mistake(
        lambda fn: plain(_forger_moves(fn, case)),
        forger_step,
        _FORGER_MISTAKES,
        lambda other: same(losses, other["losses"]) and same(got["params"], other["params"], 1e-4),
        "the non-saturating loss "
        "is BCE(D(G(z)), 1) with "
        "F.binary_cross_entropy_with_logits; "
        "then zero_grad, backward, step",
    )
    if hint is None:
        return
    raise AssertionError(feedback("the forger's move differs from the reference", given=given,
                                  expected=f"losses {[round(v, 5) for v in want['losses']]}, "
                                           f"mean {float(want['params'][0]):.5f}",
                                  got=f"losses {[round(v, 5) for v in losses]}, mean "
                                      f"{float(got['params'][0]):.5f}",
                                  hint=hint))


check_forger_step = exercise(
    "forger_step", notebook="01_forger_vs_detective.ipynb", reference=forger_step,
    title="One move of the forger", cases=_moves_cases, run=_forger_moves, judge=_forger_move_judge)
