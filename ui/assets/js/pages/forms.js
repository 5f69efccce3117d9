// What the curation forms ask for, per kind: each field is one property of the resource (its SHACL
// path), so a 422 report's `path` names the field it concerns.

import { WR, PREFIXES } from "../rdf.js";

const RDFS = PREFIXES.rdfs, SKOS = PREFIXES.skos, DCT = PREFIXES.dct, CITO = PREFIXES.cito, OBO = PREFIXES.obo, XSD = PREFIXES.xsd;

const opts = (ns, names) => names.map(([n, l]) => [ns + n, l]);

/** Field types: text, textarea, integer, date, select (options), pick (IRIs of a kind, `many`), codes. */
export const FORMS = {
  statements: {
    class: WR + "Statement",
    fields: [
      { name: "label", label: "Short label", path: RDFS + "label", type: "text" },
      { name: "text", label: "Claim (the statement's text)", path: WR + "text", type: "textarea", required: true },
      { name: "about", label: "About (concepts)", path: WR + "about", type: "pick", kind: "concepts", many: true, required: true },
      { name: "restsOn", label: "Rests on (passages)", path: WR + "restsOn", type: "pick", kind: "passages", many: true, required: true },
      { name: "cites", label: "Cites as evidence (sources)", path: CITO + "citesAsEvidence", type: "pick", kind: "sources", many: true, required: true },
      { name: "certainty", label: "Certainty (GRADE)", path: WR + "certainty", type: "select", required: true,
        options: opts(WR, [["HighCertainty", "high"], ["ModerateCertainty", "moderate"], ["LowCertainty", "low"], ["VeryLowCertainty", "very low"]]) },
      { name: "evidenceType", label: "Evidence type", path: WR + "evidenceType", type: "select", required: true,
        options: opts(OBO, [["ECO_0000304", "traceable author statement"], ["ECO_0000303", "author statement without traceable support"], ["ECO_0000305", "curator inference"]]) },
      { name: "stance", label: "Stance", path: WR + "stance", type: "select", required: true,
        options: opts(WR, [["Supports", "supports"], ["Opposes", "opposes"], ["Neutral", "neutral"]]) },
      { name: "population", label: "Population (optional concept)", path: WR + "population", type: "pick", kind: "concepts", many: true },
    ],
  },
  passages: {
    class: WR + "Passage",
    fields: [
      { name: "text", label: "Text (verbatim)", path: WR + "text", type: "textarea", required: true },
      { name: "inSource", label: "In source", path: WR + "inSource", type: "pick", kind: "sources", required: true },
      { name: "position", label: "Position in the source (1, 2, …)", path: WR + "position", type: "integer", required: true },
      { name: "section", label: "Section", path: WR + "section", type: "text" },
    ],
  },
  sources: {
    class: WR + "Source",
    fields: [
      { name: "title", label: "Title", path: DCT + "title", type: "text", required: true },
      { name: "design", label: "Study design", path: PREFIXES.rdf + "type", type: "select", required: true,
        options: opts(WR, [["Guideline", "guideline"], ["PositionStatement", "position statement"], ["SystematicReview", "systematic review"], ["NarrativeReview", "narrative review"], ["RandomizedControlledTrial", "randomised controlled trial"], ["CohortStudy", "cohort study"], ["CaseSeries", "case series"], ["CaseReport", "case report"], ["UnclassifiedStudy", "unclassified study"], ["ExpertAnswer", "expert answer"], ["EvidenceAppraisal", "evidence appraisal"], ["EvidenceCompilation", "evidence compilation"], ["UnidentifiedSource", "unidentified source"]]) },
      { name: "identifierStatus", label: "Identifier status", path: WR + "identifierStatus", type: "select", required: true,
        options: opts(WR, [["Unverified", "unverified"], ["PartlyVerified", "partly verified"], ["Verified", "verified"]]) },
      { name: "date", label: "Date (year or YYYY-MM-DD)", path: DCT + "date", type: "text" },
      { name: "population", label: "Population (concepts)", path: WR + "population", type: "pick", kind: "concepts", many: true },
    ],
  },
  concepts: {
    class: SKOS + "Concept",
    fields: [
      { name: "prefLabel", label: "Preferred label", path: SKOS + "prefLabel", type: "text", lang: "en", required: true },
      { name: "altLabel", label: "Other labels (one per line: synonyms for search)", path: SKOS + "altLabel", type: "lines", lang: "en" },
      { name: "inScheme", label: "In scheme", path: SKOS + "inScheme", type: "pick", kind: "schemes", required: true },
      { name: "broader", label: "Broader concepts", path: SKOS + "broader", type: "pick", kind: "concepts", many: true },
      { name: "codes", label: "Codes (exact matches)", path: SKOS + "exactMatch", type: "codes" },
    ],
  },
  policies: {
    class: WR + "Policy",
    fields: [
      { name: "label", label: "Label", path: RDFS + "label", type: "text", required: true },
      { name: "appliesTo", label: "Applies to (intervention concepts)", path: WR + "appliesTo", type: "pick", kind: "concepts", many: true, required: true },
      { name: "population", label: "Population (concepts)", path: WR + "population", type: "pick", kind: "concepts", many: true },
    ],
    note: "Caveats, monitoring requirements and regimens are kept as they are; edit them in the Turtle mode.",
  },
};

export const XSD_INTEGER = XSD + "integer";
