"""scikit-learn's own estimator check suite, in full, with no expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from digitnet import NumpyMLPClassifier


@parametrize_with_checks([
    NumpyMLPClassifier(max_iter=100),
    NumpyMLPClassifier(solver="lbfgs", activation="elu", max_iter=100),
    NumpyMLPClassifier(solver="sgd", activation="leaky_relu", max_iter=100),
])
def test_sklearn_compatible(estimator, check):
    check(estimator)
