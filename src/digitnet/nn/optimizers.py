"""Gradient-descent optimizers over one flat parameter vector.

One protocol (:class:`Optimizer`) for all of them: ``opt = Optimizer(params, ...)`` keeps a
reference to the flat parameter array; ``opt.step(grad)`` updates it in place from a flat
gradient of the same shape; ``opt.iteration_ends(t)`` runs the learning-rate schedule after each
epoch (``t`` = samples seen so far); and ``opt.trigger_stopping(msg, verbose)`` says whether a
stalled fit should stop. The update rules, schedules and stopping rules are those of
scikit-learn's MLPClassifier, operation for operation, so results agree to rounding.

Because the whole network is one array, a step is a handful of vectorised operations, whatever
the number of layers; state and scratch buffers are allocated once.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

SCHEDULES = ("constant", "invscaling", "adaptive")


class Optimizer(Protocol):
    """What training needs of an optimizer."""

    params: np.ndarray
    learning_rate: float

    def step(self, grad: np.ndarray) -> None:
        """theta <- theta + update(grad), in place on ``params``."""

    def iteration_ends(self, time_step: int) -> None:
        """End of an epoch: run the learning-rate schedule."""

    def trigger_stopping(self, msg: str, verbose: bool = False) -> bool:
        """Training stalled: stop (True) or carry on with a changed learning rate (False)?"""


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

    def __init__(self, params, learning_rate=0.1, momentum=0.9, nesterov=True, schedule="constant", power_t=0.5):
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

    def step(self, grad):
        lr_grad = np.multiply(grad, self.learning_rate, out=self._scaled_grad)
        self.velocity *= self.momentum
        self.velocity -= lr_grad
        if self.nesterov:
            update = np.multiply(self.velocity, self.momentum, out=self._update)
            update -= lr_grad
            self.params += update
        else:
            self.params += self.velocity

    def iteration_ends(self, time_step):
        if self.schedule == "invscaling":
            self.learning_rate = float(self.learning_rate_init) / (time_step + 1) ** self.power_t

    def trigger_stopping(self, msg, verbose=False):
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

    def __init__(self, params, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.params = params
        self.learning_rate_init = learning_rate
        self.learning_rate = float(learning_rate)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.t = 0
        self.m = np.zeros_like(params)
        self.v = np.zeros_like(params)
        self._tmp = np.empty_like(params)
        self._update = np.empty_like(params)

    def step(self, grad):
        self.t += 1
        tmp = self._tmp
        self.m *= self.beta_1
        self.m += np.multiply(grad, 1 - self.beta_1, out=tmp)
        self.v *= self.beta_2
        np.multiply(grad, grad, out=tmp)
        tmp *= 1 - self.beta_2
        self.v += tmp
        self.learning_rate = (
            self.learning_rate_init * math.sqrt(1 - self.beta_2**self.t) / (1 - self.beta_1**self.t)
        )
        np.sqrt(self.v, out=tmp)
        tmp += self.epsilon
        update = np.multiply(self.m, -self.learning_rate, out=self._update)
        update /= tmp
        self.params += update

    def iteration_ends(self, time_step):
        pass

    def trigger_stopping(self, msg, verbose=False):
        if verbose:
            print(msg + " Stopping.")
        return True
