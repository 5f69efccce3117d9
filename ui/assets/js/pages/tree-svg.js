// The criteria tree drawn as an SVG picture (what `format=dot` describes, laid out here, with no
// external service): one box per criterion coloured by its status, children below their parent.

const NS = "http://www.w3.org/2000/svg";
const W = 190, H = 46, GX = 14, GY = 36;

function el(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Lays out the tree under `roots` (criteria reports; children by IRI through `ix.criteria`). */
function layout(roots, ix) {
  const nodes = [];
  let leaf = 0;
  const place = (c, depth, path) => {
    const kids = path.has(c.iri) ? [] : (c.children || []).map((k) => ix.criteria.get(k)).filter(Boolean);
    const next = new Set(path).add(c.iri);
    const placed = kids.map((k) => place(k, depth + 1, next));
    const x = placed.length ? (placed[0].x + placed[placed.length - 1].x) / 2 : leaf++;
    const node = { c, x, depth, kids: placed };
    nodes.push(node);
    return node;
  };
  const tops = roots.map((r) => place(r, 0, new Set()));
  return { nodes, tops, width: Math.max(leaf, 1), depth: Math.max(0, ...nodes.map((n) => n.depth)) + 1 };
}

function words(label, max) {
  const lines = [];
  let line = "";
  for (const w of String(label).split(/\s+/)) {
    if ((line + " " + w).trim().length > max && line) {
      lines.push(line);
      line = w;
    } else line = (line + " " + w).trim();
  }
  if (line) lines.push(line);
  return lines.length > 2 ? [lines[0], lines[1].slice(0, max - 1) + "…"] : lines;
}

/** An SVG figure of the criteria tree, inside a scrollable box. */
export function criteriaSvg(roots, ix) {
  const { nodes, width, depth } = layout(roots, ix);
  const px = (x) => x * (W + GX) + GX;
  const py = (d) => d * (H + GY) + GY / 2;
  const svg = el("svg", { xmlns: NS, width: width * (W + GX) + GX, height: depth * (H + GY), role: "img", "aria-labelledby": "tree-title", class: "tree-svg" });
  svg.append(el("title", { id: "tree-title" }, "Criteria tree: each box is a criterion, coloured by its status"));
  for (const n of nodes) {
    for (const k of n.kids) {
      svg.append(el("line", { x1: px(n.x) + W / 2, y1: py(n.depth) + H, x2: px(k.x) + W / 2, y2: py(k.depth), class: "edge" }));
    }
  }
  for (const n of nodes) {
    const g = el("g", { class: `node s-${n.c.status}` });
    g.append(el("title", {}, `${n.c.label}: ${String(n.c.status).replace(/-/g, " ")}`));
    g.append(el("rect", { x: px(n.x), y: py(n.depth), width: W, height: H, rx: 6 }));
    words(n.c.label, 30).forEach((line, i) => g.append(el("text", { x: px(n.x) + 8, y: py(n.depth) + 17 + i * 15 }, line)));
    svg.append(g);
  }
  const box = document.createElement("figure");
  box.className = "tree-figure";
  box.append(svg);
  return box;
}
