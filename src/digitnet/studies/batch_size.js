// batch_size.js: the batch-size study's twin: each batch size at a rate of its grid, per epoch or per second.
TWINS["batch-size"] = (container, study) => twinTuned(container, study, "batch size", true);
