"""An ensemble of networks on raw digit images: :class:`DigitsClassifier` (scaling, augmentation, members and
test-time augmentation as its parameters), and its model file (:mod:`digitnet.ensemble.model_file`, registered
here so that :func:`digitnet.model_file.save_model` and :func:`~digitnet.model_file.load_model` take it)."""

from . import model_file  # noqa: F401  (registers DigitsClassifier's model file)
from .classifier import DigitsClassifier

__all__ = ["DigitsClassifier"]
