"""The L2 study's conclusion on made-up results, from overfitting to underfitting."""

from digitnet.studies import get

from .helpers import conclude, sweep_result

def test_regularization_names_the_range_within_the_noise_and_the_underfit():
    rows, c = [], 0
    for alpha, train, val in [(0.0, 1.0, 0.970), (0.01, 1.0, 0.972), (1.0, 0.99, 0.975), (100.0, 0.6, 0.58)]:
        for s in range(3):
            rows.append({"config": c, "seed": s, "alpha": alpha, "train_accuracy": train, "val_accuracy": val})
        c += 1
    sentence = conclude("regularization", sweep_result(rows))
    assert "Without penalty (alpha 0)" in sentence and "a gap of 3.0 points" in sentence
    assert "came at alpha 1" in sentence and "every alpha from 0.01 to 1 is within the noise of it" in sentence
    assert "At alpha 100 the penalty wins over the data: training 60.0%, validation 58.0% (underfitting)" in sentence


def test_alpha_goes_from_none_to_underfitting_on_a_wide_network():
    study = get("regularization")
    alphas = study.grid["alpha"]
    assert alphas[0] == 0 and alphas[-1] >= 10 and study.base_params["hidden_layer_sizes"][0] >= 256
