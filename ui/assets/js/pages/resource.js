// A resource's page (`/ui/{kind}/{id}`): its description, review status and flags, what cites it
// and what it supports, and its history with one-click revert. Also the list of a kind and the
// resolver from an IRI to its page.

import { h, replace, note, badge, details, table } from "../dom.js";
import { get, call, select } from "../api.js";
import { session } from "../session.js";
import { labelsOf } from "../labels.js";
import { WR, abbreviate, iriLink, iriRef, kindOfClass, localId, parseTerm, safeIri, termNode, pageOf, KINDS } from "../rdf.js";
import { diffTable, changeSummary, irisOf } from "../diff.js";
import { go, errorNote, flash } from "../main.js";

const SINGULAR = { statements: "statement", sources: "source", passages: "passage", concepts: "concept", policies: "policy" };
const RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const LABELS = ["http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#prefLabel", "http://purl.org/dc/terms/title"];

/** Parses N-Triples into [{s, p, o}] of terms. */
export function parseNTriples(text) {
  const out = [];
  for (const line of String(text).split("\n")) {
    const m = /^\s*(<[^>]*>|_:\S+)\s+(<[^>]*>)\s+(.*?)\s*\.\s*$/.exec(line);
    if (m) out.push({ s: parseTerm(m[1]), p: parseTerm(m[2]), o: parseTerm(m[3]) });
  }
  return out;
}

/** The description of a curated resource: {triples, etag}. */
export async function description(kind, id) {
  const { data, response } = await call(`/curation/${kind}/${encodeURIComponent(id)}`, { headers: { Accept: "application/n-triples" } });
  return { triples: parseNTriples(data), etag: response.headers.get("ETag"), text: data };
}

/** `/ui/resource?iri=`: finds the kind of an IRI and goes to its page (or shows what the store says). */
export async function resolvePage(main, iri) {
  if (!safeIri(iri)) {
    replace(main, h("h1", {}, "Resource"), note("error", "Give the resource as ?iri=IRI."));
    return;
  }
  const rows = await select(`SELECT ?t WHERE { ${iriRef(iri)} a ?t }`);
  const kind = rows.map((r) => kindOfClass(r.t)).find(Boolean);
  const id = localId(iri);
  if (kind && id && !iri.includes("#")) {
    go(`/ui/${kind}/${encodeURIComponent(id)}`, true);
    return;
  }
  // a part of a resource (a policy's criterion `…#start`), or anything else: what the store says
  const triples = (await select(`SELECT ?p ?o ?ot WHERE { ${iriRef(iri)} ?p ?o BIND(isIRI(?o) AS ?ot) } LIMIT 500`)).map((r) => ({
    s: { type: "uri", value: iri },
    p: { type: "uri", value: r.p },
    o: r.ot === "true" ? { type: "uri", value: r.o } : { type: "literal", value: r.o },
  }));
  const labels = await labelsOf([iri, ...triples.flatMap((t) => [t.p.value, t.o.value])]);
  const owner = iri.includes("#") ? iri.split("#")[0] : null;
  replace(
    main,
    h("h1", {}, labels[iri] || abbreviate(iri)),
    h("p", { class: "iri" }, iri),
    owner ? h("p", {}, "Part of ", iriLink(owner, null)) : null,
    triples.length ? propertyTable(triples, iri, labels) : note("info", "The store holds nothing about this IRI."),
    h("section", { id: "incoming" }, h("h2", {}, "What refers to it"), await incoming(iri)),
  );
}

/** `/ui/{kind}`: every resource of a kind, with labels. */
export async function listPage(main, kind) {
  const items = await get(`/curation/${kind}`);
  const labels = await labelsOf(items.map((i) => i.iri));
  replace(
    main,
    h("h1", {}, kind[0].toUpperCase() + kind.slice(1)),
    session.can("curator") ? h("p", {}, h("a", { class: "button", href: `/ui/curate/${kind}/new`, id: "new-resource" }, `New ${kind === "policies" ? "policy" : kind.replace(/s$/, "")}`)) : null,
    h("p", { class: "count" }, `${items.length} ${kind}`),
    h("ul", { class: "list" }, items.map((i) => h("li", {}, h("a", { href: pageOf(i.iri, kind) }, labels[i.iri] || i.id), " ", h("span", { class: "muted" }, i.id)))),
  );
}

