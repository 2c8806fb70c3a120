import torch

from ganlib.classifier import Classifier, class_coverage
from ganlib.metrics import frechet_distance


def test_shapes_and_features():
    m = Classifier().eval()
    x = torch.rand(4, 1, 28, 28) * 2 - 1
    assert m(x).shape == (4, 10)
    assert m.features(x).shape == (4, m.feature_dim)


def test_frechet_distance_zero_for_same_and_mean_shift():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(2000, 5, generator=g, dtype=torch.float64)
    assert abs(frechet_distance(a, a)) < 1e-6
    # same covariance, mean shifted by 2 in one coordinate: distance = 4
    assert abs(frechet_distance(a, a + torch.tensor([2.0, 0, 0, 0, 0], dtype=torch.float64)) - 4) < 1e-6


def test_class_coverage_sums_to_one():
    cov = class_coverage(Classifier(), torch.rand(50, 1, 28, 28) * 2 - 1)
    assert cov.shape == (10,) and abs(float(cov.sum()) - 1) < 1e-9
