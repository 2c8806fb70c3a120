import pytest
import torch

from ganlib.ethics.fake_detection import (Detector, detector_accuracy, embed_watermark, false_alarm_rate,
                             train_detector, watermark_detect, watermark_key, watermark_score)


def _sets(seed):
    g = torch.Generator().manual_seed(seed)
    real = torch.rand(300, 1, 28, 28, generator=g) * 2 - 1
    fake = (torch.rand(300, 1, 28, 28, generator=g) * 2 - 1) * 0.3  # low-contrast "fakes"
    return real, fake


def test_detector_shape():
    assert Detector()(torch.zeros(5, 1, 28, 28)).shape == (5,)


def test_detector_learns_easy_difference_and_is_seeded():
    real, fake = _sets(0)
    d1 = train_detector(real[:200], fake[:200], steps=40, seed=3, progress=False)
    d2 = train_detector(real[:200], fake[:200], steps=40, seed=3, progress=False)
    acc = detector_accuracy(d1, real[200:], fake[200:])
    assert acc["balanced"] > 0.9
    assert acc == detector_accuracy(d2, real[200:], fake[200:])


def test_untrained_detector_accuracy_is_balanced_mean():
    real, fake = _sets(1)
    acc = detector_accuracy(Detector(), real, fake)
    assert abs(acc["balanced"] - (acc["real"] + acc["fake"]) / 2) < 1e-9


def test_watermark_found_when_present_not_when_absent():
    g = torch.Generator().manual_seed(4)
    # smooth random images, like photos: little fine detail for the mark to compete with
    coarse = torch.randn(200, 1, 7, 7, generator=g)
    imgs = torch.tanh(2 * torch.nn.functional.interpolate(coarse, size=28, mode="bilinear"))
    key = watermark_key(9)
    marked = embed_watermark(imgs, key)
    assert marked.min() >= -1 and marked.max() <= 1
    assert watermark_detect(marked, key).float().mean() > 0.95
    assert watermark_detect(imgs, key).float().mean() < 0.02
    assert watermark_detect(marked, watermark_key(10)).float().mean() < 0.02  # wrong key
    assert abs(watermark_score(imgs, key).std() - 1) < 0.3


def test_false_alarm_rate():
    assert abs(false_alarm_rate(0.0) - 0.5) < 1e-12
    assert 3e-5 < false_alarm_rate(4.0) < 3.5e-5


def test_watermark_arguments_are_checked():
    imgs, key = torch.zeros(4, 1, 28, 28), watermark_key(0)
    with pytest.raises(ValueError, match="strength"):
        embed_watermark(imgs, key, strength=1.5)  # would leave [-1, 1]
    with pytest.raises(ValueError, match="one image's shape"):
        embed_watermark(imgs, watermark_key(0, (1, 32, 32)))
    with pytest.raises(ValueError, match="one image's shape"):
        watermark_score(imgs[0], key)  # one image without its batch axis
