//! The workbench in a real browser (headless Chromium through WebDriver): the issue's scenarios,
//! from a curator's form with a SHACL error to a reviewer's approval changing the evaluation page.
//! Each test skips (with a message) on a machine without Chromium, and fails there when
//! `WARRANT_BROWSER_TESTS=1` (set by `.ci/run`). A failing scenario saves a screenshot under
//! `$CARGO_TARGET_TMPDIR/browser-failures/`; `WARRANT_SCREENSHOTS=docs/screenshots` also saves the
//! README tour's pictures.

mod http;
mod webdriver;

use crate::support::{TOKEN, TestServer, add_user, client};
use serde_json::Value;
use webdriver::Browser;

/// A server with a curator (alice), a reviewer (bob) and a reader (rita); their tokens.
struct Team {
    server: TestServer,
    curator: String,
    reviewer: String,
    reader: String,
    _dir: tempfile::TempDir,
}

fn team() -> Team {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.toml");
    let curator = add_user(&users, "alice", "curator");
    let reviewer = add_user(&users, "bob", "reviewer");
    let reader = add_user(&users, "rita", "reader");
    let server = TestServer::start(&[
        "--memory",
        "--admin-token",
        TOKEN,
        "--users",
        users.to_str().unwrap(),
    ]);
    Team {
        server,
        curator,
        reviewer,
        reader,
        _dir: dir,
    }
}

/// Signs in through the page's account box and waits until the page greets `name`.
fn sign_in(b: &Browser, server: &TestServer, token: &str, name: &str) {
    b.goto(&server.url("/ui/"));
    b.find("#sign-out, #token-input");
    if !b.all("#sign-out").is_empty() {
        b.click(&b.find("#sign-out"));
    }
    let input = b.find("#token-input");
    b.type_into(&input, token);
    b.click(&b.find("#sign-in"));
    b.wait_text("#who", name);
}

/// A statement about an existing concept, resting on an existing passage, citing a source.
fn statement_turtle(text: &str) -> String {
    format!(
        "<> a <https://w3id.org/warrant/ns#Statement> ; <https://w3id.org/warrant/ns#text> {} ;
           <https://w3id.org/warrant/ns#restsOn> <{}> ; <http://purl.org/spar/cito/citesAsEvidence> <{}> ;
           <https://w3id.org/warrant/ns#about> <{}> ;
           <https://w3id.org/warrant/ns#certainty> <https://w3id.org/warrant/ns#LowCertainty> ;
           <https://w3id.org/warrant/ns#evidenceType> <http://purl.obolibrary.org/obo/ECO_0000304> ;
           <https://w3id.org/warrant/ns#stance> <https://w3id.org/warrant/ns#Supports> .",
        serde_json::to_string(text).unwrap(),
        first_iri("passages"),
        first_iri("sources"),
        first_iri("concepts"),
    )
}

