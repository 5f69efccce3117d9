// A policy's criteria trees (initiation, discontinuation) edited as nested forms: each criterion is
// a kind, a label, its parameters (concept or measured quantity, threshold, days) and the
// statements that support or oppose it; a composite (all of / any of / not) holds its operands. The
// criteria are parts of the policy (`<policy#crit-N>`), written with it in one edit.

import { h, field } from "../dom.js";
import { WR, PREFIXES } from "../rdf.js";

const RDFS = PREFIXES.rdfs, XSD = PREFIXES.xsd, RDF_TYPE = PREFIXES.rdf + "type";

/** Criterion kinds: class local name, label, and what it takes (see ontology/warrant.ttl). */
const KINDS = [
  ["AllOfCriterion", "all of (every operand met)", { operands: "allOf", min: 2 }],
  ["AnyOfCriterion", "any of (one operand met)", { operands: "anyOf", min: 2 }],
  ["NotCriterion", "not (its operand not met)", { operands: "not", min: 1, max: 1 }],
  ["ConditionPresent", "condition present", { concept: "concept" }],
  ["ConditionEpisodesWithin", "condition episodes within N days (at least K)", { concept: "concept", days: true, episodes: true }],
  ["ProcedurePerformed", "procedure performed", { concept: "concept" }],
  ["ProcedureWithin", "procedure within N days", { concept: "concept", days: true }],
  ["MedicationCurrent", "medication currently taken", { concept: "concept" }],
  ["MedicationInHistory", "medication received at any time", { concept: "concept" }],
  ["InterventionRequested", "intervention requested", { concept: "concept" }],
  ["LabThreshold", "lab value against a threshold", { concept: "measures", lab: true }],
  ["ObservationBelowNormal", "observation below normal", { concept: "measures" }],
  ["ObservationWithin", "observation recorded within N days", { concept: "measures", days: true }],
];
const KIND = Object.fromEntries(KINDS.map(([k, l, spec]) => [WR + k, { label: l, ...spec }]));
const OPERANDS = ["allOf", "anyOf", "not"].map((p) => WR + p);

/** The roots a policy form edits. */
export const ROOTS = [
  { name: "initiation", label: "Initiation criteria (must be met)", path: WR + "initiationCriteria", required: true },
  { name: "discontinuation", label: "Discontinuation criteria (when met, no longer necessary)", path: WR + "discontinuationCriteria" },
];

/**
 * The editor of the trees under `ROOTS`. `iri` is the policy (null for a new one), `triples` its
 * stored description, `lists` the picker choices ({concepts, statements}: [iri, label]).
 * Returns {element, manages(iri), triples(subject), editable}: trees whose root is not a part of
 * the policy (shared criteria resources) are shown as kept, and left to the Turtle mode.
 */
