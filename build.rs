//! Rebuild when the embedded default data changes (it is compiled into the binary).
fn main() {
    for dir in ["ontology", "evidence", "queries", "ui"] {
        println!("cargo:rerun-if-changed={dir}");
    }
}
