"""The compiled path (digitnet.nn._compiled, numba kernels) gives NumPy's path's numbers to the bit.

Each kernel against the NumPy code it replaces, on awkward shapes and values (NaN, inf, -0, ties); then whole fits
with the path on and off (DIGITNET_COMPILED=0) for every case the path covers; which fits it covers; and that
digitnet still trains, with the same numbers, where numba cannot be imported.
"""

import os
import subprocess
import sys

import numpy as np
import pytest
from scipy import sparse

from digitnet import NumpyMLPClassifier, NumpyMLPRegressor
from digitnet.nn import _compiled, activations
from digitnet.nn.optimizers import SGD, Adam

pytest.importorskip("numba")
K = _compiled.kernels()
pytestmark = pytest.mark.skipif(K is None, reason="the compiled path is off here (DIGITNET_COMPILED)")

DTYPES = [np.float32, np.float64]


def _awkward(rng, shape, dtype):
    """Normal numbers of mixed scales with zeros, -0, ties, and a few NaN and infinities."""
    values = rng.standard_normal(shape) * rng.choice([1e-3, 1.0, 50.0], size=shape)
    flat = values.reshape(-1)
    picks = rng.choice(flat.size, size=min(flat.size, 12), replace=False)
    flat[picks] = [0.0, -0.0, np.nan, np.inf, -np.inf, 1.0, -1.0, 0.0, 1e-30, -1e-30, 3.0, 3.0][: len(picks)]
    return values.astype(dtype)


def _same(a, b):
    np.testing.assert_array_equal(a, b)  # NaN equal to NaN, and every other number to the bit


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1, 1), (7, 3), (200, 64), (37, 129)])
def test_bias_relu_is_numpys(dtype, shape):
    rng = np.random.default_rng(0)
    Z, b = _awkward(rng, shape, dtype), _awkward(rng, shape[1], dtype)
    expected = Z.copy()
    expected += b
    activations.relu(expected, out=expected)
    with np.errstate(all="ignore"):
        K.bias_relu(Z, b)
    _same(Z, expected)
    assert not np.signbit(Z[Z == 0]).any()  # np.maximum(-0.0, 0) is +0, and so is the kernel's


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("classes", [2, 3, 7, 8, 10, 17, 64, 128])
@pytest.mark.parametrize("weighted", [False, True])
def test_softmax_and_output_delta_are_numpys(dtype, classes, weighted):
    """Shift, NumPy's exp, then one pass: the softmax's row sums in NumPy's pairwise order, P - Y, the bias sums."""
    rng = np.random.default_rng(classes)
    n = 53
    Z = (rng.standard_normal((n, classes)) * 6).astype(dtype)
    Z[3, :] = 2.5  # a row of ties
    b = rng.standard_normal(classes).astype(dtype)
    Y = np.eye(classes, dtype=dtype)[rng.integers(0, classes, n)]
    sw = rng.uniform(0.2, 3.0, n).astype(dtype) if weighted else None
    P = Z.copy()
    P += b
    activations.softmax(P, out=P)
    delta = P - Y
    if weighted:
        delta *= sw.reshape(-1, 1)
    bias = np.einsum("ij->j", delta)
    mine, my_delta, my_bias = Z.copy(), np.empty_like(Z), np.empty_like(b)
    K.bias_softmax_shift(mine, b)
    np.exp(mine, out=mine)
    K.output_delta(mine, Y, sw, my_delta, my_bias, True, True)
    _same(mine, P)
    _same(my_delta, delta)
    _same(my_bias, bias)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_shift_sends_nan_where_numpy_does(dtype):
    Z = np.array([[1.0, np.nan, 3.0], [np.inf, 0.0, 1.0], [-np.inf, -np.inf, -np.inf], [np.nan, 1, 2]], dtype)
    expected = Z.copy()
    with np.errstate(all="ignore"):
        activations.softmax(expected, out=expected)
        mine = Z.copy()
        K.bias_softmax_shift(mine, np.zeros(3, dtype))
        np.exp(mine, out=mine)
        K.output_delta(mine, np.zeros_like(Z), None, np.empty_like(Z), np.empty(3, dtype), True, True)
    _same(mine, expected)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(_compiled.HIDDEN_CODES))
