//! SHACL Core validation (W3C SHACL, sections 2–4), native over oxigraph data.
//!
//! Parse a shapes graph once into [`Shapes`], then [`validate`] any [`DataView`]: an
//! in-memory [`Graph`](oxigraph::model::Graph), a [`DatasetView`], a [`StoreView`] (a store
//! restricted to some graphs) or a [`TransactionView`] (an open transaction, uncommitted
//! writes included — the write pipeline stages a change, validates, then commits or rejects
//! with the report). The [`ValidationReport`] serialises to JSON, prints as one line per
//! result, and converts to a standard `sh:ValidationReport` graph.
//!
//! Supported: all targets (including implicit class targets), node and property shapes, all
//! property paths, every SHACL Core constraint component, `sh:deactivated`, `sh:severity`,
//! `sh:message`. It passes the W3C SHACL Core test suite (`tests/it/shacl_w3c.rs`).
//! Not supported: SHACL-SPARQL (`sh:sparql`), SHACL-AF. Recursive shapes (undefined in SHACL)
//! are cut off: a check that comes back to itself assumes conformance.
//!
//! ```
//! use oxigraph::io::RdfFormat;
//! use oxigraph::model::Graph;
//! use warrant::validate::{Shapes, validate};
//!
//! let parse = |ttl: &str| -> Result<Graph, Box<dyn std::error::Error>> {
//!     let mut graph = Graph::new();
//!     for triple in oxigraph::io::RdfParser::from_format(RdfFormat::Turtle).for_slice(ttl) {
//!         graph.insert(&oxigraph::model::Triple::from(triple?));
//!     }
//!     Ok(graph)
//! };
//! let shapes = Shapes::from_graph(&parse(
//!     "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
//!      ex:S a sh:NodeShape ; sh:targetClass ex:Person ;
//!        sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:message \"A person needs a name\"@en ] .",
//! )?)?;
//! let data = parse("<http://example.org/bob> a <http://example.org/Person> .")?;
//! let report = validate(&data, &shapes)?;
//! assert!(!report.conforms);
//! assert_eq!(report.results[0].message(), "A person needs a name");
//! # Ok::<_, Box<dyn std::error::Error>>(())
//! ```

mod constraints;
mod data;
mod engine;
mod guard;
mod parser;
mod paths;
mod report;
pub mod sh;
mod shapes;
mod terms;

pub use data::{DataView, DatasetView, QuadSource, QuadsView, StoreView, TransactionView};
pub use guard::ShaclGuard;
pub use paths::{Path, PathError};
pub use report::{Message, Severity, ValidationReport, ValidationResult};
pub use shapes::{Shapes, ShapesError};

use oxigraph::store::StorageError;

use engine::Engine;
use report::term_string;

/// Validates the data seen through `view` against `shapes`.
///
/// Errors only when reading the data fails; a storage error never passes as "valid".
pub fn validate(view: &impl DataView, shapes: &Shapes) -> Result<ValidationReport, StorageError> {
    let mut engine = Engine::new(view, shapes);
    let findings = engine.run()?;
    let mut results: Vec<_> = findings.into_iter().map(|f| engine.result(f)).collect();
    results.sort_by_cached_key(|r| {
        (
            term_string(&r.focus_node),
            r.path.as_ref().map(ToString::to_string),
            r.constraint_component.as_str().to_owned(),
            r.source_shape.to_string(),
            r.value.as_ref().map(term_string),
        )
    });
    Ok(ValidationReport {
        conforms: results.is_empty(),
        results,
    })
}

/// Makes every later write to `store` pass the SHACL gate ([`ShaclGuard`]).
pub fn guard_writes(store: &crate::store::WarrantStore) {
    store.add_guard(std::sync::Arc::new(ShaclGuard::new(
        store.oxigraph().clone(),
    )));
}
