//! `warrant validate`: the shipped data conforms; each fixture under `tests/shapes/invalid/` (its header
//! says why it must fail) fails with exactly the report it expects — shape, constraint, path, focus, message.

use crate::support::{cli, repo_root};
use serde_json::Value;
use std::collections::HashMap;

#[test]
fn shipped_data_conforms() {
    let (ok, out, err) = cli(&repo_root(), &["validate"]);
    assert!(ok, "{out}{err}");
}

/// Expected values of a fixture (`# expect-KEY: value`) and its prefixes.
fn expectations(text: &str) -> (HashMap<String, String>, HashMap<String, String>) {
    let mut expect = HashMap::new();
    let mut prefixes = HashMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# expect-") {
            if let Some((k, v)) = rest.split_once(':') {
                expect.insert(k.trim().to_owned(), v.trim().to_owned());
            }
        } else if let Some(rest) = line.trim().strip_prefix("@prefix") {
            let (name, iri) = rest.trim().split_once(':').unwrap();
            let iri = iri
                .trim()
                .trim_end_matches('.')
                .trim()
                .trim_matches(['<', '>']);
            prefixes.insert(name.trim().to_owned(), iri.to_owned());
        }
    }
    for (p, iri) in [
        ("sh", "http://www.w3.org/ns/shacl#"),
        ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
        ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
        ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ] {
        prefixes.entry(p.into()).or_insert_with(|| iri.into());
    }
    (expect, prefixes)
}

/// Expands `prefix:local` names into full IRIs (inside `<>` when `angle`).
fn expand(value: &str, prefixes: &HashMap<String, String>, angle: bool) -> String {
    if !angle {
        if let Some(iri) = value.strip_prefix('<').and_then(|v| v.strip_suffix('>')) {
            return iri.to_owned();
        }
    }
    let mut out = String::new();
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        if let Some((p, local)) = token.split_once(':') {
            if let Some(iri) = prefixes.get(p) {
                let full = format!("{iri}{local}");
                out.push_str(&if angle { format!("<{full}>") } else { full });
                token.clear();
                return;
            }
        }
        out.push_str(token);
        token.clear();
    };
    for c in value.chars() {
        if c.is_alphanumeric() || c == ':' || c == '-' || c == '_' || c == '.' {
            token.push(c);
        } else {
            flush(&mut token, &mut out);
            out.push(c);
        }
    }
    flush(&mut token, &mut out);
    out
}

fn normal_path(p: &str) -> String {
    p.chars()
        .filter(|c| !c.is_whitespace() && *c != '(' && *c != ')')
        .collect()
}

#[test]
fn every_invalid_fixture_fails_with_its_expected_report() {
    let dir = repo_root().join("tests/shapes/invalid");
    let mut failures = Vec::new();
    let mut count = 0;
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for path in paths {
        count += 1;
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let (expect, prefixes) = expectations(&text);
        assert!(
            text.lines().next().unwrap().starts_with("# Why"),
            "{name} says why it must fail"
        );
        let (ok, out, err) = cli(
            &repo_root(),
            &["validate", path.to_str().unwrap(), "--format", "json"],
        );
        if ok {
            failures.push(format!("{name}: validated, but must fail"));
            continue;
        }
        let report: Value = match serde_json::from_str(&out) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{name}: no JSON report ({e}): {err}"));
                continue;
            }
        };
        let results = report["results"].as_array().unwrap();
        if results.len() != 1 {
            failures.push(format!(
                "{name}: expected exactly one violation, got {}: {out}",
                results.len()
            ));
            continue;
        }
        let r = &results[0];
        let checks = [
            (
                "shape",
                r["root_shape"].as_str().unwrap_or_default().to_owned(),
                expand(&expect["shape"], &prefixes, false),
            ),
            (
                "constraint",
                r["constraint_component"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                expand(&expect["constraint"], &prefixes, false),
            ),
            (
                "focus",
                r["focus_node"].as_str().unwrap_or_default().to_owned(),
                expand(&expect["focus"], &prefixes, false),
            ),
            (
                "message",
                r["message"].as_str().unwrap_or_default().to_owned(),
                expect["message"].clone(),
            ),
            (
                "path",
                normal_path(r["path"].as_str().unwrap_or("-")),
                normal_path(&expand(&expect["path"], &prefixes, true)),
            ),
        ];
        for (what, got, want) in checks {
            if got != want {
                failures.push(format!("{name}: {what} is {got:?}, expected {want:?}"));
            }
        }
    }
    println!("{count} invalid fixtures, {} failure(s)", failures.len());
    assert!(count >= 20, "the fixtures are there");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
