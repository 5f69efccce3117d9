//! Talking to a running `warrant serve` from the command line (`--server URL`): the store
//! directory is locked by the server, so writes and reads go through its HTTP API instead, with
//! the same pipeline (roles, SHACL gate, change sets) as any other client.

use anyhow::{Context, Result, bail};
use clap::Args;

/// `--server` and `--token`, shared by the commands that can use a running server.
#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// Use the running server at this URL (e.g. http://127.0.0.1:7878) instead of opening the
    /// store directory.
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

/// A server's answer: status and body text.
pub struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// The body.
    pub body: String,
}

impl Answer {
    /// The body as JSON when the request succeeded, else an error with the server's message.
    pub fn json(self, what: &str) -> Result<serde_json::Value> {
        if !(200..300).contains(&self.status) {
            let message = serde_json::from_str::<serde_json::Value>(&self.body)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_owned))
                .unwrap_or(self.body);
            bail!("{what}: HTTP {}: {message}", self.status);
        }
        serde_json::from_str(&self.body).with_context(|| format!("{what}: the answer is not JSON"))
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
    let base = server
        .server
        .as_deref()
        .context("no --server given")?
        .trim_end_matches('/');
    let url = format!("{base}{path}");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut request = ureq::http::Request::builder().method(method).uri(&url);
    if let Some(token) = &server.token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    if let Some(message) = message {
        request = request.header("x-warrant-message", message);
    }
    let (content_type, bytes) = body.unwrap_or(("application/octet-stream", Vec::new()));
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
        .read_to_string()
        .with_context(|| format!("reading the answer of {method} {url}"))?;
    Ok(Answer { status, body })
}
