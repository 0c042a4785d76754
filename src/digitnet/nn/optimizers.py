"""Gradient-descent optimizers over one flat parameter vector.

One protocol (:class:`Optimizer`) for all of them: ``opt = Optimizer(params, ...)`` keeps a
reference to the flat parameter array; ``opt.step(grad)`` updates it in place from a flat
gradient of the same shape; ``opt.rate`` is the learning rate of the next step before any
correction of the optimizer's own (what a schedule of :mod:`digitnet.nn.schedules` sets);
``opt.iteration_ends(t)`` runs scikit-learn's schedules after each epoch (``t`` = samples seen so
far); and ``opt.trigger_stopping(msg, verbose)`` says whether a stalled fit should stop.

:class:`SGD` and :class:`Adam` are scikit-learn's MLPClassifier's, operation for operation, so results
agree to rounding (bit for bit today). :class:`AdamW`, :class:`RMSprop` and :class:`NAdam`, which
scikit-learn declined, are PyTorch's (``torch.optim``, its single-tensor code, default options but the
ones named), equal to its numbers to 1e-12 in float64 (``tests/nn/test_optimizers_torch.py``).

Because the whole network is one array, a step is a handful of vectorised operations, whatever
the number of layers; state and scratch buffers are allocated once.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

from .schedules import SCHEDULES  # noqa: F401  (their names, as before the schedules had a module)


class Optimizer(Protocol):
    """What training needs of an optimizer."""

    params: np.ndarray
    learning_rate: float
    rate: float

    def step(self, grad: np.ndarray) -> None:
        """theta <- theta + update(grad), in place on ``params``."""

    def iteration_ends(self, time_step: int) -> None:
        """End of an epoch: run the learning-rate schedule."""

    def trigger_stopping(self, msg: str, verbose: bool = False) -> bool:
        """Training stalled: stop (True) or carry on with a changed learning rate (False)?"""


def _no_schedule(self, time_step):
    """No schedule of scikit-learn's runs inside this optimizer (see :mod:`digitnet.nn.schedules`)."""


def _stop(self, msg, verbose=False):
    """A stalled fit stops."""
    if verbose:
        print(msg + " Stopping.")
    return True


class SGD:
    """Stochastic gradient descent with optional (Nesterov) momentum.

    v <- mu v - lr g;  theta <- theta + v              (classical momentum)
    v <- mu v - lr g;  theta <- theta + mu v - lr g    (Nesterov, as in MLPClassifier)

    Schedules: ``constant`` lr = lr0; ``invscaling`` lr = lr0 / (t + 1)^power_t
    after each epoch; ``adaptive`` divides lr by 5 each time training stalls,
    stopping once lr <= 1e-6.

    Parameters
    ----------
    params : ndarray of shape (n_parameters,)
        Flat parameters, updated in place.
    learning_rate : float
    momentum : float in [0, 1]
    nesterov : bool
    schedule : {"constant", "invscaling", "adaptive"}
    power_t : float
    """

    def __init__(
        self,
        params: np.ndarray,
        learning_rate: float = 0.1,
        momentum: float = 0.9,
        nesterov: bool = True,
        schedule: str = "constant",
        power_t: float = 0.5,
    ) -> None:
        self.params = params
        self.learning_rate_init = learning_rate
        self.learning_rate = float(learning_rate)
        self.momentum = momentum
        self.nesterov = nesterov
        self.schedule = schedule
        self.power_t = power_t
        self.velocity = np.zeros_like(params)
        self._scaled_grad = np.empty_like(params)
        self._update = np.empty_like(params) if nesterov else None

    def step(self, grad: np.ndarray) -> None:
        lr_grad = np.multiply(grad, self.learning_rate, out=self._scaled_grad)
        self.velocity *= self.momentum
        self.velocity -= lr_grad
        if self.nesterov:
            update = np.multiply(self.velocity, self.momentum, out=self._update)
            update -= lr_grad
            self.params += update
        else:
            self.params += self.velocity

    @property
    def rate(self) -> float:
        """The rate of the next step (``learning_rate``)."""
        return self.learning_rate

    @rate.setter
    def rate(self, value: float) -> float:
        self.learning_rate = value

    def iteration_ends(self, time_step: int) -> None:
        if self.schedule == "invscaling":
            self.learning_rate = float(self.learning_rate_init) / (time_step + 1) ** self.power_t

    def trigger_stopping(self, msg: str, verbose: bool = False) -> bool:
        if self.schedule != "adaptive":
            if verbose:
                print(msg + " Stopping.")
            return True
        if self.learning_rate <= 1e-6:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(msg + " Setting learning rate to %f" % self.learning_rate)
        return False