@pytest.mark.parametrize("shape", [(1, 2), (37, 64), (200, 9)])
def test_hidden_delta_is_the_activations_derivative(dtype, name, shape):
    rng = np.random.default_rng(1)
    f = activations.get(name)
    with np.errstate(all="ignore"):
        A = f.apply(_awkward(rng, shape, dtype))
        delta = _awkward(rng, shape, dtype)
        expected = f.apply_derivative(A, delta.copy())
        bias = np.einsum("ij->j", expected)
        mine, my_bias = delta.copy(), np.empty(shape[1], dtype)
        K.hidden_delta(mine, A, _compiled.HIDDEN_CODES[name], my_bias, True)
    _same(mine, expected)
    _same(my_bias, bias)


def _scaled(grad, params, n_weights, alpha, total):
    """digitnet.nn._fast.backward_into's last lines."""
    grad = grad.copy()
    if alpha:
        grad[:n_weights] += alpha * params[:n_weights]
    grad /= total
    return grad


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("alpha", [0.0, 1e-4, 0.3])
def test_adam_step_is_adams(dtype, alpha):
    rng = np.random.default_rng(2)
    n, n_weights, total = 4810, 4096, 200
    theirs, mine = (rng.standard_normal(n).astype(dtype) for _ in range(2))
    mine[...] = theirs
    numpy_adam, my_adam = Adam(theirs, 0.01), Adam(mine, 0.01)
    for _ in range(5):  # several steps: the moments and the bias correction move on
        grad = rng.standard_normal(n).astype(dtype)
        numpy_adam.step(_scaled(grad, theirs, n_weights, alpha, total))
        my_adam.advance()
        cast = np.dtype(dtype).type
        K.adam_step(
            mine,
            grad,
            my_adam.m,
            my_adam.v,
            n_weights,
            cast(alpha),
            cast(total),
            cast(0.9),
            cast(1 - 0.9),
            cast(0.999),
            cast(1 - 0.999),
            cast(-my_adam.learning_rate),
            cast(1e-8),
        )
        _same(grad, _scaled(grad, theirs, 0, 0.0, 1))  # (the scaled gradient is left in grad, as NumPy's path does)
    _same(mine, theirs)
    _same(my_adam.m, numpy_adam.m)
    _same(my_adam.v, numpy_adam.v)
    assert my_adam.t == numpy_adam.t == 5


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("nesterov", [True, False])
def test_sgd_step_is_sgds(dtype, nesterov):
    rng = np.random.default_rng(3)
    n, n_weights, total, alpha = 300, 250, 37, 1e-3
    theirs = rng.standard_normal(n).astype(dtype)
    mine = theirs.copy()
    numpy_sgd, my_sgd = SGD(theirs, 0.05, 0.9, nesterov), SGD(mine, 0.05, 0.9, nesterov)
    cast = np.dtype(dtype).type
    for _ in range(4):
        grad = rng.standard_normal(n).astype(dtype)
        numpy_sgd.step(_scaled(grad, theirs, n_weights, alpha, total))
        K.sgd_step(mine, grad, my_sgd.velocity, n_weights, cast(alpha), cast(total), cast(0.05), cast(0.9), nesterov)
    _same(mine, theirs)
    _same(my_sgd.velocity, numpy_sgd.velocity)


class _CountingSteps(_compiled.Steps):
    """The compiled path's steps, counted (to know which path a fit took)."""

    taken = 0

    def __call__(self, *args):
        _CountingSteps.taken += 1
        return super().__call__(*args)


def _fit(estimator, X, y, compiled, monkeypatch, **fit_params):
    monkeypatch.setenv(_compiled.ENVIRONMENT, "1" if compiled else "0")
    monkeypatch.setattr(_compiled, "Steps", _CountingSteps)
    _CountingSteps.taken = 0
    model = estimator.fit(X, y, **fit_params)
    assert (_CountingSteps.taken > 0) == compiled  # the path the test means to exercise
    monkeypatch.delenv(_compiled.ENVIRONMENT)
    return model


