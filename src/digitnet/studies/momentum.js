// momentum.js: the momentum study's twin: the training loss for each β, each with its checkbox.

import { twinGroups } from "digitnet/explore.js";

export default (container, study) => twinGroups(container, study.groups, {
  chart: { title: "training loss by momentum", xLabel: "epoch", yLabel: "loss (nats)", yLog: true }, points: g => g.curve });
