// digit_image.js: a picture of a digit to the 8x8 input of the Digits data (digitnet/digit_image.py).
//
// UCI's optdigits: the digit's bitmap normalised to 32x32, cut into 4x4 blocks, the ink pixels of each block
// counted (0..16); its strokes are first brought to the Digits' width. The same steps and arithmetic as the
// Python, and the same refusal of a picture with no digit (readingProblem), which the test suite checks on the same pixels. (The pad's
// pictures are 8-bit RGBA: the Python's reading of 16-bit and float files has no twin here.)

const BITMAP = 32, BLOCK = 4;
// The width strokes are brought to (pixels of the bitmap), and the share of on pixels (tenths) a thinning step
// must leave to be taken (digit_image.py's STROKE_WIDTH, KEEP_TENTHS).
const STROKE_WIDTH = 4, KEEP_TENTHS = 3;

// Ink of each pixel, 0 (paper) to 1, from RGBA bytes over white paper: 1 - grey,
// grey = (0.299 R + 0.587 G + 0.114 B) / 255 blended with white by the opacity.
export function inkOfRgba(rgba, width, height) {
  const ink = new Float64Array(width * height);
  for (let i = 0; i < ink.length; i++) {
    const grey = (0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]) / 255;
    const opacity = rgba[4 * i + 3] / 255;
    ink[i] = 1 - (grey * opacity + (1 - opacity));
  }
  return ink;
}

// For each of the 32 cells along one axis, the picture pixels [lo, hi] whose centres fall in it
// (the pixel under the cell's centre if none does; [1, 0], empty, outside the box).
function cellRanges(low, high, offset, scale) {
  const ranges = [];
  for (let i = 0; i < BITMAP; i++) {
    const start = low + (i - offset) / scale, stop = low + (i + 1 - offset) / scale;
    let lo = Math.max(low, Math.ceil(start - 0.5)), hi = Math.min(high, Math.ceil(stop - 0.5) - 1);
    if (lo > hi) {
      const centre = Math.floor(low + (i + 0.5 - offset) / scale);
      [lo, hi] = low <= centre && centre <= high ? [centre, centre] : [1, 0];
    }
    ranges.push([lo, hi]);
  }
  return ranges;
}

// The pixels read as strokes (1): ink of at least one half, or paper of at least one half when most pixels
// are ink (light ink on dark paper); and whether the picture was read that way round.
function onPixels(ink) {
  const on = new Uint8Array(ink.length);
  let count = 0;
  for (let i = 0; i < ink.length; i++) count += on[i] = ink[i] >= 0.5 ? 1 : 0;
  const inverted = 2 * count > ink.length;
  if (inverted) for (let i = 0; i < ink.length; i++) on[i] = (1 - ink[i]) >= 0.5 ? 1 : 0;
  return { on: on, inverted: inverted };
}

// Why a picture gives no digit to read, or null when it does: "no ink" (blank, one light shade, fully
// transparent), "all ink" (every pixel is ink, or reads as a stroke), "too thin" (strokes, but every one
// of its 64 values is 0).
export function readingProblem(ink, input) {
  const { on, inverted } = onPixels(ink);
  if (!on.some(v => v === 1)) return inverted ? "all ink" : "no ink";
  if (on.every(v => v === 1)) return "all ink";  // strokes and no paper: one shade of exactly mid-grey
  return input.some(v => v > 0) ? null : "too thin";
}

// The mean width of a 0/1 bitmap's strokes: twice its on pixels over its outline's length (stroke_width).
function strokeWidth(on) {
  let count = 0, outline = 0;
  const at = (r, c) => (r >= 0 && r < BITMAP && c >= 0 && c < BITMAP ? on[r * BITMAP + c] : 0);
  for (let r = -1; r < BITMAP; r++) for (let c = -1; c < BITMAP; c++) {
    count += at(r, c);
    outline += Math.abs(at(r + 1, c) - at(r, c)) + Math.abs(at(r, c + 1) - at(r, c));
  }
  return outline ? 2 * count / outline : 0;
}

