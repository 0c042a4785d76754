// explore.js: what the interactive twins of the studies' figures share (each study's own twin is a module beside
// its study's Python module, whose default export draws it), drawn from the numbers the report just measured (the
// same as its tables and PNG figures), and the twin of the confusion matrix: open a cell to see its digits.

import { el, lineChart } from "digitnet/charts.js";
import { showInput } from "digitnet/draw.js";

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

// Curves of several groups with a checkbox each (batch sizes, momentum values, initializations, ...).
export function twinGroups(container, groups, options) {
  const chart = lineChart(container, options.chart);
  const state = checkboxes(container, groups.map(g => g.name), options.checked || (() => true), draw);
  function draw() { chart.update(groups.filter(g => state[g.name]).map(g => ({ name: g.name, points: options.points(g) }))); }
  draw();
  return { state: state, draw: draw };
}

// Each optimizer (or batch size) at a rate of its grid: its best by default, any other on request.
export function twinTuned(container, study, name, perSecond) {
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

// Each twin in its place on the page (an element with data-twin="study name"), drawn from that study's numbers.
// twins: study name -> its twin (container, that study's numbers), as the module digitnet/twins.js lists them
// (written from the studies' registry, digitnet.studies.studies()).
export function explore(data, twins) {
  const built = {};
  const builders = { ...Object.fromEntries(Object.entries(twins).map(([name, twin]) => [name, c => twin(c, data.studies[name])])),
                     "errors": c => twinConfusion(c, data.errors) };
  for (const container of document.querySelectorAll("[data-twin]")) {
    const name = container.getAttribute("data-twin");
    if (!builders[name]) continue;
    container.hidden = false;
    el("h4", {}, container, "Explore it");
    built[name] = builders[name](container);
  }
  return built;
}
