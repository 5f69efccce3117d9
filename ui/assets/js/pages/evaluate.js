// Evaluate and explain: a case in (pasted, uploaded or a shipped example), the determination out —
// the criteria tree coloured met / not met / unknown, what is missing, caveats, regimen, weak and
// opposing evidence, and the why-chain expandable down to the quoted passage with its source.

import { h, replace, note, badge, details, table } from "../dom.js";
import { call, get } from "../api.js";
import { session } from "../session.js";
import { iriLink } from "../rdf.js";
import { errorNote } from "../main.js";
import { criteriaSvg } from "./tree-svg.js";

/** Cases shipped with the workbench (`ui/assets/examples/`), each with the date it is meant for. */
const EXAMPLES = [
  ["seed-patient.fhir.json", "Worked example: IVIG every 3 weeks after HSCT (seed patient)", "2025-12-17"],
  ["missing-facts.fhir.json", "Sparse case: most facts missing", "2025-12-17"],
  ["discontinuation-met.fhir.json", "Discontinuation criteria met", "2025-12-17"],
];

let last = null; // the last case evaluated, so the page keeps it across navigation

export async function evaluatePage(main, params) {
  const example = h("select", { id: "example" }, h("option", { value: "" }, "— pick a shipped example —"), EXAMPLES.map(([f, l]) => h("option", { value: f }, l)));
  const body = h("textarea", { id: "case", rows: 12, spellcheck: "false", placeholder: "Paste a FHIR R4 Bundle (JSON), or a case in Turtle / JSON-LD" }, last?.body || "");
  const file = h("input", { type: "file", id: "case-file", accept: ".json,.ttl,.jsonld,application/json" });
  const asOf = h("input", { type: "date", id: "as-of", value: last?.asOf || params.get("asOf") || new Date().toISOString().slice(0, 10) });
  const gate = h("select", { id: "gate" },
    h("option", { value: "approved", selected: !last?.pending }, "approved evidence only"),
    h("option", { value: "pending", selected: !!last?.pending }, "include evidence pending review"));
  const policy = h("input", { type: "url", id: "policy", placeholder: "optional: policy IRI", value: last?.policy || "" });
  const keep = session.can("admin") ? h("input", { type: "checkbox", id: "keep" }) : null;
  const out = h("div", { id: "evaluation", "aria-live": "polite" });

  example.addEventListener("change", async () => {
    if (!example.value) return;
    const r = await fetch(`/ui/assets/examples/${example.value}`);
    body.value = await r.text();
    asOf.value = EXAMPLES.find((e) => e[0] === example.value)[2];
  });
  file.addEventListener("change", async () => {
    if (file.files[0]) body.value = await file.files[0].text();
  });

  const run = async (e) => {
    e?.preventDefault();
    last = { body: body.value, asOf: asOf.value, pending: gate.value === "pending", policy: policy.value.trim() };
    replace(out, h("p", { class: "loading" }, "Evaluating…"));
    try {
      const answers = await evaluate(last, keep?.checked);
      replace(out, answers.map((a) => answerView(a, last, keep?.checked)));
    } catch (err) {
      replace(out, caseError(err));
    }
  };
  replace(
    main,
    h("h1", {}, "Evaluate a case"),
    h("form", { class: "evaluate", onsubmit: run },
      h("div", { class: "row" },
        h("div", { class: "field" }, h("label", { for: "example" }, "Example"), example),
        h("div", { class: "field" }, h("label", { for: "case-file" }, "Or upload a file"), file)),
      h("div", { class: "field" }, h("label", { for: "case" }, "Case"), body),
      h("div", { class: "row" },
        h("div", { class: "field" }, h("label", { for: "as-of" }, "Evaluation date"), asOf),
        h("div", { class: "field" }, h("label", { for: "gate" }, "Review gate"), gate),
        h("div", { class: "field" }, h("label", { for: "policy" }, "Policy"), policy),
        keep ? h("div", { class: "field" }, h("label", { class: "check" }, keep, " keep the determination")) : null),
      h("button", { type: "submit", id: "evaluate-go", class: "primary" }, "Evaluate")),
    out,
  );
  if (last?.body) run();
}

function mediaType(text) {
  const t = text.trim();
  if (t.startsWith("{") || t.startsWith("[")) return t.includes('"@context"') ? "application/ld+json" : "application/fhir+json";
  return "text/turtle";
}

