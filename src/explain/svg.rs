//! Graphviz DOT rendered as an SVG picture on the server, so that a browser (or any client) can show a
//! why-chain as an image without Graphviz installed and without calling another service.
//!
//! The DOT is the same text `format=dot` answers; `layout-rs` (pure Rust) parses and lays it out. It
//! knows fewer node shapes than Graphviz, so shapes it lacks (`note`, `folder`, `diamond`, …) are drawn
//! as boxes — the colours (met / not met / unknown) and labels stay.

use layout::backends::svg::SVGWriter;
use layout::gv::parser::ast::{AttributeList, Graph, Stmt};
use layout::gv::{DotParser, GraphBuilder};

/// The node shapes `layout-rs` draws; any other shape is drawn as a box.
const DRAWN_SHAPES: [&str; 5] = ["box", "circle", "doublecircle", "record", "Mrecord"];

/// Graphs with more nodes than this are refused: the layout's crossing reduction grows fast with size,
/// and a picture that large is unreadable anyway (the DOT text is still served).
pub const MAX_NODES: usize = 400;

/// Why a DOT text was not drawn.
#[derive(Debug, thiserror::Error)]
pub enum SvgError {
    /// More nodes than [`MAX_NODES`]: the client's request is too large to draw.
    #[error("the graph has {0} nodes; pictures are drawn up to {MAX_NODES} (use format=dot)")]
    TooLarge(usize),
    /// The text is not DOT `layout-rs` reads, or its layout failed: a defect, not the client's.
    #[error("the graph could not be drawn: {0}")]
    Failed(String),
}

/// Renders a DOT `digraph` as an SVG document, or says why it cannot.
pub fn from_dot(dot: &str) -> Result<String, SvgError> {
    let mut parser = DotParser::new(dot);
    let mut graph = parser
        .process()
        .map_err(|e| SvgError::Failed(format!("the DOT text does not parse: {e}")))?;
    let nodes = normalise(&mut graph);
    if nodes > MAX_NODES {
        return Err(SvgError::TooLarge(nodes));
    }
    // layout-rs asserts its own invariants; a failed one must not take the request thread down
    std::panic::catch_unwind(move || {
        let mut builder = GraphBuilder::new();
        builder.visit_graph(&graph);
        let mut visual = builder.get();
        let mut svg = SVGWriter::new();
        visual.do_it(false, false, false, &mut svg);
        svg.finalize()
    })
    .map_err(|_| SvgError::Failed("the layout failed".to_owned()))
}

/// Maps shapes `layout-rs` lacks to boxes (rounded for the rest of Graphviz's box-like shapes) and
/// counts node statements.
fn normalise(graph: &mut Graph) -> usize {
    let mut nodes = 0;
    for stmt in &mut graph.list.list {
        match stmt {
            Stmt::Node(node) => {
                nodes += 1;
                normalise_shape(&mut node.list);
            }
            Stmt::SubGraph(sub) => nodes += normalise(sub),
            _ => {}
        }
    }
    nodes
}

fn normalise_shape(list: &mut AttributeList) {
    for (key, value) in &mut list.list {
        if key == "shape" && !DRAWN_SHAPES.contains(&value.as_str()) {
            *value = "box".to_owned();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digraph_becomes_an_svg_with_its_labels() {
        let svg = from_dot(
            "digraph why { rankdir=LR; n0 [shape=note, color=darkgreen, label=\"IVIG necessary\"]; \
             n1 [shape=box, label=\"criterion\"]; n0 -> n1 [label=\"because\"]; }",
        )
        .unwrap();
        assert!(svg.starts_with("<svg") || svg.contains("<svg"), "{svg}");
        assert!(svg.contains("IVIG necessary") && svg.contains("criterion"));
    }

    #[test]
    fn broken_dot_is_an_error_not_a_panic() {
        assert!(from_dot("digraph { a -> ; }").is_err());
        assert!(from_dot("").is_err());
    }

    #[test]
    fn oversized_graphs_are_refused() {
        let mut dot = String::from("digraph g {\n");
        for i in 0..=MAX_NODES {
            dot.push_str(&format!("  n{i} [shape=box, label=\"{i}\"];\n"));
        }
        dot.push('}');
        assert!(matches!(from_dot(&dot), Err(SvgError::TooLarge(n)) if n == MAX_NODES + 1));
    }
}
