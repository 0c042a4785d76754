"""Error analysis of one model on the test set: confusion matrices, the most confused pairs, the misclassified
digits, per-class scores and the confidence of right and wrong predictions."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from .style import (
    OUTCOME_COLORS,
    matplotlib,
    mpl_colors,
    mpl_patches,
    mpl_ticker,
    new_figure,
    percent_formatter,
    show_message,
    text_color_on,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _labels_of(y_true, y_pred, labels):
    return np.asarray(labels) if labels is not None else np.unique(np.concatenate([np.ravel(y_true), np.ravel(y_pred)]))


def _draw_matrix(ax, matrix, labels, fmt, cmap, title):
    norm = mpl_colors.Normalize(vmin=0, vmax=max(float(matrix.max()), 1e-12))
    ax.imshow(matrix, cmap=cmap, norm=norm)
    colormap = matplotlib.colormaps[cmap]
    fontsize = "small" if len(labels) <= 12 else "xx-small"
    for (i, j), v in np.ndenumerate(matrix):
        if v == 0 and i != j:
            continue  # blank zeros keep the mistakes visible
        ax.text(j, i, fmt(v), ha="center", va="center", fontsize=fontsize, color=text_color_on(colormap(norm(v))))
    ticks = range(len(labels))
    ax.set_xticks(ticks, [str(v) for v in labels])
    ax.set_yticks(ticks, [str(v) for v in labels])
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(title)


def confusion_matrices(
    y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike | None = None, title: str | None = None
) -> Figure:
    """The confusion matrix twice: counts, and normalised by row (share of each true digit).

    Zeros off the diagonal are left blank so the mistakes stand out.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
    labels : array-like, optional
        Class labels in display order (default: every label seen, sorted).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: counts and row-normalised.
    """
    labels = _labels_of(y_true, y_pred, labels)
    counts = confusion_matrix(y_true, y_pred, labels=labels)
    totals = counts.sum(axis=1, keepdims=True)
    normalised = counts / np.maximum(totals, 1)
    fig = new_figure(12.0, 5.6)
    left, right = fig.subplots(1, 2)
    _draw_matrix(left, counts, labels, lambda v: f"{int(v)}", "Blues", "Counts (number of test digits)")
    _draw_matrix(
        right, normalised, labels, lambda v: f"{100 * v:.0f}", "Blues", "Row-normalised (% of each true digit)"
    )
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    fig.suptitle(
        title
        or f"Confusion matrix: {counts.sum() - np.trace(counts)} errors in {counts.sum()} test "
        f"digits (accuracy {accuracy:.1%})"
    )
    return fig


def confused_pairs(
    y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike | None = None
) -> list[tuple[Any, Any, int, int]]:
    """Every kind of mistake, most frequent first (ties: by true, then predicted label, in ``labels`` order).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
    labels : array-like, optional
        Default: the labels found in ``y_true`` and ``y_pred``, sorted.

    Returns
    -------
    list of (true label, predicted label, count, number of samples with that true label)
    """
    labels = _labels_of(y_true, y_pred, labels)
    counts = confusion_matrix(y_true, y_pred, labels=labels)
    off = counts.copy()
    np.fill_diagonal(off, 0)
    rows, cols = np.nonzero(off)
    order = np.lexsort((cols, rows, -off[rows, cols]))
    return [(labels[rows[k]], labels[cols[k]], int(off[rows[k], cols[k]]), int(counts[rows[k]].sum())) for k in order]


def most_confused_pairs(
    y_true: ArrayLike, y_pred: ArrayLike, top: int = 10, labels: ArrayLike | None = None, title: str | None = None
) -> Figure:
    """The most frequent mistakes, as a horizontal bar chart of "true → predicted" pairs.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
    top : int, default=10
        Number of pairs shown (fewer if there are fewer kinds of mistake).
    labels : array-like, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One axes (saying "no misclassified digits" if there is none).
    """
    every = confused_pairs(y_true, y_pred, labels)
    pairs, n_kinds = every[:top], len(every)
    fig = new_figure(6.5, max(2.8, 0.38 * len(pairs) + 1.6))
    ax = fig.add_subplot()
    shown = f"all {n_kinds}" if len(pairs) == n_kinds else f"the {len(pairs)} most frequent of {n_kinds}"
    n_wrong = sum(n for _, _, n, _ in every)
    ax.set_title(
        title
        or (
            f"Most confused digit pairs: {shown} kinds of mistake\n({n_wrong} misclassified digits in all)"
            if pairs
            else "Most confused digit pairs"
        )
    )
    if not pairs:
        show_message(ax, "no misclassified digits")
        return fig
    names = [f"{t} → {p}" for t, p, _, _ in pairs]
    values = [n for _, _, n, _ in pairs]
    ys = np.arange(len(pairs))
    ax.barh(ys, values, color=OUTCOME_COLORS["wrong"], height=0.65)
    for y, (t, _, n, total) in zip(ys, pairs):
        ax.annotate(
            f"{n}  ({n / max(total, 1):.0%} of true {t}s)",
            (n, y),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize="small",
        )
    ax.set_yticks(ys, names)
    ax.invert_yaxis()
    ax.set_xlim(0, max(values) * 1.45)
    ax.xaxis.set_major_locator(mpl_ticker.MaxNLocator(integer=True))
    ax.set_xlabel("number of test digits misclassified")
    ax.set_ylabel("true digit → predicted digit")
    ax.grid(True, axis="x", alpha=0.3)
    return fig


def _prediction_confidence(y_pred, proba, classes):
    """The probability the model gave to the label it predicted."""
    proba = np.asarray(proba, dtype=float)
    if classes is None:
        return proba.max(axis=1)
    classes = np.asarray(classes)
    index = {c: i for i, c in enumerate(classes.tolist())}
    columns = np.array([index[c] for c in np.asarray(y_pred).tolist()])
    return proba[np.arange(len(columns)), columns]


def _confidence_text(p):
    """A probability in whole percent, without rounding a not-quite-certain 99.6% up to 100%."""
    text = f"{p:.0%}"
    return ">99%" if text == "100%" and p < 1 else text


def misclassified_gallery(
    images: ArrayLike,
    y_true: ArrayLike,
    y_pred: ArrayLike,
    proba: ArrayLike | None = None,
    classes: ArrayLike | None = None,
    max_images: int = 24,
    ncols: int = 8,
    title: str | None = None,
) -> Figure:
    """The misclassified test digits as 8×8 images, the most confident mistakes first.

    Each image is titled "true → predicted" with the probability the model gave
    to its (wrong) prediction.

    Parameters
    ----------
    images : array-like of shape (n_samples, 8, 8) or (n_samples, 64)
        Pixel values (raw or scaled; each image is shown on its own grey scale).
    y_true, y_pred : array-like of shape (n_samples,)
    proba : array-like of shape (n_samples, n_classes), optional
        ``predict_proba`` output; without it, no confidence is shown and the
        order is that of the data.
    classes : array-like, optional
        The labels of the columns of ``proba`` (``estimator.classes_``); by
        default the confidence is the largest probability of each row.
    max_images : int, default=24
    ncols : int, default=8
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One axes per image shown (one axes saying "no misclassified digits" if there is none).
    """
    images = np.asarray(images, dtype=float)
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if images.ndim == 2:
        side = math.isqrt(images.shape[1])
        images = images.reshape(len(images), side, images.shape[1] // side)
    wrong = np.flatnonzero(y_true != y_pred)
    confidence = None if proba is None else _prediction_confidence(y_pred, proba, classes)
    if confidence is not None:
        wrong = wrong[np.argsort(-confidence[wrong], kind="stable")]
    shown = wrong[:max_images]
    if not len(shown):
        fig = new_figure(6, 3)
        ax = fig.add_subplot()
        show_message(ax, f"no misclassified digits (all {len(y_true)} correct)")
        ax.set_title(title or "Misclassified test digits")
        return fig
    nrows, ncols = math.ceil(len(shown) / ncols), min(ncols, len(shown))
    fig = new_figure(max(6.0, 1.25 * ncols + 0.3), 1.5 * nrows + 0.9)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, i in zip(axes, shown):
        ax.imshow(images[i], cmap="gray_r", interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        text = f"{y_true[i]} → {y_pred[i]}"
        if confidence is not None:
            text += f"\n{_confidence_text(confidence[i])} sure"
        ax.set_title(text, fontsize="small")
    for ax in axes[len(shown) :]:
        fig.delaxes(ax)
    order = "most confident first" if confidence is not None else "in data order"
    fig.suptitle(
        title
        or f"Misclassified test digits: {len(wrong)} of {len(y_true)}\n"
        f"(true → predicted; showing {len(shown)}, {order})",
        fontsize="medium",
    )
    return fig


def per_class_metrics(
    y_true: ArrayLike, y_pred: ArrayLike, labels: ArrayLike | None = None, title: str | None = None
) -> Figure:
    """Precision, recall and F1 of every class as grouped bars, with the class sizes.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
    labels : array-like, optional
        Class labels in display order (default: every label seen, sorted).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One axes.
    """
    labels = _labels_of(y_true, y_pred, labels)
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    fig = new_figure(max(7.0, 0.8 * len(labels) + 2.0), 4.6)
    ax = fig.add_subplot()
    width = 0.27
    xs = np.arange(len(labels))
    for k, (name, values, color) in enumerate(
        (("precision", precision, "#4477AA"), ("recall", recall, "#EE6677"), ("F1", f1, "#228833"))
    ):
        ax.bar(xs + (k - 1) * width, values, width * 0.95, color=color, label=name)
    low = float(np.min(np.concatenate([precision, recall, f1]))) if len(labels) else 0.0
    bottom = max(0.0, math.floor((low - 0.05) * 20) / 20)
    ax.set_ylim(bottom, 1.0 + 0.02 * (1.0 - bottom))
    ax.yaxis.set_major_locator(mpl_ticker.MaxNLocator(nbins=8, steps=[1, 2, 5, 10]))
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.set_xticks(xs, [f"{c}\n{s}" for c, s in zip(labels, support)])  # short: ten of them fit a phone
    ax.set_xlabel("digit (under it: its number of test examples)")
    ax.set_ylabel(f"score (%; axis starts at {bottom:.0%})")
    ax.grid(True, axis="y", alpha=0.3)
    fig.suptitle(title or "Precision, recall and F1 of each digit on the test set")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=3, frameon=False)
    return fig


def confidence_histogram(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    proba: ArrayLike,
    classes: ArrayLike | None = None,
    bins: int = 20,
    title: str | None = None,
) -> Figure:
    """How sure the model is when it is right and when it is wrong.

    Confidence is the probability given to the predicted class. Each group is
    normalised to 100%, so a handful of mistakes stays as visible as hundreds
    of right answers.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
    proba : array-like of shape (n_samples, n_classes)
    classes : array-like, optional
        Labels of the columns of ``proba`` (default: the largest probability is the confidence).
    bins : int, default=20
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One axes.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    proba = np.asarray(proba, dtype=float)
    confidence = _prediction_confidence(y_pred, proba, classes)
    right = y_true == y_pred
    low = 1.0 / proba.shape[1] if proba.ndim == 2 and proba.shape[1] else 0.0
    edges = np.linspace(math.floor(low * 10) / 10, 1.0, bins + 1)
    fig = new_figure(7.0, 4.4)
    ax = fig.add_subplot()
    groups = [
        (confidence[mask], OUTCOME_COLORS[key], name)
        for mask, key, name in ((right, "correct", "right"), (~right, "wrong", "wrong"))
        if mask.any()
    ]
    # side by side in each bin rather than overlaid, so no blended third colour appears
    heights, _, _ = ax.hist(
        [values for values, _, _ in groups],
        bins=edges,
        weights=[np.full(len(values), 1 / len(values)) for values, _, _ in groups],
        color=[color for _, color, _ in groups],
        rwidth=0.9,
        label=[f"{name}: {len(values)} predictions, mean confidence {values.mean():.0%}" for values, _, name in groups],
    )
    ax.set_ylim(0, 1.3 * max(float(np.max(heights)), 1e-9))  # headroom for the legend
    ax.set_yticks([t for t in ax.get_yticks() if 0 <= t <= 1 + 1e-9])  # no share above 100%
    handles, labels = ax.get_legend_handles_labels()
    for mask, key, name in ((right, "correct", "right"), (~right, "wrong", "wrong")):
        if not mask.any():  # say so in the legend rather than leave the reader looking for it
            handles.append(mpl_patches.Patch(facecolor="white", edgecolor=OUTCOME_COLORS[key]))
            labels.append(f"no {name} predictions")
    ax.xaxis.set_major_formatter(percent_formatter())
    ax.yaxis.set_major_formatter(percent_formatter())
    ax.set_xlabel("confidence: probability of the predicted digit (%)")
    ax.set_ylabel("share of the group's predictions (%)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(handles, labels, loc="upper left", fontsize="small", framealpha=0.9)
    ax.set_title(title or "Confidence of right and wrong predictions on the test set")
    return fig
