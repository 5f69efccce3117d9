//! Starting the real `warrant` binary on an ephemeral port and talking HTTP to it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Admin token the test servers are started with (where writes are allowed).
pub const TOKEN: &str = "test-admin-token";

/// The repository root (where `ontology/`, `evidence/`, `queries/` live).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Third-party test data: `$WARRANT_PEER_DIR` or `<repo>/tests/peer` (a copy, see its PROVENANCE.md).
pub fn peer_dir() -> PathBuf {
    std::env::var_os("WARRANT_PEER_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("tests/peer"))
}

/// A running `warrant serve`; killed when dropped.
pub struct TestServer {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl TestServer {
    /// `warrant serve --bind 127.0.0.1:0 <args>` with the repository as data root.
    pub fn start(args: &[&str]) -> Self {
        Self::start_in(&repo_root(), args)
    }

    /// Like [`start`](Self::start), with the process's working directory set to `cwd`.
    pub fn start_in(cwd: &Path, args: &[&str]) -> Self {
        Self::start_with(cwd, args, &[], None)
    }

    /// Like [`start_in`](Self::start_in), with extra environment variables (`RUST_LOG` among them
    /// overrides the default `warn`) and, given `log`, the server's stderr written to that file.
    pub fn start_with(cwd: &Path, args: &[&str], env: &[(&str, &str)], log: Option<&Path>) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_warrant"));
        // the server takes its admin token from the environment, never the command line
        let mut rest = Vec::new();
        let mut token = None;
        let mut given = args.iter();
        while let Some(arg) = given.next() {
            if *arg == "--admin-token" {
                token = given.next().copied();
            } else {
                rest.push(*arg);
            }
        }
        command
            .current_dir(cwd)
            .arg("serve")
            .args(["--bind", "127.0.0.1:0"])
            .args(&rest)
            .env_remove("WARRANT_ADMIN_TOKEN")
            .env_remove("WARRANT_ADMIN_TOKEN_FILE")
            .env_remove("WARRANT_PUBLIC_URL")
            .env_remove("WARRANT_ANONYMOUS")
            .env("RUST_LOG", "warn")
            .envs(token.map(|t| ("WARRANT_ADMIN_TOKEN", t)))
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(match log {
                Some(path) => Stdio::from(std::fs::File::create(path).expect("log file")),
                None => Stdio::inherit(),
            });
        let mut child = command.spawn().expect("warrant starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("warrant prints its address");
        let base = line
            .trim()
            .strip_prefix("Warrant listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Self {
            child: Some(child),
            base,
        }
    }

    /// Full URL of a path on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends SIGTERM and waits; returns whether the process exited successfully.
    pub fn terminate(mut self) -> bool {
        let mut child = self.child.take().expect("running");
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill runs");
        // up to 30 s: on 2 busy cores (the suite runs servers in parallel) a disk store's clean
        // shutdown (search index commit, RocksDB flush) has taken over 5 s
        for _ in 0..600 {
            if let Some(status) = child.try_wait().expect("wait") {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        false
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A blocking HTTP client with a generous timeout.
pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("client")
}

/// Runs the `warrant` CLI; returns (exit success, stdout, stderr).
pub fn cli(cwd: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_warrant"))
        .current_dir(cwd)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("warrant runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The `n` value of a `SELECT (COUNT(*) AS ?n)` JSON result.
pub fn count(json: &serde_json::Value) -> u64 {
    json["results"]["bindings"][0]["n"]["value"]
        .as_str()
        .expect("a count")
        .parse()
        .expect("a number")
}

/// `warrant user add NAME --role ROLE --users FILE`: the new user's token (last line of stdout).
pub fn add_user(users: &Path, name: &str, role: &str) -> String {
    let (ok, out, err) = cli(
        users.parent().unwrap(),
        &[
            "user",
            "add",
            name,
            "--role",
            role,
            "--users",
            users.to_str().unwrap(),
        ],
    );
    assert!(ok, "user add failed: {err}");
    assert!(out.ends_with('\n'), "{out:?}");
    out.lines().last().expect("a token line").to_owned()
}

/// Runs a SPARQL update on `server` with the admin token; anything but success fails the test.
pub fn update(server: &TestServer, text: &str) {
    let r = client()
        .post(server.url("/update"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/sparql-update")
        .body(text.to_owned())
        .send()
        .unwrap();
    assert!(r.status().is_success(), "{:?}", r.text());
}
