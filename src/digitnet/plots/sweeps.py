"""Sweeps at a glance: an accuracy heatmap over two parameters, and the architecture study by depth and width."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..experiments.params import parse_layers
from .style import (
    ACTIVATION_COLORS,
    activation_color,
    as_frame,
    axis_label,
    format_value,
    matplotlib,
    mpl_colors,
    new_figure,
    percent_formatter,
    require_columns,
    seed_std,
    sort_key,
    text_color_on,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def accuracy_heatmap(
    runs: pd.DataFrame,
    x: str = "max_iter",
    y: str = "learning_rate_init",
    value: str = "test_accuracy",
    title: str | None = None,
    cmap: str = "viridis",
) -> Figure:
    """A heatmap of final accuracy over two parameters (mean over seeds), every cell annotated.

    Parameters
    ----------
    runs : DataFrame
        Sweep runs with columns ``x``, ``y`` and ``value``.
    x, y : str, default="max_iter", "learning_rate_init"
        Parameters on the horizontal and vertical axes (values sorted, the
        smallest ``y`` at the bottom).
    value : str, default="test_accuracy"
        A fraction in [0, 1], shown in percent.
    title : str, optional
    cmap : str, default="viridis"

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the heatmap and its colour bar.
    """
    runs = as_frame(runs)
    require_columns(runs, [x, y, value], "accuracy_heatmap")
    data = runs[[x, y, value]].copy()
    data[value] = pd.to_numeric(data[value], errors="coerce")
    # cells by hand rather than pivot_table: parameter columns may mix types ("auto" and 200)
    cells = {key: group[value] for key, group in data.groupby([y, x], sort=False)}
    rows = sorted({key[0] for key in cells}, key=sort_key)
    cols = sorted({key[1] for key in cells}, key=sort_key)
    table = pd.DataFrame(
        [[cells[(r, c)].mean() if (r, c) in cells else np.nan for c in cols] for r in rows], index=rows, columns=cols
    )
    n_seeds = pd.Series([len(v) for v in cells.values()], dtype=int)
    grid = table.to_numpy(dtype=float)

    fig = new_figure(max(5.0, 1.0 * grid.shape[1] + 2.8), max(3.5, 0.55 * grid.shape[0] + 1.8))
    ax = fig.add_subplot()
    finite = grid[np.isfinite(grid)]
    norm = mpl_colors.Normalize(vmin=finite.min() if finite.size else 0.0, vmax=finite.max() if finite.size else 1.0)
    if norm.vmin == norm.vmax:
        norm = mpl_colors.Normalize(vmin=norm.vmin - 0.01, vmax=norm.vmax + 0.01)
    colormap = matplotlib.colormaps[cmap].with_extremes(bad="0.85")
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=colormap, norm=norm, origin="lower", aspect="auto")
    for (i, j), v in np.ndenumerate(grid):
        if np.isfinite(v):
            ax.text(
                j, i, f"{v:.1%}", ha="center", va="center", fontsize="small", color=text_color_on(colormap(norm(v)))
            )
        else:
            ax.text(j, i, "n/a", ha="center", va="center", fontsize="small", color="0.3")
    ax.set_xticks(range(grid.shape[1]), [format_value(v) for v in table.columns])
    ax.set_yticks(range(grid.shape[0]), [format_value(v) for v in table.index])
    ax.set_xlabel(axis_label(x))
    ax.set_ylabel(axis_label(y))
    seeds = f"\n(mean of {n_seeds.max()} seeds)" if len(n_seeds) and n_seeds.max() > 1 else ""
    ax.set_title(title or f"Final {axis_label(value)} by {axis_label(y)} and {axis_label(x)}{seeds}")
    bar = fig.colorbar(image, ax=ax, format=percent_formatter())
    bar.set_label(f"{axis_label(value)} (%)")
    return fig


def architecture_plot(
    runs: pd.DataFrame,
    value: str = "val_accuracy",
    layers_col: str = "hidden_layer_sizes",
    activation_col: str = "activation",
    title: str | None = None,
    value_label: str | None = None,
) -> Figure:
    """The architecture study: accuracy by width, one panel per depth, one line per activation.

    Depth is the number of hidden layers (the parts of ``"64-32"``); within a
    panel the architectures are ordered by their widths. Points are the mean
    over seeds, error bars ±1 standard deviation over seeds (ddof=1). With a
    single run per point, a ``{value}_std`` column (e.g. over CV folds) is used
    if present; otherwise there is no error bar.

    Parameters
    ----------
    runs : DataFrame
        Sweep runs with ``layers_col`` and ``value`` columns (``activation_col`` optional).
    value : str, default="val_accuracy"
        A fraction in [0, 1], shown in percent.
    layers_col : str, default="hidden_layer_sizes"
        "64-32" strings, tuples or ints.
    activation_col : str, default="activation"
        The column whose values are the lines (its name titles the legend).
    title : str, optional
    value_label : str, optional
        What ``value`` is, in words (default: its column's label).

    Returns
    -------
    matplotlib.figure.Figure
        One axes per depth.
    """
    runs = as_frame(runs)
    require_columns(runs, [layers_col, value], "architecture_plot")
    data = pd.DataFrame(
        {
            "layers": [parse_layers(v) for v in runs[layers_col]],
            "activation": runs[activation_col].astype(str) if activation_col in runs else "all",
            "value": pd.to_numeric(runs[value], errors="coerce"),
        }
    )
    std_col = f"{value}_std"
    data["given_std"] = pd.to_numeric(runs[std_col], errors="coerce") if std_col in runs else np.nan
    data["depth"] = [len(layers) for layers in data["layers"]]
    activations = sorted(data["activation"].unique(), key=_activation_sort_key)
    depths = sorted(data["depth"].unique())
    colors = {a: activation_color(a, i) for i, a in enumerate(activations)}

    per_depth = {d: sorted(data.loc[data["depth"] == d, "layers"].unique()) for d in depths}
    ratios = [max(len(per_depth[d]), 2) for d in depths]  # panels as wide as their number of architectures
    fig = new_figure(max(5.0, 1.0 * sum(ratios) + 2.5), 4.6)
    axes = fig.subplots(1, len(depths), sharey=True, squeeze=False, width_ratios=ratios).ravel()
    max_seeds = 1
    for ax, depth in zip(axes, depths):
        subset = data[data["depth"] == depth]
        architectures = per_depth[depth]
        position = {arch: i for i, arch in enumerate(architectures)}
        offsets = np.linspace(-0.15, 0.15, len(activations)) if len(activations) > 1 else [0.0]
        for offset, activation in zip(offsets, activations):
            rows = subset[subset["activation"] == activation]
            if rows.empty:
                continue
            xs, means, spreads, counts = _line_stats(rows, position)
            max_seeds = max(max_seeds, int(counts.max()))
            yerr = spreads if np.any(spreads > 0) else None
            ax.errorbar(
                xs + offset,
                means,
                yerr=yerr,
                fmt="o-",
                color=colors[activation],
                lw=1.2,
                ms=5,
                capsize=3,
                label=activation,
            )
        _label_panel(ax, architectures, depth)
    label = value_label or axis_label(value)
    axes[0].set_ylabel(f"{label} (%)")
    axes[0].yaxis.set_major_formatter(percent_formatter())
    spread_note = (
        f"mean ± std over {max_seeds} seeds"
        if max_seeds > 1
        else ("error bars: given std" if data["given_std"].notna().any() else "one run each")
    )
    fig.suptitle(title or f"{label[0].upper() + label[1:]} by network depth and width\n({spread_note})")
    if len(activations) > 1 or activations[0] != "all":
        fig.legend(
            *axes[0].get_legend_handles_labels(), title=activation_col, loc="outside right center", fontsize="small"
        )
    return fig


def _label_panel(ax: Axes, architectures: list, depth: int) -> None:
    """A depth's panel: its architectures along x (their width alone when every layer has it), its depth as title."""
    equal = all(len(set(arch)) == 1 for arch in architectures)
    ax.set_xticks(range(len(architectures)), [str(arch[0]) if equal else format_value(arch) for arch in architectures])
    ax.set_xlim(-0.5, len(architectures) - 0.5)
    ax.set_xlabel("units per hidden layer" if equal else "hidden layer sizes (units)")
    ax.set_title(f"{depth} hidden layer{'s' if depth != 1 else ''}" if depth else "no hidden layer")
    ax.grid(True, axis="y", alpha=0.3)


def _line_stats(rows: pd.DataFrame, position: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One line's points, in the panel's order: each architecture's position, mean over seeds, spread (the seeds' std,
    or with one run the given std) and number of runs."""
    stats = []
    for arch, group in rows.groupby("layers", sort=False):
        n = int(group["value"].notna().sum())
        spread = seed_std(group["value"]) if n > 1 else float(np.nan_to_num(group["given_std"].mean()))
        stats.append((position[arch], group["value"].mean(), spread, n))
    stats.sort()
    return tuple(map(np.array, zip(*stats)))


def _activation_sort_key(name):
    order = list(ACTIVATION_COLORS)
    return (order.index(name), name) if name in order else (len(order), name)
