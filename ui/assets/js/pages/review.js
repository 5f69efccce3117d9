// Review: the queue of submitted and under-review statements and policies; for each, what changed
// since it was last approved (before / after), who wrote it, the passages it rests on, and the
// reviewer's decision with a comment. Four-eyes refusals are explained.

import { h, replace, note, badge, when, details } from "../dom.js";
import { get, call, select } from "../api.js";
import { session } from "../session.js";
import { labelsOf, forgetLabels } from "../labels.js";
import { WR, iriLink, iriRef, kindOfType, localId, parseTerm } from "../rdf.js";
import { diffTable, irisOf, changeSummary } from "../diff.js";
import { errorNote, flash } from "../main.js";

export async function reviewPage(main, params) {
  const focus = params.get("iri");
  const queue = await get("/review/queue");
  if (focus && !queue.some((i) => i.iri === focus)) {
    const kind = (await select(`SELECT ?t WHERE { ${iriRef(focus)} a ?t }`)).some((r) => r.t === WR + "Policy") ? "policies" : "statements";
    queue.unshift({ iri: focus, kind, id: localId(focus), status: null, label: null });
  }
  replace(
    main,
    h("h1", {}, "Review queue"),
    h("p", { class: "count", id: "queue-count" }, `${queue.length} waiting for review`, session.can("reviewer") ? "" : " — sign in as a reviewer to decide"),
    h("ol", { class: "queue", id: "queue" }, queue.map((item) => h("li", { class: "queue-item", id: `q-${item.id}`, "data-iri": item.iri }, h("p", { class: "loading" }, item.label || item.iri)))),
  );
  for (const item of queue) {
    const li = main.querySelector(`[data-iri="${CSS.escape(item.iri)}"]`);
    queueItem(item, () => reviewPage(main, params)).then((v) => replace(li, v), (e) => replace(li, errorNote(e)));
  }
  if (focus) main.querySelector(`[data-iri="${CSS.escape(focus)}"]`)?.scrollIntoView();
}

/** Whether a change set approved something (its added triples set wr:reviewStatus wr:Approved). */
function approves(c) {
  return (c.added || []).some((q) => parseTerm(q.predicate).value === WR + "reviewStatus" && parseTerm(q.object).value === WR + "Approved");
}

/** The net triples added and removed by `changes` (oldest first applied). */
function net(changes) {
  const key = (q) => `${q.subject} ${q.predicate} ${q.object}`;
  const added = new Map(), removed = new Map();
  for (const c of [...changes].reverse()) {
    for (const q of c.removed || []) {
      if (added.has(key(q))) added.delete(key(q));
      else removed.set(key(q), q);
    }
    for (const q of c.added || []) {
      if (removed.has(key(q))) removed.delete(key(q));
      else added.set(key(q), q);
    }
  }
  return { added: [...added.values()], removed: [...removed.values()] };
}

async function queueItem(item, reload) {
  const kind = item.kind?.endsWith("s") ? item.kind : kindOfType(item.kind) || "statements";
  const history = await get(`/history?iri=${encodeURIComponent(item.iri)}`);
  const lastApproval = history.findIndex(approves);
  const since = lastApproval === -1 ? history : history.slice(0, lastApproval);
  const edits = since.filter((c) => c.kind !== "review");
  const { added, removed } = net(edits);
  const passages = await select(`PREFIX wr: <${WR}> SELECT ?p ?text ?source WHERE { ${iriRef(item.iri)} wr:restsOn ?p . OPTIONAL { ?p wr:text ?text } OPTIONAL { ?p wr:inSource ?source } }`);
  const labels = await labelsOf([item.iri, ...irisOf(edits), ...passages.map((p) => p.source).filter(Boolean)]);
  const authors = [...new Set(edits.map((c) => c.agent))];
  return h("article", { class: "review-item" },
    h("h2", {}, iriLink(item.iri, item.label || labels[item.iri], kind), " ", item.status ? badge(item.status) : ""),
    item.submitted_by || authors.length
      ? h("p", { class: "meta" }, "Submitted by ", h("strong", {}, item.submitted_by || authors[0]), item.submitted_at ? ` at ${when(item.submitted_at)}` : "",
        authors.length ? [" — edited by ", authors.join(", ")] : "")
      : h("p", { class: "meta" }, "From the shipped data files; never edited through the API."),
    edits.length ? [h("h3", {}, lastApproval === -1 ? "Its content (never approved)" : "Changed since it was last approved"), diffTable(added, removed, labels)] : null,
    edits.length ? details(`${edits.length} change set${edits.length === 1 ? "" : "s"}`, false, h("ul", {}, edits.map((c) => h("li", {}, changeSummary(c))))) : null,
    passages.length ? [h("h3", {}, "Rests on"), h("ul", { class: "quotes" }, passages.map((p) => h("li", {}, h("blockquote", {}, p.text || ""), p.source ? ["— ", iriLink(p.source, labels[p.source], "sources")] : "")))] : null,
    session.can("reviewer") ? decision(kind, localId(item.iri), reload) : null);
}

/** The reviewer's form: a comment and approve / under review / reject. */
function decision(kind, id, reload) {
  const comment = h("textarea", { rows: 2, id: `comment-${id}`, class: "comment" });
  const out = h("div", { class: "decision-result", "aria-live": "polite" });
  const send = (status) => async () => {
    try {
      await call(`/curation/${kind}/${encodeURIComponent(id)}/review`, { method: "POST", body: { status, comment: comment.value.trim() || undefined } });
      forgetLabels();
      flash("ok", `${id}: ${status.replace(/-/g, " ")}.`);
      await reload();
    } catch (e) {
      replace(out, refusal(e));
    }
  };
  return h("div", { class: "decision" },
    h("label", { for: `comment-${id}` }, "Comment (kept with the review)"), comment,
    h("div", { class: "actions" },
      h("button", { type: "button", class: "approve", "data-id": id, onclick: send("approved") }, "Approve"),
      h("button", { type: "button", class: "under-review", "data-id": id, onclick: send("under-review") }, "Mark under review"),
      h("button", { type: "button", class: "reject", "data-id": id, onclick: send("rejected") }, "Reject")),
    out);
}

/** Why a review was refused, in words a reviewer can act on. */
function refusal(e) {
  if (e.status === 403 && /author|another reviewer|four eyes/i.test(e.message)) {
    return note("error", h("strong", {}, "Four eyes: "), e.message, " — another reviewer must approve it.");
  }
  if (e.status === 422) {
    const results = e.body?.report?.results || [];
    return note("error", h("strong", {}, "The shapes refuse this: "), e.message, results.length ? h("ul", {}, results.map((r) => h("li", {}, r.message || r.constraint_component))) : "");
  }
  return errorNote(e);
}
