//! The SHACL gate of the write pipeline: a [`WriteGuard`] that validates every staged change
//! against the shapes found in the data, and rejects it when it would add a violation.
//!
//! What is validated is the asserted content after the change (every content graph but the
//! inferred graph, which the reasoner brings up to date only after the commit), with the shapes
//! that content holds (so a change to the shapes is checked by the shapes it leaves). A change is
//! rejected when it leaves a violation that was not there before: data that was already invalid
//! (loaded before shapes existed, say) does not block unrelated edits, and no edit makes the
//! graph less valid. The "before" validation runs only when the "after" one finds violations.

use super::{QuadsView, Shapes, ValidationReport, ValidationResult, validate};
use crate::store::{Applied, Staged, StoreError, WriteGuard};
use crate::vocab;
use oxigraph::store::Store;
use std::collections::HashSet;

/// Validates every change against the SHACL shapes of the data (see the module doc).
pub struct ShaclGuard {
    store: Store,
}

impl ShaclGuard {
    /// A guard for writes to `store` (the committed state is the "before" of each change).
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

fn storage(e: oxigraph::store::StorageError) -> StoreError {
    StoreError::Storage(e)
}

/// Identity of a result across two validations.
fn key(r: &ValidationResult) -> String {
    format!(
        "{}|{:?}|{}|{}|{:?}",
        r.focus_node, r.path, r.constraint_component, r.source_shape, r.value
    )
}

impl WriteGuard for ShaclGuard {
    fn check(&self, staged: &Staged<'_, '_>, _applied: &Applied) -> Result<(), StoreError> {
        let after_view = QuadsView::matching(staged, vocab::is_asserted_content);
        let shapes = Shapes::parse(&after_view).map_err(|e| StoreError::Rejected {
            message: format!("the change leaves shapes that cannot be read: {e}"),
            report: serde_json::json!({ "conforms": false, "shapesError": e.to_string() }),
        })?;
        if shapes.is_empty() {
            return Ok(());
        }
        let after = validate(&after_view, &shapes).map_err(storage)?;
        if !after.has_violations() {
            return Ok(());
        }
        let before_view = QuadsView::matching(&self.store, vocab::is_asserted_content);
        let existing: HashSet<String> = match Shapes::parse(&before_view) {
            Ok(before_shapes) => validate(&before_view, &before_shapes)
                .map_err(storage)?
                .violations()
                .map(key)
                .collect(),
            Err(_) => HashSet::new(),
        };
        let new: Vec<ValidationResult> = after
            .violations()
            .filter(|r| !existing.contains(&key(r)))
            .cloned()
            .collect();
        if new.is_empty() {
            return Ok(());
        }
        let first = &new[0];
        let message = format!(
            "the change violates {} SHACL constraint{} (first: {}: {}); nothing was written",
            new.len(),
            if new.len() == 1 { "" } else { "s" },
            first.focus_node,
            first.message()
        );
        let report = ValidationReport {
            conforms: false,
            results: new,
        };
        Err(StoreError::Rejected {
            message,
            report: serde_json::to_value(&report).unwrap_or_default(),
        })
    }
}
