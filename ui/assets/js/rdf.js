// IRIs for people: prefixes, abbreviations, links to resource pages, and terms in N-Triples syntax.

import { h } from "./dom.js";

export const WR = "https://w3id.org/warrant/ns#";
export const ID = "https://w3id.org/warrant/id/";
export const CONCEPT = "https://w3id.org/warrant/concept/";

export const PREFIXES = {
  wr: WR,
  id: ID,
  concept: CONCEPT,
  rdf: "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
  rdfs: "http://www.w3.org/2000/01/rdf-schema#",
  xsd: "http://www.w3.org/2001/XMLSchema#",
  skos: "http://www.w3.org/2004/02/skos/core#",
  prov: "http://www.w3.org/ns/prov#",
  cito: "http://purl.org/spar/cito/",
  dct: "http://purl.org/dc/terms/",
  obo: "http://purl.obolibrary.org/obo/",
  owl: "http://www.w3.org/2002/07/owl#",
  sh: "http://www.w3.org/ns/shacl#",
};

/** The PREFIX lines of a SPARQL query. */
export function prefixLines() {
  return Object.entries(PREFIXES).map(([p, ns]) => `PREFIX ${p}: <${ns}>`).join("\n");
}

/** `wr:text` for `https://w3id.org/warrant/ns#text`; the IRI itself when no prefix fits. */
export function abbreviate(iri) {
  let best = null;
  for (const [p, ns] of Object.entries(PREFIXES)) {
    if (iri.startsWith(ns) && (!best || ns.length > best[1].length)) best = [p, ns];
  }
  if (!best) return iri;
  const local = iri.slice(best[1].length);
  return /^[A-Za-z0-9_.\-#]*$/.test(local) ? `${best[0]}:${local}` : iri;
}

/** Whether a string can be written as `<iri>` inside SPARQL (no spaces, quotes or brackets). */
export function safeIri(iri) {
  return typeof iri === "string" && /^[a-z][a-z0-9+.-]*:[^<>"{}|^`\\\s]*$/i.test(iri);
}

/** `<iri>` for a SPARQL query; throws on anything that is not a plain IRI. */
export function iriRef(iri) {
  if (!safeIri(iri)) throw new Error(`not an IRI: ${iri}`);
  return `<${iri}>`;
}

export const KINDS = ["statements", "sources", "passages", "concepts", "policies"];

const CLASS_KIND = {
  [WR + "Statement"]: "statements",
  [WR + "Source"]: "sources",
  [WR + "Passage"]: "passages",
  [WR + "Policy"]: "policies",
  "http://www.w3.org/2004/02/skos/core#Concept": "concepts",
};

/** The curation kind of a class IRI, if it is one of the five. */
export function kindOfClass(cls) {
  return CLASS_KIND[cls];
}

/** The search hit type (`passage`) as curation kind (`passages`). */
export function kindOfType(type) {
  return { passage: "passages", statement: "statements", source: "sources", concept: "concepts", policy: "policies" }[type];
}

/** The local id of a curated or concept IRI (fragment dropped), or null. */
export function localId(iri) {
  for (const ns of [ID, CONCEPT]) {
    if (iri?.startsWith(ns)) return iri.slice(ns.length).split("#")[0];
  }
  return null;
}

/** The page URL of a resource: `/ui/{kind}/{id}` when the kind is known, else the resolver. */
export function pageOf(iri, kind) {
  const id = localId(iri);
  if (kind && id && !iri.includes("#")) return `/ui/${kind}/${encodeURIComponent(id)}`;
  if (iri.startsWith(CONCEPT) && id && !iri.includes("#")) return `/ui/concepts/${encodeURIComponent(id)}`;
  return `/ui/resource?iri=${encodeURIComponent(iri)}`;
}

/** A link to a resource page showing the abbreviated IRI (or `label`). */
export function iriLink(iri, label, kind) {
  const local = iri.startsWith(ID) || iri.startsWith(CONCEPT);
  if (!local) {
    return /^https?:/.test(iri)
      ? h("a", { href: iri, class: "ext", rel: "noopener noreferrer", title: iri }, label || abbreviate(iri))
      : h("span", { title: iri }, label || abbreviate(iri));
  }
  return h("a", { href: pageOf(iri, kind), title: iri }, label || abbreviate(iri));
}

/**
 * Parses one N-Triples term (`<iri>`, `"lit"@en`, `"1"^^<dt>`, `_:b`) into
 * {type: "uri"|"literal"|"bnode", value, lang?, datatype?}.
 */
export function parseTerm(text) {
  const t = String(text ?? "").trim();
  if (t.startsWith("<") && t.endsWith(">")) return { type: "uri", value: t.slice(1, -1) };
  if (t.startsWith("_:")) return { type: "bnode", value: t.slice(2) };
  const m = /^"((?:[^"\\]|\\.)*)"(?:@([A-Za-z0-9-]+)|\^\^<([^>]*)>)?$/s.exec(t);
  if (m) {
    const value = m[1].replace(/\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)/g, (_, e) => {
      if (e[0] === "u" || e[0] === "U") return String.fromCodePoint(parseInt(e.slice(1), 16));
      return { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\", b: "\b", f: "\f", "'": "'" }[e] ?? e;
    });
    return { type: "literal", value, lang: m[2], datatype: m[3] };
  }
  return { type: "literal", value: t };
}

/** A term (SPARQL JSON binding shape) as a node: IRIs linked and abbreviated, literals as text. */
export function termNode(term, labels = {}) {
  if (!term) return "";
  if (term.type === "uri") return iriLink(term.value, labels[term.value]);
  if (term.type === "bnode") return h("span", { class: "bnode" }, `_:${term.value}`);
  const dt = term.datatype && !term.datatype.endsWith("#string") ? abbreviate(term.datatype) : null;
  return h(
    "span",
    { class: "literal" },
    term.value ?? "",
    term["xml:lang"] || term.lang ? h("span", { class: "lang" }, ` @${term["xml:lang"] || term.lang}`) : null,
    dt ? h("span", { class: "datatype" }, ` ${dt}`) : null,
  );
}