/** POSTs the case; one answer or several (`{determinations}`) as a list. */
async function evaluate(c, keep, format) {
  const p = new URLSearchParams();
  if (c.asOf) p.set("asOf", c.asOf);
  if (c.pending) p.set("includePending", "true");
  if (c.policy) p.set("policy", c.policy);
  if (keep) p.set("keep", "true");
  if (format) p.set("format", format);
  const { data } = await call(`/evaluate?${p}`, { method: "POST", body: c.body, headers: { "Content-Type": mediaType(c.body) } });
  if (format) return data;
  return data?.determinations || [data];
}

function caseError(e) {
  const where = [e.body?.path ? `at ${e.body.path}` : null, e.body?.line ? `line ${e.body.line}, column ${e.body.column}` : null].filter(Boolean).join(" ");
  return h("div", {}, errorNote(e), where ? note("info", "Where: ", h("code", {}, where)) : null);
}

/** Everything one answer says. */
function answerView(a, c, kept) {
  const ix = index(a);
  const roots = a.criteria.filter((cr) => !a.criteria.some((p) => (p.children || []).includes(cr.iri)));
  return h("article", { class: "answer" },
    h("div", { class: `determination d-${a.determination}`, id: "determination" },
      h("h2", {}, "Determination: ", h("span", { class: "outcome" }, String(a.determination).replace(/-/g, " "))),
      h("p", { class: "summary" }, a.summary),
      h("p", {}, "Policy: ", iriLink(a.policy.iri, a.policy.label, "policies"), " ", a.policy.reviewStatus ? badge(a.policy.reviewStatus) : "", " — as of ", a.asOf, " — ", a.review || ""),
      kept ? h("p", {}, h("a", { href: `/ui/determination?iri=${encodeURIComponent(a.id)}`, id: "kept-link" }, "Kept: open its page")) : null),
    list("Reasons", a.reasons, (r) => r),
    h("section", { class: "criteria" }, h("h2", {}, "Criteria"),
      h("p", { class: "legend" }, badge("met"), " ", badge("not-met"), " ", badge("unknown")),
      criteriaSvg(roots, ix),
      h("ul", { class: "tree", id: "criteria-tree" }, roots.map((r) => criterionItem(r, ix, new Set())))),
    a.missing?.length ? h("section", { id: "missing" }, h("h2", {}, "Missing facts"), table(["concept", "needed by", "for", "detail"], a.missing.map((m) => [iriLink(m.concept, m.label, "concepts"), (m.neededBy || []).map((n) => [iriLink(n, ix.criteria.get(n)?.label), " "]), (m.for || []).join(", "), (m.detail || []).join("; ")]))) : null,
    a.caveats?.length ? h("section", { id: "caveats" }, h("h2", {}, "Caveats"), h("ul", {}, a.caveats.map((cv) => h("li", {}, badge(cv.status), " ", h("strong", {}, cv.label), ": ", cv.text, cv.reviewStatus ? [" ", badge(cv.reviewStatus)] : "", evidenceList(cv.evidence, ix))))) : null,
    a.monitoring?.length ? h("section", {}, h("h2", {}, "Monitoring"), h("ul", {}, a.monitoring.map((m) => h("li", {}, badge(m.status), " ", h("strong", {}, m.label), ": ", m.text, m.note ? [" — ", m.note] : "")))) : null,
    a.regimen?.length ? h("section", { id: "regimen" }, h("h2", {}, "Regimen"), h("ul", {}, a.regimen.map((r) => h("li", { class: r.consistent === false ? "inconsistent" : "" }, h("strong", {}, r.label), ": ", r.note || r.text, r.recommended ? [" (recommended ", r.recommended, ")"] : "")))) : null,
    list("Withheld (no counting support)", a.withheld, (w) => [h("strong", {}, w.label), ": ", w.reason]),
    list("Notes", a.notes, (n) => n),
    evidenceSection(a.evidence, ix),
    list("Unrecognised codes", a.unrecognised, (u) => [h("code", {}, u.path || ""), " ", u.system || "", " ", u.code || "", " — ", u.reason || JSON.stringify(u)]),
    h("section", { id: "why" }, h("h2", {}, "Why"), h("p", { class: "hint" }, "Expand a reason to follow it down to the patient's facts and the quoted passages. A part already shown is referred to, not repeated."), whyTree(a.why, ix)),
    h("section", {}, h("h2", {}, "Other renderings"), renderings(c)),
  );
}

