// Find: one search box over passages, statements, sources and concepts (GET /search), with the
// index's filters as facets and the snippets' matches marked.

import { h, replace, snippet, note, badge } from "../dom.js";
import { get } from "../api.js";
import { iriLink, kindOfType, pageOf } from "../rdf.js";
import { go } from "../main.js";

const TYPES = ["passage", "statement", "source", "concept"];
const STATUSES = [["", "any review status"], ["approved", "approved"], ["submitted", "submitted"], ["under-review", "under review"]];
const PAGE = 20;

export async function searchPage(main, params) {
  const q = params.get("q") || "";
  const types = (params.get("type") || "").split(",").filter(Boolean);
  const status = params.get("status") || "";
  const concept = params.get("concept") || "";
  const offset = Number(params.get("offset") || 0);

  const qInput = h("input", { type: "search", id: "q", name: "q", value: q, placeholder: "e.g. alemtuzumab viral, \"immune reconstitution\", ivig -monthly", autofocus: true });
  const typeBoxes = TYPES.map((t) => h("input", { type: "checkbox", id: `type-${t}`, value: t, checked: types.includes(t) }));
  const statusSelect = h("select", { id: "status" }, STATUSES.map(([v, l]) => h("option", { value: v, selected: v === status }, l)));
  const conceptInput = h("input", { type: "text", id: "concept", value: concept, placeholder: "slug or IRI", list: "concept-list" });
  const form = h(
    "form",
    { class: "search", role: "search", onsubmit: (e) => {
      e.preventDefault();
      const p = new URLSearchParams();
      if (qInput.value.trim()) p.set("q", qInput.value.trim());
      const t = typeBoxes.filter((b) => b.checked).map((b) => b.value);
      if (t.length) p.set("type", t.join(","));
      if (statusSelect.value) p.set("status", statusSelect.value);
      if (conceptInput.value.trim()) p.set("concept", conceptInput.value.trim());
      go(`/ui/search?${p}`);
    } },
    h("div", { class: "searchbar" },
      h("label", { for: "q", class: "visually-hidden" }, "Search text"), qInput,
      h("button", { type: "submit", id: "search-go" }, "Search")),
    h("fieldset", { class: "facets" },
      h("legend", {}, "Filters"),
      TYPES.map((t, i) => h("label", { class: "check" }, typeBoxes[i], ` ${t}s`)),
      h("label", { for: "status" }, "Review status "), statusSelect,
      h("label", { for: "concept" }, "About concept "), conceptInput),
  );
  replace(main, h("h1", {}, "Find evidence"), form, h("div", { id: "results" }, q ? h("p", { class: "loading" }, "Searching…") : help()));
  if (!q) return;
  const p = new URLSearchParams({ q, limit: String(PAGE), offset: String(offset) });
  if (types.length) p.set("type", types.join(","));
  if (status) p.set("status", status);
  if (concept) p.set("concept", concept);
  const results = main.querySelector("#results");
  let data;
  try {
    data = await get(`/search?${p}`);
  } catch (e) {
    replace(results, note("error", `${e.code || "error"}: ${e.message}`, e.body?.column ? ` (column ${e.body.column})` : ""));
    return;
  }
  const hits = data.hits || [];
  replace(
    results,
    h("p", { class: "count", id: "result-count" }, `${data.total} result${data.total === 1 ? "" : "s"}`, data.total > PAGE ? ` — showing ${offset + 1}–${offset + hits.length}` : ""),
    h("ol", { class: "hits", start: offset + 1 }, hits.map(hitItem)),
    pager(params, offset, data.total),
  );
}

function hitItem(hit) {
  const kind = kindOfType(hit.type);
  return h(
    "li",
    { class: `hit hit-${hit.type}` },
    h("div", { class: "hit-head" },
      badge(hit.type),
      " ",
      h("a", { href: pageOf(hit.iri, kind), class: "hit-link" }, hit.iri.replace(/^.*\//, ""))),
    h("p", {}, snippet(hit.snippet)),
    hit.source && hit.source.iri !== hit.iri ? h("p", { class: "hit-source" }, "Source: ", iriLink(hit.source.iri, hit.source.title || null, "sources")) : null,
  );
}

function pager(params, offset, total) {
  const link = (o, text) => {
    const p = new URLSearchParams(params);
    p.set("offset", String(o));
    return h("a", { href: `/ui/search?${p}` }, text);
  };
  return h("nav", { class: "pager", "aria-label": "Result pages" },
    offset > 0 ? link(Math.max(0, offset - PAGE), "← previous") : null,
    " ",
    offset + PAGE < total ? link(offset + PAGE, "next →") : null);
}

function help() {
  return h("div", { class: "help" },
    h("p", {}, "Search passages, statements, sources and concepts. Words must all match (stemmed); use \"a phrase\", OR, -word, and filters such as type:passage or status:approved in the text. Misspelt words of five letters or more are matched within one edit."),
    h("p", {}, "Or browse: ", ["statements", "sources", "passages", "concepts", "policies"].map((k) => [h("a", { href: `/ui/${k}` }, k), " "])));
}
