// Curation: a form per kind that a curator fills without writing RDF (pickers for concepts, passages,
// sources, schemes and code systems), SHACL violations shown next to the field they concern, a raw
// Turtle mode, and edits with If-Match: a stale edit shows who changed what meanwhile, as a diff.

import { h, replace, note, field, details } from "../dom.js";
import { get, call, select } from "../api.js";
import { session } from "../session.js";
import { labelsOf, forgetLabels } from "../labels.js";
import { CONCEPT, ID, KINDS, PREFIXES, WR, abbreviate, iriLink, pageOf, safeIri } from "../rdf.js";
import { FORMS, XSD_INTEGER } from "./forms.js";
import { criteriaEditor } from "./criteria-editor.js";
import { description } from "./resource.js";
import { diffTable, changeSummary } from "../diff.js";
import { go, errorNote, flash } from "../main.js";

export function curateIndex(main) {
  replace(main, h("h1", {}, "Curate"),
    session.can("curator") ? null : note("info", "Curating needs the curator role: sign in with a curator's token."),
    h("ul", { class: "list" }, KINDS.map((k) => h("li", {}, h("a", { href: `/ui/curate/${k}/new`, id: `new-${k}` }, `New ${k === "policies" ? "policy" : k.replace(/s$/, "")}`), " — ", h("a", { href: `/ui/${k}` }, `all ${k}`)))));
}

const RDF_TYPE = PREFIXES.rdf + "type";

/** The IRI of a resource of `kind` with `id`. */
function iriOf(kind, id) {
  return (kind === "concepts" ? CONCEPT : ID) + id;
}

// ---------------------------------------------------------------- Turtle from values

function literal(v, { lang, datatype } = {}) {
  const text = String(v).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r");
  return `"${text}"${lang ? `@${lang}` : datatype ? `^^<${datatype}>` : ""}`;
}

