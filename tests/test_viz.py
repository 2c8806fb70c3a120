"""ganlib.viz: the 2-D scatter keeps its legend off the data."""

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from ganlib.data import toy_2d  # noqa: E402
from ganlib.viz import plot_points_2d  # noqa: E402


def test_points_legend_sits_under_the_axes_not_over_a_corner_mode():
    ax = plot_points_2d(real=toy_2d("grid", 500, torch.Generator().manual_seed(0)), fake=toy_2d("grid", 50))
    fig = ax.figure
    fig.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    assert legend.y1 < ax.get_window_extent().y0  # wholly below the plotting area
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["real", "generated"]
    plt.close(fig)