/** `/ui/determination?iri=`: a kept determination's why-chain (GET /why?iri=), as decided then. */
export async function determinationPage(main, iri) {
  const why = await get(`/why?iri=${encodeURIComponent(iri || "")}`);
  const text = h("div", {});
  replace(main,
    h("h1", {}, "Kept determination"),
    h("p", { class: "iri" }, iri),
    h("p", {}, "What was decided, with the evidence as it stood when it was kept."),
    h("section", { id: "why" }, h("h2", {}, "Why"), whyTree(why, null)),
    h("div", { class: "actions" },
      h("button", { type: "button", onclick: async () => replace(text, h("pre", { class: "prose" }, await get(`/why?iri=${encodeURIComponent(iri)}&format=text`))) }, "Show as prose"), " ",
      h("button", { type: "button", id: "show-graph", onclick: async () => {
        try {
          replace(text, graphImage(await get(`/why?iri=${encodeURIComponent(iri)}&format=svg`), "determination"));
        } catch (e) {
          replace(text, errorNote(e));
        }
      } }, "Graph picture")),
    text);
}

function list(title, items, f) {
  if (!items?.length) return null;
  return h("section", {}, h("h2", {}, title), h("ul", {}, items.map((i) => h("li", {}, f(i)))));
}

/** Lookups into the answer's catalogues. */
function index(a) {
  return {
    criteria: new Map((a.criteria || []).map((c) => [c.iri, c])),
    statements: new Map((a.statements || []).map((s) => [s.iri, s])),
    sources: new Map((a.sources || []).map((s) => [s.iri, s])),
    passages: new Map((a.passages || []).map((p) => [p.iri, p])),
  };
}

function criterionItem(c, ix, path) {
  if (path.has(c.iri)) return h("li", {}, "(cycle) ", c.label);
  const next = new Set(path).add(c.iri);
  const kids = (c.children || []).map((k) => ix.criteria.get(k)).filter(Boolean);
  return h("li", { class: `crit s-${c.status}`, "data-iri": c.iri },
    h("details", { open: kids.length > 0 },
      h("summary", {}, badge(c.status), " ", h("span", { class: "crit-label" }, c.label), c.kind ? h("span", { class: "muted" }, ` ${String(c.kind).replace(/-/g, " ")}`) : "",
        c.computedStatus && c.computedStatus !== c.status ? [" ", h("span", { class: "muted" }, `(facts say ${c.computedStatus}; no counting support)`)] : ""),
      h("div", { class: "crit-body" },
        c.reason ? h("p", {}, c.reason) : null,
        c.missing ? h("p", { class: "missing" }, "Missing: ", c.missing) : null,
        c.facts?.length ? h("p", {}, "Facts: ", c.facts.map((f) => [h("code", {}, f.fact), f.detail ? ` (${f.detail})` : "", " "])) : null,
        evidenceList(c.evidence, ix)),
      kids.length ? h("ul", {}, kids.map((k) => criterionItem(k, ix, next))) : null));
}

/** Statements cited for a criterion or caveat, each expandable to its passages. */
function evidenceList(evidence, ix) {
  if (!evidence?.length) return null;
  return h("ul", { class: "evidence" }, evidence.map((e) => {
    const s = ix.statements.get(e.statement);
    return h("li", { class: e.counts ? "counts" : "not-counting" },
      details([badge(e.reviewStatus), " ", e.role, ": ", s?.label || e.statement, e.counts ? "" : " (does not count)"], false,
        statementView(s, ix, e.statement)));
  }));
}