export function criteriaEditor(iri, triples, lists) {
  const of = (s, p) => triples.filter((t) => t.s.value === s && t.p.value === p).map((t) => t.o.value);
  const isPart = (node) => !iri || node.startsWith(iri + "#");
  const roots = ROOTS.map((r) => ({ ...r, current: iri ? of(iri, r.path)[0] : undefined }));
  const editable = roots.every((r) => !r.current || isPart(r.current));
  let counter = 0;
  const used = new Set();
  const freshId = () => {
    do counter += 1; while (used.has(`crit-${counter}`));
    return `crit-${counter}`;
  };
  // ids of the stored parts stay what they were (history and links keep working)
  for (const t of triples) if (iri && t.s.value.startsWith(iri + "#")) used.add(t.s.value.slice(iri.length + 1));

  const managed = new Set();
  const element = h("div", { class: "criteria", id: "criteria" });
  if (!editable) {
    element.append(h("p", { class: "hint" }, "This policy's criteria are shared resources of their own; they are kept as they are — edit them in the Turtle mode."));
    return { element, manages: () => false, triples: () => [], editable };
  }

  const nodes = [];
  /** One criterion's editor: returns {el, collect(base) -> {iri, triples}}. */
  const nodeEditor = (nodeIri, depth) => {
    const id = nodeIri && iri ? nodeIri.slice(iri.length + 1) : freshId();
    used.add(id);
    if (nodeIri) managed.add(nodeIri);
    const n = { id, path: `${id}` };
    nodes.push(n);
    const stored = nodeIri ? of(nodeIri, RDF_TYPE).find((t) => KIND[t]) : undefined;
    const kind = h("select", { id: `c-${id}-kind`, class: "crit-kind", "aria-label": "Kind of criterion" },
      h("option", { value: "" }, "— kind —"), KINDS.map(([k, l]) => h("option", { value: WR + k, selected: stored === WR + k }, l)));
    const label = h("input", { type: "text", id: `c-${id}-label`, value: nodeIri ? of(nodeIri, RDFS + "label")[0] ?? "" : "" });
    const pick = (name, list, selected, many) => {
      const sel = h("select", { id: `c-${id}-${name}`, multiple: many, size: many ? 4 : undefined },
        many ? null : h("option", { value: "" }, "— choose —"),
        list.map(([v, l]) => h("option", { value: v, selected: selected.includes(v) }, l)));
      for (const v of selected) if (!list.some(([x]) => x === v)) sel.append(h("option", { value: v, selected: true }, v));
      return sel;
    };
    const conceptNow = nodeIri ? (of(nodeIri, WR + "concept")[0] || of(nodeIri, WR + "measures")[0] || "") : "";
    const concept = pick("concept", lists.concepts, [conceptNow], false);
    const comparator = h("select", { id: `c-${id}-comparator` }, ["<", "<=", ">", ">="].map((c) => h("option", { value: c, selected: nodeIri && of(nodeIri, WR + "comparator")[0] === c }, c)));
    const threshold = h("input", { type: "number", step: "any", id: `c-${id}-threshold`, value: nodeIri ? of(nodeIri, WR + "threshold")[0] ?? "" : "" });
    const unit = h("input", { type: "text", id: `c-${id}-unit`, placeholder: "UCUM, e.g. mg/dL", value: nodeIri ? of(nodeIri, WR + "unit")[0] ?? "" : "" });
    const days = h("input", { type: "number", min: 1, id: `c-${id}-days`, value: nodeIri ? of(nodeIri, WR + "withinDays")[0] ?? "" : "" });
    const episodes = h("input", { type: "number", min: 1, id: `c-${id}-episodes`, value: nodeIri ? of(nodeIri, WR + "minimumEpisodes")[0] ?? "" : "" });
    const supported = pick("supportedBy", lists.statements, nodeIri ? of(nodeIri, WR + "supportedBy") : [], true);
    const opposed = pick("opposedBy", lists.statements, nodeIri ? of(nodeIri, WR + "opposedBy") : [], true);
    const box = (name, lbl, control, path) => {
      const b = field(lbl, control);
      b.dataset.path = path;
      b.dataset.focus = id;
      b.classList.add(`crit-${name}`);
      return b;
    };
    const conceptBox = box("concept", "Concept tested (or quantity measured)", concept, WR + "concept");
    const labBox = h("div", { class: "lab-fields" },
      box("comparator", "Comparator", comparator, WR + "comparator"),
      box("threshold", "Threshold", threshold, WR + "threshold"),
      box("unit", "Unit", unit, WR + "unit"));
    const daysBox = box("days", "Within days (before the evaluation date)", days, WR + "withinDays");
    const episodesBox = box("episodes", "At least this many episodes", episodes, WR + "minimumEpisodes");
    const operands = h("ol", { class: "operands" });
    const children = [];
    const addOperand = (childIri) => {
      const child = nodeEditor(childIri, depth + 1);
      const li = h("li", {}, child.el, h("button", { type: "button", class: "remove-operand", onclick: () => {
        children.splice(children.indexOf(child), 1);
        li.remove();
      } }, "Remove this operand"));
      children.push(child);
      operands.append(li);
    };
    const addButton = h("button", { type: "button", class: "add-operand", id: `c-${id}-add` }, "Add an operand");
    addButton.addEventListener("click", () => addOperand());
    const operandBox = h("div", { class: "operand-box" }, h("p", { class: "hint" }, "Operands:"), operands, addButton);
    const show = () => {
      const spec = KIND[kind.value] || {};
      conceptBox.hidden = !spec.concept;
      conceptBox.dataset.path = WR + (spec.concept || "concept");
      labBox.hidden = !spec.lab;
      daysBox.hidden = !spec.days;
      episodesBox.hidden = !spec.episodes;
      operandBox.hidden = !spec.operands;
    };
    kind.addEventListener("change", show);
    if (nodeIri) for (const p of OPERANDS) for (const c of of(nodeIri, p)) if (isPart(c)) addOperand(c);
    show();
    const el = h("fieldset", { class: `criterion depth-${Math.min(depth, 4)}`, "data-crit": id },
      h("legend", {}, depth === 0 ? "Root criterion" : "Criterion"),
      box("kind", "Kind", kind, RDF_TYPE), box("label", "Label", label, RDFS + "label"),
      conceptBox, labBox, daysBox, episodesBox,
      box("supportedBy", "Supported by (statements; at least one)", supported, WR + "supportedBy"),
      box("opposedBy", "Opposed by (statements)", opposed, WR + "opposedBy"),
      operandBox);
    const collect = (base) => {
      const s = { type: "uri", value: `${base}#${id}` };
      const out = [];
      const add = (p, o) => out.push({ s, p: { type: "uri", value: p }, o });
      const lit = (value, datatype) => ({ type: "literal", value, datatype });
      if (kind.value) add(RDF_TYPE, { type: "uri", value: kind.value });
      if (label.value.trim()) add(RDFS + "label", lit(label.value.trim()));
      const spec = KIND[kind.value] || {};
      if (spec.concept && concept.value) add(WR + spec.concept, { type: "uri", value: concept.value });
      if (spec.lab) {
        add(WR + "comparator", lit(comparator.value));
        if (threshold.value !== "") add(WR + "threshold", lit(threshold.value, XSD + "decimal"));
        if (unit.value.trim()) add(WR + "unit", lit(unit.value.trim()));
      }
      if (spec.days && days.value !== "") add(WR + "withinDays", lit(days.value, XSD + "integer"));
      if (spec.episodes && episodes.value !== "") add(WR + "minimumEpisodes", lit(episodes.value, XSD + "integer"));
      for (const o of supported.selectedOptions) add(WR + "supportedBy", { type: "uri", value: o.value });
      for (const o of opposed.selectedOptions) add(WR + "opposedBy", { type: "uri", value: o.value });
      children.forEach((c, i) => {
        const sub = c.collect(base);
        if (spec.operands) add(WR + spec.operands, sub.iri);
        sub.triples.push({ s: sub.iri, p: { type: "uri", value: WR + "displayOrder" }, o: lit(String(i + 1), XSD + "integer") });
        out.push(...sub.triples);
      });
      return { iri: s, triples: out };
    };
    return { el, collect };
  };

  const rootEditors = roots.map((r) => {
    const slot = h("div", { class: "root-slot", id: `root-${r.name}` });
    const state = { editor: null };
    const start = (nodeIri) => {
      state.editor = nodeEditor(nodeIri, 0);
      slot.replaceChildren(state.editor.el, r.required ? "" : h("button", { type: "button", class: "remove-root", onclick: () => {
        state.editor = null;
        slot.replaceChildren(startButton);
      } }, "Remove these criteria"));
    };
    const startButton = h("button", { type: "button", class: "add-root", id: `add-root-${r.name}` }, `Add ${r.name} criteria`);
    startButton.addEventListener("click", () => start());
    if (r.current) start(r.current);
    else if (r.required) start();
    else slot.append(startButton);
    element.append(h("section", { class: "root", "data-root": r.name }, h("h3", {}, r.label), slot));
    return { r, state };
  });

  return {
    element,
    editable,
    /** Whether a stored triple is rewritten by this editor (the roots' links and every part under them). */
    manages: (t) => managed.has(t.s.value) || (t.s.value === iri && ROOTS.some((r) => r.path === t.p.value)),
    /** The trees as triples, the criteria named under `subject` (the policy's IRI, or "" for a new one). */
    triples: (subject) => {
      const out = [];
      for (const { r, state } of rootEditors) {
        if (!state.editor) continue;
        const tree = state.editor.collect(subject.value);
        out.push({ s: subject, p: { type: "uri", value: r.path }, o: tree.iri }, ...tree.triples);
      }
      return out;
    },
  };
}
