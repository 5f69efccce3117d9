//! Query and update evaluation tests and syntax tests, run over HTTP.
//!
//! The server parses requests without the test file's base IRI, so the text is sent with a
//! `BASE <file IRI>` line in front: relative IRIs resolve as the tests mean them. Graphs a query
//! names in FROM / FROM NAMED that are test files are loaded as named graphs first.

use super::compare::{
    Results, compare, parse_csv, parse_rdf, parse_results, rdf_format_of, result_set,
};
use super::manifest::{Entry, MF, QT, UT, iri, local_path, rdfs, text};
use super::server::{Ctx, expect_success, file_dataset, first_line};
use oxigraph::io::RdfFormat;
use oxigraph::model::{Dataset, GraphName, Term};
use oxigraph::sparql::results::QueryResultsFormat;
use spargebra::algebra::GraphPattern;
use spargebra::{Query, SparqlParser};
use std::collections::HashSet;

/// The text of a test file with a `BASE` line in front.
fn with_base(ctx: &Ctx, file_iri: &str) -> Result<String, String> {
    let path = local_path(&ctx.dir, file_iri).ok_or_else(|| format!("no file {file_iri}"))?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(format!(
        "BASE <{file_iri}>\n{}",
        text.trim_start_matches('\u{feff}')
    ))
}

/// `mf:QueryEvaluationTest` and `mf:CSVResultFormatTest`.
pub fn query_evaluation(ctx: &mut Ctx, e: &Entry) -> Result<(), String> {
    let action = e.get(&format!("{MF}action")).ok_or("no mf:action")?;
    let query_iri = e
        .get_of(&action, &format!("{QT}query"))
        .and_then(|t| iri(&t).map(str::to_owned))
        .ok_or("no qt:query")?;
    ctx.reset()?;
    let mut loaded = HashSet::new();
    for data in e.all_of(&action, &format!("{QT}data")) {
        ctx.load(iri(&data).ok_or("qt:data is not an IRI")?, None)?;
    }
    for data in e.all_of(&action, &format!("{QT}graphData")) {
        let g = iri(&data).ok_or("qt:graphData is not an IRI")?;
        ctx.load(g, Some(g))?;
        loaded.insert(g.to_owned());
    }
    let text = with_base(ctx, &query_iri)?;
    let parsed = SparqlParser::new().parse_query(&text).ok();
    if let Some(dataset) = parsed.as_ref().and_then(Query::dataset) {
        let named = dataset.named.iter().flatten();
        for g in dataset.default.iter().chain(named) {
            if local_path(&ctx.dir, g.as_str()).is_some() && loaded.insert(g.as_str().to_owned()) {
                ctx.load(g.as_str(), Some(g.as_str()))?;
            }
        }
    }
    let result_iri = e
        .get(&format!("{MF}result"))
        .and_then(|t| iri(&t).map(str::to_owned))
        .ok_or("no mf:result")?;
    let graph_query = matches!(
        parsed,
        Some(Query::Construct { .. } | Query::Describe { .. })
    );
    let extension = result_iri.rsplit('.').next().unwrap_or_default();
    let (accept, format) = match extension {
        _ if graph_query => ("text/turtle", None),
        "srx" => (
            "application/sparql-results+xml",
            Some(QueryResultsFormat::Xml),
        ),
        "tsv" => ("text/tab-separated-values", Some(QueryResultsFormat::Tsv)),
        "csv" => ("text/csv", Some(QueryResultsFormat::Csv)),
        _ => (
            "application/sparql-results+json",
            Some(QueryResultsFormat::Json),
        ),
    };
    let expected = expected_results(ctx, &result_iri)?;
    let r = ctx
        .client
        .post(ctx.url("/sparql"))
        .header("content-type", "application/sparql-query")
        .header("accept", accept)
        .body(text)
        .send()
        .map_err(|e| format!("query request: {e}"))?;
    let status = r.status();
    let media = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_owned())
        .unwrap_or_default();
    let body = r.bytes().map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!(
            "HTTP {status}: {}",
            first_line(&String::from_utf8_lossy(&body))
        ));
    }
    if media != accept {
        return Err(format!("asked for {accept}, got Content-Type {media:?}"));
    }
    let actual = match format {
        None => Results::Graph(
            parse_rdf(
                &body,
                RdfFormat::Turtle,
                &ctx.url("/"),
                GraphName::DefaultGraph,
            )?
            .into_iter()
            .collect(),
        ),
        Some(QueryResultsFormat::Csv) => parse_csv(&String::from_utf8_lossy(&body))?,
        Some(f) => parse_results(&body, f)?,
    };
    compare(&expected, &actual, parsed.as_ref().is_some_and(ordered))
}