/** A term {type, value, lang?, datatype?} in Turtle. */
function term(t) {
  if (t.type === "uri") {
    // "" and "#part" are relative to the resource (a create without an id)
    const relative = /^(#[A-Za-z0-9_.\-]*)?$/.test(t.value);
    if (!relative && !safeIri(t.value)) throw new Error(`not an IRI: ${t.value}`);
    return `<${t.value}>`;
  }
  if (t.type === "bnode") return `_:${t.value.replace(/[^A-Za-z0-9_]/g, "_")}`;
  return literal(t.value, t);
}

const uri = (value) => ({ type: "uri", value });

/** Turtle lines for triples [{s, p, o}] (terms). */
function turtle(triples) {
  return triples.map((t) => `${term(t.s)} ${term(t.p)} ${term(t.o)} .`).join("\n") + "\n";
}

// ---------------------------------------------------------------- pickers

const optionCache = new Map();

/** [iri, label] of every resource a picker offers. */
async function choices(kind) {
  if (optionCache.has(kind)) return optionCache.get(kind);
  let list;
  if (kind === "schemes" || kind === "codesystems") {
    const cls = kind === "schemes" ? PREFIXES.skos + "ConceptScheme" : WR + "CodeSystem";
    list = (await select(`SELECT ?s (SAMPLE(?l) AS ?label) WHERE { ?s a <${cls}> OPTIONAL { ?s <${PREFIXES.rdfs}label>|<${PREFIXES.skos}prefLabel> ?l } } GROUP BY ?s ORDER BY ?s`)).map((r) => [r.s, r.label || abbreviate(r.s)]);
  } else if (kind === "passages") {
    const rows = await select(`SELECT ?p (SAMPLE(?t) AS ?text) WHERE { ?p a <${WR}Passage> OPTIONAL { ?p <${WR}text> ?t } } GROUP BY ?p ORDER BY ?p`);
    list = rows.map((r) => [r.p, `${r.p.replace(/^.*\//, "")}: ${(r.text || "").slice(0, 110)}${(r.text || "").length > 110 ? "…" : ""}`]);
  } else {
    const items = await get(`/curation/${kind}`);
    const labels = await labelsOf(items.map((i) => i.iri));
    list = items.map((i) => [i.iri, labels[i.iri] ? `${labels[i.iri]} (${i.id})` : i.id]).sort((a, b) => a[1].localeCompare(b[1]));
  }
  optionCache.set(kind, list);
  return list;
}

/** A select (many: a filterable multi-select) over `list`, with `selected` IRIs chosen. */
function picker(f, list, selected) {
  const sel = h("select", { id: `field-${f.name}`, name: f.name, multiple: f.many, size: f.many ? 6 : undefined, required: f.required && !f.many },
    f.many ? null : h("option", { value: "" }, "— choose —"),
    list.map(([v, l]) => h("option", { value: v, selected: selected.includes(v) }, l)));
  // values the list does not know (e.g. removed since) stay selected
  for (const v of selected) if (!list.some(([x]) => x === v)) sel.append(h("option", { value: v, selected: true }, abbreviate(v)));
  if (!f.many) return sel;
  const filter = h("input", { type: "search", class: "filter", placeholder: "filter…", "aria-label": `Filter ${f.label}` });
  filter.addEventListener("input", () => {
    const q = filter.value.toLowerCase();
    for (const o of sel.options) o.hidden = !!q && !o.selected && !o.textContent.toLowerCase().includes(q);
  });
  const wrap = h("div", { class: "picker" }, filter, sel);
  wrap.id = `wrap-${f.name}`;
  wrap.control = sel;
  return wrap;
}

// ---------------------------------------------------------------- the page

export async function curatePage(main, kind, id, params) {
  const form = FORMS[kind];
  let loaded = null; // {triples, etag, text}
  if (id) loaded = await description(kind, id);
  const iri = id ? iriOf(kind, id) : null;
  const mine = (p) => (loaded?.triples || []).filter((t) => t.s.value === iri && t.p.value === p).map((t) => t.o);

  const controls = {};
  const fieldsBox = h("div", { class: "fields" });
  const codeRows = [];
  for (const f of form.fields) {
    const current = mine(f.path);
    let control;
    if (f.type === "textarea" || f.type === "lines") {
      control = h("textarea", { id: `field-${f.name}`, rows: f.type === "lines" ? 3 : 4, required: f.required, value: current.map((o) => o.value).join("\n") });
    } else if (f.type === "select") {
      control = h("select", { id: `field-${f.name}`, required: f.required }, h("option", { value: "" }, "— choose —"),
        f.options.map(([v, l]) => h("option", { value: v, selected: current.some((o) => o.value === v) }, l)));
    } else if (f.type === "pick") {
      control = picker(f, await choices(f.kind), current.map((o) => o.value));
    } else if (f.type === "codes") {
      control = await codesEditor(f, iri, loaded, codeRows);
    } else {
      control = h("input", { id: `field-${f.name}`, type: f.type === "integer" ? "number" : "text", min: f.type === "integer" ? 1 : undefined, required: f.required, value: current[0]?.value ?? "" });
    }
    controls[f.name] = control;
    const hint = f.type === "pick" && f.many ? "Type to filter; Ctrl+click or Ctrl+Space chooses several." : null;
    const box = field(f.label + (f.required ? " *" : ""), control.control || control, hint, control.control ? control : null);
    box.dataset.path = f.path;
    box.id = `box-${f.name}`;
    fieldsBox.append(box);
  }

  // a policy's criteria trees, as nested forms
  const criteria = kind === "policies"
    ? criteriaEditor(iri, loaded?.triples || [], { concepts: await choices("concepts"), statements: await choices("statements") })
    : null;
  if (criteria) fieldsBox.append(h("div", { class: "field criteria-field" }, h("h2", {}, "Criteria"), criteria.element));

  const slug = id ? null : h("input", { id: "field-id", type: "text", pattern: "[A-Za-z0-9_.\\-]{1,128}", placeholder: "e.g. st-my-claim (empty: the server picks one)" });
  const message = h("input", { id: "field-message", type: "text", placeholder: "why (kept with the change set)" });
  const raw = h("textarea", { id: "raw", rows: 16, spellcheck: "false", class: "code" }, "");
  const errors = h("div", { id: "form-errors", "aria-live": "assertive" });
  const modeForm = h("input", { type: "radio", name: "mode", id: "mode-form", value: "form", checked: true });
  const modeRaw = h("input", { type: "radio", name: "mode", id: "mode-raw", value: "raw" });
  const rawBox = h("div", { class: "raw", hidden: true }, field("Turtle (<> is the resource)", raw));
  const state = { etag: loaded?.etag, base: loaded };

  const build = () => {
    const s = iri ? uri(iri) : slug.value.trim() ? uri(iriOf(kind, slug.value.trim())) : { type: "uri", value: "" };
    const triples = [{ s, p: uri(RDF_TYPE), o: uri(form.class) }];
    for (const f of form.fields) {
      const c = controls[f.name];
      const add = (o) => triples.push({ s, p: uri(f.path), o });
      if (f.type === "pick") {
        const sel = c.control || c;
        for (const o of sel.selectedOptions) if (o.value) add(uri(o.value));
      } else if (f.type === "select") {
        if (c.value) add(uri(c.value));
      } else if (f.type === "lines") {
        for (const line of c.value.split("\n").map((l) => l.trim()).filter(Boolean)) add({ type: "literal", value: line, lang: f.lang });
      } else if (f.type === "codes") {
        triples.push(...codeTriples(s, f, codeRows));
      } else if (c.value.trim() !== "") {
        add({ type: "literal", value: f.type === "textarea" ? c.value : c.value.trim(), lang: f.lang, datatype: f.type === "integer" ? XSD_INTEGER : undefined });
      }
    }
    // what the form does not manage is kept as it was
    const kept = loaded ? unmanaged(loaded.triples, iri, form, codeRows).filter((t) => !criteria?.manages(t)) : [];
    if (criteria) triples.push(...criteria.triples(s, kept));
    triples.push(...kept);
    return triples;
  };
  const body = () => (modeRaw.checked ? raw.value : turtle(build()));
  let dirty = false;
  fieldsBox.addEventListener("input", () => (dirty = true));
  fieldsBox.addEventListener("change", () => (dirty = true));
  const sync = async () => {
    // the Turtle mode starts from the stored description (with prefixes) or, once the form was
    // changed, from what the form holds; going back to the form drops Turtle edits
    if (modeRaw.checked) {
      raw.value = turtle(build());
      if (id && !dirty) {
        raw.value = (await call(`/curation/${kind}/${encodeURIComponent(id)}`, { headers: { Accept: "text/turtle" } })).data;
      }
    }
    rawBox.hidden = !modeRaw.checked;
    fieldsBox.hidden = modeRaw.checked;
  };
  modeForm.addEventListener("change", sync);
  modeRaw.addEventListener("change", sync);

  const submit = async (e, force) => {
    e?.preventDefault();
    clearErrors(fieldsBox, errors);
    let text;
    try {
      text = body();
    } catch (err) {
      replace(errors, note("error", err.message));
      return;
    }
    const headers = { "Content-Type": "text/turtle" };
    if (message.value.trim()) headers["X-Warrant-Message"] = message.value.trim();
    try {
      let res;
      if (id) {
        headers["If-Match"] = force || state.etag || "*";
        res = await call(`/curation/${kind}/${encodeURIComponent(id)}`, { method: "PUT", body: text, headers });
      } else {
        if (slug.value.trim()) headers.Slug = slug.value.trim();
        res = await call(`/curation/${kind}`, { method: "POST", body: text, headers });
      }
      forgetLabels();
      optionCache.delete(kind);
      flash("ok", id ? `Saved ${id}.` : `Created ${res.data.id}.`);
      go(pageOf(res.data.iri, kind));
    } catch (err) {
      if (err.status === 422 && err.body?.report) showViolations(err, fieldsBox, errors, iri);
      else {
        if (err.status === 412) await showStale(errors, kind, id, state, (tag) => submit(null, tag));
        else replace(errors, errorNote(err), err.body?.line ? note("info", `Line ${err.body.line}, column ${err.body.column} of the Turtle`) : null);
        errors.scrollIntoView({ block: "start" });
      }
    }
  };

  replace(
    main,
    h("h1", {}, id ? `Edit ${(kind === "policies" ? "policy" : kind.replace(/s$/, ""))} ${id}` : `New ${(kind === "policies" ? "policy" : kind.replace(/s$/, ""))}`),
    session.can("curator") ? null : note("info", "Saving needs the curator role: sign in with a curator's token."),
    form.note ? note("info", form.note) : null,
    h("form", { class: "curate", id: "curate-form", onsubmit: submit, novalidate: true },
      h("fieldset", { class: "modes" }, h("legend", {}, "Edit as"),
        h("label", { class: "check" }, modeForm, " form"), h("label", { class: "check" }, modeRaw, " Turtle (advanced)")),
      errors,
      slug ? field("Id (Slug)", slug) : null,
      fieldsBox, rawBox,
      field("Message", message),
      h("div", { class: "actions" },
        h("button", { type: "submit", class: "primary", id: "save" }, id ? "Save" : "Create"),
        id ? h("a", { href: pageOf(iri, kind), class: "button" }, "Cancel") : null)),
  );
  if (params?.get("mode") === "raw") {
    modeRaw.checked = true;
    sync();
  }
}

/** Triples of the loaded description that no form field manages (kept on save). */
function unmanaged(triples, iri, form, codeRows) {
  const codeIris = new Set(codeRows.map((r) => r.iri).filter(Boolean));
  const managed = (t) => {
    if (codeIris.has(t.s.value)) return true;
    if (t.s.value !== iri) return false;
    if (t.p.value === RDF_TYPE && t.o.value === form.class) return true;
    return form.fields.some((f) => {
      if (f.path !== t.p.value) return false;
      if (f.type === "select" && f.path === RDF_TYPE) return f.options.some(([v]) => v === t.o.value);
      if (f.type === "codes") return t.o.value.startsWith(iri + "#");
      return true;
    });
  };
  return triples.filter((t) => !managed(t));
}

// ---------------------------------------------------------------- codes (concepts)

async function codesEditor(f, iri, loaded, rows) {
  const systems = await choices("codesystems");
  const list = h("div", { class: "codes", id: `field-${f.name}` });
  const triples = loaded?.triples || [];
  const addRow = (r = {}) => {
    const system = h("select", { "aria-label": "Code system" }, systems.map(([v, l]) => h("option", { value: v, selected: v === r.system }, l)));
    const code = h("input", { type: "text", "aria-label": "Code", value: r.code || "", placeholder: "code" });
    const label = h("input", { type: "text", "aria-label": "Code label", value: r.label || "", placeholder: "label" });
    const row = { iri: r.iri, system, code, label };
    rows.push(row);
    const el = h("div", { class: "code-row" }, system, code, label,
      h("button", { type: "button", onclick: () => { rows.splice(rows.indexOf(row), 1); el.remove(); } }, "Remove"));
    list.append(el);
  };
  if (iri) {
    for (const t of triples.filter((t) => t.s.value === iri && t.p.value === f.path && t.o.value.startsWith(iri + "#"))) {
      const part = (p) => triples.find((x) => x.s.value === t.o.value && x.p.value === p)?.o.value;
      addRow({ iri: t.o.value, system: part(WR + "codeSystem"), code: part(WR + "code"), label: part(PREFIXES.skos + "prefLabel") });
    }
  }
  return h("div", {}, list, h("button", { type: "button", id: "add-code", onclick: () => addRow() }, "Add a code"));
}

function codeTriples(s, f, rows) {
  const out = [];
  for (const r of rows) {
    const code = r.code.value.trim();
    if (!code) continue;
    const sys = r.system.value;
    const part = uri(`${s.value}#code-${sys.replace(/^.*[/#]/, "")}-${code.replace(/[^A-Za-z0-9]+/g, "-")}`);
    out.push({ s, p: uri(f.path), o: part });
    out.push({ s: part, p: uri(RDF_TYPE), o: uri(WR + "Code") });
    out.push({ s: part, p: uri(WR + "code"), o: { type: "literal", value: code } });
    out.push({ s: part, p: uri(WR + "codeSystem"), o: uri(sys) });
    out.push({ s: part, p: uri(PREFIXES.skos + "inScheme"), o: uri(sys) });
    out.push({ s: part, p: uri(PREFIXES.skos + "notation"), o: { type: "literal", value: code } });
    if (r.label.value.trim()) out.push({ s: part, p: uri(PREFIXES.skos + "prefLabel"), o: { type: "literal", value: r.label.value.trim(), lang: "en" } });
  }
  return out;
}

// ---------------------------------------------------------------- errors

function clearErrors(fieldsBox, errors) {
  replace(errors);
  for (const e of fieldsBox.querySelectorAll(".field-error")) replace(e);
  for (const c of fieldsBox.querySelectorAll("[aria-invalid]")) c.removeAttribute("aria-invalid");
}

/** The first IRI of a SHACL path (`<iri>`, `^<iri>`, `<a>/<b>`). */
function pathIri(path) {
  return /<([^>]+)>/.exec(path || "")?.[1] || path;
}

/** Puts each violation of a 422 report next to the field of its path; the rest above the form. */
function showViolations(err, fieldsBox, errors, iri) {
  const results = err.body.report.results || [];
  const general = [];
  for (const r of results) {
    const path = pathIri(r.path);
    // a criterion's violation goes next to that criterion's field; the resource's own, to its field
    const part = r.focus_node && iri !== r.focus_node && /#([^#]+)$/.exec(r.focus_node)?.[1];
    const box = [...fieldsBox.querySelectorAll(".field")].find((b) => b.dataset.path === path && !b.hidden
      && (part ? b.dataset.focus === part : !b.dataset.focus));
    if (box) {
      const slot = box.querySelector(".field-error");
      slot.append(h("p", {}, r.message || r.constraint_component));
      box.querySelector("select, textarea, input:not(.filter)")?.setAttribute("aria-invalid", "true");
    } else {
      general.push(h("li", {}, r.path ? [h("code", {}, abbreviate(path)), ": "] : "", r.message || r.constraint_component,
        r.focus_node && r.focus_node !== iri ? [" (", abbreviate(r.focus_node), ")"] : ""));
    }
  }
  replace(errors, note("error", h("strong", {}, "Not saved — the shapes refuse it: "), err.message,
    general.length ? h("ul", {}, general) : " See the fields marked below."));
  const first = fieldsBox.querySelector("[aria-invalid]");
  if (first) {
    first.focus({ preventScroll: true });
    first.closest(".field").scrollIntoView({ block: "center" });
  }
}

/**
 * A 412: someone saved since this form was loaded. Shows who, what changed (their version against
 * the one this form started from), and lets the curator reload or deliberately overwrite.
 */
async function showStale(errors, kind, id, state, overwrite) {
  const current = await description(kind, id);
  const history = await get(`/history?iri=${encodeURIComponent(iriOf(kind, id))}`);
  const key = (t) => `${t.s.value}|${t.p.value}|${t.o.value}`;
  const before = new Set(state.base.triples.map(key));
  const after = new Set(current.triples.map(key));
  const nt = (t) => ({ subject: `<${t.s.value}>`, predicate: `<${t.p.value}>`, object: t.o.type === "uri" ? `<${t.o.value}>` : JSON.stringify(t.o.value) });
  const added = current.triples.filter((t) => !before.has(key(t))).map(nt);
  const removed = state.base.triples.filter((t) => !after.has(key(t))).map(nt);
  const labels = await labelsOf([...added, ...removed].flatMap((q) => [q.predicate.slice(1, -1)]));
  const latest = history[0];
  replace(errors, h("div", { class: "note note-error stale", role: "alert", id: "stale" },
    h("p", {}, h("strong", {}, "Not saved: this resource changed since you opened it."), latest ? [" Latest change: ", changeSummary(latest)] : ""),
    h("p", {}, "What changed meanwhile (your starting point → the current version):"),
    diffTable(added, removed, labels),
    h("p", {}, "Your edits are still in the form. Reload to start from the current version, or overwrite it with yours."),
    h("div", { class: "actions" },
      h("a", { class: "button", href: `/ui/curate/${kind}/${encodeURIComponent(id)}` }, "Discard mine and reload"),
      h("button", { type: "button", id: "overwrite", onclick: () => {
        state.etag = current.etag;
        state.base = current;
        overwrite(current.etag);
      } }, "Overwrite with mine"))));
}
