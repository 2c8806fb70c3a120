"""Checks for notebook 06's exercises: nearest-neighbour distance, memorisation score, energy, the
release plan and its cards."""

from __future__ import annotations

import copy

import torch

from ganlib.ethics.energy import kwh
from ganlib.ethics.memorisation import memorisation_score, nearest_distance
from ganlib.ethics.release import (CARD_FIELDS, COPYCATS, DETECTED_AFTER, NEW_DATA,
                                   PRIVACY_STATEMENTS, REQUIRED_DETECTION, SOURCES, passes_gate,
                                   release_cards, release_plan)

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
        raise AssertionError(feedback("nearest_distance should return a torch tensor",
                                      got=type_name(got), hint="build it with torch operations"))
    if got.shape != expected.shape:
        raise AssertionError(feedback("wrong shape: one distance per query",
                                      given="7 queries, 50 references",
                                      expected=tuple(expected.shape), got=tuple(got.shape),
                                      hint="take the minimum over the reference axis"))
    got = got.double()
    if torch.allclose(got, expected**2, atol=1e-4) and not torch.allclose(got, expected, atol=1e-4):
        raise AssertionError(feedback("these are squared distances", hint="take the square root"))
    farthest = (
        (queries.reshape(7, -1)[:, None] - ref.reshape(50, -1)).norm(dim=2).max(1).values.double()
    )
    if torch.allclose(got, farthest, atol=1e-4):
        raise AssertionError(feedback("this is the distance to the *farthest* item",
                                      hint="use the minimum, not the maximum"))
    if not torch.allclose(got, expected, atol=1e-3):
        raise AssertionError(feedback("distances differ from the reference", expected=expected[:4],
                                      got=got[:4],
                                      hint="flatten each image, then Euclidean distance"))


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
        raise AssertionError(feedback("the comparison is the wrong way round",
                                      given=f"quantile={q}", expected=expected, got=got,
                                      hint="count samples *closer* (smaller distance) than the "
                                           "threshold"))
    if abs(got - expected * len(gen_d)) < 1e-6:
        raise AssertionError(
            feedback(
                "that is a count, not a fraction",
                expected=expected,
                got=got,
                hint="divide by the number of generated samples (use a mean)",
            )
        )
    raise AssertionError(feedback("score differs from the reference", given=f"quantile={q}",
                                  expected=expected, got=got,
                                  hint="threshold = torch.quantile(test_dists, quantile) — of the "
                                       "*test* distances"))


check_memorisation_score = exercise("memorisation_score", notebook=NOTEBOOK,
                                    reference=memorisation_score, title="How often a sample is "
                                                                        "closer to training data "
                                                                        "than new data is",
                                    cases=_mem_cases, judge=_mem_judge)


# ----------------------------------------------------------------------------- exercise 3

def _kwh_cases(seed: int) -> list[dict]:
    # one case from the grading seed: no table of answers
    g = torch.Generator().manual_seed(seed * 7919 + 6)
    watts, hours, pue = (torch.rand(3, generator=g) * torch.tensor([990.0, 48.0, 1.0])).tolist()
    drawn = (round(10 + watts, 1), round(60 + 3600 * hours), round(1 + pue, 2))
    return [{"args": list(c)}
            for c in [(30.0, 3600.0, 1.0), (700.0, 86_400.0, 1.1), (70.0, 90.0, 1.5), drawn]]


def _kwh_judge(case, got) -> None:
    watts, seconds, pue = case["args"]
    expected = kwh(watts, seconds, pue)
    got = _number(got, "the energy in kWh")
    if abs(got - expected) <= 1e-9 * max(1.0, expected):
        return
    given = f"watts={watts}, seconds={seconds}, pue={pue}"
    if abs(got - expected * 1000) <= 1e-6 * expected * 1000:
        raise AssertionError(feedback("that is Wh, not kWh", given=given, expected=expected,
                                      got=got, hint="1 kWh = 1000 Wh"))
    if abs(got - expected * 3.6e6) <= 1e-6 * expected * 3.6e6:
        raise AssertionError(feedback("that is joules (watt-seconds)", given=given,
                                      expected=expected, got=got, hint="1 kWh = 3.6e6 J"))
    if abs(got - expected * 1e12) <= 1e-6 * expected * 1e12:
        raise AssertionError(feedback("10¹² times too large: the division by 3.6 × 10⁶ went wrong",
                                      given=given, expected=expected, got=got,
                                      hint="x / 3.6 * 10**6 divides by 3.6, then multiplies "
                                           "by 10**6; write x / (3.6 * 10**6) or x / 3.6e6"))
    if abs(got - expected / pue) <= 1e-9 * max(1.0, expected) and pue != 1.0:
        raise AssertionError(feedback("the data-centre overhead is missing", given=given,
                                      expected=expected, got=got, hint="multiply by pue"))
    raise AssertionError(feedback("energy differs from the reference", given=given,
                                  expected=expected, got=got,
                                  hint="watts × seconds is joules; × pue; / 3.6e6 gives kWh"))


