// Talking to Warrant's JSON API with the signed-in user's bearer token. The token lives in
// sessionStorage (gone when the tab closes), goes only into the Authorization header — never a URL —
// and is never logged.

const TOKEN_KEY = "warrant.token";

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(t) {
  if (t) sessionStorage.setItem(TOKEN_KEY, t);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** An API error: the server's `{error, message, …}` body with the HTTP status. */
export class ApiError extends Error {
  constructor(status, body, response) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
    this.code = this.body.error;
    this.response = response;
  }
}

/**
 * `fetch` with the bearer token. `opts.body` may be an object (sent as JSON); answers JSON when the
 * server does, else text; non-2xx throws ApiError. Returns {data, response}.
 */
export async function call(path, opts = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await callOnce(path, opts);
    } catch (e) {
      // 503 `busy`: every query slot was taken and nothing ran, so asking again is safe for any
      // method; wait as the server's Retry-After says (shorter at first), a few times
      if (!(e instanceof ApiError) || e.code !== "busy" || attempt >= BUSY_ATTEMPTS) throw e;
      const after = Number(e.response?.headers.get("Retry-After")) || 1;
      await new Promise((done) => setTimeout(done, Math.min(after * 1000, 150 * attempt) + Math.random() * 100));
    }
  }
}

/** How often a request refused as `busy` is made in all before the error is shown. */
const BUSY_ATTEMPTS = 8;

async function callOnce(path, opts) {
  const headers = new Headers(opts.headers || {});
  const t = token();
  if (t) headers.set("Authorization", `Bearer ${t}`);
  let body = opts.body;
  if (body !== undefined && typeof body === "object" && !(body instanceof Blob) && !(body instanceof FormData)) {
    body = JSON.stringify(body);
    if (!headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  }
  const response = await fetch(path, { method: opts.method || "GET", headers, body, cache: "no-store" });
  const type = response.headers.get("Content-Type") || "";
  let data = null;
  if (response.status !== 204 && response.status !== 304) {
    data = type.includes("json") ? await response.json().catch(() => null) : await response.text();
  }
  if (!response.ok) throw new ApiError(response.status, typeof data === "object" ? data : { message: data }, response);
  return { data, response };
}

/** GET returning only the data. */
export async function get(path, headers) {
  return (await call(path, { headers })).data;
}

/** A SPARQL SELECT/ASK through GET /sparql: the results JSON. */
export async function sparql(query) {
  await querySlot();
  try {
    return await get(`/sparql?query=${encodeURIComponent(query)}`, { Accept: "application/sparql-results+json" });
  } finally {
    releaseQuerySlot();
  }
}

// A page asks many small queries at once (labels, counts); at most this many are in flight from
// one tab, so one page does not take every query slot of a small server (it has 2 × cores).
const QUERIES_IN_FLIGHT = 3;
let queriesRunning = 0;
const queriesWaiting = [];

function querySlot() {
  if (queriesRunning < QUERIES_IN_FLIGHT) {
    queriesRunning++;
    return Promise.resolve();
  }
  return new Promise((start) => queriesWaiting.push(start));
}

function releaseQuerySlot() {
  const next = queriesWaiting.shift();
  if (next) next();
  else queriesRunning--;
}

/** Rows of a SELECT as plain objects of values (`row.x` = the binding's value). */
export async function select(query) {
  const r = await sparql(query);
  return (r.results?.bindings || []).map((b) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v.value])));
}

/** Who the token belongs to: {name, role, anonymous}; null when the server refuses (401). */
export async function whoami() {
  try {
    return await get("/whoami");
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}