fn expected_results(ctx: &Ctx, result_iri: &str) -> Result<Results, String> {
    let path = local_path(&ctx.dir, result_iri).ok_or_else(|| format!("no file {result_iri}"))?;
    let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
    let extension = result_iri.rsplit('.').next().unwrap_or_default();
    match extension {
        "srx" => parse_results(&bytes, QueryResultsFormat::Xml),
        "srj" => parse_results(&bytes, QueryResultsFormat::Json),
        "tsv" => parse_results(&bytes, QueryResultsFormat::Tsv),
        "csv" => parse_csv(&String::from_utf8_lossy(&bytes)),
        _ => {
            let format = rdf_format_of(result_iri).ok_or("unknown result format")?;
            let quads = parse_rdf(&bytes, format, result_iri, GraphName::DefaultGraph)?;
            Ok(result_set(&quads).unwrap_or_else(|| Results::Graph(quads.into_iter().collect())))
        }
    }
}

/// Whether the solutions of a query come in a defined order (ORDER BY at the top).
fn ordered(query: &Query) -> bool {
    let Query::Select { pattern, .. } = query else {
        return false;
    };
    let mut p = pattern;
    loop {
        match p {
            GraphPattern::Slice { inner, .. }
            | GraphPattern::Distinct { inner }
            | GraphPattern::Reduced { inner }
            | GraphPattern::Project { inner, .. } => p = inner,
            GraphPattern::OrderBy { .. } => return true,
            _ => return false,
        }
    }
}

/// A store state as an update test describes it: the default graph's file, and (file, graph name)
/// of each named graph.
type State = (Option<String>, Vec<(String, String)>);

/// `ut:data` / `ut:graphData` of a state description (`mf:action` or `mf:result`).
fn state(e: &Entry, node: &Term) -> Result<State, String> {
    let default = e
        .get_of(node, &format!("{UT}data"))
        .and_then(|t| iri(&t).map(str::to_owned));
    let mut graphs = Vec::new();
    for g in e.all_of(node, &format!("{UT}graphData")) {
        let file = e
            .get_of(&g, &format!("{UT}graph"))
            .and_then(|t| iri(&t).map(str::to_owned))
            .ok_or("ut:graphData without ut:graph")?;
        let name = e
            .get_of(&g, &rdfs("label"))
            .and_then(|t| text(&t).map(str::to_owned))
            .unwrap_or_else(|| file.clone());
        graphs.push((file, name));
    }
    Ok((default, graphs))
}

/// `mf:UpdateEvaluationTest`: load the state, update, compare the whole dataset with the result.
pub fn update_evaluation(ctx: &mut Ctx, e: &Entry) -> Result<(), String> {
    let action = e.get(&format!("{MF}action")).ok_or("no mf:action")?;
    let request = e
        .get_of(&action, &format!("{UT}request"))
        .and_then(|t| iri(&t).map(str::to_owned))
        .ok_or("no ut:request")?;
    ctx.reset()?;
    let (default, graphs) = state(e, &action)?;
    if let Some(d) = &default {
        ctx.load(d, None)?;
    }
    for (file, name) in &graphs {
        ctx.load(file, Some(name))?;
    }
    let r = ctx.update(&with_base(ctx, &request)?, &[])?;
    expect_success(r, "update")?;
    let result = e.get(&format!("{MF}result")).ok_or("no mf:result")?;
    let (default, graphs) = state(e, &result)?;
    let mut expected = Dataset::new();
    if let Some(d) = &default {
        expected.extend(file_dataset(ctx, d, None)?.iter());
    }
    for (file, name) in &graphs {
        expected.extend(file_dataset(ctx, file, Some(name))?.iter());
    }
    super::compare::same_dataset(&expected, &ctx.dataset()?)
}

/// Positive and negative query / update syntax tests: a syntax error is a 400 `bad-query` /
/// `bad-update`; anything else (success, or e.g. a refused SERVICE) means the text was accepted.
pub fn syntax(ctx: &mut Ctx, e: &Entry, update: bool, positive: bool) -> Result<(), String> {
    let file = e
        .get(&format!("{MF}action"))
        .and_then(|t| iri(&t).map(str::to_owned))
        .ok_or("no mf:action file")?;
    ctx.reset()?;
    let text = with_base(ctx, &file)?;
    let r = if update {
        ctx.update(&text, &[])?
    } else {
        ctx.client
            .post(ctx.url("/sparql"))
            .header("content-type", "application/sparql-query")
            .body(text)
            .send()
            .map_err(|e| format!("query request: {e}"))?
    };
    let status = r.status();
    let body: serde_json::Value = r.json().unwrap_or_default();
    let code = if update { "bad-update" } else { "bad-query" };
    let rejected = status == 400 && body["error"] == code;
    if std::env::var_os("W3C_DEBUG").is_some() && !status.is_success() {
        println!("  syntax {}: HTTP {status} {body}", e.iri);
    }
    match (positive, rejected) {
        _ if status.is_server_error() => Err(format!("HTTP {status}: {body}")),
        (true, false) | (false, true) => Ok(()),
        (true, true) => Err(format!("rejected: {}", body["message"])),
        (false, false) => Err(format!("accepted (HTTP {status})")),
    }
}
