//! Warrant

pub mod validate;
