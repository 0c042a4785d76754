// main.js: reads the numbers the report embedded (the JSON in #digitnet-data), builds the drawing pad, the
// playground and the studies' twins, and offers the page's model to scripts as window.digitnet.

function startPage() {
  const data = JSON.parse(document.getElementById("digitnet-data").textContent);
  const model = data.model, net = netFromModel(model);
  const digits = data.digits, part = p => ({ X: scaleRows(p.pixels, digits.mean, digits.scale), labels: Int32Array.from(p.labels) });

  // 64 raw pixel values (0..16) -> the model's ten probabilities, as digitnet predict gives them from model.npz.
  function predictProba(pixels) {
    if (!pixels || pixels.length !== model.mean.length) throw new Error(`predictProba takes ${model.mean.length} pixel values`);
    const activations = forwardPass(scaleRows(Array.from(pixels, Number), model.mean, model.scale), net.weights, net.biases,
                                    net.activation);
    return { probabilities: Array.from(activations[activations.length - 1].data), hidden: Array.from(activations[1].data) };
  }
  const page = {
    data: data, train: part(digits.train), val: part(digits.val),
    predict(pixels) {
      const r = predictProba(pixels), best = argmax(r.probabilities, 0, r.probabilities.length);
      return { probabilities: r.probabilities, hidden: r.hidden, prediction: model.classes[best] };
    },
  };
  const api = window.digitnet = {
    version: data.version,
    predictProba: pixels => predictProba(pixels).probabilities,
    toDigitsInput: (ink, width, height) => toDigitsInput(ink, width, height),
    inkOfRgba: (rgba, width, height) => Array.from(inkOfRgba(rgba, width, height)),
    readingProblem: (ink, input) => readingProblem(ink, input),
    trainFrom: trainFrom,
    // nn.js's divergence rule on given losses (numbers, or strings such as "NaN" and "Infinity"), for checking it
    // against digitnet.nn.divergence: the ceiling and the epoch at which the losses diverged (or null).
    divergence: (losses, startLoss, baseline) => {
      const ceiling = divergenceCeiling(Number(startLoss), Number(baseline));
      return { ceiling: String(ceiling), epoch: divergenceEpoch(losses.map(Number), ceiling) };
    },
  };
  for (const node of document.querySelectorAll("[data-needs-js]")) node.hidden = false;
  api.pad = drawingPad(document.getElementById("play-draw"), page);
  api.playground = playground(document.getElementById("play-train-box"), page);
  api.twins = explore(data);
  document.documentElement.classList.add("js");
}

// For checking the page against digitnet: train a given network on given rows, batches in order, and return
// each epoch's loss and the final weights, and the divergence rule's numbers (the starting weights' loss,
// the constant prediction's, the epoch at which the losses diverged or null). spec: layer_sizes, weights (row-major lists), biases, activation,
// solver ("gd", "momentum", "nesterov", "adam"), learning_rate, momentum, alpha, batch_size, epochs,
// X (scaled rows, row-major), labels.
function trainFrom(spec) {
  const sizes = spec.layer_sizes, n = spec.labels.length;
  const net = {
    weights: spec.weights.map((W, l) => matrix(sizes[l], sizes[l + 1], Float64Array.from(W))),
    biases: spec.biases.map(b => Float64Array.from(b)), activation: spec.activation, alpha: spec.alpha,
  };
  const optimizer = makeOptimizer(net, spec.solver, spec.learning_rate, spec.momentum);
  const X = matrix(n, sizes[0], Float64Array.from(spec.X)), labels = Int32Array.from(spec.labels), loss = [];
  const startLoss = startingLoss(net, X, labels, spec.batch_size);
  const baseline = baselineLoss(labels, sizes[sizes.length - 1]);
  for (let e = 0; e < spec.epochs; e++) loss.push(trainEpoch(net, X, labels, optimizer, spec.batch_size, null).loss);
  return { loss: loss, weights: net.weights.map(W => Array.from(W.data)), biases: net.biases.map(b => Array.from(b)),
           start_loss: startLoss, baseline_loss: baseline,
           diverged_at: divergenceEpoch(loss, divergenceCeiling(startLoss, baseline)) };
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startPage);
else startPage();
