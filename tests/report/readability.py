"""What a reader sees of the page in headless Chromium: text too small to read, and anything cut off.

:data:`SMALL_TEXT` returns every piece of text the page draws under a given size in screen pixels: HTML text (its
computed font size), SVG text (its font size times the SVG's scale on the screen, so a chart scaled down counts as
small), form controls, and pictures (a figure's smallest text, which the page states in the picture's own pixels,
times the scale the picture is shown at; for a ``<picture>``, of the image the browser chose). :data:`CUT_OFF`
returns the elements that reach past the window's right edge, outside anything that scrolls sideways.
"""

SMALL_TEXT = """
const [selector, limit] = arguments, root = document.querySelector(selector), found = [];
const shown = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden";
const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const node = walker.currentNode, e = node.parentElement;
  if (!node.textContent.trim() || !e || e.closest("script, style, option, noscript") || !shown(e)) continue;
  let px = parseFloat(getComputedStyle(e).fontSize);
  if (e instanceof SVGElement) { const m = e.getScreenCTM(); px *= Math.hypot(m.a, m.b); }
  if (px < limit) found.push(`${e.tagName.toLowerCase()} "${node.textContent.trim().slice(0, 40)}": ${px.toFixed(1)} px`);
}
for (const e of root.querySelectorAll("select, input, button")) {
  const px = parseFloat(getComputedStyle(e).fontSize);
  if (shown(e) && px < limit) found.push(`${e.tagName.toLowerCase()} ${e.name || e.id}: ${px.toFixed(1)} px`);
}
for (const img of root.querySelectorAll("img")) {
  if (!shown(img)) continue;
  const source = img.parentElement.tagName === "PICTURE" ? img.parentElement.querySelector("source") : null;
  const chosen = source && img.currentSrc === source.srcset ? source : img;
  if (!chosen.dataset.fontPx) { found.push(`img ${img.alt.slice(0, 40)}: states no smallest text`); continue; }
  if (!img.complete || !img.naturalWidth) { found.push(`img ${img.alt.slice(0, 40)}: not loaded`); continue; }
  const px = parseFloat(chosen.dataset.fontPx) * img.getBoundingClientRect().width / img.naturalWidth;
  if (Number(chosen.dataset.width) !== img.naturalWidth) found.push(`img ${img.alt.slice(0, 40)}: not the picture it states`);
  if (px < limit) found.push(`img ${img.alt.slice(0, 40)}: ${px.toFixed(1)} px`);
}
return found;
"""

CUT_OFF = """
const root = document.querySelector(arguments[0]), width = window.innerWidth, found = [];
const scrolls = e => { for (let p = e.parentElement; p; p = p.parentElement) {
  const x = getComputedStyle(p).overflowX; if (x === "auto" || x === "scroll") return p !== document.body
    && p !== document.documentElement; } return false; };
for (const e of root.querySelectorAll("*")) {
  if (!e.getClientRects().length) continue;
  const r = e.getBoundingClientRect();
  if ((r.right > width + 1 || r.left < -1) && !scrolls(e)) found.push(`${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}`
    + `.${e.getAttribute("class") || ""} ${Math.round(r.left)}..${Math.round(r.right)}`);
}
if (document.documentElement.scrollWidth > width) found.push(`the page is ${document.documentElement.scrollWidth} px wide`);
return found;
"""
