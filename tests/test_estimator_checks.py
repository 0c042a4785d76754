"""scikit-learn's own estimator check suite, in full, with no expected failures, for both estimators."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from digitnet import NumpyMLPClassifier, NumpyMLPRegressor


@parametrize_with_checks([
    NumpyMLPClassifier(max_iter=100),
    NumpyMLPClassifier(solver="lbfgs", activation="elu", max_iter=100),
    NumpyMLPClassifier(solver="sgd", activation="leaky_relu", max_iter=100),
    NumpyMLPRegressor(max_iter=100),
    NumpyMLPRegressor(solver="lbfgs", activation="tanh", max_iter=200),
    NumpyMLPRegressor(solver="sgd", activation="elu", max_iter=100, learning_rate_init=0.01),
])
def test_sklearn_compatible(estimator, check):
    check(estimator)
