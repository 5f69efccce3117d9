// The workbench's entry module: who is signed in, the navigation, and routing page URLs
// (`/ui/...`) to the page modules. Links inside the page are followed without reloading.

import { h, replace, note } from "./dom.js";
import * as api from "./api.js";
import { session } from "./session.js";
import { searchPage } from "./pages/search.js";
import { resourcePage, resolvePage, listPage } from "./pages/resource.js";
import { evaluatePage, determinationPage } from "./pages/evaluate.js";
import { reviewPage } from "./pages/review.js";
import { changesPage, changePage } from "./pages/changes.js";
import { curateIndex, curatePage } from "./pages/curate.js";
import { queryPage } from "./pages/query.js";
import { KINDS } from "./rdf.js";

const main = () => document.getElementById("main");

/** The page for a path: [title, render(main, params)]. */
function route(path, params) {
  const parts = path.replace(/^\/ui\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const [first, second, third] = parts;
  if (path === "/" || parts.length === 0 || first === "search") return ["Find", (m) => searchPage(m, params)];
  if (first === "evaluate") return ["Evaluate", (m) => evaluatePage(m, params)];
  if (first === "determination") return ["Kept determination", (m) => determinationPage(m, params.get("iri"))];
  if (first === "review") return ["Review queue", (m) => reviewPage(m, params)];
  if (first === "changes" && second) return [`Change ${second}`, (m) => changePage(m, second)];
  if (first === "changes") return ["Changes", (m) => changesPage(m, params)];
  if (first === "query") return ["Query", (m) => queryPage(m, params)];
  if (first === "resource") return ["Resource", (m) => resolvePage(m, params.get("iri"))];
  if (first === "curate" && second && KINDS.includes(second)) {
    return [`Curate ${second}`, (m) => curatePage(m, second, third && third !== "new" ? third : null, params)];
  }
  if (first === "curate") return ["Curate", (m) => curateIndex(m)];
  if (KINDS.includes(first) && !second) return [first, (m) => listPage(m, first)];
  if (KINDS.includes(first) && second) return [`${first} ${second}`, (m) => resourcePage(m, first, second)];
  return ["Not found", (m) => replace(m, h("h1", {}, "Not found"), h("p", {}, "No workbench page at this address."))];
}

let renderSeq = 0;

/** Renders the page for the current location. */
export async function render() {
  const seq = ++renderSeq;
  const url = new URL(location.href);
  const [title, draw] = route(url.pathname, url.searchParams);
  document.title = `${title} — Warrant`;
  const m = main();
  replace(m, h("p", { class: "loading" }, "Loading…"));
  markCurrent(url.pathname);
  try {
    await draw(m);
  } catch (e) {
    if (seq !== renderSeq) return;
    replace(m, h("h1", {}, title), errorNote(e));
  }
}

/** An error from the API as a readable note (401 suggests signing in). */
export function errorNote(e) {
  const hint =
    e.status === 401
      ? " Sign in with your token (top right)."
      : e.status === 403
        ? " Your role does not allow this."
        : "";
  return note("error", h("strong", {}, e.code ? `${e.code}: ` : "Error: "), e.message || String(e), hint);
}

/** Goes to a workbench URL without reloading. */
export function go(url, replaceState = false) {
  if (replaceState) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  window.scrollTo(0, 0);
  render();
}

function markCurrent(path) {
  for (const a of document.querySelectorAll(".top nav a")) {
    const target = a.getAttribute("href");
    const current = target === "/ui/" ? path === "/" || path === "/ui/" || path.startsWith("/ui/search") : path.startsWith(target);
    if (current) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

/** The account box: who is signed in, and the sign-in / sign-out form. */
function drawAccount() {
  const box = document.getElementById("account");
  const me = session.me;
  if (api.token() && me) {
    replace(
      box,
      h("span", { class: "who", id: "who" }, me.name, " ", h("span", { class: `role role-${me.role}` }, me.role)),
      h("button", { type: "button", id: "sign-out", onclick: signOut }, "Sign out"),
    );
  } else {
    const input = h("input", { type: "password", id: "token-input", autocomplete: "off", placeholder: "bearer token", required: true });
    const form = h(
      "form",
      { class: "signin", onsubmit: (e) => (e.preventDefault(), signIn(input.value.trim())) },
      h("label", { for: "token-input", class: "visually-hidden" }, "Bearer token"),
      me ? h("span", { class: "who", id: "who" }, "reading as ", me.name) : null,
      input,
      h("button", { type: "submit", id: "sign-in" }, "Sign in"),
    );
    replace(box, form);
  }
  for (const a of document.querySelectorAll("[data-role]")) {
    a.closest("li").hidden = !session.can(a.dataset.role);
  }
}

async function signIn(t) {
  if (!t) return;
  api.setToken(t);
  const me = await api.whoami().catch(() => null);
  if (!me || me.anonymous) {
    api.setToken(null);
    flash("error", "That token is not valid.");
    await refreshSession();
    return;
  }
  session.me = me;
  flash("ok", `Signed in as ${me.name} (${me.role}).`);
  drawAccount();
  render();
}

async function signOut() {
  api.setToken(null);
  await refreshSession();
  flash("ok", "Signed out.");
  render();
}

async function refreshSession() {
  session.me = await api.whoami().catch(() => null);
  if (api.token() && (!session.me || session.me.anonymous)) {
    api.setToken(null);
    session.me = await api.whoami().catch(() => null);
  }
  drawAccount();
}

/** A short message under the header. */
export function flash(kind, text) {
  const box = document.getElementById("flash");
  replace(box, text ? note(kind, text) : "");
}

document.addEventListener("click", (e) => {
  const a = e.target.closest("a");
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.target || a.hasAttribute("download")) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !(url.pathname === "/" || url.pathname.startsWith("/ui"))) return;
  if (url.pathname.startsWith("/ui/assets/")) return;
  e.preventDefault();
  if (url.hash && url.pathname === location.pathname && url.search === location.search) {
    reveal(url.hash.slice(1));
    return;
  }
  flash(null, "");
  go(url.pathname + url.search + url.hash);
});

/** Opens every disclosure around the element `id` and moves the focus there (in-page references). */
export function reveal(id) {
  const target = document.getElementById(id);
  if (!target) return;
  for (let d = target; d; d = d.parentElement) if (d.tagName === "DETAILS") d.open = true;
  const inner = target.querySelector(":scope > details");
  if (inner) inner.open = true;
  target.setAttribute("tabindex", "-1");
  target.scrollIntoView({ block: "center" });
  target.focus();
}

window.addEventListener("popstate", render);

await refreshSession();
await render();
