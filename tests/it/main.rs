//! Integration tests: one test binary, one module per topic.

mod lubm;
mod reason;
mod w3c_entailment;