def _assert_same_fits(make, X, y, monkeypatch, **fit_params):
    """Fit twice, compiled and NumPy (every step on the path asked for): every weight, loss and score the same to
    the bit."""
    on, off = (_fit(make(), X, y, compiled, monkeypatch, **fit_params) for compiled in (True, False))
    for mine, theirs in zip(on.coefs_ + on.intercepts_, off.coefs_ + off.intercepts_):
        _same(mine, theirs)
    assert on.loss_curve_ == off.loss_curve_
    assert {k: v for k, v in on.history_.items()} == {k: v for k, v in off.history_.items()}
    assert on.n_iter_ == off.n_iter_
    return on


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", list(_compiled.HIDDEN_CODES))
@pytest.mark.parametrize("solver", ["adam", "sgd", "adamw"])
def test_fits_are_the_same_compiled_or_not(small_digits, monkeypatch, dtype, activation, solver):
    X, y = small_digits
    _assert_same_fits(
        lambda: NumpyMLPClassifier(
            (16, 8), activation, solver=solver, batch_size=64, max_iter=6, alpha=1e-3, random_state=1, tol=0
        ),
        X.astype(dtype),
        y,
        monkeypatch,
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_compiled_path_covers_the_estimators_options(small_digits, monkeypatch, dtype):
    """Sample weights, class weights, label smoothing, nesterov and plain momentum, invscaling, early stopping with
    validation rows, two classes (one logistic output: a single column), sparse rows, and a regressor."""
    X, y = small_digits
    X = X.astype(dtype)
    weights = np.random.default_rng(0).uniform(0.2, 2.0, len(y))
    cases = [
        (dict(solver="sgd", momentum=0.9, nesterovs_momentum=False, learning_rate="invscaling"), y, {}),
        (dict(class_weight="balanced", label_smoothing=0.1), y, {"sample_weight": weights}),
        (dict(early_stopping=True, validation_fraction=0.2, n_iter_no_change=2), y, {}),
        (dict(solver="sgd", learning_rate="cosine"), y % 2, {}),
    ]
    for params, labels, fit_params in cases:
        _assert_same_fits(
            lambda: NumpyMLPClassifier((12,), batch_size=50, max_iter=5, random_state=0, **params),
            X,
            labels,
            monkeypatch,
            **fit_params,
        )
    _assert_same_fits(
        lambda: NumpyMLPClassifier((12,), "tanh", batch_size=50, max_iter=4, random_state=0),
        sparse.csr_matrix(X),
        y,
        monkeypatch,
    )
    for loss in ("squared_error", "poisson"):  # identity and exp outputs, one column and two
        for target in (y.astype(dtype), np.c_[y, y % 3].astype(dtype)):
            _assert_same_fits(
                lambda: NumpyMLPRegressor(
                    loss, hidden_layer_sizes=(12,), batch_size=50, max_iter=4, learning_rate_init=1e-4, random_state=0
                ),
                X,
                target,
                monkeypatch,
            )


def test_a_numpy_float64_setting_in_a_float32_fit_keeps_numpys_numbers(small_digits, monkeypatch):
    """NumPy computes float32 * np.float64(a) in float64: the fused step steps aside for NumPy's operations."""
    X, y = small_digits
    make = lambda: NumpyMLPClassifier(
        (10,),
        alpha=np.float64(0.01),
        learning_rate_init=np.float64(0.003),  # noqa
        max_iter=4,
        random_state=0,
    )
    _assert_same_fits(make, X.astype(np.float32), y, monkeypatch)


def test_which_fits_take_the_compiled_path(monkeypatch):
    params = np.zeros(10, np.float32)
    adam, sgd = Adam(params), SGD(params.astype(np.float64))
    plan = _compiled.plan("relu", "softmax", np.float32, None, adam)
    assert (plan.hidden, plan.softmax, plan.optimizer) == (_compiled.HIDDEN_CODES["relu"], True, "adam")
    assert _compiled.plan("tanh", "identity", np.float64, None, sgd).optimizer == "sgd"
    assert _compiled.plan("tanh", "identity", np.float32, None, sgd).optimizer is None  # not the fit's dtype
    assert _compiled.plan("relu", "softmax", np.float64, (0.2,), adam) is None  # dropout: NumPy's path
    assert _compiled.plan("gelu", "softmax", np.float64, None, adam) is None  # f' of z
    own = activations.Activation("mine", np.tanh, lambda z: 1 - np.tanh(z) ** 2)
    assert _compiled.plan(own, "softmax", np.float64, None, adam) is None
    assert _compiled.plan("relu", "softmax", np.float16, None, adam) is None
    monkeypatch.setenv(_compiled.ENVIRONMENT, "0")
    assert _compiled.plan("relu", "softmax", np.float32, None, adam) is None
    assert _compiled.status() == "NumPy (the compiled path is off: DIGITNET_COMPILED=0)"
    monkeypatch.setenv(_compiled.ENVIRONMENT, "on")
    assert _compiled.status().startswith("compiled (numba ")


def test_without_numba_digitnet_trains_on_numpy_with_the_same_numbers(tmp_path):
    """A real process in which ``import numba`` fails: the fit runs on NumPy's path and gives the compiled fit's
    weights."""
    script = (
        "import sys; sys.modules['numba'] = None\n"  # import numba now raises ImportError
        "import numpy as np\n"
        "from sklearn.datasets import load_digits\n"
        "from digitnet import NumpyMLPClassifier\n"
        "from digitnet.nn import _compiled\n"
        "X, y = load_digits(return_X_y=True)\n"
        "m = NumpyMLPClassifier((8,), max_iter=3, random_state=0).fit(X[:300] / 16, y[:300])\n"
        f"np.save({str(tmp_path / 'w.npy')!r}, m.coefs_[0])\n"
        "print(_compiled.status())\n"
    )
    env = {k: v for k, v in os.environ.items() if k != _compiled.ENVIRONMENT}
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "NumPy (numba is not installed)"
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    compiled = NumpyMLPClassifier((8,), max_iter=3, random_state=0).fit(X[:300] / 16, y[:300])
    _same(np.load(tmp_path / "w.npy"), compiled.coefs_[0])


@pytest.mark.parametrize("dtype", DTYPES)
def test_count_argmax_is_numpys(dtype):
    """The first largest entry of each row (the first NaN, where a row has one), against the class index."""
    rng = np.random.default_rng(4)
    P = rng.integers(0, 4, (500, 10)).astype(dtype)  # many ties
    P[::37, 3] = np.nan
    P[::41, 0] = np.nan
    labels = rng.integers(0, 10, 500)
    labels[::3] = P[::3].argmax(axis=1)
    expected = int(np.count_nonzero(P.argmax(axis=1) == labels))
    assert K.count_argmax(P, labels) == expected > 150


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ["relu", "tanh", "identity"])
@pytest.mark.parametrize(
    "out, width", [("softmax", 10), ("softmax", 130), ("logistic", 3), ("identity", 1), ("exp", 2)]
)
def test_compiled_forward_is_numpys(monkeypatch, dtype, activation, out, width):
    """Prediction and the validation rows' scores go through _fast.forward_into: the same outputs either way (a
    softmax of more than 128 classes normalised by NumPy's sum)."""
    from digitnet import functional as F
    from digitnet.nn import _fast

    rng = np.random.default_rng(5)
    X = rng.standard_normal((45, 7)).astype(dtype)
    _, weights, biases = F.initialize_weights([7, 12, 9, width], activation, rng=0, dtype=dtype)
    outputs = []
    for flag in ("1", "0"):
        monkeypatch.setenv(_compiled.ENVIRONMENT, flag)
        with np.errstate(over="ignore"):
            outputs.append(
                _fast.forward_into(
                    X, weights, biases, activation, out, [np.empty((45, W.shape[1]), dtype) for W in weights]
                )
            )
    assert _compiled.forward(X, weights, biases, "gelu", out, [np.empty((45, 3))]) is None  # NumPy's
    for mine, theirs in zip(*outputs):
        _same(mine, theirs)


