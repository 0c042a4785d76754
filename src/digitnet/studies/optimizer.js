// optimizer.js: the optimizer study's twin: each optimizer at a rate of its grid (its best by default).
TWINS["optimizer"] = (container, study) => twinTuned(container, study, "optimizer", false);
