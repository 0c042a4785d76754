// optimizer.js: the optimizer study's twin: each optimizer at a rate of its grid (its best by default).

import { twinTuned } from "digitnet/explore.js";

export default (container, study) => twinTuned(container, study, "optimizer", false);
