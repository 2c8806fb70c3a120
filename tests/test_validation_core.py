"""The same kinds of hole elsewhere in ganlib: images in the wrong range, labels that do not fit, empty noise.
"""

import pytest
import torch

from ganlib import classifier, inference
from ganlib.dcgan import ConditionalDCGANGenerator, DCGANGenerator

pytestmark = pytest.mark.usefixtures("one_thread")  # conftest: one torch thread


@pytest.fixture(scope="module")
def clf():
    torch.manual_seed(0)
    return classifier.Classifier(width=4, feature_dim=8).eval()


@pytest.mark.parametrize("fn", [classifier.features, classifier.predict, classifier.class_coverage])
def test_classifier_refuses_images_out_of_range(clf, fn):
    with pytest.raises(ValueError, match=r"must lie in \[-1, 1\].*x \* 2 - 1"):
        fn(clf, torch.full((4, 1, 28, 28), 255.0))  # 0..255 pixels: features of white squares
    with pytest.raises(ValueError, match="shape N×1×28×28"):
        fn(clf, torch.zeros(4, 28, 28))  # no channel: conv2d would read 4 channels


def test_accuracy_needs_one_label_per_image(clf):
    x = torch.zeros(4, 1, 28, 28)
    with pytest.raises(ValueError, match="1 labels for 4"):
        classifier.accuracy(clf, x, torch.tensor([3]))  # broadcast: a number, but for the wrong question
    with pytest.raises(ValueError, match=r"must lie in 0\.\.9"):
        classifier.accuracy(clf, x, torch.tensor([0, 1, 2, 10]))


def test_train_classifier_checks_its_budget(clf):
    x, y = torch.zeros(8, 1, 28, 28), torch.zeros(8, dtype=torch.long)
    with pytest.raises(ValueError, match="batch_size=128 is larger than the 8"):
        classifier.train_classifier(clf, x, y, progress=False)
    with pytest.raises(ValueError, match="epochs must be a positive"):
        classifier.train_classifier(clf, x, y, epochs=0, batch_size=4, progress=False)


def test_sample_and_interpolate_check_labels_and_noise():
    G, cG = DCGANGenerator(latent_dim=4, width=2), ConditionalDCGANGenerator(latent_dim=4, width=2)
    with pytest.raises(ValueError, match="unconditional"):
        inference.sample(G, 2, torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="conditional .*give labels"):
        inference.sample(cG, 2)
    with pytest.raises(ValueError, match=r"must lie in 0\.\.9"):
        inference.sample(cG, 2, torch.tensor([0, 12]))
    with pytest.raises(ValueError, match="latent_dim must be a positive"):
        inference.noise(3, 0, seed=0)


def test_mlp_players_check_their_labels():
    from ganlib.models import MLPDiscriminator, MLPGenerator

    G, D = MLPGenerator(2, 2, hidden=4, n_classes=3), MLPDiscriminator(2, hidden=4, n_classes=3)
    with pytest.raises(ValueError, match=r"must lie in 0\.\.2, got values from 0 to 3"):
        G(torch.zeros(2, 2), torch.tensor([0, 3]))  # one_hot's own message does not say which input
    with pytest.raises(ValueError, match="whole class numbers"):
        D(torch.zeros(2, 2), torch.tensor([0.5, 1.0]))  # .long() would have truncated 0.5 to class 0


def test_sample_checks_given_noise_and_interpolate_its_label():
    G = DCGANGenerator(latent_dim=4, width=2)
    with pytest.raises(ValueError, match=r"shape \(3, 4\).*got \(5, 4\)"):
        inference.sample(G, 3, z=torch.randn(5, 4))  # returned 5 samples for n=3
    with pytest.raises(ValueError, match=r"n × the generator's latent_dim\), got \(3, 7\)"):
        inference.sample(G, 3, z=torch.randn(3, 7))  # torch: "mat1 and mat2 shapes cannot be multiplied"
    with pytest.raises(ValueError, match="label=5 was given but this generator is unconditional"):
        inference.interpolate(G, 3, label=5)  # the label was dropped without a word
    assert inference.interpolate(G, 3).shape == (3, 1, 28, 28)
