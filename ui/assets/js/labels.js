// Labels of IRIs, asked of the store in batches (rdfs:label, skos:prefLabel, dct:title).

import { select } from "./api.js";
import { safeIri } from "./rdf.js";

const cache = new Map();

/** An object IRI -> label for those of `iris` that have one. */
export async function labelsOf(iris) {
  const wanted = [...new Set(iris)].filter((i) => safeIri(i) && !cache.has(i));
  for (let i = 0; i < wanted.length; i += 150) {
    const batch = wanted.slice(i, i + 150);
    const rows = await select(
      `SELECT ?x (SAMPLE(?l) AS ?label) WHERE { VALUES ?x { ${batch.map((b) => `<${b}>`).join(" ")} }
         ?x <http://www.w3.org/2000/01/rdf-schema#label>|<http://www.w3.org/2004/02/skos/core#prefLabel>|<http://purl.org/dc/terms/title> ?l } GROUP BY ?x`,
    ).catch(() => []);
    for (const b of batch) cache.set(b, null);
    for (const r of rows) cache.set(r.x, r.label);
  }
  const out = {};
  for (const i of iris) if (cache.get(i)) out[i] = cache.get(i);
  return out;
}

/** Forgets cached labels (after an edit). */
export function forgetLabels() {
  cache.clear();
}
