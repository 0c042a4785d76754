"""The README's "Adding an activation", run exactly as written: a throwaway activation whose derivative needs z
(softplus) is registered, passes the finite-difference gradient check, trains both estimators with every solver,
the readable and fast paths agree on it at every step, and model files keep its name."""

import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from digitnet import NumpyMLPClassifier, NumpyMLPRegressor
from digitnet import functional as F
from digitnet.errors import UsageError
from digitnet.model_file import load_model, save_model
from digitnet.nn import _fast, activations
from digitnet.nn.optimizers import SGD

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_block():
    """The Python block of the README's section "Adding an activation"."""
    section = README.read_text(encoding="utf-8").split("### Adding an activation\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


@pytest.fixture
def readme(small_digits):
    """The README's block run in a namespace holding X and y; whatever it registered is removed afterwards."""
    X, y = small_digits
    namespace = {"X": X, "y": y}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            exec(compile(_readme_block(), str(README), "exec"), namespace)  # the README's own lines
        yield namespace
    finally:
        if "softplus" in activations.HIDDEN_ACTIVATIONS:
            activations.unregister("softplus")


def test_the_readme_block_registers_an_activation_that_needs_z_and_trains_with_it(readme):
    softplus = activations.get("softplus")
    assert softplus is readme["softplus"] and softplus.needs == "z" and "softplus" not in activations.BUILT_IN
    model = readme["model"]
    assert model.activation == "softplus" and model.n_iter_ > 10
    assert model.score(readme["X"], readme["y"]) > 0.95  # it learned the training digits
    assert model.loss_curve_[-1] < model.loss_curve_[0] / 5
    # its formulas: f, f' and f'' of z, by finite differences
    z, h = np.linspace(-5, 5, 41), 1e-6
    np.testing.assert_allclose(softplus(z), np.log1p(np.exp(z)), rtol=1e-12)
    np.testing.assert_allclose(softplus.df(z=z), (softplus(z + h) - softplus(z - h)) / (2 * h), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(
        softplus.d2f(z=z), (softplus.df(z=z + h) - softplus.df(z=z - h)) / (2 * h), rtol=1e-6, atol=1e-9
    )
    # the speed path keeps Z of every hidden layer for it (and for no built-in activation)
    workspace = _fast.Workspace([64, 16, 8, 10], 20, np.float64, activation="softplus")
    assert [z.shape for z in workspace.pre_activations] == [(20, 16), (20, 8)]


@pytest.mark.parametrize("out", ["softmax", "logistic", "identity", "exp"])
def test_the_readable_and_fast_paths_agree_on_it_at_every_step(readme, out):
    """Mini-batch steps on the fast path, sample weights and an L2 penalty: at every step the readable gradient
    at the same weights is the fast one to 1e-12; and training epochs on each path agree to 1e-12."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(45, 6))
    Y = {
        "softmax": np.eye(3)[rng.integers(0, 3, 45)],
        "logistic": (rng.random((45, 2)) < 0.5).astype(float),
        "identity": rng.normal(size=(45, 2)),
        "exp": rng.poisson(1.0, (45, 2)).astype(float),
    }[out]
    sw, sizes = rng.uniform(0.5, 2, 45), [6, 7, 5, Y.shape[1]]
    flat, weights, biases = F.initialize_weights(sizes, "softplus", rng=1)
    workspace, optimizer = _fast.Workspace(sizes, 15, X.dtype, activation="softplus"), SGD(flat, 0.05)
    for batch in F.batch_slices(45, 15) * 2:
        fast = _fast.forward_into(
            X[batch], weights, biases, "softplus", out, workspace.activations, workspace.pre_activations
        )
        grad = _fast.backward_into(fast, Y[batch], weights, "softplus", 0.2, sw[batch], workspace, flat)
        readable = F.pack(
            *F.backward_pass(
                F.forward_pass(X[batch], weights, biases, "softplus", out),
                Y[batch],
                weights,
                "softplus",
                0.2,
                sw[batch],
            )
        )
        np.testing.assert_allclose(grad, readable, rtol=1e-12, atol=1e-12 * np.abs(readable).max())
        optimizer.step(grad)
    runs = []
    for train_epoch in (F.train_epoch, _fast.train_epoch):
        flat, weights, biases = F.initialize_weights(sizes, "softplus", rng=1)
        opt = SGD(flat, 0.05)
        losses = [
            train_epoch(
                X,
                Y,
                weights,
                biases,
                opt,
                activation="softplus",
                out_activation=out,
                alpha=0.2,
                batch_size=15,
                sample_weight=sw,
            )[0]
            for _ in range(3)
        ]
        runs.append((losses, flat.copy()))
    np.testing.assert_allclose(runs[1][0], runs[0][0], rtol=1e-12)
    np.testing.assert_allclose(runs[1][1], runs[0][1], rtol=1e-12, atol=1e-12 * np.abs(runs[0][1]).max())


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_both_estimators_train_with_it_with_every_solver(readme, solver):
    X, y = readme["X"], readme["y"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = NumpyMLPClassifier(
            (16,), activation="softplus", solver=solver, max_iter=60, random_state=0, learning_rate_init=0.01
        ).fit(X, y)
        reg = NumpyMLPRegressor(
            hidden_layer_sizes=(16,),
            activation="softplus",
            solver=solver,
            max_iter=60,
            random_state=0,
            learning_rate_init=0.01,
        ).fit(X, y.astype(float))
    assert clf.score(X, y) > 0.8 and reg.score(X, y) > 0.5
    assert np.isfinite(clf.predict_proba(X)).all()


def test_a_model_file_keeps_its_name_and_needs_it_registered_to_load(readme, tmp_path):
    path = tmp_path / "softplus.npz"
    model = readme["model"]
    save_model(model, path)
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict_proba(readme["X"]), model.predict_proba(readme["X"]))
    activations.unregister("softplus")
    with pytest.raises(
        UsageError,
        match=f"^{path}: invalid parameters in the metadata: the activation 'softplus' is"
        r" not registered in this process \(a user's own activation is registered"
        r" with digitnet.nn.activations.register before loading its model\); the"
        " registered ones are identity, logistic, tanh, relu, leaky_relu, elu, gelu, silu$",
    ):
        load_model(path)


def test_digitnet_gradcheck_checks_it_too(readme, capsys):
    from digitnet.cli import main

    assert main(["gradcheck"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("softplus "))
    assert float(row.split()[1]) < 1e-5 and row.endswith("ok")
