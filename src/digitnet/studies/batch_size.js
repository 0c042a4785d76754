// batch_size.js: the twin of the study of batch sizes: each batch size at a rate of its grid, per epoch or per second.

import { twinTuned } from "digitnet/explore.js";

export default function twinBatchSize(container, study) {
  return twinTuned(container, study, "batch size", true);
}
