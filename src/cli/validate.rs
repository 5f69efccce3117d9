//! `warrant validate [PATH...]`: check data against the SHACL shapes shipped under `ontology/`.
//!
//! The shipped ontology and evidence (from the current directory when it has them, else the copy
//! built into the binary) are always part of the data, so that files given on the command line may
//! refer to shipped nodes; the shapes are every shape found in that union. Exit 0 when valid, 1 when not.

use crate::load::{DataRoot, SourceFile, collect_files, collect_paths, parse_file};
use crate::validate::{Shapes, validate};
use anyhow::{Context, Result, bail};
use clap::Args;
use oxigraph::model::{Graph, Triple};

/// Options of `warrant validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Extra files or folders to validate together with the shipped data.
    #[arg(value_name = "PATH")]
    pub paths: Vec<std::path::PathBuf>,
    /// Report format: text (one line per violation) or json.
    #[arg(long, default_value = "text", value_name = "FORMAT")]
    pub format: String,
}

/// Runs the validation; returns whether the data conforms.
pub fn run(args: ValidateArgs) -> Result<bool> {
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let mut files: Vec<SourceFile> = collect_files(&DataRoot::detect(&cwd))
        .context("reading the shipped data")?
        .into_iter()
        .filter(|f| !f.rel_path.starts_with("queries/"))
        .collect();
    for path in &args.paths {
        anyhow::ensure!(path.exists(), "{}: no such file or folder", path.display());
        files.extend(
            collect_paths(&cwd, path).with_context(|| format!("reading {}", path.display()))?,
        );
    }
    let mut graph = Graph::new();
    for file in &files {
        let (_, quads) = parse_file(file)?;
        for quad in quads {
            graph.insert(&Triple::from(quad));
        }
    }
    let shapes = Shapes::from_graph(&graph).context("reading the shapes")?;
    let report = validate(&graph, &shapes).context("validating")?;
    match args.format.as_str() {
        "json" => super::out::line(serde_json::to_string_pretty(&report)?)?,
        "text" => {
            let mut text = report.to_string();
            if !text.ends_with('\n') {
                text.push('\n');
            }
            super::out::write(text)?;
        }
        other => bail!("unknown format {other:?} (text or json)"),
    }
    Ok(report.conforms)
}