/** `/ui/{kind}/{id}`. */
export async function resourcePage(main, kind, id) {
  const { triples } = await description(kind, id);
  const subject = triples.find((t) => localId(t.s.value) === id && !t.s.value.includes("#"))?.s.value;
  const iri = subject || (kind === "concepts" ? `https://w3id.org/warrant/concept/${id}` : `https://w3id.org/warrant/id/${id}`);
  const labels = await labelsOf([iri, ...triples.flatMap((t) => [t.p.value, t.o.value].filter((v) => /^[a-z]+:/.test(v)))]);
  const own = (p) => triples.filter((t) => t.s.value === iri && t.p.value === p).map((t) => t.o.value);
  const title = LABELS.map(own).flat()[0] || id;
  const text = own(WR + "text")[0];
  const status = own(WR + "reviewStatus")[0];
  const reviewed = kind === "statements" || kind === "policies";
  const actions = h("div", { class: "actions" },
    session.can("curator") ? h("a", { class: "button", id: "edit", href: `/ui/curate/${kind}/${encodeURIComponent(id)}` }, "Edit") : null,
    reviewed && session.can("reviewer") ? h("a", { class: "button", id: "review-link", href: `/ui/review?iri=${encodeURIComponent(iri)}` }, "Review") : null);
  replace(
    main,
    h("p", { class: "crumbs" }, h("a", { href: `/ui/${kind}` }, kind), " / ", id),
    h("h1", { id: "resource-title" }, title),
    h("p", { class: "meta" }, badge(SINGULAR[kind]), " ", status ? badge(status) : null, " ", h("code", { class: "iri" }, iri)),
    actions,
    text ? h("blockquote", { class: "resource-text", id: "resource-text" }, text) : null,
    h("div", { id: "flags" }),
    h("section", {}, h("h2", {}, "Description"), propertyTable(triples, iri, labels)),
    h("section", { id: "related" }, h("h2", {}, relatedTitle(kind)), h("p", { class: "loading" }, "Loading…")),
    h("section", { id: "incoming" }, h("h2", {}, "Everything that refers to it"), h("p", { class: "loading" }, "Loading…")),
    h("section", { id: "history" }, h("h2", {}, "History"), h("p", { class: "loading" }, "Loading…")),
  );
  const fill = async (sel, work) => {
    const el = main.querySelector(sel);
    try {
      const content = await work();
      if (content) replace(el, el.querySelector("h2") || "", content);
      else el.remove();
    } catch (e) {
      replace(el, el.querySelector("h2") || "", errorNote(e));
    }
  };
  await Promise.all([
    fill("#flags", () => flags(iri)),
    fill("#related", () => related(kind, iri)),
    fill("#incoming", () => incoming(iri)),
    fill("#history", () => historyOf(iri, () => resourcePage(main, kind, id))),
  ]);
}

function relatedTitle(kind) {
  return {
    statements: "What it rests on and what it supports",
    sources: "Passages and the statements resting on them",
    passages: "Statements resting on this passage",
    concepts: "Statements about it",
    policies: "Criteria",
  }[kind];
}

/** Description triples as a table: one row per property, parts (`#…`, blank nodes) after the resource. */
export function propertyTable(triples, iri, labels) {
  const subjects = [...new Set(triples.map((t) => t.s.value))].sort((a, b) => (a === iri ? -1 : b === iri ? 1 : a.localeCompare(b)));
  const rows = [];
  for (const s of subjects) {
    if (s !== iri) rows.push(h("tr", { class: "diff-subject" }, h("th", { colspan: 2, scope: "rowgroup" }, s.startsWith("http") ? iriLink(s, labels[s]) : `_:${s}`)));
    const mine = triples.filter((t) => t.s.value === s);
    const preds = [...new Set(mine.map((t) => t.p.value))];
    for (const p of preds) {
      const objs = mine.filter((t) => t.p.value === p).map((t) => t.o);
      rows.push(h("tr", {}, h("th", { scope: "row", title: p }, labels[p] || abbreviate(p)), h("td", {}, h("ul", { class: "values" }, objs.map((o) => h("li", {}, termNode(o, labels)))))));
    }
  }
  return h("table", { class: "props" }, h("tbody", {}, rows));
}

