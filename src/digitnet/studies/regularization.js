// regularization.js: the L2 study's twin: training against validation accuracy at the alpha the slider picks.

import { el } from "digitnet/charts.js";

export default function twinPenalty(container, study) {
  const label = el("label", {}, el("p", {}, container), "L2 alpha: ");
  const slider = el("input", { type: "range", min: 0, max: study.alphas.length - 1, step: 1, value: 0 }, label);
  const value = el("span", { class: "rate" }, label);
  const bars = el("div", { class: "bars" }, container);
  function draw() {
    const a = study.alphas[+slider.value];
    value.textContent = ` ${a.alpha}`;
    bars.replaceChildren();
    for (const [name, v] of [["training", a.train], ["validation", a.val]]) {
      const line = el("div", { class: "bar-line" }, bars);
      el("span", { class: "bar-label wide" }, line, name);
      el("span", { class: "bar", style: `width:${(100 * v).toFixed(1)}%` }, line);
      el("span", { class: "bar-value" }, line, `${(100 * v).toFixed(1)}%`);
    }
    el("p", { class: "small" }, bars, `gap ${(100 * (a.train - a.val)).toFixed(1)} points`);
  }
  slider.addEventListener("input", draw);
  draw();
}
