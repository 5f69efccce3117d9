// A policy's criteria trees (initiation, discontinuation) edited as nested forms: each criterion is
// a kind, a label, its parameters (concept or measured quantity, threshold, days, …) and the
// statements that support or oppose it; a composite (all of / any of / not) holds its operands. The
// criteria are parts of the policy (`<policy#crit-N>`), written with it in one edit.
//
// A criterion used by several composites (the shipped policy's "ongoing immunosuppressive therapy"
// is an operand of three) is edited once, where it first appears; its other uses show as a
// reference to it, and a change applies to every use. "Reuse a criterion" adds such a reference.
// What the form has no field for (a criterion's `wr:window`, say) is kept as it was.

import { h, field, replace } from "../dom.js";
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
  ["LabThreshold", "lab value against a threshold", { concept: "measures", lab: true, days: true }],
  ["ObservationBelowNormal", "observation below normal", { concept: "measures" }],
  ["ObservationWithin", "observation recorded within N days", { concept: "measures", days: true }],
];
const KIND = Object.fromEntries(KINDS.map(([k, l, spec]) => [WR + k, { label: l, ...spec }]));
const OPERANDS = ["allOf", "anyOf", "not"].map((p) => WR + p);
const CERTAINTY = [["", "— as its statements —"], ["HighCertainty", "high"], ["ModerateCertainty", "moderate"], ["LowCertainty", "low"], ["VeryLowCertainty", "very low"]];

/** The properties of a criterion this editor writes; any other is kept as stored. */
const MANAGED = new Set([
  RDFS + "label", RDFS + "comment", ...OPERANDS,
  ...["certainty", "concept", "measures", "comparator", "threshold", "unit", "withinDays", "minimumEpisodes",
    "measurementsRequired", "raisedByIntervention", "interventionEffectDays", "alsoRefutedBy", "supportedBy",
    "opposedBy", "displayOrder"].map((p) => WR + p),
]);

/** The roots a policy form edits. */
export const ROOTS = [
  { name: "initiation", label: "Initiation criteria (must be met)", path: WR + "initiationCriteria", required: true },
  { name: "discontinuation", label: "Discontinuation criteria (when met, no longer necessary)", path: WR + "discontinuationCriteria" },
];

