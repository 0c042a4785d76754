"""The scikit-learn estimators: :class:`NumpyMLPClassifier` and :class:`NumpyMLPRegressor`.

Drop-ins for :class:`sklearn.neural_network.MLPClassifier` and :class:`~sklearn.neural_network.MLPRegressor`
(same parameters, defaults, fitted attributes, random draws and numbers), trained on
:mod:`digitnet.nn`; :mod:`~digitnet.estimator.base` holds what they share.
"""

from .base import BaseNumpyMLP, batch_rows, random_stream
from .classifier import NumpyMLPClassifier
from .regressor import NumpyMLPRegressor

__all__ = ["BaseNumpyMLP", "NumpyMLPClassifier", "NumpyMLPRegressor", "batch_rows", "random_stream"]