check_energy_kwh = exercise("energy_kwh", notebook=NOTEBOOK, reference=kwh,
                            title="kWh from watts, seconds and PUE", cases=_kwh_cases,
                            judge=_kwh_judge)


# ----------------------------------------------------------------------------- exercise 4

# The notebook's own measurements (cpu profile, seed 0: data/claims/cpu.md), and two variants of
# them.
NOTEBOOK_MEMORISATION = {
    "shipped DCGAN": {"pixels": 0.06, "shifted pixels": 0.06, "features": 0.14},
    COPYCATS[0]: {"pixels": 20.0, "shifted pixels": 20.0, "features": 0.8},
    COPYCATS[1]: {"pixels": 0.0, "shifted pixels": 19.74, "features": 0.0},
    NEW_DATA: {"pixels": 1.08, "shifted pixels": 1.02, "features": 1.04},
}
NOTEBOOK_WATERMARK = {"0.03": (34.32, 0.0622), "0.05": (29.88, 0.5828), "0.08": (25.8, 0.9954)}
SCENARIOS = (
    "the notebook's own measurements (cpu profile, seed 0)",
    "a variant of them in which the classifier's features catch the noisy copycat (ratio 8.0) and "
    "the weakest mark survives noise (97% found)",
    "a variant of them in which new data score a ratio of 1.6 in pixels and every mark is found "
    "less often",
)


def _scenario(seed: int, variant: int) -> dict:
    """Measurements shaped like sections 1 and 6: variant 0 is the notebook's; 1 and 2 vary it
    (see SCENARIOS)."""
    mem = copy.deepcopy(NOTEBOOK_MEMORISATION)
    detected = {s: d for s, (_, d) in NOTEBOOK_WATERMARK.items()}
    if variant == 1:
        mem[COPYCATS[0]]["features"] = 8.0
        detected = {"0.03": 0.97, "0.05": 1.0, "0.08": 1.0}
    elif variant == 2:
        mem[NEW_DATA]["pixels"] = 1.6
        detected = {"0.03": 0.01, "0.05": 0.31, "0.08": 0.96}
    # the variants: sampling noise on the ratios near 1
    g = torch.Generator().manual_seed(100 * seed + variant)
    for name in ("shipped DCGAN", NEW_DATA) if variant else ():
        for s in mem[name]:
            mem[name][s] = round(mem[name][s] + float(torch.rand(1, generator=g)) * 0.1 - 0.05, 2)
    marks = {s: {"psnr": psnr, DETECTED_AFTER: detected[s]}
             for s, (psnr, _) in NOTEBOOK_WATERMARK.items()}
    return {"scenario": SCENARIOS[variant], "memorisation": mem, "watermark": marks}


def _plan_cases(seed: int) -> list[dict]:
    return [{"measured": _scenario(seed, v)} for v in range(3)]


def _plan_run(fn, case):
    return fn(copy.deepcopy(case["measured"]))


