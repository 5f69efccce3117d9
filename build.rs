//! Rebuild when the embedded default data changes (it is compiled into the binary), and record
//! what `GET /version` reports: the git commit the binary was built from and the Oxigraph version
//! (whose on-disk format the store has).
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn main() {
    for dir in ["ontology", "evidence", "queries", "ui"] {
        println!("cargo:rerun-if-changed={dir}");
    }
    // a container build has no .git: the commit comes from the environment
    println!("cargo:rerun-if-env-changed=WARRANT_GIT_COMMIT");
    let commit = std::env::var("WARRANT_GIT_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| {
            // rebuild when HEAD moves: the branch it names, or HEAD itself when detached
            for path in [
                git(&["rev-parse", "--git-path", "HEAD"]),
                git(&["symbolic-ref", "-q", "HEAD"])
                    .and_then(|r| git(&["rev-parse", "--git-path", &r])),
            ]
            .into_iter()
            .flatten()
            {
                println!("cargo:rerun-if-changed={path}");
            }
            git(&["rev-parse", "HEAD"])
        })
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=WARRANT_GIT_COMMIT={commit}");
    println!("cargo:rerun-if-changed=Cargo.lock");
    let oxigraph = std::fs::read_to_string("Cargo.lock")
        .ok()
        .and_then(|lock| {
            let at = lock.find("name = \"oxigraph\"\nversion = \"")?;
            let rest = &lock[at + "name = \"oxigraph\"\nversion = \"".len()..];
            Some(rest[..rest.find('"')?].to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=WARRANT_OXIGRAPH_VERSION={oxigraph}");
}