function statementView(s, ix, iri) {
  if (!s) return h("p", {}, iriLink(iri, null, "statements"));
  return h("div", { class: "statement" },
    h("blockquote", {}, s.text),
    h("p", {}, iriLink(s.iri, "statement page", "statements"), s.certainty ? [" — certainty: ", s.certainty.label] : "", s.stance ? [" — stance: ", String(s.stance).replace(/^.*[#/]/, "")] : ""),
    (s.flags || []).map((f) => note("warn", h("strong", {}, "Flag "), String(f.kind).replace(/^.*[#/]/, ""), ": ", f.reason)),
    s.indirect ? note("warn", "Indirect: ", s.indirect.reason) : null,
    h("ul", { class: "quotes" }, (s.restsOn || []).map((p) => h("li", {}, passageView(ix.passages.get(p), ix, p)))));
}

function passageView(p, ix, iri) {
  if (!p) return iriLink(iri, null, "passages");
  const src = ix.sources.get(p.source);
  return h("div", { class: "passage" },
    h("blockquote", { class: "quote" }, p.text),
    h("p", { class: "cite" }, "— ", src ? sourceView(src) : iriLink(p.source, null, "sources"), " ", iriLink(p.iri, "passage", "passages")));
}

function sourceView(src) {
  return h("span", {}, iriLink(src.iri, src.title, "sources"), src.design ? ` (${src.design.label})` : "", " ",
    (src.identifiers || []).map((i) => [identifierLink(i.scheme, i.value, i.status), " "]));
}

/** A PubMed or DOI link for a verified identifier; the status otherwise. */
export function identifierLink(scheme, value, status) {
  const s = String(scheme || "");
  const short = /\(([^)]+)\)/.exec(s)?.[1] || s.replace(/^.*[#/]/, "");
  if (!value) return h("span", { class: "unverified" }, `${short} ${String(status || "unverified").replace(/^.*[#/]/, "")}`);
  if (/pmid|pubmed/i.test(s) && /^\d+$/.test(value)) return h("a", { class: "ext", href: `https://pubmed.ncbi.nlm.nih.gov/${value}/`, rel: "noopener noreferrer" }, `PMID ${value}`);
  if (/doi/i.test(s) && /^10\./.test(value)) return h("a", { class: "ext", href: `https://doi.org/${value}`, rel: "noopener noreferrer" }, `DOI ${value}`);
  return h("span", {}, `${short} ${value}`);
}

/** Identifier text of a why node's source (`PMID 123`, `DOI 10.x/y`, `DOI unverified`). */
function identifierText(t) {
  const m = /^(\S+)\s+(.*)$/.exec(t);
  if (!m) return t;
  return identifierLink(m[1], /unverified|not|unidentified/i.test(m[2]) ? null : m[2], m[2]);
}

function evidenceSection(ev, ix) {
  if (!ev) return null;
  const used = (title, items) => items?.length ? [h("h3", {}, title), h("ul", {}, items.map((u) => h("li", {}, iriLink(u.statement, u.label, "statements"), " — ", u.reason, u.counts ? "" : " (does not count)")))] : null;
  const weakest = ev.weakest;
  return h("section", { id: "weak-evidence" }, h("h2", {}, "Strength of the evidence"),
    weakest ? note("info", h("strong", {}, "Weakest link: "), ix.criteria.get(weakest.criterion)?.label || weakest.criterion, weakest.certainty ? ` — ${weakest.certainty.label}` : "", weakest.design ? ` — ${weakest.design.label}` : "", weakest.reason ? ` — ${weakest.reason}` : "") : null,
    used("Indirect evidence", ev.indirect), used("Flagged evidence", ev.flagged), used("Opposing evidence", ev.opposing));
}

/**
 * The why tree as nested disclosures. A subtree met before (same kind and IRI) is shown once: later
 * occurrences link to the first. Nodes that already arrive as references (`ref`) link the same way.
 */
function whyTree(root, ix) {
  const seen = new Map();
  let n = 0;
  const node = (given, depth) => {
    if (!given) return null;
    const w = filled(given, ix);
    const ref = w.ref || w.see || w.$ref;
    const key = `${w.kind}|${w.iri || ref}`;
    if (ref && !w.children?.length) {
      const target = seen.get(`${w.kind}|${ref}`) || seen.get(`|${ref}`);
      return h("li", { class: "why-ref" }, kindTag(w.kind), " ", w.label || ref, " — ", target ? h("a", { href: `#${target}` }, "shown above") : "shown elsewhere");
    }
    if (w.iri && (w.children || []).length && seen.has(key)) {
      return h("li", { class: "why-ref" }, kindTag(w.kind), " ", w.label || w.iri, " — ", h("a", { href: `#${seen.get(key)}` }, "shown above"));
    }
    const id = `why-${++n}`;
    if (w.iri) {
      seen.set(key, id);
      seen.set(`|${w.iri}`, id);
    }
    const kids = (w.children || []).map((c) => node(c, depth + 1));
    const head = [kindTag(w.kind), " ", w.status ? [badge(w.status), " "] : "", h("span", { class: "why-label" }, w.label || w.iri || "")];
    const body = [
      w.text && w.kind === "passage" ? h("blockquote", { class: "quote" }, w.text) : w.text && w.text !== w.label ? h("p", {}, w.text) : null,
      w.kind === "source" && ix?.sources.get(w.iri) ? h("p", { class: "cite" }, sourceView(ix.sources.get(w.iri))) : null,
      w.source ? h("p", { class: "cite" }, "— ", iriLink(w.source.iri, w.source.title, "sources"), " ", (w.source.identifiers || []).map((t) => [identifierText(t), " "])) : null,
      w.kind === "passage" && !w.source && w.sourceInfo ? h("p", { class: "cite" }, "— ", sourceView(w.sourceInfo)) : null,
      w.path ? h("p", {}, "Case element: ", h("code", {}, w.path)) : null,
      w.iri && /^https?:/.test(w.iri) && w.kind !== "determination" && w.kind !== "fact" ? h("p", { class: "muted" }, iriLink(w.iri, "open")) : null,
    ];
    return h("li", { id, class: `why-${w.kind}` },
      kids.length || body.some(Boolean) ? h("details", { open: depth < 1 }, h("summary", {}, head), body, kids.length ? h("ul", {}, kids) : null) : h("span", {}, head));
  };
  return h("ul", { class: "why-tree", id: "why-tree" }, node(root, 0));
}

/**
 * A why node with what the answer's catalogues say of it: the JSON answer's tree names statements,
 * sources and passages by IRI and leaves criteria's reasons to `criteria` (a kept determination's
 * tree, read from /why, carries them itself).
 */
function filled(w, ix) {
  if (!ix || (w.label && w.text)) return w;
  const fill = (label, text, extra) => ({ ...w, label: w.label || label || "", text: w.text || text || "", ...extra });
  switch (w.kind) {
    case "criterion": {
      const c = ix.criteria.get(w.iri);
      return fill(c?.label, c?.reason);
    }
    case "statement": {
      const st = ix.statements.get(w.iri);
      return fill(st?.label, st?.text);
    }
    case "source": {
      const src = ix.sources.get(w.iri);
      return fill(src?.title, null);
    }
    case "passage": {
      const p = ix.passages.get(w.iri);
      const src = p ? ix.sources.get(p.source) : null;
      const where = p ? [p.section, p.position ? `passage ${p.position}` : null].filter(Boolean).join(", ") : "";
      return fill(p ? `${src?.title || p.source}${where ? ` — ${where}` : ""}` : null, p?.text, { sourceInfo: src });
    }
    default:
      return w;
  }
}

function kindTag(kind) {
  return h("span", { class: `kind k-${kind}` }, String(kind || "").replace(/-/g, " "));
}

/** Prose and Graphviz renderings of the same evaluation. */
function renderings(c) {
  const out = h("div", {});
  const prose = h("button", { type: "button", id: "show-text", onclick: async () => {
    try {
      const text = await evaluate(c, false, "text");
      replace(out, h("pre", { class: "prose" }, text));
    } catch (e) {
      replace(out, errorNote(e));
    }
  } }, "Show as prose with citations");
  const dot = h("button", { type: "button", id: "get-dot", onclick: async () => {
    try {
      const text = await evaluate(c, false, "dot");
      const url = URL.createObjectURL(new Blob([text], { type: "text/vnd.graphviz" }));
      replace(out, h("p", {}, h("a", { href: url, download: "determination.dot", id: "dot-link" }, "Download determination.dot"), " (Graphviz source; render with dot -Tsvg)"), h("pre", { class: "prose" }, text));
    } catch (e) {
      replace(out, errorNote(e));
    }
  } }, "Graphviz source");
  const picture = h("button", { type: "button", id: "show-graph", onclick: async () => {
    try {
      replace(out, graphImage(await evaluate(c, false, "svg"), "determination"));
    } catch (e) {
      replace(out, errorNote(e));
    }
  } }, "Graph picture");
  return h("div", {}, h("div", { class: "actions" }, prose, " ", picture, " ", dot), out);
}

/** The server-drawn Graphviz picture (`format=svg`) as an image, with a download link. */
function graphImage(svg, name) {
  const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
  const figure = h("figure", { class: "graph fit" });
  const zoom = h("button", { type: "button", id: "graph-zoom", "aria-pressed": "false", onclick: () => {
    const full = figure.classList.toggle("fit") === false;
    zoom.setAttribute("aria-pressed", String(full));
    zoom.textContent = full ? "Fit to width" : "Actual size";
  } }, "Actual size");
  figure.append(
    h("figcaption", {}, "The why-chain as a graph (the Graphviz description drawn by the server). ", zoom, " ", h("a", { href: url, download: `${name}.svg` }, `Download ${name}.svg`)),
    h("img", { src: url, id: "graph-image", alt: `The ${name}'s why-chain drawn as a graph: criteria, patient facts, statements, sources and passages, coloured met, not met or unknown.` }));
  return figure;
}
