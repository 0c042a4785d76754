"""The features scikit-learn declined against PyTorch, float64, to 1e-9: each new optimizer (AdamW, RMSprop,
NAdam), schedule (cosine with warmup, step, onecycle), loss (label smoothing), activation (gelu, silu) and dropout
(with its masks given to both) trains as torch trains the same network from the same weights on the same batches.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from digitnet.nn import activations  # noqa: E402
from digitnet.nn.network import backward_pass, compute_loss, dropout_masks, forward_pass, smooth_labels  # noqa: E402
from digitnet.nn.optimizers import AdamW, NAdam, RMSprop  # noqa: E402
from digitnet.nn.schedules import Cosine, OneCycle, StepDecay  # noqa: E402

from .torch_reference import starting_weights, torch_logits, train_digitnet, train_torch  # noqa: E402

TOLERANCE = 1e-9
EPOCHS, BATCH = 6, 40


@pytest.fixture(autouse=True)
def float64_torch():
    """torch in float64 throughout: its optimizers keep their scalar state (NAdam's product of momenta, the step
    counts) in the default dtype, float32 unless it is set to float64."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


@pytest.fixture(scope="module")
def rows(small_digits):
    X, y = small_digits
    return X[:200], y[:200]


def _compare(model, reference):
    losses, _, weights, biases = reference
    np.testing.assert_allclose(model.loss_curve_, losses, rtol=0, atol=TOLERANCE)
    for mine, theirs in zip(model.coefs_ + model.intercepts_, weights + biases):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=TOLERANCE)
    assert model.loss_curve_[-1] < 0.9 * model.loss_curve_[0]  # it learned: not two idle networks compared


def _decayed(optimizer, **options):
    """A torch optimizer over two groups, the weights decayed and the biases not (as digitnet's AdamW decays)."""
    weight_decay = options.pop("weight_decay", 0.0)
    return lambda Ws, bs: optimizer(
        [{"params": Ws, "weight_decay": weight_decay}, {"params": bs, "weight_decay": 0.0}], **options
    )


OPTIMIZERS = {  # digitnet's parameters -> torch's optimizer
    "adamw": (
        dict(solver="adamw", learning_rate_init=0.01, weight_decay=0.05, beta_1=0.85, beta_2=0.99, epsilon=1e-7),
        _decayed(torch.optim.AdamW, lr=0.01, betas=(0.85, 0.99), eps=1e-7, weight_decay=0.05),
    ),
    "rmsprop": (
        dict(solver="rmsprop", learning_rate_init=0.002, rho=0.95, epsilon=1e-6),
        _decayed(torch.optim.RMSprop, lr=0.002, alpha=0.95, eps=1e-6),
    ),
    "nadam": (
        dict(solver="nadam", learning_rate_init=0.01, beta_1=0.9, beta_2=0.995),
        _decayed(torch.optim.NAdam, lr=0.01, betas=(0.9, 0.995)),
    ),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_each_new_optimizer_trains_as_torch(rows, name):
    X, y = rows
    weights, biases = starting_weights([64, 16, 10])
    params, make = OPTIMIZERS[name]
    model = train_digitnet(X, y, weights, biases, epochs=EPOCHS, batch_size=BATCH, activation="tanh", **params)
    _compare(
        model,
        train_torch(X, y, weights, biases, activation="tanh", make_optimizer=make, epochs=EPOCHS, batch_size=BATCH),
    )


def _sgd(lr):
    return lambda Ws, bs: torch.optim.SGD(Ws + bs, lr=lr)


SCHEDULES = {  # digitnet's parameters -> (torch's scheduler, stepped per step?)
    "cosine": (
        dict(learning_rate="cosine"),
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=EPOCHS),
        False,
    ),
    "cosine-warmup": (
        dict(learning_rate="cosine", warmup=2),
        lambda o: torch.optim.lr_scheduler.SequentialLR(
            o,
            [
                torch.optim.lr_scheduler.LinearLR(o, start_factor=1 / 3, total_iters=2),
                torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=EPOCHS - 2),
            ],
            milestones=[2],
        ),
        False,
    ),
    "step": (
        dict(learning_rate="step", step_every=2, step_factor=0.5),
        lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=2, gamma=0.5),
        False,
    ),
    "onecycle": (
        dict(learning_rate="onecycle"),
        lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.2, total_steps=EPOCHS * 5, cycle_momentum=False),
        True,
    ),
}


