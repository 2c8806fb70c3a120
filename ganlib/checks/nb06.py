"""Checks for notebook 06's exercises: nearest-neighbour distance, memorisation score, energy."""

from __future__ import annotations

import torch

from ganlib.ethics.energy import kwh
from ganlib.ethics.memorisation import memorisation_score, nearest_distance

from . import exercise, feedback, type_name

NOTEBOOK = "06_ethics.ipynb"


def _number(got, what: str) -> float:
    if torch.is_tensor(got) and got.numel() == 1:
        got = got.item()
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        raise AssertionError(feedback(f"return one number ({what})", got=type_name(got)))
    return float(got)


# ----------------------------------------------------------------------------- exercise 1

def _nn_cases(seed: int) -> list[dict]:
    gen = torch.Generator().manual_seed(6 + seed)
    ref = torch.randn(50, 1, 4, 4, generator=gen)
    queries = torch.cat([ref[:3] + 0.01 * torch.randn(3, 1, 4, 4, generator=gen),
                         torch.randn(4, 1, 4, 4, generator=gen)])
    return [{"args": [queries, ref]}]


def _nn_judge(case, got) -> None:
    queries, ref = case["args"]
    expected = nearest_distance(queries, ref).double()
    if not torch.is_tensor(got):
        raise AssertionError(feedback("nearest_distance should return a torch tensor", got=type_name(got),
                                      hint="build it with torch operations"))
    if got.shape != expected.shape:
        raise AssertionError(feedback("wrong shape: one distance per query", given="7 queries, 50 references",
                                      expected=tuple(expected.shape), got=tuple(got.shape),
                                      hint="take the minimum over the reference axis"))
    got = got.double()
    if torch.allclose(got, expected ** 2, atol=1e-4) and not torch.allclose(got, expected, atol=1e-4):
        raise AssertionError(feedback("these are squared distances", hint="take the square root"))
    farthest = (queries.reshape(7, -1)[:, None] - ref.reshape(50, -1)).norm(dim=2).max(1).values.double()
    if torch.allclose(got, farthest, atol=1e-4):
        raise AssertionError(feedback("this is the distance to the *farthest* item",
                                      hint="use the minimum, not the maximum"))
    if not torch.allclose(got, expected, atol=1e-3):
        raise AssertionError(feedback("distances differ from the reference", expected=expected[:4],
                                      got=got[:4], hint="flatten each image, then Euclidean distance"))


check_nearest_distance = exercise("nearest_distance", notebook=NOTEBOOK, reference=nearest_distance,
                                  title="Distance from each query to its nearest training image",
                                  cases=_nn_cases, judge=_nn_judge)


# ----------------------------------------------------------------------------- exercise 2

def _mem_cases(seed: int) -> list[dict]:
    gen = torch.Generator().manual_seed(7 + seed)
    test_d = torch.rand(200, generator=gen) * 10
    return [{"args": [torch.rand(100, generator=gen) * 10, test_d, 0.05]},   # like new data
            {"args": [torch.rand(100, generator=gen) * 0.8, test_d, 0.05]},  # copies
            {"args": [torch.rand(80, generator=gen) * 10, test_d, 0.2]}]


def _mem_judge(case, got) -> None:
    gen_d, test_d, q = case["args"]
    expected = memorisation_score(gen_d, test_d, q)
    got = _number(got, "a fraction")
    if abs(got - expected) < 1e-6:
        return
    if abs(got - (1 - expected)) < 1e-6:
        raise AssertionError(feedback("the comparison is the wrong way round", given=f"quantile={q}",
                                      expected=expected, got=got,
                                      hint="count samples *closer* (smaller distance) than the threshold"))
    if abs(got - expected * len(gen_d)) < 1e-6:
        raise AssertionError(feedback("that is a count, not a fraction", expected=expected, got=got,
                                      hint="divide by the number of generated samples (use a mean)"))
    raise AssertionError(feedback("score differs from the reference", given=f"quantile={q}",
                                  expected=expected, got=got,
                                  hint="threshold = torch.quantile(test_dists, quantile) — of the *test* distances"))


check_memorisation_score = exercise("memorisation_score", notebook=NOTEBOOK, reference=memorisation_score,
                                    title="How often a sample is closer to training data than new data is",
                                    cases=_mem_cases, judge=_mem_judge)


# ----------------------------------------------------------------------------- exercise 3

def _kwh_cases(seed: int) -> list[dict]:
    return [{"args": list(c)} for c in [(30.0, 3600.0, 1.0), (700.0, 86_400.0, 1.1), (70.0, 90.0, 1.5)]]


def _kwh_judge(case, got) -> None:
    watts, seconds, pue = case["args"]
    expected = kwh(watts, seconds, pue)
    got = _number(got, "the energy in kWh")
    if abs(got - expected) <= 1e-9 * max(1.0, expected):
        return
    given = f"watts={watts}, seconds={seconds}, pue={pue}"
    if abs(got - expected * 1000) <= 1e-6 * expected * 1000:
        raise AssertionError(feedback("that is Wh, not kWh", given=given, expected=expected, got=got,
                                      hint="1 kWh = 1000 Wh"))
    if abs(got - expected * 3.6e6) <= 1e-6 * expected * 3.6e6:
        raise AssertionError(feedback("that is joules (watt-seconds)", given=given, expected=expected,
                                      got=got, hint="1 kWh = 3.6e6 J"))
    if abs(got - expected / pue) <= 1e-9 * max(1.0, expected) and pue != 1.0:
        raise AssertionError(feedback("the data-centre overhead is missing", given=given,
                                      expected=expected, got=got, hint="multiply by pue"))
    raise AssertionError(feedback("energy differs from the reference", given=given, expected=expected, got=got,
                                  hint="watts × seconds is joules; × pue; / 3.6e6 gives kWh"))


check_energy_kwh = exercise("energy_kwh", notebook=NOTEBOOK, reference=kwh, title="kWh from watts, seconds and PUE",
                            cases=_kwh_cases, judge=_kwh_judge)
