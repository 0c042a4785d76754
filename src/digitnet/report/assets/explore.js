// explore.js: an interactive twin of each study's figure, drawn from the numbers the report just measured
// (the same as its tables and PNG figures): pick rates, toggle optimizers, batch sizes and momentum
// values, hover the architecture study, open a cell of the confusion matrix.

function checkboxes(container, names, checked, onChange) {
  const box = el("p", { class: "toggles" }, container), state = {};
  names.forEach(name => {
    const label = el("label", {}, box);
    const input = el("input", { type: "checkbox" }, label);
    input.checked = state[name] = checked(name);
    label.appendChild(document.createTextNode(" " + name));
    input.addEventListener("change", () => { state[name] = input.checked; onChange(state); });
  });
  return state;
}

// The learning-rate landscape: click a rate (a dot) to add or remove its loss curve below.
function twinLearningRate(container, study) {
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

// Curves of several groups with a checkbox each (batch sizes, momentum values, initializations, ...).
function twinGroups(container, groups, options) {
  const chart = lineChart(container, options.chart);
  const state = checkboxes(container, groups.map(g => g.name), options.checked || (() => true), draw);
  function draw() { chart.update(groups.filter(g => state[g.name]).map(g => ({ name: g.name, points: options.points(g) }))); }
  draw();
  return { state: state, draw: draw };
}

// Each optimizer (or batch size) at a rate of its grid: its best by default, any other on request.
function twinTuned(container, study, name, perSecond) {
  const rates = {};
  const pick = el("p", { class: "toggles" }, container);
  study.groups.forEach(g => {
    const label = el("label", {}, pick, `${g.name} at `);
    const select = el("select", {}, label);
    for (const r of Object.keys(g.rates)) el("option", { value: r }, select, r === g.best ? `${r} (best)` : r);
    select.value = rates[g.name] = g.best || Object.keys(g.rates)[0];
    select.addEventListener("change", () => { rates[g.name] = select.value; twin.draw(); });
  });
  let seconds = false;
  if (perSecond) {
    const label = el("label", {}, pick);
    const box = el("input", { type: "checkbox" }, label);
    label.appendChild(document.createTextNode(" against seconds of training, not epochs"));
    box.addEventListener("change", () => { seconds = box.checked; twin.draw(); });
  }
  const twin = twinGroups(container, study.groups, {
    chart: { title: `training loss of each ${name}`, xLabel: "epoch or seconds", yLabel: "loss (nats)", yLog: true },
    points: g => g.rates[rates[g.name]].map(([e, v]) => [seconds ? e * g.seconds_per_epoch : e, v]),
  });
  return twin;
}

// Training against validation accuracy at the alpha the slider picks.
function twinRegularization(container, study) {
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

// Validation accuracy against the number of weights, one dot per configuration; hover for its numbers.
function twinArchitecture(container, study) {
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

// The confusion matrix of the selected model on the test digits: click a cell for its digits.
function twinConfusion(container, errors) {
  const k = errors.classes.length, counts = Array.from({ length: k }, () => new Array(k).fill(0));
  const index = c => errors.classes.indexOf(c);
  errors.true.forEach((t, i) => counts[index(t)][index(errors.pred[i])]++);
  const wrap = el("div", { class: "table-wrap" }, container);
  const table = el("table", { class: "confusion" }, wrap);
  const head = el("tr", {}, el("thead", {}, table));
  el("th", {}, head, "true \\ predicted");
  errors.classes.forEach(c => el("th", {}, head, String(c)));
  const body = el("tbody", {}, table), gallery = el("div", { class: "gallery" }, container);
  const caption = el("p", { class: "small" }, container, "Click a cell to see its test digits.");
  counts.forEach((row, a) => {
    const tr = el("tr", {}, body);
    el("th", {}, tr, String(errors.classes[a]));
    row.forEach((n, b) => {
      const td = el("td", { class: a === b ? "diagonal" : n ? "wrong" : "", "data-true": a, "data-pred": b }, tr, String(n));
      if (n) td.addEventListener("click", () => show(a, b));
    });
  });
  function show(a, b) {
    gallery.replaceChildren();
    const picked = errors.true.map((t, i) => i).filter(i => index(errors.true[i]) === a && index(errors.pred[i]) === b);
    caption.textContent = `${picked.length} test digit${picked.length === 1 ? "" : "s"} of class ${errors.classes[a]}`
      + ` read as ${errors.classes[b]}` + (picked.length > 60 ? " (the first 60 shown)" : "");
    for (const i of picked.slice(0, 60)) {
      const figure = el("figure", { class: "digit" }, gallery);
      showInput(el("canvas", { width: 48, height: 48 }, figure), errors.pixels[i]);
      el("figcaption", {}, figure, `${(100 * errors.confidence[i]).toFixed(0)}%`);
    }
  }
  return { show: show };
}

// Each twin in its place on the page (an element with data-twin="study name").
function explore(data) {
  const s = data.studies, twins = {};
  const builders = {
    "learning-rate": c => twinLearningRate(c, s["learning-rate"]),
    "epochs": c => twinGroups(c, [{ name: "training loss", curve: s.epochs["training loss"] },
                                  { name: "validation loss", curve: s.epochs["validation loss"] }],
                              { chart: { title: "loss per epoch", xLabel: "epoch", yLabel: "loss (nats)", yLog: true },
                                points: g => g.curve }),
    "batch-size": c => twinTuned(c, s["batch-size"], "batch size", true),
    "optimizer": c => twinTuned(c, s.optimizer, "optimizer", false),
    "momentum": c => twinGroups(c, s.momentum.groups, { chart: { title: "training loss by momentum", xLabel: "epoch",
                                                                 yLabel: "loss (nats)", yLog: true }, points: g => g.curve }),
    "regularization": c => twinRegularization(c, s.regularization),
    "initialization": c => twinGroups(c, s.initialization.groups, {
      chart: { title: "training loss by initialization", xLabel: "epoch", yLabel: "loss (nats)", xLog: true, yLog: true },
      points: g => g.curve, checked: name => name.endsWith("32-32-32") }),
    "architecture": c => twinArchitecture(c, s.architecture),
    "errors": c => twinConfusion(c, data.errors),
  };
  for (const container of document.querySelectorAll("[data-twin]")) {
    const name = container.getAttribute("data-twin");
    if (!builders[name]) continue;
    container.hidden = false;
    el("h4", {}, container, "Explore it");
    twins[name] = builders[name](container);
  }
  return twins;
}