@pytest.mark.parametrize("dtype", DTYPES)
def test_pairwise_sum_any_is_numpys_sum(dtype):
    rng = np.random.default_rng(6)
    for n in [*range(1, 300), 1000, 1437, 4096, 70001]:
        a = (rng.random(n + 3) * rng.choice([1e-3, 1.0, 1e4], n + 3)).astype(dtype)
        assert K.pairwise_sum_any(a[3:], n) == a[3:].sum()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("alpha", [0.0, 1e-4])
def test_epoch_loss_is_the_mean_loss_loop(dtype, alpha):
    from digitnet.nn import _fast

    rng = np.random.default_rng(7)
    per_sample = rng.random(1437).astype(dtype) * 3
    batch_size = 200
    penalties = list(rng.random(8) * 40)
    expected = 0.0
    for start, penalty in zip(range(0, 1437, batch_size), penalties):
        part = per_sample[start : start + batch_size]
        expected += _fast.mean_loss(part, None, alpha, penalty) * len(part)
    assert K.epoch_loss(per_sample, batch_size, alpha, np.asarray(penalties)) == expected


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_setting_changed_between_epochs_is_read(small_digits, monkeypatch, dtype):
    """The compiled steps are kept from epoch to epoch; a setting a callback changes between epochs (here Adam's rate,
    once as a Python float, once as a NumPy float64 in a float32 fit) is read as NumPy's path reads it."""
    from digitnet import functional as F
    from digitnet.nn import _fast

    X, y = small_digits
    X, Y = X.astype(dtype), np.eye(10, dtype=dtype)[y]
    results = []
    for flag in ("1", "0"):
        monkeypatch.setenv(_compiled.ENVIRONMENT, flag)
        flat, weights, biases = F.initialize_weights([64, 16, 10], "relu", rng=0, dtype=dtype)
        adam = Adam(flat, 0.01)
        workspace = _fast.Workspace([64, 16, 10], 50, dtype, len(y), "relu")
        losses = []
        for rate in (0.01, 0.003, np.float64(0.002), 0.001):
            adam.learning_rate_init = rate
            losses.append(
                _fast.train_epoch(
                    X,
                    Y,
                    weights,
                    biases,
                    adam,
                    activation="relu",
                    out_activation="softmax",
                    alpha=1e-3,
                    batch_size=50,
                    workspace=workspace,
                )[0]
            )
        results.append((flat.copy(), losses))
    _same(results[0][0], results[1][0])
    assert results[0][1] == results[1][1]


