//! The list of W3C tests that are known not to pass, each with its reason
//! (`tests/w3c-sparql-skips.txt`).
//!
//! A line is `IRI — reason`. An exact test IRI means: the test still runs and must still fail (a
//! listed test that passes fails the suite, so the list cannot rot). An IRI ending in `*` names every
//! test whose IRI starts with it; those are not run at all (whole suites outside Warrant's scope).
//! Blank lines and lines starting with `#` are comments.

use std::collections::HashMap;
use std::path::Path;

/// The parsed list.
#[derive(Default)]
pub struct Skips {
    /// Exact test IRI -> reason.
    pub exact: HashMap<String, String>,
    /// IRI prefix -> reason.
    pub prefixes: Vec<(String, String)>,
}

impl Skips {
    /// Reads the list; a malformed line is an error.
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut skips = Self::default();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (iri, reason) = line
                .split_once(" — ")
                .ok_or_else(|| format!("{}:{}: expected `IRI — reason`", path.display(), n + 1))?;
            let (iri, reason) = (iri.trim().to_owned(), reason.trim().to_owned());
            match iri.strip_suffix('*') {
                Some(prefix) => skips.prefixes.push((prefix.to_owned(), reason)),
                None => {
                    if skips.exact.insert(iri.clone(), reason).is_some() {
                        return Err(format!("{iri} is listed twice"));
                    }
                }
            }
        }
        Ok(skips)
    }

    /// The reason a whole group of tests is not run, if `iri` is in one.
    pub fn not_run(&self, iri: &str) -> Option<&str> {
        self.prefixes
            .iter()
            .find(|(p, _)| iri.starts_with(p.as_str()))
            .map(|(_, r)| r.as_str())
    }
}
