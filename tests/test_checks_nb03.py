import pytest
from torch import nn

from ganlib.checks import nb03
from ganlib.dcgan import conv_transpose_size, dcgan_init


def test_references_pass():
    assert nb03.check_transposed_conv_size(conv_transpose_size)
    assert nb03.check_dcgan_weight_init(dcgan_init)


def test_not_done_yet():
    def blank(*a):
        raise NotImplementedError()
    assert nb03.check_transposed_conv_size(blank).status == "not done"


@pytest.mark.parametrize("wrong, msg", [
    (lambda n, k, s, p: n * s, "size·stride"),
    (lambda n, k, s, p: (n - 1) * s + k, "2·padding"),
    (lambda n, k, s, p: (n - 1) * s - p + k, "2·padding"),
    (lambda n, k, s, p: (n + 2 * p - k) // s + 1, "ordinary"),
])
def test_wrong_sizes_rejected(wrong, msg):
    with pytest.raises(AssertionError, match=msg):
        nb03.check_transposed_conv_size(wrong)


def _init(std=0.02, mean=0.0, bn=True, bias=True):
    def fn(model):
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                nn.init.normal_(m.weight, mean, std)
                if bias and m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif bn and isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                nn.init.normal_(m.weight, 1.0, 0.02)
                nn.init.zeros_(m.bias)
    return fn


@pytest.mark.parametrize("wrong, msg", [
    (_init(std=1.0), "not 1"), (_init(mean=1.0), "mean is 0"), (_init(bn=False), "default"),
    (_init(bias=False), "biases"), (lambda model: None, "N\\(0, 0.02\\)"),
])
def test_wrong_inits_rejected(wrong, msg):
    with pytest.raises(AssertionError, match=msg):
        nb03.check_dcgan_weight_init(wrong)
