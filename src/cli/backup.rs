//! `warrant backup OUT`: a consistent copy of the store in a new directory — through the server
//! holding the store while it serves (`POST /admin/backup`, admin role), or on the store directory.
//! Restoring is starting on the copy: `warrant serve --data OUT`.

use super::remote::{Call, ServerArgs, server_for};
use crate::store::DatasetMode;
use anyhow::{Context, Result};
use clap::Args;
use std::path::{Path, PathBuf};

/// Options of `warrant backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The directory to write the copy into (must not exist yet).
    #[arg(value_name = "OUT")]
    pub out: PathBuf,
    #[command(flatten)]
    pub server: ServerArgs,
}

/// `out` as an absolute path (the server resolves nothing against its own directory).
fn absolute(out: &Path) -> Result<PathBuf> {
    Ok(if out.is_absolute() {
        out.to_path_buf()
    } else {
        std::env::current_dir()
            .context("reading the current directory")?
            .join(out)
    })
}

/// Runs `warrant backup`.
pub fn run(data: &Path, args: BackupArgs) -> Result<()> {
    let out = absolute(&args.out)?;
    anyhow::ensure!(
        !out.exists(),
        "{} already exists: a backup goes into a new directory",
        out.display()
    );
    let (id, generation) = if let Some(server) = server_for(data, &args.server)? {
        let body = serde_json::json!({ "path": out.to_string_lossy() }).to_string();
        let answer = super::remote::call(
            &server,
            Call {
                method: "POST",
                path: "/admin/backup".to_owned(),
                accept: Some("application/json"),
                body: Some(("application/json", body.into_bytes())),
                message: None,
            },
        )?
        .json("backup")?;
        (
            answer["store"].as_str().unwrap_or("").to_owned(),
            answer["generation"].as_u64().unwrap_or(0),
        )
    } else {
        anyhow::ensure!(
            data.join("CURRENT").is_file(),
            "{} holds no store",
            data.display()
        );
        let store = super::data::open(data, DatasetMode::default())?;
        let state = store
            .backup(&out)
            .with_context(|| format!("backing up into {}", out.display()))?;
        (state.id.unwrap_or_default(), state.generation)
    };
    super::out::line(format!(
        "backed up store {id} at generation {generation} into {} (restore: warrant serve --data {})",
        out.display(),
        out.display()
    ))
}
