//! Curation: creating, editing, reviewing and reverting curated resources through the one write
//! path, with an attributed change set for every accepted write.
//!
//! Every operation is planned while writes are serialised ([`WarrantStore::apply_planned`]): the
//! ETag a client sent is compared with the description as it is at that moment, so two editors
//! holding the same ETag cannot both win. The change then passes the SHACL gate and is recorded
//! as a change set (agent, role, time, message, exact triples added and removed).

mod body;
mod describe;
mod edit;
mod kind;
mod revert;
mod review;

pub use body::{BodyError, BodyFormat, ContextAllowList, parse_body};
pub use describe::{CURATED_GRAPH, describe, etag, if_match, require_kind};
pub use edit::{Edit, EditKind, apply_edit};
pub use kind::{Kind, is_id, kind_of};
pub use revert::revert;
pub use review::{QueueItem, ReviewStatus, queue, review};

use crate::store::StoreError;

/// Why a curation request was refused; every refusal changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum CurateError {
    /// No such resource.
    #[error("{0}")]
    NotFound(String),
    /// The resource to create exists already.
    #[error("{0}")]
    Exists(String),
    /// The body could not be read.
    #[error("{0}")]
    Body(#[from] BodyError),
    /// The request is well-formed but asks for something this API does not do.
    #[error("{0}")]
    Invalid(String),
    /// An edit without `If-Match`: the client must say which version it edits.
    #[error("{0}")]
    PreconditionRequired(String),
    /// The user may not do this (approving their own change).
    #[error("{0}")]
    Forbidden(String),
    /// The store refused or failed (stale ETag, conflict, SHACL rejection, storage error).
    #[error(transparent)]
    Store(#[from] StoreError),
}
