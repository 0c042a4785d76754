// learning_rate.js: the learning-rate study's twin. The landscape: click a rate (a dot) to add or remove its
// loss curve below.

import { el, formatNumber, lineChart } from "digitnet/charts.js";

export default function twinLearningRate(container, study) {
  const shown = new Set(study.shown);
  el("p", { class: "small" }, container, "Click a learning rate to show or hide its loss curve below (filled: shown);"
     + " a cross: it diverged (drawn above the others, it has no final loss).");
  const landscape = lineChart(container, { title: "final training loss by learning rate", xLabel: "learning rate",
                                           yLabel: "final loss (nats)", xLog: true, yLog: true, dots: true,
                                           onPick: (s, p) => { shown.has(p[0]) ? shown.delete(p[0]) : shown.add(p[0]); draw(); } });
  const curves = lineChart(container, { title: "training loss per epoch", xLabel: "epoch", yLabel: "loss (nats)",
                                        xLog: true, yLog: true });
  const sound = study.rates.filter(r => r.diverged_at === null);
  const top = Math.max(...sound.map(r => r.final_loss));
  function draw() {
    const byRegion = {};
    for (const r of study.rates) {
      const y = r.diverged_at === null ? r.final_loss : top * 2;
      const text = r.diverged_at === null
        ? `rate ${r.rate}: ${r.region}, loss ${formatNumber(r.final_loss)}, validation ${(100 * r.val).toFixed(1)}%`
        : `rate ${r.rate}: diverged at epoch ${r.diverged_at}`;
      (byRegion[r.region] = byRegion[r.region] || []).push([r.rate, y, { text: text, hollow: !shown.has(r.rate),
                                                                       cross: r.diverged_at !== null }]);
    }
    const colors = { "too small": "#888888", good: "#117733", "too large": "#DDAA33", diverges: "#BB0000" };
    landscape.update(Object.entries(byRegion).map(([region, points]) => ({ name: region, color: colors[region], points: points })));
    curves.update(study.rates.filter(r => shown.has(r.rate)).map(r => ({
      name: `rate ${r.rate} (${r.region}${r.diverged_at ? ", diverged at epoch " + r.diverged_at : ""})`, points: r.curve })));
  }
  draw();
  return { shown: shown, draw: draw };
}
