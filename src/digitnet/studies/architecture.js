// architecture.js: the architecture study's twin: validation accuracy against the number of weights, one dot per
// configuration; hover for its numbers.

import { el, lineChart } from "digitnet/charts.js";

export default function twinArchitecture(container, study) {
  el("p", { class: "small" }, container, "Filled: cannot be told apart from the best; the large dot was chosen. Hover a dot.");
  const chart = lineChart(container, { title: "validation accuracy by size", xLabel: "weights", yLabel: "validation accuracy",
                                       xLog: true, yPercent: true, dots: true });
  const byActivation = {};
  for (const c of study.configs) {
    (byActivation[c.activation] = byActivation[c.activation] || []).push([c.n_weights, c.mean, {
      hollow: !c.tied, r: c.chosen ? 8 : 4.5,
      text: `${c.name}: ${(100 * c.mean).toFixed(1)}% ± ${(100 * (c.std || 0)).toFixed(1)}, ${c.n_weights} weights`
        + (c.chosen ? " (chosen)" : c.tied ? " (tied with the best)" : "") }]);
  }
  chart.update(Object.entries(byActivation).map(([name, points]) => ({ name: name, points: points })));
}