def _plan_problems(m: dict, got) -> list[str]:
    """What in a plan the measurements ``m`` contradict (empty when every choice holds up)."""
    if not isinstance(got, dict):
        return [f"return your plan as a dict with the keys {', '.join(PLAN_KEYS)}; got "
                f"{type_name(got)}"]
    missing = [k for k in PLAN_KEYS if k not in got]
    if missing:
        return [f"some choices are missing from the plan: add {missing}"]
    mem, marks = m["memorisation"], m["watermark"]
    problems = []
    # 1. data: any consented, licensed source will do; unlicensed ones will not
    chosen = got["train_on"]
    if not isinstance(chosen, list) or not chosen or not all(c in SOURCES for c in chosen):
        problems.append(f"train_on: a non-empty list of letters from {sorted(SOURCES)}, got "
                        f"{chosen!r}")
    else:
        why = {"a": "Fashion-MNIST's MIT licence covers the data set as released, not the designs "
                    "in its photos; its data card lists the designers' and brands' consent as not "
                    "known: fine for teaching, not for selling prints",
               "b": "scraped images come with neither a licence nor the consent of the shops, "
                    "designers or photographers"}
        for c in sorted(set(chosen) & set(why)):
            problems.append(f"train_on ({c}: {SOURCES[c]}): {why[c]}")
    # 2. the memorisation gate: new data must pass it, both copycats must not
    spaces, limit = got["gate_spaces"], got["gate_ratio"]
    if not isinstance(spaces, list) or not spaces or not all(s in mem[NEW_DATA] for s in spaces):
        problems.append(f"gate_spaces: a non-empty list from {sorted(mem[NEW_DATA])}, got "
                        f"{spaces!r}")
    elif isinstance(limit, bool) or not isinstance(limit, (int, float)) or not limit > 0:
        problems.append("gate_ratio: a positive number (the highest memorisation ratio you "
                        f"release), got {limit!r}")
    else:
        blocked = [s for s in spaces if mem[NEW_DATA][s] > limit]
        if blocked:
            problems.append(f"gate_ratio {limit}: new real images fail it in {blocked} (ratio "
                            f"{', '.join(f'{mem[NEW_DATA][s]:.2f}' for s in blocked)}): a "
                            "generator as good as new data could never ship; new data score a "
                            "ratio near 1, give or take sampling noise")
        for cat in COPYCATS:
            if passes_gate(mem[cat], spaces, limit):
                seen = ", ".join(f"{s} {mem[cat][s]:.2f}" for s in spaces)
                caught = [s for s in mem[cat] if mem[cat][s] > limit]
                problems.append(f"gate_spaces {spaces} with ratio {limit}: the {cat!r} passes "
                                f"({seen}); the measurements catch it only in "
                                f"{caught or 'no space at this threshold'}")
    # 3. the watermark: any measured strength that meets the requirement
    s = got["watermark_strength"]
    ok = {float(k): row for k, row in marks.items()}
    good = sorted(k for k, row in ok.items() if row[DETECTED_AFTER] >= REQUIRED_DETECTION)
    if isinstance(s, bool) or not isinstance(s, (int, float)) or float(s) not in ok:
        problems.append(
            f"watermark_strength: one of the measured strengths {sorted(ok)}, got {s!r}"
        )
    elif ok[float(s)][DETECTED_AFTER] < REQUIRED_DETECTION:
        problems.append(f"watermark_strength {s}: only {ok[float(s)][DETECTED_AFTER]:.0%} of "
                        "marked images are "
                        f"found after noise σ = 0.1 (the requirement: {REQUIRED_DETECTION:.0%})"
                        + (f"; {', '.join(map(str, good))} {'meets' if len(good) == 1 else 'meet'} "
                           "it" if good else ""))
    # 4. the model card's privacy line
    p = got["model_card_privacy"]
    if p != "b":
        why = {"a": "a score near new data's is evidence under one distance and one threshold, not "
                    "a guarantee: section 1 showed a distance can miss copies, and membership "
                    "inference was not tested",
               "c": "product photos are designers' and photographers' work, and copies of them are "
                    "what a memorising generator hands out"}
        problems.append(
            f"model_card_privacy {p!r}: "
            + why.get(p, f"choose one of {sorted(PRIVACY_STATEMENTS)}")
        )
    return problems


def _fail_on(problems: list[str], what: str) -> None:
    """Raise the feedback listing every problem (one per line), if there are any."""
    if problems:
        raise AssertionError(feedback(f"{what} ({len(problems)})",
                                      hint="\n            ".join(problems)))


def _plan_judge(case, got) -> None:
    _fail_on(_plan_problems(case["measured"], got),
             f"choices that do not hold up, in {case['measured']['scenario']}")


check_release_plan = exercise("release_plan", notebook=NOTEBOOK, reference=release_plan,
                              title="The design-app release: choices answered by measurements",
                              cases=_plan_cases, run=_plan_run, judge=_plan_judge, points=2)


# ----------------------------------------------------------------------------- exercise 5

