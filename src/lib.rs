//! Warrant
