// learning_rate.js: the learning-rate study's twin. The landscape: click a rate (a dot) to add or remove its
// loss curve below. A rate whose region the replications do not agree on (its ``supported`` is false) is drawn
// apart, a dashed ring in its region's colour under "<region>, uncertain", and says so when pointed at.

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
      const uncertain = r.supported === false;
      const text = (r.diverged_at === null
        ? `rate ${r.rate}: ${r.region}, loss ${formatNumber(r.final_loss)}, validation ${(100 * r.val).toFixed(1)}%`
        : `rate ${r.rate}: diverged at epoch ${r.diverged_at}`)
        + (uncertain ? ` (uncertain: not every replication puts it in "${r.region}")` : "");
      const group = uncertain ? `${r.region}, uncertain` : r.region;
      (byRegion[group] = byRegion[group] || { region: r.region, uncertain: uncertain, points: [] }).points.push(
        [r.rate, y, { text: text, hollow: !shown.has(r.rate), cross: r.diverged_at !== null,
                      dashed: uncertain }]);
    }
    const colors = { "too small": "#888888", good: "#117733", "too large": "#DDAA33", diverges: "#BB0000" };
    landscape.update(Object.entries(byRegion).map(([name, g]) => ({ name: name, color: colors[g.region], points: g.points,
                                                                  dash: g.uncertain ? "3 2" : "" })));
    curves.update(study.rates.filter(r => shown.has(r.rate)).map(r => ({
      name: `rate ${r.rate} (${r.region}${r.supported === false ? ", uncertain" : ""}`
        + `${r.diverged_at ? ", diverged at epoch " + r.diverged_at : ""})`, points: r.curve })));
  }
  draw();
  return { shown: shown, draw: draw };
}
