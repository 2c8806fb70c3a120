"""Feature extractors: shapes, checks, and Inception-v3 never downloaded."""

import pytest
import torch
from torch import nn

from ganlib.evaluation import extractors as features


class _Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(784, 6), nn.ReLU())
        self.head = nn.Linear(6, 10)

    def features(self, x):
        return self.body(x)

    def forward(self, x):
        return self.head(self.body(x))


def test_classifier_features_and_probs_with_a_given_model():
    torch.manual_seed(0)
    x = torch.rand(7, 1, 28, 28) * 2 - 1
    f = features.classifier_features(x, model=_Tiny(), batch_size=3)
    assert f.shape == (7, 6) and f.dtype == torch.float64
    p = features.classifier_probs(x, model=_Tiny(), batch_size=3)
    assert p.shape == (7, 10) and torch.allclose(p.sum(1), torch.ones(7, dtype=torch.float64))


def test_features_reject_bad_images():
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        features.classifier_features(torch.rand(3, 1, 28, 28) * 255, model=_Tiny())
    with pytest.raises(ValueError, match="shape"):
        features.classifier_features(torch.zeros(3, 3, 32, 32), model=_Tiny())


def test_inception_missing_weights_says_how_to_get_them(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    features.inception_v3.cache_clear()
    with pytest.raises(FileNotFoundError, match="IMAGENET1K_V1"):
        features.inception_features(torch.zeros(2, 1, 28, 28))
    assert not any(tmp_path.rglob("*.pth"))  # nothing was downloaded
    features.inception_v3.cache_clear()


def test_shipped_classifier_gives_128_features_when_present():
    from ganlib import pretrained

    if "fashion-mnist-classifier" not in pretrained.names():
        pytest.skip("classifier checkpoint not shipped yet")
    x = torch.zeros(4, 1, 28, 28)
    f = features.classifier_features(x)
    assert f.shape[0] == 4 and f.shape[1] == features.course_classifier().feature_dim
    assert torch.allclose(features.classifier_probs(x).sum(1), torch.ones(4, dtype=torch.float64))