def _cards_cases(seed: int) -> list[dict]:
    out = []
    for v in (0, 2):
        m = _scenario(seed, v)
        # a plan the cards must describe, made here without the reference
        # (release_plan is hidden while grading)
        plan = {"train_on": ["c", "d"], "gate_spaces": sorted(m["memorisation"][NEW_DATA]),
                "gate_ratio": 2.0, "watermark_strength": max(float(s) for s in m["watermark"]),
                "model_card_privacy": "b"}
        if v == 2:
            plan = {**plan, "train_on": ["d"], "gate_spaces": ["shifted pixels"], "gate_ratio": 3.0}
        out.append({"measured": m, "plan": plan})
    return out


def _cards_run(fn, case):
    return fn(copy.deepcopy(case["measured"]), copy.deepcopy(case["plan"]))


def _words(v) -> bool:
    return isinstance(v, str) and len(v.split()) >= 3


def _close(a, b, tol: float) -> bool:
    return isinstance(a, (int, float)) and not isinstance(a, bool) and abs(a - b) <= tol


def _cards_judge(case, got) -> None:
    m, plan = case["measured"], case["plan"]
    if not isinstance(got, dict) or not all(isinstance(got.get(c), dict) for c in CARD_FIELDS):
        raise AssertionError(feedback("return a dict with two dicts of fields, 'data card' and "
                                      "'model card'",
                                      got=type_name(got)))
    problems = [f"{card}: the field {f!r} is missing or empty"
                for card, fields in CARD_FIELDS.items()
                for f in fields if not got[card].get(f)]
    _fail_on(problems, "the cards are incomplete")
    data, model = got["data card"], got["model card"]
    wanted = sorted(SOURCES[c] for c in plan["train_on"])
    if not isinstance(data["Source"], list) or sorted(data["Source"]) != wanted:
        problems.append(f"data card, Source: the plan trains on {plan['train_on']}, so the sources "
                        f"are {wanted}; got {data['Source']!r} (use SOURCES[letter])")
    for card, field in (("data card", "Licence and consent"), ("model card", "Intended use"),
                        ("model card", "Not for")):
        if not _words(got[card][field]):
            problems.append(f"{card}, {field}: write a sentence (three words or more), got "
                            f"{got[card][field]!r}")
    for card, field in (("data card", "Not known"), ("model card", "Not measured")):
        if not isinstance(got[card][field], list) or not all(_words(x) for x in got[card][field]):
            problems.append(f"{card}, {field}: a list of sentences (three words or more each)")
    ratios, mem = model["Memorisation ratios"], m["memorisation"]["shipped DCGAN"]
    if not isinstance(ratios, dict) or sorted(ratios) != sorted(plan["gate_spaces"]) or \
            not all(_close(ratios[s], mem[s], 0.01) for s in plan["gate_spaces"]):
        problems.append(
            "model card, Memorisation ratios: the shipped DCGAN's measured ratio in each of the "
            f"gate's spaces, {{{', '.join(f'{s!r}: {mem[s]}' for s in plan['gate_spaces'])}}}; "
            f"got {ratios!r}"
        )
    mark, s = model["Watermark"], plan["watermark_strength"]
    row = m["watermark"][f"{s:.2f}"]
    if not isinstance(mark, dict) or not _close(mark.get("strength"), s, 1e-9) or \
            not _close(mark.get("psnr"), row["psnr"], 0.05) or \
            not _close(mark.get("detected"), row[DETECTED_AFTER], 0.001):
        problems.append(f"model card, Watermark: the plan's strength {s} with its measured PSNR "
                        "and detection rate, "
                        f"{{'strength': {s}, 'psnr': {row['psnr']}, 'detected': "
                        f"{row[DETECTED_AFTER]}}}; got {mark!r}")
    if model["Privacy"] != PRIVACY_STATEMENTS[plan["model_card_privacy"]]:
        problems.append("model card, Privacy: the plan's privacy sentence, "
                        f"PRIVACY_STATEMENTS[{plan['model_card_privacy']!r}]")
    elif isinstance(model["Not measured"], list) and \
            not any("membership" in str(x).lower() for x in model["Not measured"]):
        problems.append("model card, Not measured: the privacy line says membership inference was "
                        "not tested, so list it here")
    _fail_on(problems, f"fields that do not match the plan or the measurements, in {m['scenario']} "
                       "with the plan "
                       f"{plan}")


check_release_cards = exercise("release_cards", notebook=NOTEBOOK, reference=release_cards,
                               title="The release's data card and model card, from the plan and "
                                     "the measurements",
                               cases=_cards_cases, run=_cards_run, judge=_cards_judge)