// One erosion (keep: a pixel stays on when its 4 neighbours are on too) or dilation (a pixel turns on when
// one of them is) by the 4-neighbour cross, outside the bitmap off.
function crossStep(on, erode) {
  const out = new Uint8Array(on.length);
  const at = (r, c) => (r >= 0 && r < BITMAP && c >= 0 && c < BITMAP ? on[r * BITMAP + c] : 0);
  for (let r = 0; r < BITMAP; r++) for (let c = 0; c < BITMAP; c++) {
    const near = [at(r, c), at(r - 1, c), at(r + 1, c), at(r, c - 1), at(r, c + 1)];
    out[r * BITMAP + c] = erode ? (near.every(v => v === 1) ? 1 : 0) : (near.some(v => v === 1) ? 1 : 0);
  }
  return out;
}

// The bitmap with its strokes brought to STROKE_WIDTH (even_strokes): erosions, or dilations.
function evenStrokes(bitmap) {
  let on = bitmap;
  const count = b => b.reduce((a, v) => a + v, 0);
  if (count(on) === 0) return on;
  const steps = Math.floor((strokeWidth(on) - STROKE_WIDTH) / 2 + 0.5);
  for (let k = 0; k < steps; k++) {
    const thinner = crossStep(on, true);
    if (10 * count(thinner) < KEEP_TENTHS * count(on)) break;
    on = thinner;
  }
  for (let k = 0; k < -steps; k++) on = crossStep(on, false);
  return on;
}

// The 64 values (0..16), row by row, of a picture given as ink (width * height, row by row).
export function toDigitsInput(ink, width, height) {
  const on = onPixels(ink).on;
  let r0 = height, r1 = -1, c0 = width, c1 = -1;
  for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) if (on[r * width + c]) {
    r0 = Math.min(r0, r); r1 = Math.max(r1, r); c0 = Math.min(c0, c); c1 = Math.max(c1, c);
  }
  const input = new Array((BITMAP / BLOCK) ** 2).fill(0);
  if (r1 < 0) return input;
  const scale = BITMAP / Math.max(r1 - r0 + 1, c1 - c0 + 1);
  const top = (BITMAP - (r1 - r0 + 1) * scale) / 2, left = (BITMAP - (c1 - c0 + 1) * scale) / 2;
  const counts = new Int32Array((height + 1) * (width + 1));  // counts[r][c]: on pixels above and left
  for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) {
    counts[(r + 1) * (width + 1) + c + 1] = on[r * width + c] + counts[r * (width + 1) + c + 1]
      + counts[(r + 1) * (width + 1) + c] - counts[r * (width + 1) + c];
  }
  const at = (r, c) => counts[r * (width + 1) + c];
  const rowRanges = cellRanges(r0, r1, top, scale), colRanges = cellRanges(c0, c1, left, scale);
  const bitmap = new Uint8Array(BITMAP * BITMAP);
  for (let i = 0; i < BITMAP; i++) {
    const [ra, rb] = rowRanges[i];
    for (let j = 0; j < BITMAP; j++) {
      const [ca, cb] = colRanges[j];
      if (ra > rb || ca > cb) continue;
      const nOn = at(rb + 1, cb + 1) - at(ra, cb + 1) - at(rb + 1, ca) + at(ra, ca);
      bitmap[i * BITMAP + j] = 2 * nOn > (rb - ra + 1) * (cb - ca + 1) ? 1 : 0;
    }
  }
  const even = evenStrokes(bitmap);
  for (let i = 0; i < BITMAP; i++) for (let j = 0; j < BITMAP; j++) {
    input[Math.floor(i / BLOCK) * (BITMAP / BLOCK) + Math.floor(j / BLOCK)] += even[i * BITMAP + j];
  }
  return input;
}
