"""scikit-learn's estimator check suite, in full, for estimators that track the sharpness and the gradient flow
(``track=``): measuring during a fit keeps them scikit-learn estimators."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from digitnet import NumpyMLPClassifier, NumpyMLPRegressor


@parametrize_with_checks(
    [
        NumpyMLPClassifier(
            max_iter=20, track=("sharpness", "grad_norms", "update_ratios", "activation_std", "weights"), track_every=5
        ),
        NumpyMLPRegressor(
            solver="sgd", max_iter=20, learning_rate_init=0.01, track=("sharpness", "grad_norms"), track_every=7
        ),
    ]
)
def test_sklearn_compatible_while_tracking(estimator, check):
    check(estimator)
