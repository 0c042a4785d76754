// initialization.js: the initialization study's twin: the training loss of each initialization, activation and
// depth (the deep networks shown first).

import { twinGroups } from "digitnet/explore.js";

export default (container, study) => twinGroups(container, study.groups, {
  chart: { title: "training loss by initialization", xLabel: "epoch", yLabel: "loss (nats)", xLog: true, yLog: true },
  points: g => g.curve, checked: name => name.endsWith("32-32-32") });
