// Query: a SPARQL editor with highlighting and the prefixes filled in, results as a table with IRIs
// abbreviated and linked to resource pages, CSV download, and the named queries with a field per
// parameter.

import { h, replace, note, details } from "../dom.js";
import { call, get } from "../api.js";
import { prefixLines, termNode } from "../rdf.js";
import { errorNote } from "../main.js";

const KEYWORDS = /^(SELECT|ASK|CONSTRUCT|DESCRIBE|WHERE|PREFIX|BASE|FROM|NAMED|GRAPH|OPTIONAL|FILTER|UNION|MINUS|BIND|VALUES|SERVICE|SILENT|ORDER|BY|GROUP|HAVING|LIMIT|OFFSET|DISTINCT|REDUCED|AS|ASC|DESC|NOT|EXISTS|IN|COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT|SEPARATOR|STR|LANG|DATATYPE|IRI|URI|BOUND|REGEX|CONTAINS|STRSTARTS|STRENDS|LCASE|UCASE|CONCAT|IF|COALESCE|isIRI|isBlank|isLiteral|a|true|false)$/i;

/** Tokens of SPARQL text as [class, text] (class null for plain text). */
export function tokens(text) {
  const re = /(#[^\n]*)|("""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(<[^<>"{}|^`\\\s]*>)|([?$][A-Za-z0-9_]+)|([A-Za-z][\w-]*)?:([\w.\-]*)|(\b[A-Za-z_]+\b)|(\d+(?:\.\d+)?)/g;
  const out = [];
  let at = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > at) out.push([null, text.slice(at, m.index)]);
    let cls = null;
    if (m[1]) cls = "tk-comment";
    else if (m[2]) cls = "tk-string";
    else if (m[3]) cls = "tk-iri";
    else if (m[4]) cls = "tk-var";
    else if (m[6] !== undefined) cls = "tk-pname";
    else if (m[7]) cls = KEYWORDS.test(m[7]) ? "tk-keyword" : null;
    else if (m[8]) cls = "tk-number";
    out.push([cls, m[0]]);
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push([null, text.slice(at)]);
  return out;
}

/** A textarea with its highlighted copy behind it. */
function editor(initial) {
  const area = h("textarea", { id: "sparql", class: "code editor-input", rows: 14, spellcheck: "false", autocapitalize: "off", value: initial });
  const back = h("pre", { class: "code editor-back", "aria-hidden": "true" });
  const paint = () => {
    replace(back, tokens(area.value + "\n").map(([c, t]) => (c ? h("span", { class: c }, t) : t)));
    back.scrollTop = area.scrollTop;
    back.scrollLeft = area.scrollLeft;
  };
  area.addEventListener("input", paint);
  area.addEventListener("scroll", () => {
    back.scrollTop = area.scrollTop;
    back.scrollLeft = area.scrollLeft;
  });
  area.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) area.form?.requestSubmit();
  });
  paint();
  return { box: h("div", { class: "editor" }, back, area), area };
}

const DEFAULT = `${prefixLines()}

SELECT ?statement ?label ?status WHERE {
  ?statement a wr:Statement ; rdfs:label ?label ; wr:reviewStatus ?status .
}
ORDER BY ?label
LIMIT 25
`;

let lastQuery = null;

export async function queryPage(main, params) {
  const { box, area } = editor(params.get("query") || lastQuery || DEFAULT);
  const out = h("div", { id: "query-results", "aria-live": "polite" });
  const named = h("section", { id: "named" }, h("h2", {}, "Named queries"), h("p", { class: "loading" }, "Loading…"));
  const run = async (e) => {
    e?.preventDefault();
    lastQuery = area.value;
    await runQuery(out, `/sparql?query=${encodeURIComponent(area.value)}`);
  };
  replace(
    main,
    h("h1", {}, "Query"),
    h("form", { class: "query", onsubmit: run },
      h("label", { for: "sparql" }, "SPARQL (Ctrl+Enter runs it)"), box,
      h("div", { class: "actions" }, h("button", { type: "submit", id: "run-query", class: "primary" }, "Run"))),
    out,
    named,
  );
  try {
    const { queries } = await get("/queries");
    replace(named, h("h2", {}, "Named queries"), h("ul", { class: "named" }, queries.map((q) => namedQuery(q, out))));
  } catch (e) {
    replace(named, h("h2", {}, "Named queries"), errorNote(e));
  }
}

function namedQuery(q, out) {
  const inputs = (q.parameters || []).map((p) => ({ p, input: h("input", { type: "text", id: `param-${q.name}-${p.name}`, placeholder: "IRI, \"text\" or plain value" }) }));
  const submit = async (e) => {
    e.preventDefault();
    const params = new URLSearchParams();
    for (const { p, input } of inputs) if (input.value.trim()) params.set(p.name, input.value.trim());
    await runQuery(out, `/queries/${encodeURIComponent(q.name)}?${params}`);
    out.scrollIntoView();
  };
  return h("li", {}, details([h("strong", {}, q.title || q.name), " ", h("span", { class: "muted" }, q.name)], false,
    q.description ? h("p", {}, q.description) : null,
    h("form", { class: "named-form", onsubmit: submit },
      inputs.map(({ p, input }) => h("div", { class: "field" }, h("label", { for: input.id }, p.name, p.description ? ` — ${p.description}` : ""), input)),
      h("button", { type: "submit", "data-query": q.name }, "Run")),
    details("SPARQL", false, h("pre", { class: "code" }, tokens(q.sparql || "").map(([c, t]) => (c ? h("span", { class: c }, t) : t))))));
}

/** Runs a query URL: the table (or boolean, or graph text) and a CSV download link. */
async function runQuery(out, url) {
  replace(out, h("p", { class: "loading" }, "Running…"));
  const started = performance.now();
  try {
    const { data } = await call(url, { headers: { Accept: "application/sparql-results+json, text/turtle;q=0.9" } });
    const ms = Math.round(performance.now() - started);
    if (typeof data === "string") {
      replace(out, h("p", { class: "count" }, `Graph (${ms} ms)`), h("pre", { class: "code" }, data));
      return;
    }
    if ("boolean" in data) {
      replace(out, h("p", { class: "count", id: "result-count" }, `ASK: ${data.boolean} (${ms} ms)`));
      return;
    }
    const vars = data.head?.vars || [];
    const rows = data.results?.bindings || [];
    const csv = h("button", { type: "button", id: "download-csv", onclick: () => downloadCsv(url, csv) }, "Download CSV");
    replace(out,
      h("p", { class: "count", id: "result-count" }, `${rows.length} row${rows.length === 1 ? "" : "s"} (${ms} ms) `, csv),
      h("div", { class: "scroll" }, h("table", { class: "results", id: "results-table" },
        h("thead", {}, h("tr", {}, vars.map((v) => h("th", { scope: "col" }, `?${v}`)))),
        h("tbody", {}, rows.map((r) => h("tr", {}, vars.map((v) => h("td", {}, r[v] ? termNode(r[v]) : ""))))))));
  } catch (e) {
    replace(out, errorNote(e), e.body?.line ? note("info", `Line ${e.body.line}, column ${e.body.column}`) : null);
  }
}

/** Fetches the same query as CSV and offers it as a file. */
async function downloadCsv(url, button) {
  const { data } = await call(url, { headers: { Accept: "text/csv" } });
  const link = h("a", { href: URL.createObjectURL(new Blob([data], { type: "text/csv" })), download: "results.csv", id: "csv-link", class: "button" }, "results.csv");
  button.after(" ", link);
  link.click();
}