@pytest.mark.parametrize("name", SCHEDULES)
@pytest.mark.parametrize("solver", ["sgd", "nadam"])
def test_each_schedule_trains_as_torch(rows, name, solver):
    """SGD without momentum (torch's momentum buffer differs from scikit-learn's velocity once the rate changes)
    and NAdam, with each schedule: the same rate at every step, the same weights."""
    X, y = rows
    weights, biases = starting_weights([64, 16, 10])
    params, make_scheduler, per_step = SCHEDULES[name]
    lr = 0.2 if solver == "sgd" else 0.02
    optimizer = _sgd(lr) if solver == "sgd" else _decayed(torch.optim.NAdam, lr=lr)
    if name == "onecycle":
        make_scheduler = lambda o: torch.optim.lr_scheduler.OneCycleLR(
            o, max_lr=lr, total_steps=EPOCHS * 5, cycle_momentum=False
        )
    model = train_digitnet(
        X,
        y,
        weights,
        biases,
        epochs=EPOCHS,
        batch_size=BATCH,
        activation="relu",
        solver=solver,
        learning_rate_init=lr,
        momentum=0.0,
        **params,
    )
    reference = train_torch(
        X,
        y,
        weights,
        biases,
        activation="relu",
        make_optimizer=optimizer,
        make_scheduler=make_scheduler,
        per_step=per_step,
        epochs=EPOCHS,
        batch_size=BATCH,
    )
    _compare(model, reference)
    assert len(set(np.round(reference[1], 12))) > 2  # the rate did change along the way


