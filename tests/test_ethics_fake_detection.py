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


def test_flip_mirrors_the_batches_so_a_left_right_difference_cannot_be_learnt():
    # real: bright left half; fake: bright right half. Only position tells them apart, and a mirror
    # flip turns one into the other: without flips the detector is sure of each image, with flips it
    # is unsure of all of them (a probability near one half: its training labels were a coin toss).
    g = torch.Generator().manual_seed(5)
    base = torch.rand(400, 1, 28, 28, generator=g) * 0.2 - 1
    real, fake = base.clone(), base.clone()
    real[..., :14] += 1.5
    fake[..., 14:] += 1.5
    plain = train_detector(real[:300], fake[:300], steps=60, seed=0, progress=False)
    mirrored = train_detector(real[:300], fake[:300], steps=60, seed=0, flip=True, progress=False)
    assert detector_accuracy(plain, real[300:], fake[300:])["balanced"] > 0.95
    with torch.no_grad():
        sure = torch.sigmoid(plain(torch.cat([real[300:], fake[300:]])))
        unsure = torch.sigmoid(mirrored(torch.cat([real[300:], fake[300:]])))
    assert ((sure - 0.5).abs() > 0.4).all()
    assert ((unsure - 0.5).abs() < 0.1).all()


def test_detector_auc_ranks_real_above_fake_whatever_the_threshold():
    real, fake = _sets(2)

    class Biased(torch.nn.Module):  # ranks perfectly (contrast), but calls everything fake
        def forward(self, x):
            return x.flatten(1).std(1) - 10

    acc = detector_accuracy(Biased(), real, fake)
    assert acc["real"] == 0 and acc["fake"] == 1 and acc["balanced"] == 0.5
    assert acc["auc"] == 1.0
    assert detector_accuracy(Biased(), fake, real)["auc"] == 0.0


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
