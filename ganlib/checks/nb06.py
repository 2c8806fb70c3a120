"""Checks for notebook 06's exercises: nearest-neighbour distance, memorisation score, energy, the release plan."""

from __future__ import annotations

import copy

import torch

from ganlib.ethics.energy import kwh
from ganlib.ethics.memorisation import memorisation_score, nearest_distance
from ganlib.ethics.release import (COPYCATS, DETECTED_AFTER, NEW_DATA, PRIVACY_STATEMENTS, REQUIRED_DETECTION,
                                   SOURCES, passes_gate, release_plan)

from . import exercise, feedback, type_name

NOTEBOOK = "06_ethics.ipynb"
PLAN_KEYS = ("train_on", "gate_spaces", "gate_ratio", "watermark_strength", "model_card_privacy")


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


# ----------------------------------------------------------------------------- exercise 4

def _scenario(seed: int, variant: int) -> dict:
    """Measurements shaped like section 1 and section 6 of the notebook (ratios = score / quantile)."""
    g = torch.Generator().manual_seed(100 * seed + variant)
    jitter = lambda: float(torch.rand(1, generator=g)) * 0.4 - 0.2  # noqa: E731
    noisy_in_features = [0.6, 8.0, 0.9][variant]        # does the feature distance see the noisy copy?
    mem = {
        "shipped DCGAN": {"pixels": 0.0, "shifted pixels": 0.2 + abs(jitter()), "features": 0.8 + jitter()},
        COPYCATS[0]: {"pixels": 19.5, "shifted pixels": 19.8, "features": noisy_in_features + jitter()},
        COPYCATS[1]: {"pixels": 0.0, "shifted pixels": 19.6, "features": 0.3 + abs(jitter())},
        NEW_DATA: {"pixels": 1.0 + jitter(), "shifted pixels": 1.0 + jitter(), "features": 1.0 + jitter()},
    }
    detected = [[0.42, 1.0, 1.0], [0.97, 1.0, 1.0], [0.10, 0.61, 0.99]][variant]
    marks = {f"{s:.2f}": {"psnr": p, DETECTED_AFTER: d} for s, p, d in zip((0.03, 0.05, 0.08), (36.3, 31.9, 27.8),
                                                                           detected)}
    return {"memorisation": mem, "watermark": marks}


def _plan_cases(seed: int) -> list[dict]:
    return [{"measured": _scenario(seed, v)} for v in range(3)]


def _plan_run(fn, case):
    return fn(copy.deepcopy(case["measured"]))


def _plan_judge(case, got) -> None:
    if not isinstance(got, dict):
        raise AssertionError(feedback("return your plan as a dict", got=type_name(got),
                                      hint=f"keys: {', '.join(PLAN_KEYS)}"))
    missing = [k for k in PLAN_KEYS if k not in got]
    if missing:
        raise AssertionError(feedback("some choices are missing from the plan", got=sorted(got),
                                      expected=list(PLAN_KEYS), hint=f"add {missing}"))
    m = case["measured"]
    mem, marks = m["memorisation"], m["watermark"]
    problems = []
    # 1. data
    chosen = got["train_on"]
    if not isinstance(chosen, list) or not all(c in SOURCES for c in chosen):
        problems.append(f"train_on: a list of letters from {sorted(SOURCES)}, got {chosen!r}")
    else:
        why = {"a": "Fashion-MNIST's MIT licence covers the data set as released, not the designs in its photos; "
                    "its data card lists the designers' and brands' consent as not known: fine for teaching, "
                    "not for selling prints",
               "b": "scraped images come with neither a licence nor the consent of the shops, designers or "
                    "photographers"}
        for c in sorted(set(chosen) & set(why)):
            problems.append(f"train_on ({c}: {SOURCES[c]}): {why[c]}")
        for c in sorted({"c", "d"} - set(chosen)):
            problems.append(f"train_on: ({c}) {SOURCES[c]} is usable: its consent and commercial licence are "
                            "recorded, and a model needs data")
    # 2. the memorisation gate
    spaces, limit = got["gate_spaces"], got["gate_ratio"]
    if not isinstance(spaces, list) or not spaces or not all(s in mem[NEW_DATA] for s in spaces):
        problems.append(f"gate_spaces: a non-empty list from {sorted(mem[NEW_DATA])}, got {spaces!r}")
    elif isinstance(limit, bool) or not isinstance(limit, (int, float)) or not limit > 0:
        problems.append(f"gate_ratio: a positive number (the highest memorisation ratio you release), got {limit!r}")
    else:
        blocked = [s for s in spaces if mem[NEW_DATA][s] > limit]
        if blocked:
            problems.append(f"gate_ratio {limit}: new real images fail it in {blocked} (ratio "
                            f"{', '.join(f'{mem[NEW_DATA][s]:.2f}' for s in blocked)}): a generator as good as new "
                            "data could never ship; new data score a ratio near 1, give or take sampling noise")
        for cat in COPYCATS:
            if passes_gate(mem[cat], spaces, limit):
                seen = ", ".join(f"{s} {mem[cat][s]:.2f}" for s in spaces)
                caught = [s for s in mem[cat] if mem[cat][s] > limit]
                problems.append(f"gate_spaces {spaces} with ratio {limit}: the {cat!r} passes ({seen}); "
                                f"the measurements catch it only in {caught or 'no space at this threshold'}")
    # 3. the watermark
    s = got["watermark_strength"]
    ok = {float(k): row for k, row in marks.items()}
    good = sorted(k for k, row in ok.items() if row[DETECTED_AFTER] >= REQUIRED_DETECTION)
    if isinstance(s, bool) or not isinstance(s, (int, float)) or float(s) not in ok:
        problems.append(f"watermark_strength: one of the measured strengths {sorted(ok)}, got {s!r}")
    elif ok[float(s)][DETECTED_AFTER] < REQUIRED_DETECTION:
        problems.append(f"watermark_strength {s}: only {ok[float(s)][DETECTED_AFTER]:.0%} of marked images are "
                        f"found after noise σ = 0.1 (the requirement: {REQUIRED_DETECTION:.0%})"
                        + (f"; {good[0]} is the weakest that passes" if good else ""))
    elif float(s) != good[0]:
        problems.append(f"watermark_strength {s}: it passes, but {good[0]} passes too at a higher PSNR "
                        f"({ok[good[0]]['psnr']:.1f} dB vs {ok[float(s)]['psnr']:.1f} dB): every mark costs image "
                        "quality, so take the weakest that does the job")
    # 4. the model card
    p = got["model_card_privacy"]
    if p != "b":
        why = {"a": "a score near new data's is evidence under one distance and one threshold, not a guarantee: "
                    "section 1 showed a distance can miss copies, and membership inference was not tested",
               "c": "product photos are designers' and photographers' work, and copies of them are what a "
                    "memorising generator hands out"}
        problems.append(f"model_card_privacy {p!r}: " + why.get(p, f"choose one of {sorted(PRIVACY_STATEMENTS)}"))
    if problems:
        raise AssertionError(feedback(f"{len(problems)} of your choices do not hold up against the measurements",
                                      hint="\n            ".join(problems)))


check_release_plan = exercise("release_plan", notebook=NOTEBOOK, reference=release_plan,
                              title="The design-app release: choices answered by measurements",
                              cases=_plan_cases, run=_plan_run, judge=_plan_judge, points=2)