@pytest.mark.parametrize(
    "name, ours, theirs",
    [
        ("cosine", Cosine(50), lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=50)),
        (
            "cosine-warmup",
            Cosine(50, 5),
            lambda o: torch.optim.lr_scheduler.SequentialLR(
                o,
                [
                    torch.optim.lr_scheduler.LinearLR(o, start_factor=1 / 6, total_iters=5),
                    torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=45),
                ],
                milestones=[5],
            ),
        ),
        ("step", StepDecay(7, 0.3), lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.3)),
        (
            "onecycle",
            OneCycle(50),
            lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.05, total_steps=50, cycle_momentum=False),
        ),
    ],
)
def test_each_schedule_gives_torchs_rates_over_a_whole_course(name, ours, theirs):
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.05)
    scheduler = theirs(optimizer)
    expected = []
    for _ in range(50):
        expected.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step() if name != "onecycle" or len(expected) < 50 else None
    np.testing.assert_allclose([ours.rate(0.05, k) for k in range(50)], expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("label_smoothing", [0.1, 0.3])
def test_label_smoothing_trains_as_torchs_cross_entropy(rows, label_smoothing):
    X, y = rows
    weights, biases = starting_weights([64, 16, 10])
    model = train_digitnet(
        X,
        y,
        weights,
        biases,
        epochs=EPOCHS,
        batch_size=BATCH,
        activation="relu",
        solver="sgd",
        learning_rate_init=0.1,
        momentum=0.0,
        label_smoothing=label_smoothing,
    )
    _compare(
        model,
        train_torch(
            X,
            y,
            weights,
            biases,
            activation="relu",
            make_optimizer=_sgd(0.1),
            epochs=EPOCHS,
            batch_size=BATCH,
            label_smoothing=label_smoothing,
        ),
    )


def test_label_smoothing_loss_and_gradient_are_torchs_for_softmax_and_one_logistic_unit():
    """The loss and its gradient with respect to the output's Z, per row: a softmax over 4 classes, and one
    logistic unit, which is a softmax over the two logits (0, z)."""
    rng = np.random.default_rng(0)
    Z, labels = rng.normal(size=(9, 4)) * 3, rng.integers(4, size=9)
    for K, z, out in ((4, Z, "softmax"), (2, Z[:, :1], "logistic")):
        y = labels % K
        Y = smooth_labels(np.eye(K)[y] if K > 2 else y.reshape(-1, 1).astype(float), 0.2, out)
        P = activations.get(out)(z)
        ours = compute_loss(Y, P, out_activation=out)
        logits = torch.tensor(z if K > 2 else np.hstack([np.zeros_like(z), z]), requires_grad=True)
        theirs = torch.nn.functional.cross_entropy(logits, torch.tensor(y), label_smoothing=0.2)
        theirs.backward()
        assert ours == pytest.approx(theirs.item(), abs=1e-12)
        grad = logits.grad.numpy() if K > 2 else logits.grad.numpy()[:, 1:]
        np.testing.assert_allclose((P - Y) / len(y), grad, rtol=0, atol=1e-12)  # backward_pass's delta at the output


@pytest.mark.parametrize("activation", ["gelu", "silu"])
def test_gelu_and_silu_and_their_derivatives_are_torchs(activation):
    z = torch.linspace(-8, 8, 401, dtype=torch.float64, requires_grad=True)
    f = {"gelu": lambda t: torch.nn.functional.gelu(t, approximate="none"), "silu": torch.nn.functional.silu}[
        activation
    ]
    a = f(z)
    (d1,) = torch.autograd.grad(a.sum(), z, create_graph=True)
    (d2,) = torch.autograd.grad(d1.sum(), z)
    ours, values = activations.get(activation), z.detach().numpy()
    np.testing.assert_allclose(ours(values), a.detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.df(z=values), d1.detach().numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.d2f(z=values), d2.numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("activation", ["gelu", "silu"])
def test_gelu_and_silu_networks_train_as_torch(rows, activation):
    X, y = rows
    weights, biases = starting_weights([64, 16, 12, 10])
    model = train_digitnet(
        X,
        y,
        weights,
        biases,
        epochs=EPOCHS,
        batch_size=BATCH,
        activation=activation,
        solver="sgd",
        learning_rate_init=0.1,
        momentum=0.0,
    )
    _compare(
        model,
        train_torch(
            X, y, weights, biases, activation=activation, make_optimizer=_sgd(0.1), epochs=EPOCHS, batch_size=BATCH
        ),
    )


@pytest.mark.parametrize("activation", ["tanh", "relu", "gelu"])
def test_dropout_forward_and_gradient_with_fixed_masks_are_torchs(activation):
    """Inverted dropout with the same masks: the loss and every gradient equal torch's autograd (1e-12)."""
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(30, 6)), rng.integers(3, size=30)
    weights, biases = starting_weights([6, 8, 5, 3], seed=2)
    masks = dropout_masks(rng, (0.5, 0.2), 30, (8, 5))
    layers = forward_pass(X, weights, biases, activation, masks=masks)
    loss = compute_loss(np.eye(3)[y], layers[-1])
    dW, db = backward_pass(layers, np.eye(3)[y], weights, activation)
    Ws = [torch.tensor(W, requires_grad=True) for W in weights]
    bs = [torch.tensor(b, requires_grad=True) for b in biases]
    theirs = torch.nn.functional.cross_entropy(
        torch_logits(torch.tensor(X), Ws, bs, activation, masks), torch.tensor(y)
    )
    theirs.backward()
    assert loss == pytest.approx(theirs.item(), abs=1e-12)
    for mine, tensor in zip(dW + db, Ws + bs):
        np.testing.assert_allclose(mine, tensor.grad.numpy(), rtol=0, atol=1e-12)
    assert all(set(np.unique(m)) == {0.0, 1 / (1 - p)} for m, p in zip(masks, (0.5, 0.2)))


@pytest.mark.parametrize("optimizer", [AdamW, RMSprop, NAdam])
def test_optimizers_on_their_own_over_many_steps_equal_torchs(optimizer):
    """Each optimizer on a flat vector and a sequence of gradients (100 steps) against torch's, with every decay."""
    rng = np.random.default_rng(5)
    start, grads = rng.normal(size=50), rng.normal(size=(100, 50)) * np.logspace(-3, 1, 50)
    params = start.copy()
    if optimizer is AdamW:
        ours, theirs = optimizer(params, 0.01, 0.8, 0.95, 1e-6, 0.1), torch.optim.AdamW
        options = dict(lr=0.01, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1)
    elif optimizer is RMSprop:
        ours, theirs, options = (
            optimizer(params, 0.01, 0.9, 1e-6),
            torch.optim.RMSprop,
            dict(lr=0.01, alpha=0.9, eps=1e-6),
        )
    else:
        ours, theirs = optimizer(params, 0.01, 0.8, 0.95, 1e-6), torch.optim.NAdam
        options = dict(lr=0.01, betas=(0.8, 0.95), eps=1e-6)
    tensor = torch.tensor(start, requires_grad=True)
    reference = theirs([tensor], foreach=False, **options)
    for g in grads:
        ours.step(g)
        tensor.grad = torch.tensor(g)
        reference.step()
    np.testing.assert_allclose(params, tensor.detach().numpy(), rtol=0, atol=1e-12)
