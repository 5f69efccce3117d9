// Change sets for people: the triples a change added and removed, as before / after values per
// resource and property (not N-Triples), and the list of a resource's change sets.

import { h, when, badge } from "./dom.js";
import { parseTerm, termNode, iriLink, abbreviate } from "./rdf.js";

/** Groups added / removed quads by subject and predicate: Map(subject -> Map(predicate -> {before, after})). */
export function group(added = [], removed = []) {
  const bySubject = new Map();
  const slot = (q) => {
    if (!bySubject.has(q.subject)) bySubject.set(q.subject, new Map());
    const preds = bySubject.get(q.subject);
    if (!preds.has(q.predicate)) preds.set(q.predicate, { before: [], after: [] });
    return preds.get(q.predicate);
  };
  for (const q of removed) slot(q).before.push(q.object);
  for (const q of added) slot(q).after.push(q.object);
  return bySubject;
}

/** A before / after table of a change's triples. */
export function diffTable(added, removed, labels = {}) {
  const groups = group(added, removed);
  if (groups.size === 0) return h("p", { class: "muted" }, "No triples changed.");
  const rows = [];
  for (const [subject, preds] of groups) {
    const s = parseTerm(subject);
    rows.push(h("tr", { class: "diff-subject" }, h("th", { colspan: 3, scope: "rowgroup" }, s.type === "uri" ? iriLink(s.value, labels[s.value]) : `_:${s.value}`)));
    for (const [predicate, { before, after }] of preds) {
      const p = parseTerm(predicate).value;
      rows.push(
        h("tr", {},
          h("th", { scope: "row", title: p }, labels[p] || abbreviate(p)),
          h("td", { class: "before" }, values(before, labels)),
          h("td", { class: "after" }, values(after, labels))),
      );
    }
  }
  return h("table", { class: "diff" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "property"), h("th", { scope: "col" }, "before (removed)"), h("th", { scope: "col" }, "after (added)"))),
    h("tbody", {}, rows));
}

function values(list, labels) {
  if (!list.length) return h("span", { class: "muted" }, "—");
  return h("ul", { class: "values" }, list.map((o) => h("li", {}, termNode(parseTerm(o), labels))));
}

/** One change set as a summary line: time, who, kind, message, link. */
export function changeSummary(c) {
  return h("span", { class: "change-summary" },
    h("a", { href: `/ui/changes/${encodeURIComponent(c.id)}` }, when(c.time)),
    " ", badge(c.kind), " ",
    h("strong", {}, c.agent || "?"), c.role ? ` (${c.role})` : "",
    c.message ? [" — ", h("q", {}, c.message)] : "",
    c.reverts ? [" — reverts ", h("a", { href: `/ui/changes/${encodeURIComponent(c.reverts)}` }, c.reverts)] : "");
}

/** Every IRI a list of change sets mentions (to fetch their labels). */
export function irisOf(changes) {
  const out = new Set();
  for (const c of changes) {
    for (const q of [...(c.added || []), ...(c.removed || [])]) {
      for (const t of [q.subject, q.predicate, q.object]) {
        const term = parseTerm(t);
        if (term.type === "uri") out.add(term.value);
      }
    }
  }
  return [...out];
}
