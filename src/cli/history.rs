//! `warrant history IRI` and `warrant revert ID`: the change sets touching a resource, and undoing
//! one, on the store directory or, with `--server`, through a running server.

use super::out;
use super::remote::{ServerArgs, send, server_for};
use crate::auth::{Principal, Role};
use crate::store::DatasetMode;
use anyhow::{Context, Result, bail};
use clap::Args;
use oxigraph::model::NamedNode;
use serde_json::Value;
use std::path::Path;

/// Options of `warrant history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The resource (an IRI, e.g. https://w3id.org/warrant/id/st-…).
    #[arg(value_name = "IRI")]
    pub iri: String,
    /// Output: text (one block per change) or json (as GET /history answers).
    #[arg(long, default_value = "text", value_name = "FORMAT")]
    pub format: String,
    #[command(flatten)]
    pub server: ServerArgs,
}

/// Options of `warrant revert`.
#[derive(Debug, Args)]
pub struct RevertArgs {
    /// The change set to undo (an id from `warrant history`).
    #[arg(value_name = "ID")]
    pub id: String,
    /// Why (kept with the new change set).
    #[arg(long, short, value_name = "TEXT")]
    pub message: Option<String>,
    #[command(flatten)]
    pub server: ServerArgs,
}

/// Prints the change sets touching an IRI, newest first.
pub fn history(data: &Path, args: HistoryArgs) -> Result<()> {
    let iri = NamedNode::new(&args.iri).with_context(|| format!("{:?} is not an IRI", args.iri))?;
    let changes: Value = if let Some(server) = server_for(data, &args.server)? {
        let path = super::remote::with_query("/history", &[("iri", iri.as_str())]);
        send(&server, "GET", &path, None, None)?.json("history")?
    } else {
        let store = super::data::open(data, DatasetMode::default())?;
        serde_json::to_value(store.changes_touching(&iri, usize::MAX)?)?
    };
    match args.format.as_str() {
        "json" => out::line(serde_json::to_string_pretty(&changes)?)?,
        "text" => out::write(as_text(&changes))?,
        other => bail!("unknown format {other:?} (text or json)"),
    }
    Ok(())
}

/// One block per change: header line, then `+`/`-` lines of N-Quads.
fn as_text(changes: &Value) -> String {
    let mut out = String::new();
    let empty = Vec::new();
    for change in changes.as_array().unwrap_or(&empty) {
        let field = |k: &str| change[k].as_str().unwrap_or("").to_owned();
        out.push_str(&format!(
            "{}  {}  {} ({})  {}  {}\n",
            field("id"),
            field("time"),
            field("agent"),
            field("role"),
            field("kind"),
            field("message")
        ));
        for (sign, key) in [('+', "added"), ('-', "removed")] {
            for q in change[key].as_array().unwrap_or(&empty) {
                let part = |k: &str| q[k].as_str().unwrap_or("").to_owned();
                let graph = q["graph"]
                    .as_str()
                    .map(|g| format!(" {g}"))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "  {sign} {} {} {}{graph} .\n",
                    part("subject"),
                    part("predicate"),
                    part("object")
                ));
            }
        }
    }
    if out.is_empty() {
        out.push_str("no recorded change touches this resource\n");
    }
    out
}

/// Reverts a change set; prints the new change set's id.
pub fn revert(data: &Path, args: RevertArgs) -> Result<()> {
    let (new_id, added, removed) = if let Some(server) = server_for(data, &args.server)? {
        let answer = send(
            &server,
            "POST",
            &format!("/changes/{}/revert", args.id),
            None,
            args.message.as_deref(),
        )?
        .json("revert")?;
        (
            answer["id"].as_str().unwrap_or("").to_owned(),
            answer["added"].as_u64().unwrap_or(0) as usize,
            answer["removed"].as_u64().unwrap_or(0) as usize,
        )
    } else {
        let store = super::data::open_searchable(data, DatasetMode::default())?;
        let user = Principal {
            name: super::data::local_user(),
            role: Role::Admin,
        };
        let applied = crate::curate::revert(&store, &args.id, &user, args.message.as_deref())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        (
            applied.change_id.unwrap_or_default(),
            applied.added.len(),
            applied.removed.len(),
        )
    };
    out::line(format!(
        "reverted {} as change {new_id} ({added} quads added, {removed} removed)",
        args.id
    ))
}
