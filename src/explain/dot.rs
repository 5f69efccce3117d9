//! The WHY tree as a Graphviz `digraph`: one node per distinct (kind, IRI), shaped by kind and
//! coloured by status (met green, not met red, unknown grey), edges from a conclusion to its reasons.

use super::{Answer, NodeKind, WhyNode};
use std::collections::HashMap;
use std::fmt::Write;

fn escape(text: &str) -> String {
    let mut out = String::new();
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn wrap(text: &str, width: usize) -> String {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if line.chars().count() + word.chars().count() > width && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines.join("\n")
}

fn shape(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Determination => "doubleoctagon",
        NodeKind::Criterion => "box",
        NodeKind::Fact => "ellipse",
        NodeKind::DerivedFact => "ellipse, style=dashed",
        NodeKind::Rule => "diamond",
        NodeKind::Statement => "note",
        NodeKind::Source => "folder",
        NodeKind::Passage => "plaintext",
    }
}

fn colour(status: Option<&str>) -> &'static str {
    match status {
        Some("met" | "necessary" | "triggered" | "approved") => "darkgreen",
        Some("not-met" | "not-necessary" | "deviates") => "firebrick",
        _ => "gray30",
    }
}

/// Renders the tree as DOT.
pub fn render(answer: &Answer) -> String {
    let mut out = String::from("digraph why {\n  rankdir=LR;\n  node [fontsize=10];\n");
    let mut ids: HashMap<(String, String), String> = HashMap::new();
    let mut edges = Vec::new();
    visit(&answer.why, None, &mut ids, &mut out, &mut edges);
    for (a, b, label) in edges {
        let _ = writeln!(out, "  {a} -> {b} [label=\"{}\"];", escape(&label));
    }
    out.push_str("}\n");
    out
}

fn visit(
    node: &WhyNode,
    parent: Option<&str>,
    ids: &mut HashMap<(String, String), String>,
    out: &mut String,
    edges: &mut Vec<(String, String, String)>,
) {
    let key = (
        format!("{:?}", node.kind),
        format!("{}|{}", node.iri, node.label),
    );
    let fresh = !ids.contains_key(&key);
    let next = format!("n{}", ids.len());
    let id = ids.entry(key).or_insert(next).clone();
    if fresh {
        let status = node
            .status
            .as_deref()
            .map(|s| format!(" [{s}]"))
            .unwrap_or_default();
        let body = if node.kind == NodeKind::Passage {
            wrap(&format!("“{}”", node.text), 48)
        } else {
            wrap(&node.label, 40)
        };
        let _ = writeln!(
            out,
            "  {id} [shape={}, color={}, label=\"{}{}\", tooltip=\"{}\"];",
            shape(node.kind),
            colour(node.status.as_deref()),
            escape(&body),
            escape(&status),
            escape(&node.iri)
        );
    }
    if let Some(p) = parent {
        let edge = (
            p.to_owned(),
            id.clone(),
            node.role.clone().unwrap_or_default(),
        );
        if !edges.contains(&edge) {
            edges.push(edge);
        }
    }
    if fresh {
        for child in &node.children {
            visit(child, Some(&id), ids, out, edges);
        }
    }
}
