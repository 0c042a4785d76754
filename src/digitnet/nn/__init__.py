"""The mathematics of a multi-layer perceptron, in NumPy alone.

- :mod:`~digitnet.nn.activations`: activation functions next to their derivatives;
- :mod:`~digitnet.nn.network`: parameters, forward pass, loss, backpropagation (the readable path);
- :mod:`~digitnet.nn.training`: an epoch of mini-batch gradient descent, and a whole training run;
- :mod:`~digitnet.nn.divergence`: when training has diverged (one rule, for every caller);
- :mod:`~digitnet.nn.optimizers`: SGD (with momentum) and Adam, over one flat parameter vector;
- :mod:`~digitnet.nn.gradcheck`: backpropagation checked by finite differences;
- :mod:`~digitnet.nn._fast`: the same arithmetic in reused buffers, for the estimator.

:mod:`digitnet.functional` gathers the public functions in one namespace.
"""