thread_local! {
    static BASE: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// The IRI of the first resource of a kind on the current test's server.
fn first_iri(kind: &str) -> String {
    let base = BASE.with(|b| b.borrow().clone());
    let list: Value = client()
        .get(format!("{base}/curation/{kind}"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    list[0]["iri"].as_str().expect("a resource").to_owned()
}

/// `POST /curation/statements` with `Slug: id` as `token`; the new ETag.
fn create_statement(server: &TestServer, token: &str, id: &str, text: &str) -> String {
    BASE.with(|b| *b.borrow_mut() = server.base.clone());
    let response = client()
        .post(server.url("/curation/statements"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "text/turtle")
        .header("slug", id)
        .body(statement_turtle(text))
        .send()
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().unwrap());
    response.headers()["etag"].to_str().unwrap().to_owned()
}

/// The seed patient evaluated through the API with the approved-only gate.
fn evaluate_seed(server: &TestServer) -> Value {
    let case = std::fs::read(
        crate::support::repo_root().join("ui/assets/examples/seed-patient.fhir.json"),
    )
    .unwrap();
    client()
        .post(server.url("/evaluate?asOf=2025-12-17"))
        .header("content-type", "application/fhir+json")
        .body(case)
        .send()
        .unwrap()
        .json()
        .unwrap()
}

/// Opens every disclosure above `target` by clicking their summaries, outermost first.
fn expand_to(b: &Browser, target: &webdriver::El) {
    let summaries = b.script_elements(
        "const out = []; let d = arguments[0].parentElement;
         while (d) { if (d.tagName === 'DETAILS' && !d.open) out.unshift(d.querySelector(':scope > summary')); d = d.parentElement; }
         return out;",
        vec![target.json()],
    );
    for s in summaries {
        b.click(&s);
    }
}

#[test]
fn curator_form_shacl_error_reviewer_approval_changes_the_evaluation() {
    let Some(b) = Browser::start() else { return };
    let t = team();
    let s = &t.server;
    // a criterion the facts decide but whose support is not approved: a new, approved statement
    // supporting it must make it count (found from the data, not known in advance)
    let before = evaluate_seed(s);
    let criterion = before["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["supported"] == false && c["computedStatus"] != "unknown")
        .expect("a criterion without counting support")
        .clone();
    let crit_iri = criterion["iri"].as_str().unwrap().to_owned();
    let decided = criterion["computedStatus"].as_str().unwrap().to_owned();
    assert_eq!(criterion["status"], "unknown");

    b.run("curator_creates_statement", |b| {
        sign_in(b, s, &t.curator, "alice");
        b.goto(&s.url("/ui/curate/statements/new"));
        b.type_into(&b.find("#field-id"), "st-browser");
        b.type_into(&b.find("#field-label"), "Browser statement");
        b.type_into(
            &b.find("#field-text"),
            "A claim entered through the workbench form.",
        );
        for select in ["#field-about", "#field-cites"] {
            b.click(&b.find(&format!("{select} option")));
        }
        for (select, value) in [
            ("#field-certainty", "LowCertainty"),
            ("#field-evidenceType", "ECO_0000304"),
            ("#field-stance", "Supports"),
        ] {
            b.click(&b.find(&format!("{select} option[value$=\"{value}\"]")));
        }
        // no passage chosen: the shapes refuse it, and say so next to that field
        b.click(&b.find("#save"));
        let error = b.wait_text("#box-restsOn .field-error", "passage");
        assert!(error.contains("rest on"), "{error}");
        b.tour_shot("curate-shacl-error");
        // fixed: a passage chosen, saved, and the page of the new statement shows it submitted
        b.click(&b.find("#field-restsOn option"));
        b.click(&b.find("#save"));
        b.wait_text("#resource-title", "Browser statement");
        b.wait_text(".meta", "submitted");
    });

    // the criterion now cites the new statement (an admin's update: criteria are policy data)
    let update = client()
        .post(s.url("/update"))
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/sparql-update")
        .body(format!(
            "INSERT DATA {{ <{crit_iri}> <https://w3id.org/warrant/ns#supportedBy> <https://w3id.org/warrant/id/st-browser> }}"
        ))
        .send()
        .unwrap();
    assert!(update.status().is_success(), "{}", update.text().unwrap());

    let crit_css = format!("li.crit[data-iri=\"{crit_iri}\"]");
    let evaluate = |b: &Browser| {
        b.goto(&s.url("/ui/evaluate"));
        let example = b.find("#example option[value=\"seed-patient.fhir.json\"]");
        b.click(&example);
        b.wait("the example case", || {
            let v = b.property(&b.find("#case"), "value");
            (v.as_str().unwrap_or_default().len() > 100).then_some(())
        });
        b.click(&b.find("#evaluate-go"));
        b.find("#determination");
        b.property(&b.find(&crit_css), "className")
            .as_str()
            .unwrap()
            .to_owned()
    };
    b.run("evaluation_before_review", |b| {
        let class = evaluate(b);
        assert!(class.contains("s-unknown"), "{class}");
    });

    b.run("reviewer_approves_from_queue", |b| {
        sign_in(b, s, &t.reviewer, "bob");
        b.goto(&s.url("/ui/review"));
        b.wait_text(
            "#q-st-browser",
            "A claim entered through the workbench form.",
        );
        // its diff, authors and decision form once the item has loaded
        let comment = b.find("#comment-st-browser");
        b.wait_text(
            "#q-st-browser .diff",
            "A claim entered through the workbench form.",
        );
        b.script(
            "document.querySelector('#q-st-browser').scrollIntoView()",
            vec![],
        );
        b.tour_shot("review-queue");
        b.type_into(&comment, "checked against the passage");
        b.click(&b.find("button.approve[data-id=\"st-browser\"]"));
        b.wait_text("#flash", "approved");
    });

    b.run("evaluation_after_review", |b| {
        let class = evaluate(b);
        assert!(class.contains(&format!("s-{decided}")), "{class}");
        b.script(
            "document.querySelector('#determination').scrollIntoView()",
            vec![],
        );
        b.tour_shot("evaluate");
    });

    b.run("why_chain_expands_to_a_passage", |b| {
        let quote = b.find("#why-tree li.why-passage blockquote.quote");
        assert!(b.text(&quote).is_empty(), "the passage starts folded");
        expand_to(b, &quote);
        let text = b.wait("the quoted passage", || {
            Some(b.text(&quote)).filter(|t| !t.is_empty())
        });
        assert!(text.len() > 20, "{text}");
        b.script(
            "arguments[0].scrollIntoView({block: 'center'})",
            vec![quote.json()],
        );
        b.tour_shot("why-chain");
    });

    b.run("graph_picture_is_shown_as_an_image", |b| {
        b.click(&b.find("#show-graph"));
        let image = b.find("#graph-image");
        // a drawn, decoded picture: the browser rendered the server's SVG, nothing fetched elsewhere
        let width = b.wait("the graph picture decoded", || {
            let done = b.property(&image, "complete").as_bool() == Some(true);
            let width = b.property(&image, "naturalWidth").as_u64().unwrap_or(0);
            (done && width > 0).then_some(width)
        });
        assert!(
            width > 200,
            "a graph of the whole why-chain, {width} px wide"
        );
        let shown = |b: &Browser| {
            b.script(
                "return arguments[0].getBoundingClientRect().width",
                vec![image.json()],
            )
            .as_f64()
            .unwrap_or(0.0)
        };
        let fitted = shown(b);
        assert!(
            fitted > 100.0 && fitted < width as f64,
            "fitted to the page first: {fitted} of {width} px"
        );
        b.click(&b.find("#graph-zoom"));
        assert!(
            (shown(b) - width as f64).abs() < 2.0,
            "actual size on request"
        );
        b.click(&b.find("#graph-zoom"));
        let source = b.property(&image, "src");
        assert!(
            source.as_str().unwrap_or_default().starts_with("blob:"),
            "{source}"
        );
        b.script(
            "arguments[0].scrollIntoView({block: 'start'})",
            vec![image.json()],
        );
        b.tour_shot("graph-picture");
    });
}

#[test]
fn a_stale_edit_is_refused_with_the_diff() {
    let Some(b) = Browser::start() else { return };
    let t = team();
    let s = &t.server;
    let etag = create_statement(s, &t.curator, "st-stale", "The first wording.");
    b.run("stale_edit", |b| {
        sign_in(b, s, &t.curator, "alice");
        b.goto(&s.url("/ui/curate/statements/st-stale"));
        let text = b.find("#field-text");
        assert_eq!(b.property(&text, "value"), "The first wording.");
        // meanwhile someone else saves
        let patch = client()
            .patch(s.url("/curation/statements/st-stale"))
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("if-match", &etag)
            .header("content-type", "text/turtle")
            .body("<> <https://w3id.org/warrant/ns#text> \"The wording of someone else.\" .")
            .send()
            .unwrap();
        assert_eq!(patch.status(), 200);
        b.type_into(&text, "My own wording.");
        b.click(&b.find("#save"));
        let stale = b.wait_text("#stale", "changed since you opened it");
        assert!(stale.contains("The wording of someone else."), "{stale}");
        assert!(stale.contains("The first wording."), "{stale}");
        assert!(stale.contains("admin"), "who changed it: {stale}");
        b.find("#overwrite");
        // nothing was overwritten
        let now = client()
            .get(s.url("/curation/statements/st-stale"))
            .send()
            .unwrap()
            .text()
            .unwrap();
        assert!(
            now.contains("someone else") && !now.contains("My own wording"),
            "{now}"
        );
    });
    b.run("revert_conflict", |b| {
        // undoing the creation conflicts with the later edit: refused, the later change linked
        b.goto(&s.url("/ui/statements/st-stale"));
        b.find("#history .change");
        let reverts = b.wait("revert buttons", || {
            let all = b.all("button.revert");
            (all.len() >= 2).then_some(all)
        });
        b.click(reverts.last().unwrap());
        b.wait_text(".revert-result:not(:empty)", "Cannot revert");
        let later = b.find(".revert-result:not(:empty) .later a");
        assert!(b.text(&later).len() > 4);
    });
}

#[test]
fn a_reader_sees_no_write_buttons_and_script_text_is_inert() {
    let Some(b) = Browser::start() else { return };
    let t = team();
    let s = &t.server;
    let payload =
        "Zanzibar <script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\">";
    create_statement(s, &t.curator, "st-script", payload);
    b.run("reader_and_inert_script", |b| {
        sign_in(b, s, &t.reader, "rita");
        b.goto(&s.url("/ui/statements/st-script"));
        let text = b.find("#resource-text");
        assert_eq!(b.text(&text), payload);
        assert!(
            b.all("#resource-text script, #resource-text img, img[src=\"x\"]")
                .is_empty()
        );
        assert_eq!(
            b.script("return window.__pwned === undefined", vec![]),
            Value::Bool(true)
        );
        // the page's own history loaded, and a reader gets no edit, review or revert buttons
        b.find("#history .change");
        assert!(b.all("#edit, #review-link, button.revert").is_empty());
        assert_eq!(
            b.script(
                "return document.querySelector('a[href=\"/ui/curate\"]').closest('li').hidden",
                vec![]
            ),
            Value::Bool(true)
        );
        b.goto(&s.url("/ui/review"));
        b.wait_text("#queue-count", "waiting for review");
        b.find("#queue .review-item");
        assert!(b.all("button.approve, button.reject").is_empty());
        // search snippets are inert too
        b.goto(&s.url("/ui/search?q=zanzibar"));
        b.wait_text("#results", "<script>");
        assert_eq!(
            b.script("return window.__pwned === undefined", vec![]),
            Value::Bool(true)
        );
        // a tablet's width: nothing wider than the window
        b.resize(820, 1180);
        b.goto(&s.url("/ui/statements/st-script"));
        b.find("#history .change");
        let fits = b.script(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1",
            vec![],
        );
        assert_eq!(
            fits,
            Value::Bool(true),
            "the resource page overflows a tablet's width"
        );
    });
}

#[test]
fn the_sparql_editor_runs_a_query_and_downloads_csv() {
    let Some(b) = Browser::start() else { return };
    let t = team();
    let s = &t.server;
    b.run("sparql_editor", |b| {
        b.goto(&s.url("/ui/query"));
        let editor = b.find("#sparql");
        b.type_into(
            &editor,
            "PREFIX wr: <https://w3id.org/warrant/ns#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n\
             SELECT ?s ?label WHERE { ?s a wr:Statement ; rdfs:label ?label } ORDER BY ?s LIMIT 3",
        );
        // highlighted behind the text
        assert!(!b.all(".editor-back .tk-keyword").is_empty());
        b.click(&b.find("#run-query"));
        b.wait_text("#result-count", "3 rows");
        let link = b.find("#results-table tbody a");
        assert!(b.text(&link).len() > 2);
        b.tour_shot("query");
        b.click(&b.find("#download-csv"));
        b.find("#csv-link");
        let csv = b.downloaded("results.csv");
        assert!(csv.starts_with("s,label"), "{csv}");
        assert_eq!(csv.trim_end().lines().count(), 4, "{csv}");
        // the named queries are listed with their parameter fields
        b.find("#named .named li");
        assert!(!b.all("#named input[id^=\"param-\"]").is_empty());
    });
    b.run("search_tour", |b| {
        b.goto(&s.url("/ui/search?q=immunoglobulin"));
        b.wait_text("#result-count", "result");
        assert!(!b.all("#results mark").is_empty());
        b.tour_shot("search");
        b.click(&b.find("#results .hit-statement .hit-link, #results .hit-link"));
        b.find("#resource-title");
        b.find("#history");
        b.tour_shot("resource");
    });
}

/// Every visible piece of text on a page whose colour against its background is below WCAG 2.1
/// AA (4.5:1, or 3:1 for large text: 24 px, or 18.66 px bold): `selector: ratio (colour on
/// background)`. The background is the first opaque one among the element and its ancestors,
/// translucent layers composited on the way (white at the root, as the page's own is).
const CONTRAST_PROBE: &str = r##"
const parse = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return [255, 255, 255, 1];
  const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
const over = (top, bottom) => { const a = top[3]; return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]); };
const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
const background = (el) => { const layers = [];
  for (let e = el; e; e = e.parentElement) { const b = parse(getComputedStyle(e).backgroundColor);
    if (b[3] > 0) { layers.push(b); if (b[3] >= 1) break; } }
  let c = [255, 255, 255, 1]; for (let i = layers.length - 1; i >= 0; i--) c = over(layers[i], c); return c; };
const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\s+/).join(".") : "");
const bad = [];
for (const el of document.querySelectorAll("body *")) {
  const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  if (!own) continue;
  const s = getComputedStyle(el); const r = el.getBoundingClientRect();
  if (s.visibility === "hidden" || s.display === "none" || r.width === 0 || r.height === 0 || Number(s.opacity) === 0) continue;
  const bg = background(el); const fg = over(parse(s.color), bg);
  const l1 = lum(fg), l2 = lum(bg); const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
  const size = parseFloat(s.fontSize); const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
  if (ratio < (large ? 3 : 4.5)) bad.push(name(el) + ": " + ratio.toFixed(2) + " (" + s.color + " on rgb(" + bg.slice(0, 3).map(Math.round).join(",") + "))");
}
return [...new Set(bad)];
"##;

