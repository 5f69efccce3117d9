// Change sets: every write, newest first (GET /changes), and one change set with its before / after
// and a revert button (GET /changes/{id}, POST /changes/{id}/revert).

import { h, replace, note, details } from "../dom.js";
import { get } from "../api.js";
import { labelsOf } from "../labels.js";
import { diffTable, changeSummary, irisOf } from "../diff.js";
import { iriLink } from "../rdf.js";
import { revertButton } from "./resource.js";

const PAGE = 25;

export async function changesPage(main, params) {
  const offset = Number(params.get("offset") || 0);
  const data = await get(`/changes?limit=${PAGE}&offset=${offset}`);
  const changes = data.changes || [];
  const labels = await labelsOf(irisOf(changes));
  const reload = () => changesPage(main, params);
  replace(
    main,
    h("h1", {}, "Changes"),
    h("p", { class: "count" }, `${data.total} change sets, newest first`),
    h("ol", { class: "history", start: offset + 1 }, changes.map((c) => h("li", { class: "change" },
      changeSummary(c), revertButton(c, reload),
      details(`${(c.added || []).length} added, ${(c.removed || []).length} removed`, false, diffTable(c.added, c.removed, labels))))),
    h("nav", { class: "pager", "aria-label": "Pages" },
      offset > 0 ? h("a", { href: `/ui/changes?offset=${Math.max(0, offset - PAGE)}` }, "← newer") : null, " ",
      offset + PAGE < data.total ? h("a", { href: `/ui/changes?offset=${offset + PAGE}` }, "older →") : null),
  );
}

export async function changePage(main, id) {
  const c = await get(`/changes/${encodeURIComponent(id)}`);
  const labels = await labelsOf(irisOf([c]));
  const touched = [...new Set([...(c.added || []), ...(c.removed || [])].map((q) => q.subject))]
    .filter((s) => s.startsWith("<")).map((s) => s.slice(1, -1));
  replace(
    main,
    h("p", { class: "crumbs" }, h("a", { href: "/ui/changes" }, "changes"), " / ", id),
    h("h1", {}, `Change ${id}`),
    h("p", {}, changeSummary(c), revertButton(c, () => changePage(main, id))),
    touched.length ? h("p", {}, "Touches: ", touched.map((t) => [iriLink(t, labels[t]), " "])) : null,
    c.kind === "load" ? note("info", "A load is undone by changing its file.") : null,
    diffTable(c.added, c.removed, labels),
  );
}
