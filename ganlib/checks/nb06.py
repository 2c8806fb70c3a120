"""Checks for notebook 06's exercises: nearest-neighbour distance, memorisation score, energy."""

from __future__ import annotations

import torch

from ganlib.ethics.energy import kwh
from ganlib.ethics.memorisation import memorisation_score, nearest_distance

from . import exercise, feedback


def _as_tensor(out, name: str) -> torch.Tensor:
    if not torch.is_tensor(out):
        raise AssertionError(feedback(f"{name} should return a torch tensor",
                                      got=type(out).__name__, hint="build it with torch operations"))
    return out


@exercise("nearest_distance", notebook="06_ethics.ipynb", reference=nearest_distance,
          title="Distance from each query to its nearest training image")
def check_nearest_distance(fn):
    gen = torch.Generator().manual_seed(6)
    ref = torch.randn(50, 1, 4, 4, generator=gen)
    queries = torch.cat([ref[:3] + 0.01 * torch.randn(3, 1, 4, 4, generator=gen),
                         torch.randn(4, 1, 4, 4, generator=gen)])
    expected = nearest_distance(queries, ref)
    got = _as_tensor(fn(queries, ref), "nearest_distance")
    if got.shape != expected.shape:
        raise AssertionError(feedback("wrong shape: one distance per query", given="7 queries, 50 references",
                                      expected=tuple(expected.shape), got=tuple(got.shape),
                                      hint="take the minimum over the reference axis"))
    got = got.detach().double()
    if torch.allclose(got, expected.double() ** 2, atol=1e-4) and not torch.allclose(
            got, expected.double(), atol=1e-4):
        raise AssertionError(feedback("these are squared distances", hint="take the square root"))
    if torch.allclose(got, (queries.reshape(7, -1)[:, None] - ref.reshape(50, -1)).norm(dim=2)
                      .max(1).values.double(), atol=1e-4):
        raise AssertionError(feedback("this is the distance to the *farthest* item",
                                      hint="use the minimum, not the maximum"))
    if not torch.allclose(got, expected.double(), atol=1e-3):
        raise AssertionError(feedback("distances differ from the reference", expected=expected[:4],
                                      got=got[:4], hint="flatten each image, then Euclidean distance"))


@exercise("memorisation_score", notebook="06_ethics.ipynb", reference=memorisation_score,
          title="How often a sample is closer to training data than new data is")
def check_memorisation_score(fn):
    gen = torch.Generator().manual_seed(7)
    test_d = torch.rand(200, generator=gen) * 10
    cases = [(torch.rand(100, generator=gen) * 10, 0.05),   # like new data
             (torch.rand(100, generator=gen) * 0.8, 0.05),  # copies
             (torch.rand(80, generator=gen) * 10, 0.2)]
    for gen_d, q in cases:
        expected = memorisation_score(gen_d, test_d, q)
        got = fn(gen_d, test_d, q)
        try:
            got = float(got)
        except (TypeError, ValueError):
            raise AssertionError(feedback("return one number (a fraction)", got=type(got).__name__)) from None
        if abs(got - expected) < 1e-6:
            continue
        if abs(got - (1 - expected)) < 1e-6:
            raise AssertionError(feedback("the comparison is the wrong way round", given=f"quantile={q}",
                                          expected=expected, got=got,
                                          hint="count samples *closer* (smaller distance) than the threshold"))
        if abs(got - expected * len(gen_d)) < 1e-6:
            raise AssertionError(feedback("that is a count, not a fraction", expected=expected, got=got,
                                          hint="divide by the number of generated samples (use a mean)"))
        raise AssertionError(feedback("score differs from the reference", given=f"quantile={q}",
                                      expected=expected, got=got,
                                      hint="threshold = torch.quantile(test_dists, quantile) — "
                                           "of the *test* distances"))


@exercise("energy_kwh", notebook="06_ethics.ipynb", reference=kwh,
          title="kWh from watts, seconds and PUE")
def check_energy_kwh(fn):
    for watts, seconds, pue in [(30.0, 3600.0, 1.0), (700.0, 86_400.0, 1.1), (70.0, 90.0, 1.5)]:
        expected = kwh(watts, seconds, pue)
        got = fn(watts, seconds, pue)
        try:
            got = float(got)
        except (TypeError, ValueError):
            raise AssertionError(feedback("return one number", got=type(got).__name__)) from None
        if abs(got - expected) <= 1e-9 * max(1.0, expected):
            continue
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
        raise AssertionError(feedback("energy differs from the reference", given=given,
                                      expected=expected, got=got,
                                      hint="watts × seconds is joules; × pue; / 3.6e6 gives kWh"))
