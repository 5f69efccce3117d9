//! Talking to a running `warrant serve` from the command line (`--server URL`): the store
//! directory is locked by the server, so writes and reads go through its HTTP API instead, with
//! the same pipeline (roles, SHACL gate, change sets) as any other client. Without `--server`, a
//! command run on a directory a server holds uses that server (the URL it wrote into the
//! directory, see [`super::lock`]).

use super::lock;
use anyhow::{Context, Result, bail};
use clap::Args;
use std::path::Path;

/// `--server` and `--token`, shared by the commands that can use a running server.
#[derive(Debug, Clone, Default, Args)]
pub struct ServerArgs {
    /// Use the running server at this URL (e.g. http://127.0.0.1:7878) instead of opening the
    /// store directory. Default: the server running on --data, when one holds it.
    #[arg(long, value_name = "URL", env = "WARRANT_SERVER")]
    pub server: Option<String>,
    /// Bearer token for --server (a user's token or the admin token).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "WARRANT_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
}

/// Where a command runs: `Some(server)` through a server's HTTP API — `--server` when given, else
/// the server holding `data` — or `None` on the store directory itself. A directory held by a
/// process that wrote no URL is an error naming `--server`.
pub fn server_for(data: &Path, args: &ServerArgs) -> Result<Option<ServerArgs>> {
    if args.server.is_some() {
        return Ok(Some(args.clone()));
    }
    if !lock::held_by_another_process(data) {
        return Ok(None);
    }
    match lock::running_server_url(data) {
        Some(url) => {
            tracing::info!(server = %url, "the store is held by a running server: using it");
            Ok(Some(ServerArgs {
                server: Some(url),
                token: args.token.clone(),
            }))
        }
        None => bail!(locked_message(data)),
    }
}

/// The error for a store directory another process holds.
pub fn locked_message(data: &Path) -> String {
    format!(
        "the store in {} is held by another process (a running `warrant serve`?): stop it, or use \
         its HTTP API — pass --server URL (or set WARRANT_SERVER)",
        data.display()
    )
}

/// A server's answer: status and body.
pub struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

impl Answer {
    /// The body when the request succeeded, else an error with the server's message.
    pub fn ok(self, what: &str) -> Result<Vec<u8>> {
        if !(200..300).contains(&self.status) {
            let text = String::from_utf8_lossy(&self.body).into_owned();
            let message = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_owned))
                .unwrap_or(text);
            bail!("{what}: HTTP {}: {message}", self.status);
        }
        Ok(self.body)
    }

    /// The body as JSON when the request succeeded, else an error with the server's message.
    pub fn json(self, what: &str) -> Result<serde_json::Value> {
        let body = self.ok(what)?;
        serde_json::from_slice(&body).with_context(|| format!("{what}: the answer is not JSON"))
    }
}

/// One request to a server.
pub struct Call<'a> {
    /// GET, POST or PUT.
    pub method: &'a str,
    /// The path with its query string.
    pub path: String,
    /// `Accept` header, if any.
    pub accept: Option<&'a str>,
    /// Content type and body, if any.
    pub body: Option<(&'a str, Vec<u8>)>,
    /// `X-Warrant-Message`, if any.
    pub message: Option<&'a str>,
}

impl<'a> Call<'a> {
    /// A GET of `path` accepting `accept`.
    pub fn get(path: String, accept: Option<&'a str>) -> Self {
        Self {
            method: "GET",
            path,
            accept,
            body: None,
            message: None,
        }
    }
}

/// `path?name=value&…`, percent-encoded.
pub fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        query.append_pair(k, v);
    }
    let query = query.finish();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

/// Sends one request to the server (`method` GET, POST or PUT; `path` with its query string).
pub fn send(
    server: &ServerArgs,
    method: &str,
    path: &str,
    body: Option<(&str, Vec<u8>)>,
    message: Option<&str>,
) -> Result<Answer> {
    call(
        server,
        Call {
            method,
            path: path.to_owned(),
            accept: None,
            body,
            message,
        },
    )
}

/// Sends a request to the server and reads the whole answer.
pub fn call(server: &ServerArgs, call: Call<'_>) -> Result<Answer> {
    let base = server
        .server
        .as_deref()
        .context("no --server given")?
        .trim_end_matches('/');
    let method = call.method;
    let url = format!("{base}{}", call.path);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut request = ureq::http::Request::builder().method(method).uri(&url);
    if let Some(token) = &server.token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    if let Some(message) = call.message {
        request = request.header("x-warrant-message", message);
    }
    if let Some(accept) = call.accept {
        request = request.header("accept", accept);
    }
    let (content_type, bytes) = call
        .body
        .unwrap_or(("application/octet-stream", Vec::new()));
    let request = request
        .header("content-type", content_type)
        .body(bytes)
        .context("building the request")?;
    let mut response = agent
        .run(request)
        .with_context(|| format!("{method} {url}"))?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(u64::MAX)
        .read_to_vec()
        .with_context(|| format!("reading the answer of {method} {url}"))?;
    Ok(Answer { status, body })
}
