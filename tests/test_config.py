import pytest
import torch

from ganlib import config


def test_profile_from_env(monkeypatch):
    for name in ("ci", "cpu", "gpu"):
        monkeypatch.setenv("GANLIB_PROFILE", name)
        with pytest.warns(UserWarning) if name == "gpu" and not torch.cuda.is_available() else _nullctx():
            assert config.get_profile().name == name


def test_profile_default_follows_device(monkeypatch):
    monkeypatch.delenv("GANLIB_PROFILE", raising=False)
    expected = "gpu" if torch.cuda.is_available() else "cpu"
    assert config.get_profile().name == expected


def test_unknown_profile_lists_choices(monkeypatch):
    monkeypatch.setenv("GANLIB_PROFILE", "fast")
    with pytest.raises(ValueError, match="ci, cpu, gpu"):
        config.get_profile()


def test_pick_chooses_by_profile():
    p = config.Profile("cpu", torch.device("cpu"))
    assert p.pick(ci=1, cpu=2, gpu=3) == 2
    assert config.Profile("ci", torch.device("cpu")).pick(ci=1, cpu=2, gpu=3) == 1


def test_seed_everything_repeats():
    g1 = config.seed_everything(7)
    a = torch.randn(5), torch.randn(3, generator=g1)
    g2 = config.seed_everything(7)
    b = torch.randn(5), torch.randn(3, generator=g2)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    g3 = config.seed_everything(8)
    assert not torch.equal(a[1], torch.randn(3, generator=g3))


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True])
def test_seed_rejects_bad_input(bad):
    with pytest.raises(ValueError, match="seed"):
        config.seed_everything(bad)


class _nullctx:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("0", False), ("false", False),
                                             ("no", False), ("", False)])
def test_offline_reads_words_as_people_write_them(monkeypatch, value, expected):
    monkeypatch.setenv("GANLIB_OFFLINE", value)
    assert config.offline() is expected  # "false" used to mean offline


def test_offline_refuses_a_value_it_cannot_read(monkeypatch):
    monkeypatch.setenv("GANLIB_OFFLINE", "maybe")
    with pytest.raises(ValueError, match=r"\$GANLIB_OFFLINE must be 1 .* or 0 .*got 'maybe'"):
        config.offline()