async function flags(iri) {
  const rows = await select(`PREFIX wr: <${WR}> SELECT ?f ?type ?reason ?by WHERE { ${iriRef(iri)} wr:flag ?f . OPTIONAL { ?f wr:flagType ?type } OPTIONAL { ?f wr:flagReason ?reason } OPTIONAL { ?f <http://www.w3.org/ns/prov#wasAttributedTo> ?by } }`);
  if (!rows.length) return null;
  return h("div", { class: "flags" }, rows.map((r) => note("warn", h("strong", {}, "Flag: "), badge(r.type || "flag"), " ", r.reason || "", r.by ? [" — raised by ", iriLink(r.by)] : "")));
}

async function related(kind, iri) {
  const I = iriRef(iri);
  const P = `PREFIX wr: <${WR}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX cito: <http://purl.org/spar/cito/> `;
  if (kind === "statements") {
    const passages = await select(`${P} SELECT ?p ?text ?source WHERE { ${I} wr:restsOn ?p . OPTIONAL { ?p wr:text ?text } OPTIONAL { ?p wr:inSource ?source } }`);
    const criteria = await select(`${P} SELECT DISTINCT ?c ?label WHERE { ?c wr:supportedBy|wr:opposedBy ${I} OPTIONAL { ?c rdfs:label ?label } }`);
    const labels = await labelsOf(passages.map((p) => p.source).filter(Boolean));
    return h("div", {},
      h("h3", {}, "Rests on"),
      passages.length ? h("ul", { class: "quotes" }, passages.map((p) => h("li", {}, h("blockquote", {}, p.text || ""), iriLink(p.p, null, "passages"), p.source ? [" in ", iriLink(p.source, labels[p.source], "sources")] : ""))) : h("p", { class: "muted" }, "No passage."),
      h("h3", {}, "Supports"),
      criteria.length ? h("ul", {}, criteria.map((c) => h("li", {}, iriLink(c.c, c.label), c.c.includes("#") ? [" in policy ", iriLink(c.c.split("#")[0])] : ""))) : h("p", { class: "muted" }, "No criterion cites it."));
  }
  if (kind === "sources" || kind === "passages") {
    const where = kind === "sources" ? `?p wr:inSource ${I} . OPTIONAL { ?p wr:text ?text } OPTIONAL { ?p wr:position ?pos }` : `BIND(${I} AS ?p) OPTIONAL { ?p wr:text ?text }`;
    const rows = await select(`${P} SELECT ?p ?text ?pos ?st ?stl WHERE { ${where} OPTIONAL { ?st wr:restsOn ?p OPTIONAL { ?st rdfs:label ?stl } } } ORDER BY ?pos ?p`);
    const byPassage = new Map();
    for (const r of rows) {
      if (!byPassage.has(r.p)) byPassage.set(r.p, { text: r.text, statements: [] });
      if (r.st) byPassage.get(r.p).statements.push([r.st, r.stl]);
    }
    if (!byPassage.size) return h("p", { class: "muted" }, "No passage quotes this source.");
    return h("ol", { class: "quotes" }, [...byPassage].map(([p, v]) => h("li", {},
      kind === "sources" ? h("blockquote", {}, v.text || "") : null,
      kind === "sources" ? iriLink(p, null, "passages") : null,
      v.statements.length ? h("ul", {}, v.statements.map(([s, l]) => h("li", {}, "Statement: ", iriLink(s, l, "statements")))) : h("p", { class: "muted" }, "No statement rests on it."))));
  }
  if (kind === "concepts") {
    const rows = await select(`${P} SELECT DISTINCT ?st ?l ?status WHERE { ?st wr:about ${I} OPTIONAL { ?st rdfs:label ?l } OPTIONAL { ?st wr:reviewStatus ?status } } LIMIT 200`);
    if (!rows.length) return h("p", { class: "muted" }, "No statement is about this concept.");
    return h("ul", {}, rows.map((r) => h("li", {}, iriLink(r.st, r.l, "statements"), " ", r.status ? badge(r.status) : "")));
  }
  if (kind === "policies") {
    const rows = await select(`${P} SELECT ?c ?l (GROUP_CONCAT(DISTINCT STR(?s); separator=" ") AS ?support) WHERE {
      ${I} (wr:initiationCriteria|wr:discontinuationCriteria)/(wr:allOf|wr:anyOf|wr:not)* ?c .
      OPTIONAL { ?c rdfs:label ?l } OPTIONAL { ?c wr:supportedBy ?s } } GROUP BY ?c ?l ORDER BY ?l`);
    if (!rows.length) return h("p", { class: "muted" }, "No criteria.");
    const labels = await labelsOf(rows.flatMap((r) => (r.support ? r.support.split(" ") : [])));
    return h("ul", {}, rows.map((r) => h("li", {}, iriLink(r.c, r.l), r.support ? h("ul", {}, r.support.split(" ").map((st) => h("li", {}, "supported by ", iriLink(st, labels[st], "statements")))) : "")));
  }
  return null;
}

