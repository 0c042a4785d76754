"""digitnet: a multi-layer perceptron written from scratch in NumPy, trained by gradient descent,
and compared fairly with scikit-learn's MLPClassifier on the Digits dataset."""

from .augment import DigitJitter
from .ensemble import DigitsClassifier
from .estimator import NumpyMLPClassifier, NumpyMLPRegressor

__all__ = ["DigitJitter", "DigitsClassifier", "NumpyMLPClassifier", "NumpyMLPRegressor"]
__version__ = "0.1.0"