/**
 * The editor of the trees under `ROOTS`. `iri` is the policy (null for a new one), `triples` its
 * stored description, `lists` the picker choices ({concepts, statements}: [iri, label]).
 * Returns {element, manages(triple), triples(subject, kept), editable}: trees whose root is not a
 * part of the policy (criteria resources of their own) are shown as kept, and left to the Turtle mode.
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
    element.append(h("p", { class: "hint" }, "This policy's criteria are resources of their own, not parts of the policy; they are kept as they are — edit them in the Turtle mode."));
    return { element, manages: () => false, triples: () => [], editable };
  }

  /** Every criterion edited here, by id: {editor (where it is edited), refs (its other uses)}. */
  const registry = new Map();
  /** Ids written during one `triples()` call. */
  let written = new Set();
  const partIri = (base, id) => ({ type: "uri", value: `${base}#${id}` });

  /** A use of a criterion edited elsewhere (`id`), or of a criterion that is not a part (`external`). */
  const referenceEditor = (id, external) => {
    const target = external ? null : registry.get(id).editor;
    const text = h("span", { class: "ref-label" }, external || target.title());
    const el = h("fieldset", { class: "criterion reference", "data-ref": id || external },
      h("legend", {}, external ? "Criterion kept as it is" : "Same criterion as above"),
      external
        ? h("p", { class: "hint" }, text, " — not a part of this policy: edit it in the Turtle mode.")
        : h("p", {}, h("a", { href: `#crit-box-${id}`, class: "ref-link" }, text), h("span", { class: "hint" }, " — edited where it first appears; a change applies to every use.")));
    target?.onTitle((t) => (text.textContent = t));
    const ref = { el, id, ref: true, childIds: () => [], collect: (base) => ({ iri: external ? { type: "uri", value: external } : partIri(base, id), triples: [], ref: true }) };
    if (!external) registry.get(id).refs.push(ref);
    return ref;
  };

  /** One criterion's editor: returns {el, id, collect(base) -> {iri, triples}, …}. */
  const nodeEditor = (nodeIri, depth) => {
    if (nodeIri && !isPart(nodeIri)) return referenceEditor(null, nodeIri);
    const id = nodeIri && iri ? nodeIri.slice(iri.length + 1) : freshId();
    if (registry.has(id)) return referenceEditor(id);
    used.add(id);
    if (nodeIri) managed.add(nodeIri);
    const stored = nodeIri ? of(nodeIri, RDF_TYPE).find((t) => KIND[t]) : undefined;
    const value = (p) => (nodeIri ? of(nodeIri, WR + p)[0] ?? "" : "");
    // what this form has no field for, kept as it was
    const extras = nodeIri
      ? triples.filter((t) => t.s.value === nodeIri && !MANAGED.has(t.p.value) && !(t.p.value === RDF_TYPE && KIND[t.o.value]))
      : [];
    const kind = h("select", { id: `c-${id}-kind`, class: "crit-kind", "aria-label": "Kind of criterion" },
      h("option", { value: "" }, "— kind —"), KINDS.map(([k, l]) => h("option", { value: WR + k, selected: stored === WR + k }, l)));
    const label = h("input", { type: "text", id: `c-${id}-label`, value: nodeIri ? of(nodeIri, RDFS + "label")[0] ?? "" : "" });
    const comment = h("textarea", { id: `c-${id}-comment`, rows: 2, value: nodeIri ? of(nodeIri, RDFS + "comment")[0] ?? "" : "" });
    const pick = (name, list, selected, many, empty = "— choose —") => {
      const sel = h("select", { id: `c-${id}-${name}`, multiple: many, size: many ? 4 : undefined },
        many ? null : h("option", { value: "" }, empty),
        list.map(([v, l]) => h("option", { value: v, selected: selected.includes(v) }, l)));
      for (const v of selected) if (v && !list.some(([x]) => x === v)) sel.append(h("option", { value: v, selected: true }, v));
      return sel;
    };
    const concept = pick("concept", lists.concepts, [value("concept") || value("measures")], false);
    const certainty = pick("certainty", CERTAINTY.slice(1).map(([k, l]) => [WR + k, l]), [value("certainty")], false, CERTAINTY[0][1]);
    const comparator = h("select", { id: `c-${id}-comparator` }, ["<", "<=", ">", ">="].map((c) => h("option", { value: c, selected: value("comparator") === c }, c)));
    const number = (name, p, min = 1) => h("input", { type: "number", min, step: name === "threshold" ? "any" : undefined, id: `c-${id}-${name}`, value: value(p) });
    const threshold = number("threshold", "threshold", undefined);
    const unit = h("input", { type: "text", id: `c-${id}-unit`, placeholder: "UCUM, e.g. mg/dL", value: value("unit") });
    const days = number("days", "withinDays");
    const episodes = number("episodes", "minimumEpisodes");
    const measurements = number("measurements", "measurementsRequired");
    const raisedBy = pick("raisedBy", lists.concepts, [value("raisedByIntervention")], false, "— none: every value is the patient's own —");
    const effectDays = number("effectDays", "interventionEffectDays");
    const alsoRefutedBy = pick("alsoRefutedBy", lists.concepts, [value("alsoRefutedBy")], false, "— none —");
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
      box("unit", "Unit", unit, WR + "unit"),
      box("measurements", "Most recent measurements that must all pass (default 1)", measurements, WR + "measurementsRequired"),
      box("raisedBy", "Raised by the intervention (values on it are upper bounds)", raisedBy, WR + "raisedByIntervention"),
      box("effectDays", "A dose counts as given for (days)", effectDays, WR + "interventionEffectDays"));
    const daysBox = box("days", "Within days (before the evaluation date)", days, WR + "withinDays");
    const episodesBox = h("div", { class: "lab-fields" },
      box("episodes", "At least this many episodes", episodes, WR + "minimumEpisodes"),
      box("alsoRefutedBy", "Also refuted when the case refutes", alsoRefutedBy, WR + "alsoRefutedBy"));
    const operands = h("ol", { class: "operands" });
    const children = [];
    const me = { id, ref: false };
    /** Adds an operand: a new criterion, a stored one, or (`reuse`) a use of one edited elsewhere. */
    const addOperand = (childIri, reuse) => {
      const child = reuse ? referenceEditor(reuse) : nodeEditor(childIri, depth + 1);
      const li = h("li", {}, child.el);
      li.occupant = child;
      child.slot = { li, list: children };
      li.append(h("button", { type: "button", class: "remove-operand", onclick: () => removeOperand(li.occupant) }, "Remove this operand"));
      children.push(child);
      operands.append(li);
    };
    const addButton = h("button", { type: "button", class: "add-operand", id: `c-${id}-add` }, "Add an operand");
    addButton.addEventListener("click", () => addOperand());
    const reuse = h("select", { id: `c-${id}-reuse`, class: "reuse" }, h("option", { value: "" }, "— reuse a criterion —"));
    // offered: every criterion edited here that would not make a cycle
    const offer = () => {
      const now = [...registry.entries()].filter(([other, e]) => other !== id && e.editor.el.isConnected && !reaches(other, id));
      const shown = [...reuse.options].slice(1).map((o) => o.value);
      if (shown.join("\n") === now.map(([other]) => other).join("\n")) return;
      replace(reuse, h("option", { value: "" }, "— reuse a criterion —"), now.map(([other, e]) => h("option", { value: other }, e.editor.title())));
    };
    for (const event of ["focus", "mousedown", "keydown"]) reuse.addEventListener(event, offer);
    reuse.addEventListener("change", () => {
      if (reuse.value) addOperand(null, reuse.value);
      reuse.value = "";
    });
    const operandBox = h("div", { class: "operand-box" }, h("p", { class: "hint" }, "Operands:"), operands, h("div", { class: "operand-actions" }, addButton, field("Or reuse a criterion of this policy", reuse)));
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
    const kept = extras.length
      ? h("p", { class: "hint kept" }, "Also kept as stored: ", extras.map((t) => `${t.p.value.replace(/^.*[#/]/, "")} ${t.o.value}`).join("; "))
      : null;
    const el = h("fieldset", { class: `criterion depth-${Math.min(depth, 4)}`, "data-crit": id, id: `crit-box-${id}` },
      h("legend", {}, depth === 0 ? "Root criterion" : "Criterion"),
      box("kind", "Kind", kind, RDF_TYPE), box("label", "Label", label, RDFS + "label"),
      conceptBox, labBox, daysBox, episodesBox,
      box("supportedBy", "Supported by (statements; at least one)", supported, WR + "supportedBy"),
      box("opposedBy", "Opposed by (statements)", opposed, WR + "opposedBy"),
      box("certainty", "Certainty of the argument (when lower than its statements')", certainty, WR + "certainty"),
      box("comment", "Comment (rationale)", comment, RDFS + "comment"),
      kept, operandBox);
    const titleListeners = [];
    label.addEventListener("input", () => titleListeners.forEach((f) => f(me.title())));
    Object.assign(me, {
      el,
      title: () => label.value.trim() || id,
      onTitle: (f) => titleListeners.push(f),
      childIds: () => children.map((c) => c.id).filter(Boolean),
      collect: (base) => {
        written.add(id);
        const s = partIri(base, id);
        const out = [];
        const add = (p, o) => out.push({ s, p: { type: "uri", value: p }, o });
        const lit = (v, datatype) => ({ type: "literal", value: v, datatype });
        if (kind.value) add(RDF_TYPE, { type: "uri", value: kind.value });
        if (label.value.trim()) add(RDFS + "label", lit(label.value.trim()));
        if (comment.value.trim()) add(RDFS + "comment", lit(comment.value.trim()));
        if (certainty.value) add(WR + "certainty", { type: "uri", value: certainty.value });
        const spec = KIND[kind.value] || {};
        if (spec.concept && concept.value) add(WR + spec.concept, { type: "uri", value: concept.value });
        if (spec.lab) {
          add(WR + "comparator", lit(comparator.value));
          if (threshold.value !== "") add(WR + "threshold", lit(threshold.value, XSD + "decimal"));
          if (unit.value.trim()) add(WR + "unit", lit(unit.value.trim()));
          if (measurements.value !== "") add(WR + "measurementsRequired", lit(measurements.value, XSD + "integer"));
          if (raisedBy.value) add(WR + "raisedByIntervention", { type: "uri", value: raisedBy.value });
          if (effectDays.value !== "") add(WR + "interventionEffectDays", lit(effectDays.value, XSD + "integer"));
        }
        if (spec.days && days.value !== "") add(WR + "withinDays", lit(days.value, XSD + "integer"));
        if (spec.episodes && episodes.value !== "") add(WR + "minimumEpisodes", lit(episodes.value, XSD + "integer"));
        if (spec.episodes && alsoRefutedBy.value) add(WR + "alsoRefutedBy", { type: "uri", value: alsoRefutedBy.value });
        for (const o of supported.selectedOptions) add(WR + "supportedBy", { type: "uri", value: o.value });
        for (const o of opposed.selectedOptions) add(WR + "opposedBy", { type: "uri", value: o.value });
        for (const t of extras) out.push({ s, p: t.p, o: t.o });
        children.forEach((c, i) => {
          const sub = c.collect(base);
          if (spec.operands) add(WR + spec.operands, sub.iri);
          if (sub.ref) return; // a use of a criterion written where it is edited
          sub.triples.push({ s: sub.iri, p: { type: "uri", value: WR + "displayOrder" }, o: lit(String(i + 1), XSD + "integer") });
          out.push(...sub.triples);
        });
        return { iri: s, triples: out };
      },
    });
    registry.set(id, { editor: me, refs: [] });
    // stored operands in their display order
    const order = (c) => Number(of(c, WR + "displayOrder")[0] ?? Infinity);
    const operandIris = nodeIri ? OPERANDS.flatMap((p) => of(nodeIri, p)) : [];
    operandIris.sort((a, b) => order(a) - order(b) || (a < b ? -1 : a > b ? 1 : 0));
    for (const c of operandIris) addOperand(c);
    show();
    return me;
  };

  /** Whether criterion `from` has `to` among its operands, at any depth. */
  const reaches = (from, to, seen = new Set()) => {
    if (from === to) return true;
    if (seen.has(from)) return false;
    seen.add(from);
    return (registry.get(from)?.editor.childIds() || []).some((c) => reaches(c, to, seen));
  };

  /**
   * Removes an operand. A criterion removed where it is edited while other uses remain moves to
   * its first other use (so nothing it says is lost); a removed use just goes.
   */
  const removeOperand = (child) => {
    const { li, list } = child.slot;
    const entry = registry.get(child.id);
    if (child.ref) {
      if (entry) entry.refs.splice(entry.refs.indexOf(child), 1);
    } else if (entry?.refs.length) {
      const r = entry.refs.shift();
      r.slot.list[r.slot.list.indexOf(r)] = child;
      r.el.replaceWith(child.el);
      r.slot.li.occupant = child;
      child.slot = r.slot;
      list.splice(list.indexOf(child), 1);
      li.remove();
      return;
    }
    list.splice(list.indexOf(child), 1);
    li.remove();
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
    /** Whether a stored triple is rewritten by this editor (the roots' links and every criterion under them). */
    manages: (t) => managed.has(t.s.value) || (t.s.value === iri && ROOTS.some((r) => r.path === t.p.value)),
    /**
     * The trees as triples, the criteria named under `subject` (the policy's IRI, or "" for a new
     * one). `kept` are the other triples the form writes: a criterion edited here that only they
     * (a caveat's trigger, say) or a remaining use still name is written too.
     */
    triples: (subject, kept = []) => {
      written = new Set();
      const out = [];
      for (const { r, state } of rootEditors) {
        if (!state.editor) continue;
        const tree = state.editor.collect(subject.value);
        out.push({ s: subject, p: { type: "uri", value: r.path }, o: tree.iri }, ...tree.triples);
      }
      const prefix = `${subject.value}#`;
      for (let missing = true; missing;) {
        missing = false;
        for (const t of [...out, ...kept]) {
          const id = t.o.type === "uri" && t.o.value.startsWith(prefix) ? t.o.value.slice(prefix.length) : null;
          if (id && registry.has(id) && !written.has(id)) {
            out.push(...registry.get(id).editor.collect(subject.value).triples);
            missing = true;
          }
        }
      }
      return out;
    },
  };
}
