"""What a fit records after each epoch: the loss, the held-out rows' scores, and the counts of the stopping rule.

:class:`EpochRecords` is a part of :class:`~digitnet.estimator.base.BaseNumpyMLP`: its one training loop calls
:meth:`~EpochRecords._end_epoch` after every epoch, which appends to ``loss_curve_`` and ``history_``, scores
the held-out rows (``X_val`` or early stopping's split), and counts the epochs without improvement, as
scikit-learn's MLPClassifier counts them.
"""

from __future__ import annotations

from ..nn import _fast


class EpochRecords:
    """The records of each epoch of :class:`~digitnet.estimator.base.BaseNumpyMLP` (not to be used on its own)."""

    def _end_epoch(self, loss, score, n_samples, held_out):
        """Record an epoch: its loss (and training score), the validation scores, the stopping counts."""
        self.loss_ = loss
        self.t_ += n_samples
        self.loss_curve_.append(loss)
        self.history_["loss"].append(loss)
        if self._score_name in self.history_:
            self.history_[self._score_name].append(score)
        if self.verbose:
            print("Iteration %d, loss = %.8f" % (self.n_iter_, self.loss_))
        if held_out is not None:
            self._record_validation(held_out)
        self._update_no_improvement_count()
        self._optimizer.iteration_ends(self.t_)

    def _held_out(self, validation, dtype, layer_units, checked=False):
        """The rows scored after every epoch (``HeldOut``), or None; ``checked``: already validated targets."""
        if validation is None:
            return None
        X_val, Y_val, sw_val = validation if checked else self._validate_eval_data(*validation, dtype=dtype)
        self.history_.setdefault("val_loss", [])
        self.history_.setdefault(f"val_{self._score_name}", [])
        return _fast.HeldOut(
            X_val, self._smoothed(Y_val), sw_val, layer_units, self.out_activation_, self._soft_targets()
        )

    def _stalled(self):
        """Training stopped improving: does the optimizer stop (True), or carry on with a smaller rate?"""
        what = "Validation score" if self.early_stopping else "Training loss"
        msg = f"{what} did not improve more than tol={self.tol:f} for {self.n_iter_no_change} consecutive epochs."
        if self._optimizer.trigger_stopping(msg, self.verbose):
            return True
        self._no_improvement_count = 0
        return False

    def _record_validation(self, held_out):
        loss, score = held_out.scores(self._weights, self._biases, self._act, self.alpha)
        self.history_["val_loss"].append(loss)
        self.history_[f"val_{self._score_name}"].append(score)
        if self.early_stopping:
            self.validation_scores_.append(score)
            if self.verbose:
                print("Validation score: %f" % score)

    def _update_no_improvement_count(self):
        if self.early_stopping:
            score = self.validation_scores_[-1]
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_flat[...] = self._flat
        else:
            if self.loss_curve_[-1] > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if self.loss_curve_[-1] < self.best_loss_:
                self.best_loss_ = self.loss_curve_[-1]
