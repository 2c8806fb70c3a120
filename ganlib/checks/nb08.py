"""Checks for notebook 08's exercises: pix2pix's generator loss, PSNR, the synthetic-data training
sets."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ganlib.at_work.superres import pix2pix_generator_loss, psnr
from ganlib.at_work.synthetic import make_splits

from . import exercise, feedback, type_name

NOTEBOOK = "08_gans_at_work.ipynb"


def _close(got: float, want: float, tol: float = 1e-4) -> bool:
    return math.isfinite(got) and abs(got - want) <= tol * (1 + abs(want))


# ----------------------------------------------------------------------------- exercise 1

def _loss_cases(seed: int) -> list[dict]:
    gen = torch.Generator().manual_seed(80 + seed)
    cases = []
    for w in (0.01, 0.5, 0.0):
        real = torch.rand(4, 1, 6, 6, generator=gen) * 2 - 1
        fake = (real + 0.3 * torch.randn(4, 1, 6, 6, generator=gen)).clamp(-1, 1)
        cases.append({"logits": torch.randn(4, 1, 3, 3, generator=gen) * 2, "fake": fake,
                      "real": real, "adv_weight": w})
    return cases


def _loss_run(fn, case):
    fake = case["fake"].clone().requires_grad_(True)
    out = fn(case["logits"], fake, case["real"], case["adv_weight"])
    if not torch.is_tensor(out):
        return {"value": out, "tensor": False}
    grad = None
    if out.dim() == 0 and out.requires_grad:
        (grad,) = torch.autograd.grad(out, [fake], allow_unused=True)
    return {"value": out.detach(), "tensor": True,
            "grad_to_fake": grad is not None and bool(grad.abs().sum() > 0)}


def _loss_judge(case, got) -> None:
    logits, fake, real, w = case["logits"], case["fake"], case["real"], case["adv_weight"]
    given = f"4 images of 6×6, patch logits 4×1×3×3, adv_weight={w}"
    if not isinstance(got, dict) or not got.get("tensor"):
        raise AssertionError(feedback("the loss must be a torch tensor", given=given,
                                      got=type_name(got.get("value") if isinstance(got, dict)
                                                    else got),
                                      hint="stay in torch (no .item()) so the forger's gradient "
                                           "can flow"))
    value = got["value"]
    if value.dim() != 0:
        raise AssertionError(feedback("the loss must be one number (a 0-d tensor)", given=given,
                                      got=f"shape {tuple(value.shape)}",
                                      hint="average with .mean()"))
    value = float(value)
    want = float(pix2pix_generator_loss(logits, fake, real, w))
    if _close(value, want):
        if not got["grad_to_fake"]:
            raise AssertionError(feedback("no gradient reaches the generated images", given=given,
                                          hint="do not detach `fake`: the L1 term must train the "
                                               "forger"))
        return
    l1, adv = F.l1_loss(fake, real).item(), F.softplus(-logits).mean().item()
    mse = F.mse_loss(fake, real).item()
    hints = [
        (l1, "the adversarial term is missing: add adv_weight × the non-saturating loss of the "
             "patch logits"),
        (adv * w, "the L1 term is missing: the forger must also stay close to the real image"),
        (mse + w * adv,
         "that is the squared error (MSE); pix2pix uses the L1 distance (mean absolute error)"),
        (w * l1 + adv, "the weight is on the wrong term: L1 + adv_weight × adversarial"),
        (l1 - w * F.softplus(logits).mean().item(),
         "that is the saturating (minimax) loss log(1 − D); use the non-saturating −log D(fake) = "
         "softplus(−l)"),
        (l1 + w * F.softplus(logits).mean().item(),
         "softplus(l) = −log(1 − D) is the detective's term for fakes; the forger wants −log D = "
         "softplus(−l)"),
        ((fake - real).abs().sum().item() + w * adv,
         "sum of absolute errors; use the mean (F.l1_loss)"),
        (l1 + w * F.softplus(-logits).sum().item(),
         "the adversarial term is summed over patches; use the mean"),
    ]
    hint = next((h for v, h in hints if _close(value, v) and not _close(v, want)),
                "L1 = mean |fake − real|; adversarial = mean softplus(−logits) over every patch of "
                "every image")
    raise AssertionError(feedback("wrong value", given=given, expected=round(want, 5),
                                  got=round(value, 5), hint=hint))


check_pix2pix_generator_loss = exercise(
    "pix2pix_generator_loss", notebook=NOTEBOOK, reference=pix2pix_generator_loss,
    title="The pix2pix forger's loss: L1 + a weighted adversarial term", cases=_loss_cases,
    run=_loss_run, judge=_loss_judge)


# ----------------------------------------------------------------------------- exercise 2

def _psnr_cases(seed: int) -> list[dict]:
    gen = torch.Generator().manual_seed(81 + seed)
    real = torch.rand(5, 1, 8, 8, generator=gen) * 2 - 1
    noise = torch.tensor([0.02, 0.05, 0.1, 0.2, 0.4]).view(5, 1, 1, 1)
    fake = (real + noise * torch.randn(5, 1, 8, 8, generator=gen)).clamp(-1, 1)
    real01 = torch.rand(3, 1, 8, 8, generator=gen)
    fake01 = (real01 + 0.1 * torch.randn(3, 1, 8, 8, generator=gen)).clamp(0, 1)
    return [{"fake": fake, "real": real, "data_range": None},       # the default, images in [−1, 1]
            {"fake": fake01, "real": real01, "data_range": 1.0}]    # images in [0, 1]


def _psnr_run(fn, case):
    if case["data_range"] is None:
        return fn(case["fake"], case["real"])
    return fn(case["fake"], case["real"], case["data_range"])


def _psnr_judge(case, got) -> None:
    fake, real = case["fake"], case["real"]
    r = 2.0 if case["data_range"] is None else case["data_range"]
    given = (f"{len(fake)} images in [{'-1' if r == 2 else '0'}, 1], "
             f"data_range={case['data_range'] or 'default (2.0)'}")
    want = psnr(fake, real, r).double()
    if not torch.is_tensor(got):
        raise AssertionError(feedback("psnr should return a tensor, one PSNR per image",
                                      given=given, got=type_name(got),
                                      hint="compute it with torch operations"))
    got = got.double()
    if got.shape != want.shape:
        hint = ("one number per image: average the squared error over each image's pixels "
                "(.flatten(1).mean(dim=1)), not over the whole batch") if got.numel() == 1 else \
               "one number per image: flatten each image and average over dim=1"
        raise AssertionError(feedback("wrong shape", given=given, expected=tuple(want.shape),
                                      got=tuple(got.shape), hint=hint))
    if torch.allclose(got, want, atol=1e-3):
        return
    mse = (fake - real).pow(2).flatten(1).mean(1).double()
    hints = [
        (10 * torch.log10(1.0 / mse),
         "the peak is the data range, and images in [−1, 1] span 2: use data_range² "
                                      "(a range of 1 reads 6 dB too low)"),
        (10 * torch.log10(4.0 / mse),
         "use the data_range argument (here it is 1 for images in [0, 1])"),
        (20 * torch.log10(r ** 2 / mse),
         "10·log10 of a ratio of powers (range² / MSE), not 20·log10"),
        (10 * torch.log10(r / mse.sqrt()),
         "10·log10(range² / MSE): square the range and use the MSE, not its root"),
        (10 * torch.log(r ** 2 / mse), "decibels use log10, not the natural log"),
        (10 * torch.log10(r ** 2 / (fake - real).abs().flatten(1).mean(1).double()),
         "use the mean *squared* error, not the mean absolute error"),
        (mse, "that is the MSE itself; PSNR = 10·log10(range² / MSE)"),
    ]
    hint = next((h for v, h in hints if torch.allclose(got, v, atol=1e-3)),
                "PSNR = 10·log10(data_range² / MSE), with the MSE of each image over its pixels")
    raise AssertionError(feedback("PSNR differs from the reference", given=given,
                                  expected=[round(v, 3) for v in want.tolist()],
                                  got=[round(v, 3) for v in got.tolist()], hint=hint))


check_psnr = exercise("psnr", notebook=NOTEBOOK, reference=psnr,
                      title="Peak signal-to-noise ratio per image",
                      cases=_psnr_cases, run=_psnr_run, judge=_psnr_judge)


# ----------------------------------------------------------------------------- exercise 3

SPLIT_NAMES = ("real", "real + synthetic", "synthetic")


def _split_cases(seed: int) -> list[dict]:
    gen = torch.Generator().manual_seed(82 + seed)
    # each image carries its own id in its first pixel, so the judge can follow it: real ids 1..,
    # fakes 101..
    real_y = torch.randint(0, 10, (6,), generator=gen)
    fake_y = torch.randint(0, 10, (9,), generator=gen)
    real_x = torch.zeros(6, 1, 2, 2)
    fake_x = torch.zeros(9, 1, 2, 2)
    real_x[:, 0, 0, 0] = torch.arange(1, 7).float()
    fake_x[:, 0, 0, 0] = torch.arange(101, 110).float()
    return [{"args": [real_x, real_y, fake_x, fake_y]}]


def _split_judge(case, got) -> None:
    real_x, real_y, fake_x, fake_y = case["args"]
    given = "6 real images (ids 1–6), 9 generated ones (ids 101–109), each with a label"
    if not isinstance(got, dict) or set(got) != set(SPLIT_NAMES):
        raise AssertionError(feedback("return a dict with three training sets", given=given,
                                      expected=list(SPLIT_NAMES),
                                      got=sorted(got) if isinstance(got, dict) else type_name(got),
                                      hint='keys "real", "real + synthetic" and "synthetic", each '
                                           '(images, labels)'))
    label_of = {int(i): int(y)
                for i, y in zip(real_x[:, 0, 0, 0].tolist() + fake_x[:, 0, 0, 0].tolist(),
                                                 real_y.tolist() + fake_y.tolist())}
    want = {"real": set(range(1, 7)), "real + synthetic": set(range(1, 7)) | set(range(101, 110)),
            "synthetic": set(range(101, 110))}
    for name in SPLIT_NAMES:
        pair = got[name]
        if not (isinstance(pair, list) and len(pair) == 2
                and all(torch.is_tensor(t) for t in pair)):
            raise AssertionError(feedback(f"{name!r} must be a pair (images, labels) of tensors",
                                          given=given, got=type_name(pair)))
        x, y = pair
        if x.dim() == 1 and y.dim() == 4:
            raise AssertionError(feedback(f"{name!r}: the pair is the wrong way round", given=given,
                                          hint="return (images, labels), images first"))
        if x.dim() != 4 or y.dim() != 1 or len(x) != len(y):
            raise AssertionError(feedback(f"{name!r}: images N×C×H×W and one label per image",
                                          given=given,
                                          got=f"images {tuple(x.shape)}, labels {tuple(y.shape)}",
                                          hint="concatenate images with images and labels with "
                                               "labels (torch.cat)"))
        ids = [int(v) for v in x[:, 0, 0, 0].round().tolist()]
        if sorted(ids) != sorted(want[name]):
            has_real, has_fake = any(i < 100 for i in ids), any(i > 100 for i in ids)
            if name == "synthetic" and has_real:
                hint = "the synthetic set must hold no real image: train on synthetic, test on real"
            elif name == "real" and has_fake:
                hint = "the real set holds only the few real images"
            elif name == "real + synthetic" and not (has_real and has_fake):
                hint = "both kinds belong in the mixed set: torch.cat([real_x, fake_x])"
            else:
                hint = "every image exactly once: real, synthetic, or both"
            raise AssertionError(feedback(f"{name!r} holds the wrong images", given=given,
                                          expected=f"ids {sorted(want[name])}",
                                          got=f"ids {sorted(ids)}", hint=hint))
        wrong = [i for i, lab in zip(ids, y.tolist()) if label_of[i] != int(lab)]
        if wrong:
            raise AssertionError(feedback(f"{name!r}: labels do not match their images",
                                          given=given, got=f"{len(wrong)} of {len(ids)} images "
                                                           "carry another image's label",
                                          hint="concatenate the labels in the same order as the "
                                               "images (real first, then synthetic, for both)"))


check_make_splits = exercise("make_splits", notebook=NOTEBOOK, reference=make_splits,
                             title="The training sets: real, real + synthetic, synthetic",
                             cases=_split_cases, judge=_split_judge)
