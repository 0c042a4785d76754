"""The initialization study's measurement along training: each layer's gradient norm over the epochs of the deep
networks (a vanishing gradient seen as it happens), its sentence and its figure."""

from __future__ import annotations

import numpy as np

from ..plots.style import new_figure

#: How often the gradient's norm is measured along training, in epochs.
FLOW_EVERY = 20


def gradient_flow_over_epochs(result, split, inits, activations, hidden) -> dict:
    """Each layer's gradient norm along the training of every ``hidden`` network of the ``inits`` and
    ``activations`` (first seed, every development row):
    ``{"init activation": {"epochs": [...], "layers": [[norm per measured epoch] per layer]}}``."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from ..experiments.params import resolve
    from ..experiments.runs import StudyModel

    dev = split.dev_split()
    X, y = np.asarray(dev.X_train, dtype=np.float64), dev.y_train
    base = {
        k: v
        for k, v in result.params[0].items()
        if k not in ("label", "weight_init", "activation", "hidden_layer_sizes")
    }
    out = {}
    for init in inits:
        for act in activations:
            model = StudyModel(
                **resolve({**base, "weight_init": init, "activation": act, "hidden_layer_sizes": hidden}, len(y)),
                random_state=result.config.seeds[0],
                track=("grad_norms",),
                track_every=FLOW_EVERY,
            )
            with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(X, y)
            keys = sorted((k for k in model.history_ if k.startswith("grad_norm_")), key=lambda k: int(k[10:]))
            values = np.array([model.history_[k] for k in keys], dtype=float)
            measured = np.flatnonzero(np.isfinite(values).all(axis=0))
            out[f"{init} {act}"] = {"epochs": measured.tolist(), "layers": values[:, measured].tolist()}
    return out


def flow_text(flow) -> str:
    """The first and the output layer's gradient norms at the start and at the end of every 3-layer network."""
    parts = []
    for name, d in flow.items():
        layers = np.asarray(d["layers"], dtype=float)
        if layers.ndim != 2 or layers.shape[1] < 2:
            continue
        parts.append(
            f"{name}: the first layer's {layers[0, 0]:.1e} → {layers[0, -1]:.1e}, the output layer's"
            f" {layers[-1, 0]:.1e} → {layers[-1, -1]:.1e}"
        )
    if not parts:
        return ""
    return (
        f" Along training (first seed, from the start to epoch {max(d['epochs'][-1] for d in flow.values())}),"
        " each layer's gradient norm — " + "; ".join(parts) + ". A first layer whose gradient is orders of"
        " magnitude below the output layer's hardly learns (a vanishing gradient); where every layer's is tiny,"
        " the whole network is stuck on its plateau."
    )


def gradient_flow_figure(flow, inits, activations, title=None):
    """One panel per network of ``flow`` (rows: activation, columns: initialization): each layer's gradient norm over
    the epochs (log scale)."""
    fig = new_figure(12.0, 6.4)
    axes = fig.subplots(len(activations), len(inits), sharex=True, sharey=True, squeeze=False)
    colors = ["#332288", "#117733", "#DDCC77", "#CC6677"]
    for i, act in enumerate(activations):
        for j, init in enumerate(inits):
            ax, d = axes[i][j], flow.get(f"{init} {act}")
            if d is None:
                continue
            for k, values in enumerate(d["layers"]):
                label = f"layer {k + 1}" + (" (output)" if k == len(d["layers"]) - 1 else "")
                ax.plot(d["epochs"], values, "-o", ms=2.5, lw=1.3, color=colors[k % len(colors)], label=label)
            ax.set_yscale("log")
            ax.set_title(f"{init}, {act}", fontsize="medium")
            ax.grid(True, alpha=0.3)
            if j == 0:
                ax.set_ylabel("gradient norm\n(nats per unit weight, log scale)")
            if i == len(activations) - 1:
                ax.set_xlabel("epoch")
    axes[0][0].legend(fontsize="x-small")
    fig.suptitle(title or "Each layer's gradient norm over the epochs: 3 hidden layers of 32 units")
    return fig
