//! Warrant

pub mod reason;
