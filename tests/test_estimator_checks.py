"""scikit-learn's own estimator check suite, in full, for both estimators: with no expected failures at every
setting scikit-learn has, and with the features it declined (issue 21), where the only checks expected to fail
are the two that compare sample weights with repeated rows, for reasons that are the features' definitions."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from digitnet import NumpyMLPClassifier, NumpyMLPRegressor

#: Why a feature cannot give a repeated row's model from an integer sample weight.
NOT_REPETITION = {
    "dropout": "dropout draws a mask for every row: a row given twice gets two masks, a row of weight 2 one",
    "balanced": "class_weight='balanced' counts the rows of each class (scikit-learn's compute_sample_weight), not"
    " their weights, so repeating rows changes the class weights and weighting them does not",
}


def expected_failures(estimator):
    params = estimator.get_params()
    reason = (
        NOT_REPETITION["dropout"]
        if params["dropout"]
        else NOT_REPETITION["balanced"]
        if params.get("class_weight") == "balanced"
        else None
    )
    if reason is None:
        return {}
    return {
        "check_sample_weight_equivalence_on_dense_data": reason,
        "check_sample_weight_equivalence_on_sparse_data": reason,
    }


@parametrize_with_checks(
    [
        NumpyMLPClassifier(max_iter=100),
        NumpyMLPClassifier(solver="lbfgs", activation="elu", max_iter=100),
        NumpyMLPClassifier(solver="sgd", activation="leaky_relu", max_iter=100),
        NumpyMLPRegressor(max_iter=100),
        NumpyMLPRegressor(solver="lbfgs", activation="tanh", max_iter=200),
        NumpyMLPRegressor(solver="sgd", activation="elu", max_iter=100, learning_rate_init=0.01),
        # the features scikit-learn declined (issue 21)
        NumpyMLPClassifier(
            solver="adamw",
            activation="gelu",
            dropout=0.1,
            label_smoothing=0.1,
            learning_rate="cosine",
            warmup=5,
            max_iter=100,
        ),
        NumpyMLPClassifier(
            solver="rmsprop", activation="silu", learning_rate="step", step_every=20, label_smoothing=0.2, max_iter=100
        ),
        # "balanced" weights need all the data at once, and lbfgs has no partial_fit (which refuses them)
        NumpyMLPClassifier(solver="lbfgs", label_smoothing=0.05, class_weight="balanced", max_iter=100),
        NumpyMLPRegressor(
            solver="nadam", dropout=(0.1,), learning_rate="onecycle", learning_rate_init=0.01, max_iter=100
        ),
    ],
    expected_failed_checks=expected_failures,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
