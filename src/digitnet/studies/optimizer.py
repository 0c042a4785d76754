"""The optimizer study: gradient descent, momentum, Nesterov and Adam, each at its own rate, two questions apart.

Which update rule? Each optimizer tries four learning rates (a window of the ladder where its steps
are stable) and is read twice, each time at the rate chosen by that reading's own metric, on every
replication again: which generalises (cross-validated accuracy after the epochs given, the
declared metric) and how far training gets in those epochs (the training loss, on a log scale).
Choosing the rate by one metric and ranking by the other is what made the earlier version of this
study reverse its own order.
"""

from __future__ import annotations

from ..plots.tuned import rate_choices, tuned_curves
from .base import Settings
from .common import NO_STOPPING, rate_window
from .registry import register
from .tuned import DIFFERENCE, TunedStudy, accuracy_metric, arm_claims, loss_metric

EPOCHS = 30
#: The optimizers: a label, their settings, and the smallest of the four rates each tries (plain gradient descent
#: takes the largest steps; momentum 0.9 multiplies a step by about 1/(1 − 0.9) = 10; Adam's step is the rate itself).
OPTIMIZERS = (
    ("gradient descent", {"solver": "sgd", "momentum": 0.0}, 0.3),
    ("momentum", {"solver": "sgd", "momentum": 0.9, "nesterovs_momentum": False}, 0.03),
    ("Nesterov", {"solver": "sgd", "momentum": 0.9, "nesterovs_momentum": True}, 0.03),
    ("Adam", {"solver": "adam"}, 0.003),
)


class Optimizer(TunedStudy):
    name = "optimizer"
    title = "Optimizer"
    order = 60
    arm = "label"
    about = "optimizer"
    kind = "optimizer"
    question = (
        "Which update rule? Plain gradient descent, classical momentum, Nesterov's momentum and Adam, on"
        f" mini-batches of 200, {EPOCHS} epochs. Two questions, each ranked by its own metric, with each"
        " optimizer at the learning rate (of four it tries) that this same metric prefers: which"
        f" generalises ({accuracy_metric(EPOCHS)}) and how far training gets in {EPOCHS} epochs"
        f" ({loss_metric(EPOCHS)}, compared on a log scale). {DIFFERENCE}"
    )
    metric = accuracy_metric(EPOCHS)
    margin = 0.005
    description = (
        f"Gradient descent, momentum, Nesterov and Adam (batches of 200, {EPOCHS} epochs), each at its own"
        " rate (of four) for each question: 3-fold cross-validated accuracy, and training loss."
    )
    notebook = r"""Which update rule? Gradient descent, classical momentum, Nesterov's momentum and Adam, on mini-batches of 200, each
trying four learning rates. Two questions, each ranked by its own metric and each choosing every optimizer's rate
by that metric: *which generalises* (the cross-validated accuracy) and *how far training gets* in the same number
of epochs (the training loss, on a log scale: a factor of 1.25 counts). An optimizer that trains furthest need not
generalise best: the two orders can differ, and the data may not tell the optimizers apart on one of them."""
    grid = [
        {"label": [label], **{k: [v] for k, v in settings.items()}, "learning_rate_init": rate_window(first)}
        for label, settings, first in OPTIMIZERS
    ]
    base_params = {
        "hidden_layer_sizes": (64,),
        "activation": "relu",
        "batch_size": "auto",
        "max_iter": EPOCHS,
        **NO_STOPPING,
    }
    varied = ("solver", "momentum", "nesterovs_momentum", "learning_rate_init")
    full = Settings(seeds=3)
    quick = Settings(seeds=2, params={"max_iter": 8})
    captions = (
        (
            "optimizer",
            "Each optimizer at the rate each question chose: its training loss per epoch at the"
            " rate of lowest loss (left), its cross-validated accuracy per epoch at the rate of highest"
            " accuracy (right).",
        ),
        (
            "optimizer_rates",
            "Each optimizer at every rate it tried: cross-validated accuracy (left) and"
            " training loss (right); circled, the rate each question chose.",
        ),
    )
    twin = "optimizer.js"

    def conclusion(self, reading):
        """Both questions from their claims, and whether they agree on the optimizer ahead."""
        text = self.question_texts(reading)
        if text.startswith("Every run"):
            return text
        tops = {q.key: _top(q) for q in reading.questions}
        if tops["loss"] and tops["accuracy"] and tops["loss"] != tops["accuracy"]:
            text += (
                f" Training furthest is not generalising best: {self.name_of(tops['loss'])} ends with the lowest"
                f" training loss, {self.name_of(tops['accuracy'])} with the highest accuracy."
            )
        elif tops["loss"] and not tops["accuracy"]:
            text += (
                f" {self.name_of(tops['loss'])} trains furthest, yet that does not make it generalise"
                " measurably better."
            )
        return text

    def figures(self, reading):
        questions = [q.metric for q in reading.questions]
        return {
            "optimizer": tuned_curves(
                reading.arms, self.name_of, title="Each optimizer at the learning rate each question chose"
            ),
            "optimizer_rates": rate_choices(
                reading.arms, self.name_of, questions, title="Each optimizer's learning rate, chosen by each question"
            ),
        }


def _top(question):
    """The arm a question's claims say is best (alone, and replicably), or None."""
    best = [c for c in arm_claims(question) if c.kind == "best"]
    return best[0].values[0] if best and best[0].supported else None


register(Optimizer())
