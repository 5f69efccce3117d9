//! The server the W3C cases run against — one `warrant serve --memory --strict-dataset`, emptied with
//! `DROP ALL` between cases and restarted if it ever stops answering — and the few requests every
//! kind of case makes: load a test file through the Graph Store Protocol, update, read the dataset.

use super::compare::{parse_rdf, rdf_format_of};
use super::manifest::local_path;
use crate::support::{TOKEN, TestServer, client};
use oxigraph::io::RdfFormat;
use oxigraph::model::{Dataset, GraphName, NamedNode};
use reqwest::blocking::{Client, Response};
use std::collections::HashMap;
use std::path::PathBuf;

/// Arguments of the server under test.
const ARGS: [&str; 5] = [
    "--memory",
    "--strict-dataset",
    "--no-default-data",
    "--admin-token",
    TOKEN,
];

/// A running server plus what the cases share.
pub struct Ctx {
    server: TestServer,
    /// HTTP client.
    pub client: Client,
    /// The `sparql/sparql11/` folder.
    pub dir: PathBuf,
    /// Template variables (`$LOCATION$`, `$NEWPATH$`) carried between requests of a sequence.
    pub vars: HashMap<String, String>,
}

impl Ctx {
    /// Starts the server.
    pub fn start(dir: PathBuf) -> Self {
        Self {
            server: TestServer::start(&ARGS),
            client: client(),
            dir,
            vars: HashMap::new(),
        }
    }

    /// Full URL of a path on the server.
    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    /// `host:port` of the server.
    pub fn authority(&self) -> &str {
        self.server
            .base
            .strip_prefix("http://")
            .unwrap_or(&self.server.base)
    }

    /// Restarts the server if it no longer answers (a crash must not fail every later case).
    pub fn ensure_alive(&mut self) -> bool {
        let alive = self
            .client
            .head(self.url("/sparql"))
            .send()
            .is_ok_and(|r| r.status().is_success());
        if !alive {
            self.server = TestServer::start(&ARGS);
        }
        alive
    }

    /// Empties the store: every graph dropped, template variables forgotten.
    pub fn reset(&mut self) -> Result<(), String> {
        self.vars.clear();
        let r = self.update("DROP ALL", &[])?;
        expect_success(r, "DROP ALL")
    }

    /// POSTs an update (`application/sparql-update`) with the admin token.
    pub fn update(&self, text: &str, params: &[(&str, &str)]) -> Result<Response, String> {
        self.client
            .post(self.url("/update"))
            .query(params)
            .bearer_auth(TOKEN)
            .header("content-type", "application/sparql-update")
            .body(text.to_owned())
            .send()
            .map_err(|e| format!("update request: {e}"))
    }

    /// Loads the test file `file_iri` into the default graph (`graph` None) or the named graph
    /// `graph` with a Graph Store Protocol PUT. Turtle is sent with an `@base` line (the file's IRI;
    /// the server would resolve against the target graph's IRI), RDF/XML into the default graph as
    /// N-Triples (no `@base` there), everything else as it is.
    pub fn load(&self, file_iri: &str, graph: Option<&str>) -> Result<(), String> {
        let path = local_path(&self.dir, file_iri).ok_or_else(|| format!("no file {file_iri}"))?;
        let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
        let format = rdf_format_of(file_iri).ok_or_else(|| format!("format of {file_iri}?"))?;
        let (body, media) = match format {
            RdfFormat::Turtle => {
                let mut body = format!("@base <{file_iri}> .\n").into_bytes();
                body.extend_from_slice(&bytes);
                (body, format.media_type())
            }
            RdfFormat::RdfXml if graph.is_none() => {
                let quads = parse_rdf(&bytes, format, file_iri, GraphName::DefaultGraph)?;
                let text: String = quads
                    .iter()
                    .map(|q| format!("{} {} {} .\n", q.subject, q.predicate, q.object))
                    .collect();
                (text.into_bytes(), RdfFormat::NTriples.media_type())
            }
            _ => (bytes, format.media_type()),
        };
        let request = self.client.put(self.url("/store"));
        let request = match graph {
            Some(g) => request.query(&[("graph", g)]),
            None => request.query(&[("default", "")]),
        };
        let r = request
            .bearer_auth(TOKEN)
            .header("content-type", media)
            .body(body)
            .send()
            .map_err(|e| format!("loading {file_iri}: {e}"))?;
        expect_success(r, &format!("loading {file_iri}"))
    }

    /// The whole dataset, read back with GET /store as N-Quads, without Warrant's record graphs (the
    /// file catalog, store state and change sets are bookkeeping, not test data).
    pub fn dataset(&self) -> Result<Dataset, String> {
        let r = self
            .client
            .get(self.url("/store"))
            .header("accept", "application/n-quads")
            .send()
            .map_err(|e| format!("reading the dataset: {e}"))?;
        if !r.status().is_success() {
            return Err(format!("GET /store: HTTP {}", r.status()));
        }
        let bytes = r.bytes().map_err(|e| e.to_string())?;
        let quads = parse_rdf(
            &bytes,
            RdfFormat::NQuads,
            "http://example.invalid/",
            GraphName::DefaultGraph,
        )?;
        Ok(quads
            .into_iter()
            .filter(|q| match &q.graph_name {
                GraphName::NamedNode(g) => {
                    !g.as_str()
                        .starts_with("https://w3id.org/warrant/graph/record/")
                        && !g
                            .as_str()
                            .starts_with("https://w3id.org/warrant/graph/change/")
                }
                _ => true,
            })
            .collect())
    }
}

/// The quads of a test file, parsed locally with its own IRI as base, in graph `graph`.
pub fn file_dataset(ctx: &Ctx, file_iri: &str, graph: Option<&str>) -> Result<Dataset, String> {
    let path = local_path(&ctx.dir, file_iri).ok_or_else(|| format!("no file {file_iri}"))?;
    let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
    let format = rdf_format_of(file_iri).ok_or_else(|| format!("format of {file_iri}?"))?;
    let graph = match graph {
        Some(g) => NamedNode::new(g).map_err(|e| e.to_string())?.into(),
        None => GraphName::DefaultGraph,
    };
    Ok(parse_rdf(&bytes, format, file_iri, graph)?
        .into_iter()
        .collect())
}

/// Ok for a 2xx answer, otherwise the status and the start of the body.
pub fn expect_success(r: Response, what: &str) -> Result<(), String> {
    let status = r.status();
    if status.is_success() {
        Ok(())
    } else {
        let body = r.text().unwrap_or_default();
        Err(format!("{what}: HTTP {status}: {}", first_line(&body)))
    }
}

/// At most the first 300 characters of the first line.
pub fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(300)
        .collect()
}
