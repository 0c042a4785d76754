"""The network as plain functions, in one namespace: ``import digitnet.functional as F``.

A thin front over :mod:`digitnet.nn` (read the formulas there): activations and their
derivatives (and the registry of activation objects), parameters in one flat buffer, forward pass
(with dropout masks), loss (with smoothed labels), backpropagation, optimizers, learning-rate
schedules and training.
"""

from .estimator.gradient_descent import train_model  # noqa: F401
from .nn.activations import (  # noqa: F401
    ACTIVATIONS, DEFAULT_ACTIVATION, DERIVATIVES, ELU_ALPHA, HIDDEN_ACTIVATIONS, LEAKY_SLOPE, Activation, elu,
    elu_derivative, identity, identity_derivative, leaky_relu, leaky_relu_derivative, log_sigmoid, log_softmax,
    register, relu, relu_derivative, sigmoid, sigmoid_derivative, softmax, tanh, tanh_derivative, unregister,
)
from .nn.activations import get as activation  # noqa: F401
from .nn.gradcheck import gradient_check  # noqa: F401
from .nn.network import (  # noqa: F401
    WEIGHT_INITS, ForwardPass, Parameters, backward_pass, compute_loss, correct_mask, count_correct, cross_entropy,
    dropout_masks, forward_pass, half_poisson_deviance, half_squared_error, initialize_weights, mean_loss, n_parameters,
    n_weights, pack, per_sample_loss, predict, smooth_labels, squared_weights, unpack,
)
from .nn.optimizers import SCHEDULES, SGD, Adam, AdamW, NAdam, Optimizer, RMSprop  # noqa: F401
from .nn.schedules import Cosine, OneCycle, Scheduled, StepDecay, schedule_for  # noqa: F401
from .nn.training import batch_slices, train_epoch  # noqa: F401