def _count_dense(monkeypatch):
    calls = []
    dense = _compiled.Steps.dense
    monkeypatch.setattr(_compiled.Steps, "dense", lambda self, *args: calls.append(1) or dense(self, *args))
    return calls


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("hidden", [(64,), (24, 12, 8)])
def test_the_two_call_step_gives_numpys_numbers(small_digits, monkeypatch, dtype, hidden):
    """relu networks on dense rows run each step in two kernel calls, BLAS called from numba, where numba's products
    are NumPy's (here they are: the two BLAS builds run the same kernels); the numbers are NumPy's path's."""
    X, y = small_digits
    layers = [64, *hidden, 10]
    if not _compiled.blas_agrees(dtype, layers, 64):
        pytest.skip("numba's BLAS products differ from NumPy's here: the steps keep NumPy's products")
    calls = _count_dense(monkeypatch)
    _assert_same_fits(
        lambda: NumpyMLPClassifier(hidden, batch_size=64, max_iter=5, alpha=1e-3, random_state=0),
        X.astype(dtype),
        y,
        monkeypatch,
    )
    assert len(calls) == 5 * 5  # every step of every epoch (300 rows: 4 batches of 64 and one of 44)
    assert _compiled.blas_agrees(dtype, layers, 44) is True  # and for the short batch, tried once, kept
    assert (np.dtype(dtype), tuple(layers), 44) in _compiled._AGREES


def test_where_numbas_products_differ_the_steps_keep_numpys(small_digits, monkeypatch):
    X, y = small_digits
    monkeypatch.setattr(_compiled, "blas_agrees", lambda *args: False)
    calls = _count_dense(monkeypatch)
    _assert_same_fits(lambda: NumpyMLPClassifier((16,), batch_size=64, max_iter=3, random_state=0), X, y, monkeypatch)
    assert calls == []


def test_products_agree_compares_every_product_of_a_step():
    """The check itself: it says no when one product differs (a kernel whose dot adds one ulp)."""

    class OffByOne:
        BLOCK = K.BLOCK

        @staticmethod
        def dot_into(a, b, out):
            np.matmul(a, b, out=out)
            out[0, 0] = np.nextafter(out[0, 0], np.inf)

        squared_norm = staticmethod(K.squared_norm)

    assert _compiled._products_agree(K, np.dtype(np.float64), [5, 4, 3], 7)
    assert not _compiled._products_agree(OffByOne, np.dtype(np.float64), [5, 4, 3], 7)


@pytest.mark.parametrize("dtype", DTYPES)
def test_true_class_scores_are_einsums_and_argmaxs(dtype):
    rng = np.random.default_rng(8)
    P = rng.random((300, 10)).astype(dtype)
    P[5, 2], P[9, :] = np.nan, np.inf
    labels = rng.integers(0, 10, 300)
    Y = np.eye(10, dtype=dtype)[labels]
    p_true = np.empty(300, dtype)
    with np.errstate(invalid="ignore"):
        correct = K.true_class_scores(Y, P, labels, p_true)
        _same(p_true, np.einsum("ij,ij->i", Y, P))
    assert correct == np.count_nonzero(P.argmax(axis=1) == labels)
    smoothed = Y * 0.9 + 0.01
    assert K.true_class_scores(smoothed, P, labels, p_true) == -1  # not one-hot: NumPy's einsum instead
    twice = Y.copy()
    twice[7, (labels[7] + 1) % 10] = 1
    assert K.true_class_scores(twice, P, labels, p_true) == -1
