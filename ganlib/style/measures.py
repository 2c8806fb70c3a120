"""What the style-based generator's ideas buy, measured in the course classifier's eyes.

- :func:`truncation_sweep`: FID, precision and recall against ψ, truncating in W
  (toward ``G.w_avg``) or scaling z in Z (notebook 05's trick).
- :func:`mix`, :func:`class_follows`: style mixing — coarse layers from one sample, fine from
  another — and how often the classifier's label follows the coarse source, for each cut-off layer.
- :func:`path_length`: perceptual path length (Karras et al. 2019) in Z or W, the distance being the
  squared change of the classifier's features.
- :func:`spike_reach`, :func:`spikiness`: why demodulation removed StyleGAN's droplets.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..classifier import features, predict
from ..inference import in_batches, noise, slerp
from ..metrics import frechet_distance, precision_recall
from ..validate import check_count


def course_classifier() -> nn.Module:
    """The shipped Fashion-MNIST classifier, whose features the course measures generators in."""
    from ..pretrained import load

    return load("fashion-mnist-classifier")


def samples(
    G: nn.Module, z: Tensor, psi: float = 1.0, space: str = "w", noise_mode: str = "random"
) -> Tensor:
    """Images for noise z with truncation ψ: toward ``w_avg`` in W, or z·ψ in Z; batched, eval mode,
    on the CPU."""
    if space not in ("w", "z"):
        raise ValueError(f"space must be 'w' or 'z', got {space!r}")
    if space == "z":
        return in_batches(G, lambda zb: G(zb * psi, noise_mode=noise_mode), z)
    return in_batches(G, lambda zb: G(zb, truncation_psi=psi, noise_mode=noise_mode), z)


def truncation_sweep(G: nn.Module, real_feats: Tensor, psis, n: int = 2000, space: str = "w",
                     seed: int = 2, classifier: nn.Module | None = None) -> list[dict]:
    """FID, precision and recall of n samples for each ψ (same z throughout), against
    ``real_feats``."""
    clf = classifier if classifier is not None else course_classifier()
    z = noise(n, G.latent_dim, seed)
    rows = []
    for psi in psis:
        torch.manual_seed(seed)  # the same noise inputs for every ψ
        f = features(clf, samples(G, z, float(psi), space))
        p, r = precision_recall(real_feats, f)
        rows.append({"psi": float(psi), "fid": frechet_distance(real_feats, f), "precision": p,
                     "recall": r})
    return rows


def mixed_ws(G: nn.Module, z_coarse: Tensor, z_fine: Tensor, cut: int) -> Tensor:
    """ws whose layers 0 … cut−1 take z_coarse's w and the rest z_fine's (cut 0: all fine;
    num_layers: all coarse)."""
    if not 0 <= cut <= G.num_layers:
        raise ValueError(f"cut must be in 0..{G.num_layers}, got {cut}")
    w_coarse, w_fine = G.mapping(z_coarse), G.mapping(z_fine)
    layer = torch.arange(G.num_layers, device=w_coarse.device)[None, :, None]
    return torch.where(layer < cut, w_coarse[:, None], w_fine[:, None])


@torch.no_grad()
def mix(G: nn.Module, z_coarse: Tensor, z_fine: Tensor, cut: int) -> Tensor:
    """Style-mixed images: the first ``cut`` layers' styles from z_coarse, the others' from z_fine
    (fixed noise)."""
    was = G.training
    G.eval()
    try:
        return G.synthesis(mixed_ws(G, z_coarse, z_fine, cut), noise_mode="const").cpu()
    finally:
        G.train(was)


def class_follows(
    G: nn.Module, n: int = 1000, seed: int = 5, classifier: nn.Module | None = None
) -> list[dict]:
    """For each cut-off 0 … num_layers: how often the classifier's label of the mix is the coarse
    source's, the fine source's.

    Only pairs whose two sources the classifier puts in different classes count
    (``pairs`` says how many).
    """
    clf = classifier if classifier is not None else course_classifier()
    z = noise(2 * check_count(n, "n"), G.latent_dim, seed)
    za, zb = z[:n], z[n:]
    ya, yb = predict(clf, mix(G, za, zb, G.num_layers)), predict(clf, mix(G, za, zb, 0))
    differ = ya != yb
    rows = []
    for cut in range(G.num_layers + 1):
        y = predict(clf, mix(G, za, zb, cut))[differ]
        rows.append({"cut": cut, "coarse": float((y == ya[differ]).double().mean()),
                     "fine": float((y == yb[differ]).double().mean()), "pairs": int(differ.sum())})
    return rows


@torch.no_grad()
def path_length(G: nn.Module, n: int = 1000, space: str = "w", eps: float = 1e-4, seed: int = 3,
                classifier: nn.Module | None = None) -> float:
    """Perceptual path length: the mean of ‖f(G(p(t))) − f(G(p(t + ε)))‖² / ε² over random paths and
    t.

    p is a slerp between two z in Z, or a straight line between their w in W; f the classifier's
    features; fixed noise inputs; the top and bottom 1 % of values dropped (as Karras et al. 2019).
    """
    if space not in ("w", "z"):
        raise ValueError(f"space must be 'w' or 'z', got {space!r}")
    clf = classifier if classifier is not None else course_classifier()
    g = torch.Generator().manual_seed(seed)
    z0, z1 = torch.randn(n, G.latent_dim, generator=g), torch.randn(n, G.latent_dim, generator=g)
    t = torch.rand(n, 1, generator=g) * (1 - eps)
    was = G.training
    G.eval()
    try:
        if space == "z":
            wa, wb = G.mapping(slerp(z0, z1, t)), G.mapping(slerp(z0, z1, t + eps))
        else:
            w0, w1 = G.mapping(z0), G.mapping(z1)
            wa, wb = torch.lerp(w0, w1, t), torch.lerp(w0, w1, t + eps)
        draw = lambda w: G.synthesis(w[:, None].repeat(1, G.num_layers, 1),  # noqa: E731
                                     noise_mode="const")
        fa = features(clf, in_batches(G, draw, wa))
        fb = features(clf, in_batches(G, draw, wb))
    finally:
        G.train(was)
    d = (fa - fb).square().sum(1) / eps ** 2
    lo, hi = torch.quantile(d, 0.01), torch.quantile(d, 0.99)
    return float(d[(d >= lo) & (d <= hi)].mean())


@torch.no_grad()
def spike_reach(layer: nn.Module, x: Tensor, w: Tensor, size: float = 10.0) -> float:
    """Add one spike to one input feature map and return the share of output pixels (all maps) that
    change.

    A demodulated convolution changes only the 3×3 neighbourhood; AdaIN changes every pixel, because
    the spike changes the statistics it normalises each map with.
    """
    spiked = x.clone()
    spiked[:, 0, x.shape[2] // 2, x.shape[3] // 2] += size
    before, after = layer(x, w, "none"), layer(spiked, w, "none")
    return float(((after - before).abs() > 1e-4).double().mean())


@torch.no_grad()
def spikiness(G: nn.Module, n: int = 256, seed: int = 4) -> list[float]:
    """For each style layer, the mean over images and maps of the largest |z-score| of one pixel in
    its map.

    A map of Gaussian-like activations scores about 3; a droplet — one blob that dominates a
    map — scores far more. It does not change when a map is scaled or shifted (what AdaIN does).
    """
    peaks: list[list[Tensor]] = [[] for _ in G.synthesis.layers]

    def hook(i):
        def record(_module, _inputs, out):
            flat = out.flatten(2)
            z = (flat - flat.mean(2, keepdim=True)) / (flat.std(2, keepdim=True) + 1e-8)
            peaks[i].append(z.abs().amax(2).mean().cpu())
        return record

    handles = [layer.register_forward_hook(hook(i)) for i, layer in enumerate(G.synthesis.layers)]
    try:
        torch.manual_seed(seed)
        samples(G, noise(n, G.latent_dim, seed))
    finally:
        for h in handles:
            h.remove()
    return [float(torch.stack(p).mean()) for p in peaks]