/** Every resource whose triples point to `iri`, grouped by property. */
export async function incoming(iri) {
  const rows = await select(`SELECT DISTINCT ?s ?p WHERE { ?s ?p ${iriRef(iri)} FILTER(isIRI(?s)) FILTER(?p != <${RDF_TYPE}>) } LIMIT 300`);
  if (!rows.length) return h("p", { class: "muted" }, "Nothing refers to it.");
  const labels = await labelsOf(rows.flatMap((r) => [r.s, r.p]));
  const byPred = new Map();
  for (const r of rows) {
    if (!byPred.has(r.p)) byPred.set(r.p, []);
    byPred.get(r.p).push(r.s);
  }
  return h("dl", { class: "incoming" }, [...byPred].map(([p, subjects]) => [
    h("dt", { title: p }, "via ", labels[p] || abbreviate(p)),
    h("dd", {}, h("ul", {}, subjects.map((s) => h("li", {}, iriLink(s, labels[s]))))),
  ]));
}

/** The change sets touching `iri`, newest first, each with its diff and a revert button. */
export async function historyOf(iri, reload) {
  const changes = await get(`/history?iri=${encodeURIComponent(iri)}`);
  if (!changes.length) return h("p", { class: "muted" }, "No change set touches it (loaded from the shipped files and never edited).");
  const labels = await labelsOf(irisOf(changes));
  return h("ol", { class: "history" }, changes.map((c) => h("li", { class: "change" },
    changeSummary(c),
    revertButton(c, reload),
    details(`${(c.added || []).length} added, ${(c.removed || []).length} removed`, false, diffTable(c.added, c.removed, labels)))));
}

/** A revert button (curators and above) that explains a 409 with links to the later change sets. */
export function revertButton(c, reload) {
  if (!session.can("curator") || c.kind === "load") return null;
  const out = h("div", { class: "revert-result", "aria-live": "polite" });
  const button = h("button", { type: "button", class: "revert", onclick: async () => {
    button.disabled = true;
    try {
      const { data } = await call(`/changes/${encodeURIComponent(c.id)}/revert`, { method: "POST", headers: { "X-Warrant-Message": `revert ${c.id} (workbench)` } });
      flash("ok", `Reverted ${c.id} as change ${data.id}.`);
      await reload();
    } catch (e) {
      button.disabled = false;
      replace(out, conflictNote(e));
    }
  } }, "Revert");
  return h("span", { class: "revert-box" }, " ", button, out);
}

/** A 409 from a revert: the message, with each later change set named in it linked. */
export function conflictNote(e) {
  if (e.status !== 409) return errorNote(e);
  const msg = e.message || "";
  const [head, tail] = msg.split(/:\s(?=[^:]*\bby\b)/);
  const later = tail ? tail.split("; ").map((part) => {
    const m = /^(\S+) by (.*)$/.exec(part);
    return m ? h("li", {}, h("a", { href: `/ui/changes/${encodeURIComponent(m[1])}` }, m[1]), ` by ${m[2]}`) : h("li", {}, part);
  }) : null;
  return note("error", h("strong", {}, "Cannot revert: "), head, later ? [". Revert these first, or edit by hand:", h("ul", { class: "later" }, later)] : "");
}
