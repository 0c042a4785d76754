"""The network as plain functions, in one namespace: ``import digitnet.functional as F``.

A thin front over :mod:`digitnet.nn` (read the formulas there): activations and their
derivatives (and the registry of activation objects), parameters in one flat buffer, forward pass
(with dropout masks), loss (with smoothed labels), backpropagation, optimizers, learning-rate
schedules and training; the loss's curvature (exact Hessian-vector products, the sharpness), the
gradient flow per layer, the learning-rate range test and loss landscapes.
"""

from .estimator.gradient_descent import train_model  # noqa: F401
from .estimator.lr_find import lr_find  # noqa: F401
from .nn.activations import (  # noqa: F401
    ACTIVATIONS,
    DEFAULT_ACTIVATION,
    DERIVATIVES,
    ELU_ALPHA,
    HIDDEN_ACTIVATIONS,
    LEAKY_SLOPE,
    Activation,
    elu,
    elu_derivative,
    identity,
    identity_derivative,
    leaky_relu,
    leaky_relu_derivative,
    log_sigmoid,
    log_softmax,
    register,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    softmax,
    tanh,
    tanh_derivative,
    unregister,
)
from .nn.activations import get as activation  # noqa: F401
from .nn.curvature import hessian_operator, hessian_vector_product, sharpness  # noqa: F401
from .nn.flow import GradientFlow, gradient_flow, layer_norms  # noqa: F401
from .nn.gradcheck import gradient_check  # noqa: F401
from .nn.landscape import (  # noqa: F401
    LossLine,
    LossSurface,
    PathPlane,
    filter_normalize,
    loss_along_line,
    loss_at,
    loss_surface,
    path_directions,
    path_surface,
    random_directions,
)
from .nn.lr_range import RangeTest, lr_range_test  # noqa: F401
from .nn.network import (  # noqa: F401
    WEIGHT_INITS,
    ForwardPass,
    Parameters,
    backward_pass,
    compute_loss,
    correct_mask,
    count_correct,
    cross_entropy,
    dropout_masks,
    forward_pass,
    half_poisson_deviance,
    half_squared_error,
    initialize_weights,
    mean_loss,
    n_parameters,
    n_weights,
    pack,
    per_sample_loss,
    predict,
    smooth_labels,
    squared_weights,
    unpack,
)
from .nn.optimizers import SCHEDULES, SGD, Adam, AdamW, NAdam, Optimizer, RMSprop  # noqa: F401
from .nn.schedules import Cosine, OneCycle, Scheduled, StepDecay, schedule_for  # noqa: F401
from .nn.tracking import TRACKABLE, Trajectory  # noqa: F401
from .nn.training import batch_slices, train_epoch  # noqa: F401
