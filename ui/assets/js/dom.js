// Building the page from data: every value from the store becomes a text node (never parsed as
// HTML), so a statement whose text is `<script>…` shows as that text.

/** An element: `h("a", {href: "/x", class: "c"}, "text", child, [more])`. Strings are text. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "value" && "value" in el) {
      el.value = value;
    } else if (name === "checked" || name === "selected" || name === "disabled") {
      el[name] = !!value;
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Appends children (strings, numbers, nodes, arrays of them; null skipped) to `el`. */
export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Empties `el` and fills it with `children`. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

const ENTITIES = { "&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": '"', "&#39;": "'", "&#x27;": "'" };

/** Decodes the few entities an escaped snippet holds. */
export function unescapeHtml(text) {
  return text.replace(/&(lt|gt|amp|quot|#39|#x27);/g, (m) => ENTITIES[m] ?? m);
}

/**
 * A search snippet (HTML-escaped text with `<mark>` around matches) as nodes: the marks become
 * <mark> elements, everything else text — nothing in it is ever parsed as HTML.
 */
export function snippet(html) {
  const span = h("span", { class: "snippet" });
  const parts = String(html ?? "").split(/(<mark>|<\/mark>)/);
  let marked = false;
  for (const part of parts) {
    if (part === "<mark>") marked = true;
    else if (part === "</mark>") marked = false;
    else if (part) span.append(marked ? h("mark", {}, unescapeHtml(part)) : unescapeHtml(part));
  }
  return span;
}

/** A status badge (`approved`, `met`, `not-met`, …) coloured by its class. */
export function badge(status, label) {
  const s = String(status ?? "").replace(/^.*[#/]/, "");
  const key = s.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase();
  return h("span", { class: `badge b-${key}` }, label ?? key.replace(/-/g, " "));
}

/** A collapsible section. */
export function details(summary, open, ...children) {
  return h("details", { open }, h("summary", {}, summary), ...children);
}

/** A message block (`kind`: info, error, ok). */
export function note(kind, ...children) {
  return h("div", { class: `note note-${kind}`, role: kind === "error" ? "alert" : "status" }, ...children);
}

/**
 * A labelled form control with an optional hint and a slot for its errors; `shown` is what is put on
 * the page when the control sits inside a larger widget.
 */
export function field(label, control, hint, shown) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const err = h("div", { class: "field-error", id: `${id}-error`, role: "alert" });
  control.setAttribute("aria-describedby", `${id}-error`);
  return h("div", { class: "field" }, h("label", { for: id }, label), shown || control, hint ? h("div", { class: "hint" }, hint) : null, err);
}

/** A table from column names and rows of cells (strings or nodes). */
export function table(columns, rows, caption) {
  return h(
    "table",
    {},
    caption ? h("caption", {}, caption) : null,
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c))))),
  );
}

/** A short date-time for people. */
export function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : d.toISOString().replace("T", " ").slice(0, 16) + " UTC";
}
