"""Every study's figures are readable without the text: a title, labelled axes (with units), a legend; and they
draw what the readings say."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from digitnet.studies.learning_rate import RateReading, illustrative_rates


@pytest.fixture(scope="module")
def figures(built):
    _, _, _, data = built
    drawn = {name: o.study.figures(o.reading) for name, o in data.studies.items() if o.study.section == "training"}
    yield drawn
    plt.close("all")


def data_studies_captions(name):
    from digitnet.studies import get

    return get(name).captions


def _data_axes(fig):
    """The axes that plot data; a colour bar is a key to another axes' data, with one label and no title."""
    return [ax for ax in fig.axes if ax.has_data() and not _is_colorbar(ax)]


def _ylabel(ax):
    """A panel's y label, or that of the panel it shares its y axis with in the same row (labelled once per row)."""
    return ax.get_ylabel() or next(
        (
            other.get_ylabel()
            for other in ax.get_shared_y_axes().get_siblings(ax)
            if other.get_ylabel() and other.get_position().y0 == ax.get_position().y0
        ),
        "",
    )


def _is_colorbar(ax):
    return getattr(ax, "_colorbar", None) is not None


def test_every_study_figure_has_a_title_labelled_axes_and_a_legend(figures):
    for study, drawn in figures.items():
        assert drawn, study
        assert list(drawn) == [key for key, _ in data_studies_captions(study)], study
        for key, fig in drawn.items():
            axes = _data_axes(fig)
            assert axes, key
            assert fig.get_suptitle() or all(ax.get_title() for ax in axes), key
            for ax in axes:
                assert _ylabel(ax), (key, "y label")
                assert ax.get_xlabel() or ax.get_shared_x_axes().get_siblings(ax) != [ax], (key, "x label")
                if ax.get_yscale() == "log" or ax.get_xscale() == "log":
                    assert "log" in ax.get_xlabel() + _ylabel(ax), (key, "say which axis is on a log scale")
            assert fig.legends or any(ax.get_legend() for ax in axes), (key, "legend")
            labels = " ".join(ax.get_ylabel() for ax in fig.axes if ax in axes or _is_colorbar(ax))
            assert any(unit in labels for unit in ("nats", "%", "std")), (key, "units")


def test_learning_rate_figures_show_every_rate_and_the_divergent_ones(built, figures):
    _, _, _, data = built
    readings = data.studies["learning-rate"].reading.rates
    landscape = figures["learning-rate"]["learning_rate_landscape"]
    loss_ax = landscape.axes[0]
    assert loss_ax.get_xscale() == "log"
    sound = [r for r in readings if r.diverged_at is None]
    np.testing.assert_allclose(loss_ax.get_lines()[0].get_xdata(), [r.rate for r in sound])
    notes = [t.get_text() for t in loss_ax.texts]
    assert notes == [f"diverged at epoch {r.diverged_at}" for r in readings if r.diverged_at is not None]
    assert notes, "the quick learning-rate study has divergent rates"
    curves = figures["learning-rate"]["learning_rate_curves"]
    legend = [t.get_text() for t in curves.axes[0].get_legend().get_texts()]
    picked = illustrative_rates(readings)
    assert len(legend) == len(picked) and any("diverges" in t for t in legend) and any("good" in t for t in legend)


def test_illustrative_rates_include_the_best_the_last_sound_and_the_first_divergent():
    def reading(rate, val, region, diverged=None):
        return RateReading(rate, val, 0.0, 0.1, diverged, 0.0, 1.0, region)

    readings = [
        reading(0.001, 0.2, "too small"),
        reading(0.01, 0.8, "too small"),
        reading(0.1, 0.97, "good"),
        reading(1.0, 0.95, "too large"),
        reading(10.0, float("nan"), "diverges", 4),
        reading(30.0, float("nan"), "diverges", 2),
    ]
    assert illustrative_rates(readings) == [0.001, 0.01, 0.1, 1.0, 10.0]


def test_the_baselines_figure_has_a_row_per_model_with_its_interval(built):
    _, _, _, data = built
    from digitnet.plots import baselines_figure

    fig = baselines_figure(data.baselines.models)
    ax = _data_axes(fig)[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [m.name for m in data.baselines.models]
    assert list(ax.get_yticks()) == list(range(len(data.baselines.models)))[::-1]  # the first model on top
    assert ax.get_xlabel() == "accuracy on the test set (%)" and ax.get_ylabel() == "model" and ax.get_title()
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[0] == "Wilson's 95% interval (360 test digits)" and "one seed" in labels
    intervals = [line.get_xdata() for line in ax.get_lines() if len(line.get_xdata()) == 2]
    assert [tuple(x) for x in intervals] == [m.interval for m in data.baselines.models]
    plt.close(fig)


def test_the_architecture_figure_has_a_line_per_activation_and_scaling(built):
    _, _, _, data = built
    outcome = data.studies["architecture"]
    fig = outcome.study.figures(outcome.reading)["architecture"]
    axes = _data_axes(fig)
    assert [ax.get_title() for ax in axes] == ["1 hidden layer"]  # the quick grid: one depth
    assert axes[0].get_ylabel() == "cross-validated accuracy (%)"
    legend = fig.legends[0]
    assert legend.get_title().get_text() == "activation (scaling)"
    assert sorted(t.get_text() for t in legend.get_texts()) == [
        "relu (max)",
        "relu (standard)",
        "tanh (max)",
        "tanh (standard)",
    ]
    plt.close(fig)
