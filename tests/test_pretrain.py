import torch

from ganlib import pretrain, pretrained


def test_max_seconds_is_honoured_and_checkpoint_usable(tmp_path):
    out = tmp_path / "g.pt"
    path, entry = pretrain.run("dcgan-fashion-mnist", max_seconds=1, out=out, progress=False, threads=1)
    assert path == out and out.exists()
    # stopped at the first time check after 1 s (every 25 steps), far short of the 4,000 steps
    assert entry["metrics"]["stopped_by_time"] and entry["metrics"]["steps"] <= 50
    G = pretrained.load(out)
    assert G(torch.randn(2, G.latent_dim)).shape == (2, 1, 28, 28)
    assert "--max-seconds 1" in entry["command"] and entry["sha256"] == pretrained.sha256(out)
