// epochs.js: the epochs study's twin: the training and validation loss per epoch, each with its checkbox.

import { twinGroups } from "digitnet/explore.js";

export default (container, study) => twinGroups(container, [
  { name: "training loss", curve: study["training loss"] }, { name: "validation loss", curve: study["validation loss"] }],
  { chart: { title: "loss per epoch", xLabel: "epoch", yLabel: "loss (nats)", yLog: true }, points: g => g.curve });
