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


def test_run_seed_shifts_every_notebook_seed_by_the_run(monkeypatch):
    monkeypatch.setattr(config, "SEED", 0)
    assert [config.run_seed(k) for k in (0, 1, 999)] == [0, 1, 999]  # the default run: the seeds as written
    monkeypatch.setattr(config, "SEED", 2)
    assert [config.run_seed(k) for k in (0, 1)] == [2000, 2001]      # another run: none of run 0's seeds
    for bad in (-1, 1000, 1.5, True):
        with pytest.raises(ValueError, match="notebook seed"):
            config.run_seed(bad)


@pytest.mark.parametrize("value, expected", [("", 0), ("3", 3), (" 12 ", 12)])
def test_the_run_comes_from_ganlib_seed(monkeypatch, value, expected):
    monkeypatch.setenv("GANLIB_SEED", value)
    assert config.read_seed() == expected


@pytest.mark.parametrize("value", ["-1", "two", "1.5"])
def test_a_bad_ganlib_seed_is_named(monkeypatch, value):
    monkeypatch.setenv("GANLIB_SEED", value)
    with pytest.raises(ValueError, match="GANLIB_SEED must be a whole number"):
        config.read_seed()


def test_the_ci_profile_says_it_is_a_quick_test():
    assert "quick test" in str(config.get_profile("ci")) and "not the course's results" in str(config.get_profile("ci"))
    assert "quick test" not in str(config.get_profile("cpu"))
