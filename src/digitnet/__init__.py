"""digitnet: a multi-layer perceptron written from scratch in NumPy, trained by gradient descent,
and compared fairly with scikit-learn's MLPClassifier on the Digits dataset."""

from .estimator import NumpyMLPClassifier

__all__ = ["NumpyMLPClassifier"]
__version__ = "0.1.0"
