"""Parameters: grids, checks with the closest name, the "64-32" notation of hidden layers."""

import pytest

from digitnet.errors import UsageError
from digitnet.experiments import check_params, expand_grid, format_layers, parse_layers


def test_expand_grid_and_labels():
    assert expand_grid({"a": [1, 2], "b": "x"}) == [{"a": 1, "b": "x"}, {"a": 2, "b": "x"}]
    assert expand_grid([{"a": [1]}, {"b": [2, 3]}]) == [{"a": 1}, {"b": 2}, {"b": 3}]
    assert format_layers((64, 32)) == "64-32" and format_layers(10) == "10"


@pytest.mark.parametrize(
    "params, message",
    [
        ({"hiden_layer_sizes": (8,)}, "unknown parameter 'hiden_layer_sizes'; did you mean 'hidden_layer_sizes'"),
        ({"activation": "swish"}, "The 'activation' parameter of NumpyMLPClassifier must be a str among"),
        ({"learning_rate_init": -1.0}, "The 'learning_rate_init' parameter"),
        ({"batch_size": "half"}, "'full' for the whole training set"),
        ({"hidden_layer_sizes": (8, 0)}, "hidden_layer_sizes must be positive integers"),
        ({"random_state": 3}, "set by the experiment itself"),
    ],
)
def test_check_params_rejects_bad_names_and_values(params, message):
    with pytest.raises(UsageError) as info:
        check_params(params)
    assert message in str(info.value)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("64-32", (64, 32)),
        ("(64, 32)", (64, 32)),
        ("[16]", (16,)),
        (64, (64,)),
        ((16, 16), (16, 16)),
        ("128", (128,)),
        (64.0, (64,)),
    ],
)
def test_parse_layers(value, expected):
    assert parse_layers(value) == expected
    assert parse_layers(format_layers(expected)) == expected


@pytest.mark.parametrize("value", ["64-x", "0", "64--32", "", "-5", 10.5, (), (8, 0), True, None])
def test_parse_layers_refuses_what_is_not_layers(value):
    with pytest.raises(UsageError, match="hidden layer sizes are positive integers joined by '-'"):
        parse_layers(value)
