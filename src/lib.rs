//! Warrant: a knowledge-graph evidence service.
//!
//! Data flows one way: files are [`load`]ed into the [`store`], which answers SPARQL and takes every
//! write through one function; [`queries`] runs the named queries shipped under `queries/named/`;
//! [`http`] serves it all, with [`auth`] deciding who may do what, and [`cli`] drives it from the
//! terminal. See the README's Architecture section for one paragraph per module.

pub mod auth;
pub mod case;
pub mod cds;
pub mod cli;
pub mod config;
pub mod curate;
pub mod evaluate;
pub mod explain;
pub mod http;
pub mod limits;
pub mod load;
pub mod queries;
pub mod reason;
pub mod search;
pub mod store;
pub mod validate;
pub mod vocab;