fn low_contrast(b: &Browser) -> Vec<String> {
    b.script(CONTRAST_PROBE, vec![])
        .as_array()
        .expect("a list")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn every_text_meets_wcag_aa_contrast() {
    let Some(b) = Browser::start() else { return };
    let t = team();
    let s = &t.server;
    let mut failures = Vec::new();
    let mut check = |b: &Browser, page: &str| {
        for f in low_contrast(b) {
            failures.push(format!("{page}: {f}"));
        }
    };
    b.run("contrast", |b| {
        sign_in(b, s, &t.reviewer, "bob");
        b.goto(&s.url("/ui/search?q=immunoglobulin"));
        b.wait_text("#result-count", "result");
        check(b, "search");
        b.click(&b.find("#results .hit-link"));
        b.find("#history .change");
        check(b, "resource");
        b.goto(&s.url("/ui/evaluate"));
        b.click(&b.find("#example option[value=\"seed-patient.fhir.json\"]"));
        b.wait("the example case", || {
            let v = b.property(&b.find("#case"), "value");
            (v.as_str().unwrap_or_default().len() > 100).then_some(())
        });
        b.click(&b.find("#evaluate-go"));
        b.find("#determination");
        // every criterion opened, so nested text is measured too
        b.script(
            "document.querySelectorAll('details').forEach((d) => d.open = true)",
            vec![],
        );
        check(b, "evaluate");
        b.goto(&s.url("/ui/review"));
        b.wait_text("#queue-count", "waiting for review");
        check(b, "review");
        b.goto(&s.url("/ui/query"));
        b.find("#sparql");
        check(b, "query");
        b.goto(&s.url("/ui/curate/statements/new"));
        b.find("#save");
        check(b, "curate");
    });
    assert!(
        failures.is_empty(),
        "text below WCAG AA contrast:\n{}",
        failures.join("\n")
    );
}

#[test]
fn a_curator_builds_a_policy_criteria_tree_in_the_form() {
    let Some(b) = Browser::start() else { return };
    let t = team();
    let s = &t.server;
    let option = |select: &str, value_end: &str| format!("{select} option[value$=\"{value_end}\"]");
    b.run("policy_criteria_tree", |b| {
        sign_in(b, s, &t.curator, "alice");
        b.goto(&s.url("/ui/curate/policies/new"));
        b.type_into(&b.find("#field-id"), "policy-browser");
        b.type_into(&b.find("#field-label"), "Browser policy");
        b.click(&b.find(&option("#field-appliesTo", "/concept/ivig")));
        // the initiation root: all of two leaves
        b.click(&b.find(&option("#c-crit-1-kind", "#AllOfCriterion")));
        b.type_into(&b.find("#c-crit-1-label"), "Both hold");
        b.click(&b.find("#c-crit-1-supportedBy option"));
        b.click(&b.find("#c-crit-1-add"));
        b.click(&b.find("#c-crit-1-add"));
        b.click(&b.find(&option("#c-crit-2-kind", "#ConditionPresent")));
        b.type_into(&b.find("#c-crit-2-label"), "Systemic JIA");
        b.click(&b.find(&option("#c-crit-2-concept", "/concept/systemic-jia")));
        b.click(&b.find("#c-crit-2-supportedBy option"));
        b.click(&b.find(&option("#c-crit-3-kind", "#LabThreshold")));
        b.type_into(&b.find("#c-crit-3-label"), "Serum IgG below 400 mg/dL");
        b.click(&b.find(&option("#c-crit-3-concept", "/concept/serum-igg")));
        b.click(&b.find(&option("#c-crit-3-comparator", "<")));
        b.type_into(&b.find("#c-crit-3-threshold"), "400");
        b.type_into(&b.find("#c-crit-3-unit"), "mg/dL");
        // the lab leaf has no supporting statement: refused, and said next to that leaf's field
        b.click(&b.find("#save"));
        let error = b.wait_text(
            ".crit-supportedBy[data-focus=\"crit-3\"] .field-error",
            "supported by at least one statement",
        );
        assert!(!error.is_empty());
        assert!(
            b.text(&b.find(".crit-supportedBy[data-focus=\"crit-2\"] .field-error"))
                .is_empty(),
            "the error is shown only at the criterion it concerns"
        );
        b.click(&b.find("#c-crit-3-supportedBy option"));
        b.click(&b.find("#save"));
        b.wait_text("#resource-title", "Browser policy");
        // edited again: the stored tree comes back into the form; a changed threshold is saved
        b.goto(&s.url("/ui/curate/policies/policy-browser"));
        let threshold = b.find("#c-crit-3-threshold");
        assert_eq!(b.property(&threshold, "value"), "400");
        b.type_into(&threshold, "300");
        b.click(&b.find("#save"));
        b.wait_text("#resource-title", "Browser policy");
    });
    // stored as parts of the policy, and the policy evaluates
    let turtle = client()
        .get(s.url("/curation/policies/policy-browser"))
        .header("accept", "application/n-triples")
        .send()
        .unwrap()
        .text()
        .unwrap();
    let policy = "https://w3id.org/warrant/id/policy-browser";
    for needle in [
        format!("<{policy}> <https://w3id.org/warrant/ns#initiationCriteria> <{policy}#crit-1>"),
        format!("<{policy}#crit-1> <https://w3id.org/warrant/ns#allOf> <{policy}#crit-3>"),
        format!(
            "<{policy}#crit-3> <https://w3id.org/warrant/ns#threshold> \"300\"^^<http://www.w3.org/2001/XMLSchema#decimal>"
        ),
        format!(
            "<{policy}#crit-2> <https://w3id.org/warrant/ns#concept> <https://w3id.org/warrant/concept/systemic-jia>"
        ),
    ] {
        assert!(turtle.contains(&needle), "{needle} missing from\n{turtle}");
    }
    let answer: Value = client()
        .post(s.url("/evaluate"))
        .query(&[
            ("asOf", "2025-12-17"),
            ("policy", policy),
            ("includePending", "true"),
        ])
        .header("content-type", "application/fhir+json")
        .body(
            std::fs::read(crate::support::repo_root().join("examples/seed-patient.fhir.json"))
                .unwrap(),
        )
        .send()
        .unwrap()
        .json()
        .unwrap();
    let labels: Vec<&str> = answer["criteria"]
        .as_array()
        .expect("criteria")
        .iter()
        .filter_map(|c| c["label"].as_str())
        .collect();
    assert!(
        labels.contains(&"Serum IgG below 400 mg/dL") && labels.contains(&"Systemic JIA"),
        "{labels:?}"
    );
}

/// The description of the shipped policy as N-Triples lines, without the fields the server sets on
/// every edit (review status and reviewer, attribution, creation time).
fn shipped_policy_content(s: &TestServer) -> std::collections::BTreeSet<String> {
    let text = client()
        .get(s.url("/curation/policies/policy-ivig-after-allo-hsct"))
        .header("accept", "application/n-triples")
        .send()
        .unwrap()
        .text()
        .unwrap();
    let server_fields = [
        "#reviewStatus>",
        "#reviewedBy>",
        "#reviewedAt>",
        "#reviewComment>",
        "prov#wasAttributedTo>",
        "prov#generatedAtTime>",
    ];
    text.lines()
        .filter(|l| !l.trim().is_empty() && !server_fields.iter().any(|f| l.contains(f)))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_shipped_policys_shared_criteria_are_edited_once_in_the_form() {
    let Some(b) = Browser::start() else { return };
    let t = team();
    let s = &t.server;
    let policy = "https://w3id.org/warrant/id/policy-ivig-after-allo-hsct";
    let before = shipped_policy_content(s);
    assert!(
        before.len() > 150 && before.iter().any(|l| l.contains("#crit-igg-below-400>")),
        "{before:?}"
    );
    let shared = "crit-ongoing-immunosuppression";
    b.run("shipped_policy_criteria", |b| {
        sign_in(b, s, &t.curator, "alice");
        b.goto(&s.url("/ui/curate/policies/policy-ivig-after-allo-hsct"));
        // a criterion used by three composites is edited once; its other uses refer to it
        b.find(&format!("#crit-box-{shared}"));
        assert_eq!(b.all(&format!("#crit-box-{shared}")).len(), 1);
        assert_eq!(b.all(&format!("[data-ref=\"{shared}\"]")).len(), 2);
        assert!(
            b.all("#criteria .hint")
                .iter()
                .all(|h| !b.text(h).contains("Turtle mode"))
        );
        b.script(
            "document.querySelector('[data-ref=\"crit-ongoing-immunosuppression\"]').scrollIntoView({ block: 'center' })",
            vec![],
        );
        b.tour_shot("policy-criteria");
        // saved untouched, the policy says exactly what it said (nothing the form has no field for
        // is lost: comments, certainty, lookbacks, the off-therapy rule, display order)
        b.type_into(&b.find("#field-message"), "no change");
        b.click(&b.find("#save"));
        b.wait_text("#resource-title", "Immunoglobulin replacement");
    });
    let after_noop = shipped_policy_content(s);
    assert_eq!(
        before.symmetric_difference(&after_noop).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "a save without changes changed the policy"
    );
    b.run("shipped_policy_criteria_edit", |b| {
        b.goto(&s.url("/ui/curate/policies/policy-ivig-after-allo-hsct"));
        let label = b.find(&format!("#c-{shared}-label"));
        b.type_into(&label, "Ongoing immunosuppression (any agent)");
        b.wait_text(
            &format!("[data-ref=\"{shared}\"] .ref-link"),
            "Ongoing immunosuppression (any agent)",
        );
        b.type_into(&b.find("#c-crit-igg-below-400-threshold"), "300");
        b.click(&b.find("#save"));
        b.wait_text("#resource-title", "Immunoglobulin replacement");
    });
    let after = shipped_policy_content(s);
    let part = |id: &str| format!("<{policy}#{id}>");
    let wr = |p: &str| format!("<https://w3id.org/warrant/ns#{p}>");
    let added: Vec<&String> = after.difference(&after_noop).collect();
    let removed: Vec<&String> = after_noop.difference(&after).collect();
    assert_eq!(
        added,
        vec![
            &format!(
                "{} {} \"300\"^^<http://www.w3.org/2001/XMLSchema#decimal> .",
                part("crit-igg-below-400"),
                wr("threshold")
            ),
            &format!(
                "{} <http://www.w3.org/2000/01/rdf-schema#label> \"Ongoing immunosuppression (any agent)\" .",
                part(shared)
            ),
        ],
        "only the two edited values changed (removed: {removed:?})"
    );
    assert_eq!(removed.len(), 2, "{removed:?}");
    // the uses of the shared criterion are links to the one criterion
    for user in [
        "crit-within-immune-reconstitution",
        "crit-t-cell-depletion-with-ongoing-immunosuppression",
    ] {
        let link = format!("{} {} {} .", part(user), wr("anyOf"), part(shared));
        let link_all = format!("{} {} {} .", part(user), wr("allOf"), part(shared));
        assert!(after.contains(&link) || after.contains(&link_all), "{user}");
    }
    // the criterion removed where it is edited moves to its next use; reused, it is linked again
    b.run("shipped_policy_criteria_move_and_reuse", |b| {
        b.goto(&s.url("/ui/curate/policies/policy-ivig-after-allo-hsct"));
        b.click(&b.find(&format!("li:has(> #crit-box-{shared}) > .remove-operand")));
        assert_eq!(b.all(&format!("#crit-box-{shared}")).len(), 1);
        assert_eq!(b.all(&format!("[data-ref=\"{shared}\"]")).len(), 1);
        let reuse = b.find("#c-crit-within-immune-reconstitution-reuse");
        b.click(&reuse);
        b.click(&b.find(&format!(
            "#c-crit-within-immune-reconstitution-reuse option[value=\"{shared}\"]"
        )));
        assert_eq!(b.all(&format!("[data-ref=\"{shared}\"]")).len(), 2);
        b.click(&b.find("#save"));
        b.wait_text("#resource-title", "Immunoglobulin replacement");
    });
    let moved = shipped_policy_content(s);
    let defined = |lines: &std::collections::BTreeSet<String>| {
        lines
            .iter()
            .filter(|l| l.starts_with(&format!("{} ", part(shared))))
            .filter(|l| !l.contains("#displayOrder>"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        defined(&moved),
        defined(&after),
        "the criterion is kept whole"
    );
    assert!(moved.contains(&format!(
        "{} {} {} .",
        part("crit-within-immune-reconstitution"),
        wr("anyOf"),
        part(shared)
    )));
    // only parts changed in the second and third edits (alice had already been attributed and the
    // policy was already submitted): the policy's history still shows them
    let history: Value = client()
        .get(s.url("/history"))
        .query(&[("iri", policy)])
        .send()
        .unwrap()
        .json()
        .unwrap();
    let changes = history.as_array().expect("history");
    assert!(changes.len() >= 3, "{history}");
    let added = |c: &Value, needle: &str| {
        c["added"].as_array().is_some_and(|a| {
            a.iter()
                .any(|q| q["object"].as_str().is_some_and(|o| o.contains(needle)))
        })
    };
    assert!(added(&changes[1], "\"300\""), "{}", changes[1]);
    assert!(
        changes[0]["added"]
            .as_array()
            .is_some_and(|a| a.iter().all(|q| q["predicate"]
                .as_str()
                .is_some_and(|p| p.ends_with("#displayOrder>")))),
        "the move renumbered the operands only: {}",
        changes[0]
    );
}
