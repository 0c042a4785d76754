"""The mathematics of a multi-layer perceptron, in NumPy alone.

- :mod:`~digitnet.nn.activations`: activations as objects (f, f', f'') in one registry, and the original functions;
- :mod:`~digitnet.nn.network`: parameters, forward pass, loss, backpropagation (the readable path);
- :mod:`~digitnet.nn.training`: an epoch of mini-batch gradient descent, and the starting weights' loss (readable);
- :mod:`~digitnet.nn.divergence`: when training has diverged (one rule, for every caller);
- :mod:`~digitnet.nn.optimizers`: SGD (with momentum) and Adam (scikit-learn's), AdamW, RMSprop and NAdam (PyTorch's),
  over one flat parameter vector;
- :mod:`~digitnet.nn.schedules`: learning-rate schedules (cosine with warmup, step, onecycle, and scikit-learn's);
- :mod:`~digitnet.nn.gradcheck`: backpropagation checked by finite differences;
- :mod:`~digitnet.nn.curvature`: exact Hessian-vector products (Pearlmutter's R-operator) and the sharpness (Lanczos);
- :mod:`~digitnet.nn.flow`: the gradient flow per layer (gradient norms, update-to-weight ratios, activation spread);
- :mod:`~digitnet.nn.tracking`: what a fit records every few epochs with ``track=`` (sharpness, flow, weights);
- :mod:`~digitnet.nn.lr_range`: the learning-rate range test (Smith 2017, fastai's lr_find);
- :mod:`~digitnet.nn.landscape`: the loss along a line and over planes of weight space (Li et al. 2018);
- :mod:`~digitnet.nn._fast`: the same in reused buffers, for the estimator (equal to the readable path to 1e-12);
- :mod:`~digitnet.nn._compiled`: the fast path's step in compiled kernels (numba), the same numbers to the bit.

:mod:`digitnet.functional` gathers the public functions in one namespace.
"""