class Adam:
    """Adam (Kingma & Ba, 2014) with bias correction folded into the step size.

    m <- b1 m + (1 - b1) g;   v <- b2 v + (1 - b2) g^2
    lr_t = lr sqrt(1 - b2^t) / (1 - b1^t);   theta <- theta - lr_t m / (sqrt(v) + eps)

    Parameters
    ----------
    params : ndarray of shape (n_parameters,)
        Flat parameters, updated in place.
    learning_rate : float
    beta_1, beta_2 : float in [0, 1)
    epsilon : float
    """

    def __init__(
        self,
        params: np.ndarray,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
    ) -> None:
        self.params = params
        self.learning_rate_init = learning_rate
        self.learning_rate = float(learning_rate)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.t = 0
        self.m = np.zeros_like(params)
        self.v = np.zeros_like(params)
        self._tmp = np.empty_like(params)
        self._update = np.empty_like(params)

    def advance(self) -> None:
        """Count one more step and set ``learning_rate`` to its bias-corrected rate (also what the compiled step,
        :mod:`digitnet.nn._compiled`, calls before its update)."""
        self.t += 1
        self.learning_rate = self.learning_rate_init * math.sqrt(1 - self.beta_2**self.t) / (1 - self.beta_1**self.t)

    def step(self, grad: np.ndarray) -> None:
        self.advance()
        tmp = self._tmp
        self.m *= self.beta_1
        self.m += np.multiply(grad, 1 - self.beta_1, out=tmp)
        self.v *= self.beta_2
        np.multiply(grad, grad, out=tmp)
        tmp *= 1 - self.beta_2
        self.v += tmp
        np.sqrt(self.v, out=tmp)
        tmp += self.epsilon
        update = np.multiply(self.m, -self.learning_rate, out=self._update)
        update /= tmp
        self.params += update

    @property
    def rate(self) -> float:
        """The rate before bias correction: scikit-learn's ``learning_rate_init``, which a schedule changes."""
        return self.learning_rate_init

    @rate.setter
    def rate(self, value: float) -> float:
        self.learning_rate_init = value

    iteration_ends = _no_schedule
    trigger_stopping = _stop


class _TorchRate:
    """What the optimizers after PyTorch's share: ``rate`` is their ``learning_rate`` (PyTorch's ``lr``),
    there is no schedule inside them, a stalled fit stops, and a step counter ``t``."""

    iteration_ends = _no_schedule
    trigger_stopping = _stop

    @property
    def rate(self):
        return self.learning_rate

    @rate.setter
    def rate(self, value):
        self.learning_rate = value

    def _start(self, params, learning_rate):
        self.params, self.learning_rate, self.t = params, float(learning_rate), 0
        self._tmp = np.empty_like(params)

    def _second_moment(self, v, grad, decay):
        """v <- decay v + (1 - decay) g^2, in place."""
        v *= decay
        np.multiply(grad, grad, out=self._tmp)
        self._tmp *= 1 - decay
        v += self._tmp


class AdamW(_TorchRate):
    """Adam with decoupled weight decay, as ``torch.optim.AdamW`` (Loshchilov & Hutter, 2019).

    theta_w <- theta_w (1 - lr lambda)          (the weights only: biases are not decayed, as ``alpha`` spares them)
    m <- b1 m + (1 - b1) g;   v <- b2 v + (1 - b2) g^2
    theta <- theta - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)

    The decay multiplies the weights by the scheduled rate times ``weight_decay`` before the step, apart
    from the gradient (so from Adam's moments); ``alpha``, if set too, stays an L2 term in the gradient.
    PyTorch's numbers are those of ``AdamW([{"params": weights}, {"params": biases, "weight_decay": 0}])``.
    Note where eps sits: outside the bias correction of v, where scikit-learn's :class:`Adam` has it inside.

    Parameters
    ----------
    params : ndarray of shape (n_parameters,)
    learning_rate : float
    beta_1, beta_2, epsilon : float
    weight_decay : float
        lambda above (PyTorch's default is 0.01).
    n_decayed : int or None
        How many leading entries of ``params`` are decayed (all weights come first in the flat buffer);
        None: all of them.
    """

    def __init__(
        self,
        params: np.ndarray,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        weight_decay: float = 0.01,
        n_decayed: int | None = None,
    ) -> None:
        self._start(params, learning_rate)
        self.beta_1, self.beta_2, self.epsilon, self.weight_decay = beta_1, beta_2, epsilon, weight_decay
        self.n_decayed = n_decayed
        self.m, self.v = np.zeros_like(params), np.zeros_like(params)
        self._denom = np.empty_like(params)

    def step(self, grad: np.ndarray) -> None:
        self.t += 1
        if self.weight_decay:
            self.params[: self.n_decayed] *= 1 - self.learning_rate * self.weight_decay
        self.m *= self.beta_1
        self.m += np.multiply(grad, 1 - self.beta_1, out=self._tmp)
        self._second_moment(self.v, grad, self.beta_2)
        denom = np.sqrt(self.v, out=self._denom)
        denom /= math.sqrt(1 - self.beta_2**self.t)
        denom += self.epsilon
        update = np.divide(self.m, denom, out=self._tmp)
        update *= -self.learning_rate / (1 - self.beta_1**self.t)
        self.params += update


class RMSprop(_TorchRate):
    """RMSprop (Tieleman & Hinton, 2012), as ``torch.optim.RMSprop`` (no momentum, not centred).

    v <- rho v + (1 - rho) g^2;   theta <- theta - lr g / (sqrt(v) + eps)

    Parameters
    ----------
    params : ndarray of shape (n_parameters,)
    learning_rate : float
    rho : float in [0, 1)
        Decay of the mean square (PyTorch's ``alpha``, 0.99 by default; Keras's ``rho``).
    epsilon : float
    """

    def __init__(
        self, params: np.ndarray, learning_rate: float = 0.01, rho: float = 0.99, epsilon: float = 1e-8
    ) -> None:
        self._start(params, learning_rate)
        self.rho, self.epsilon = rho, epsilon
        self.v = np.zeros_like(params)
        self._denom = np.empty_like(params)

    def step(self, grad: np.ndarray) -> None:
        self.t += 1
        self._second_moment(self.v, grad, self.rho)
        denom = np.sqrt(self.v, out=self._denom)
        denom += self.epsilon
        update = np.divide(grad, denom, out=self._tmp)
        update *= -self.learning_rate
        self.params += update


#: NAdam's momentum decay psi (PyTorch's ``momentum_decay``, from Dozat's schedule mu_t = b1 (1 - 0.96^(t psi) / 2)).
NADAM_MOMENTUM_DECAY = 4e-3


class NAdam(_TorchRate):
    """Adam with Nesterov momentum (Dozat, 2016), as ``torch.optim.NAdam``.

    mu_t = b1 (1 - 0.96^(t psi) / 2),  psi = 0.004;   P_t = mu_1 ... mu_t
    m <- b1 m + (1 - b1) g;   v <- b2 v + (1 - b2) g^2;   d = sqrt(v / (1 - b2^t)) + eps
    theta <- theta - lr (1 - mu_t) / (1 - P_t) g / d - lr mu_{t+1} / (1 - P_t mu_{t+1}) m / d

    Parameters
    ----------
    params : ndarray of shape (n_parameters,)
    learning_rate : float
        PyTorch's default is 0.002.
    beta_1, beta_2, epsilon : float
    """

    def __init__(
        self,
        params: np.ndarray,
        learning_rate: float = 0.002,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
    ) -> None:
        self._start(params, learning_rate)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.mu_product = 1.0
        self.m, self.v = np.zeros_like(params), np.zeros_like(params)
        self._denom = np.empty_like(params)

    def _mu(self, t):
        return self.beta_1 * (1.0 - 0.5 * 0.96 ** (t * NADAM_MOMENTUM_DECAY))

    def step(self, grad: np.ndarray) -> None:
        self.t += 1
        mu, mu_next = self._mu(self.t), self._mu(self.t + 1)
        self.mu_product *= mu
        self.m *= self.beta_1
        self.m += np.multiply(grad, 1 - self.beta_1, out=self._tmp)
        self._second_moment(self.v, grad, self.beta_2)
        denom = np.divide(self.v, 1 - self.beta_2**self.t, out=self._denom)
        np.sqrt(denom, out=denom)
        denom += self.epsilon
        update = np.divide(grad, denom, out=self._tmp)
        update *= -self.learning_rate * (1.0 - mu) / (1.0 - self.mu_product)
        self.params += update
        update = np.divide(self.m, denom, out=self._tmp)
        update *= -self.learning_rate * mu_next / (1.0 - self.mu_product * mu_next)
        self.params += update
