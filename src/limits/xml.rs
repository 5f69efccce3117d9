//! Internal entities of an XML document (RDF/XML), bounded before the parser expands them.
//!
//! The RDF/XML parser expands every `<!ENTITY name "value">` of the DTD when it reads the
//! declaration, references to earlier entities included: nine levels of ten references each
//! ("billion laughs") make one entity of 3 GB from a 1 KB body. Entities are common and harmless
//! in ontologies (`<!ENTITY owl "http://www.w3.org/2002/07/owl#">`), so they are measured, not
//! refused: each declaration's expanded length and the total text that references to entities
//! expand to must stay within limits.

use super::TooComplex;
use std::collections::HashMap;

/// Refuses `bytes` when one entity would expand to more than `max_entity` bytes, or all references
/// to entities in the document (declarations included) to more than `max_total` bytes. Every
/// `<!ENTITY` in the text is read, wherever it is (counting too much is safe; too little is not).
pub fn check(bytes: &[u8], max_entity: usize, max_total: usize) -> Result<(), TooComplex> {
    let text = String::from_utf8_lossy(bytes);
    if !text.contains("<!ENTITY") {
        return Ok(());
    }
    let mut lengths: HashMap<&str, usize> = HashMap::new();
    for (offset, _) in text.match_indices("<!ENTITY") {
        let Some((name, value)) = declaration(&text[offset + "<!ENTITY".len()..]) else {
            continue;
        };
        let expanded = expanded_len(value, &lengths);
        if expanded > max_entity {
            let (line, column) = position(&text, offset);
            return Err(TooComplex::at(
                format!(
                    "the entity {name:?} expands to more than {max_entity} bytes (nested entity \
                     expansion is refused)"
                ),
                line,
                column,
            ));
        }
        let slot = lengths.entry(name).or_insert(0);
        *slot = (*slot).max(expanded);
    }
    let total = expanded_len(&text, &lengths).saturating_sub(text.len());
    if total > max_total {
        return Err(TooComplex::new(format!(
            "the document's entity references expand to more than {max_total} bytes"
        )));
    }
    Ok(())
}

/// Name and quoted value of a declaration as the parser reads it (`%` of parameter entities
/// skipped, value in double quotes).
fn declaration(rest: &str) -> Option<(&str, &str)> {
    let rest = rest.trim_start();
    let rest = rest.strip_prefix('%').unwrap_or(rest).trim_start();
    let (name, rest) = rest.split_once(|c: char| c.is_ascii_whitespace())?;
    let rest = rest.trim_start().strip_prefix('"')?;
    let (value, _) = rest.split_once('"')?;
    Some((name, value))
}

/// The length of `text` once every `&name;` of a known entity is replaced by its expansion.
fn expanded_len(text: &str, lengths: &HashMap<&str, usize>) -> usize {
    let mut total = text.len();
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        rest = &rest[start + 1..];
        let Some(end) = rest.find(';') else { break };
        let name = &rest[..end];
        if let Some(len) = lengths.get(name) {
            // `&name;` replaced by its expansion
            total = total.saturating_add(*len) - (name.len() + 2);
        }
        if name.len() < 64 {
            rest = &rest[end + 1..];
        }
    }
    total
}

fn position(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset];
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn laughs(levels: usize) -> String {
        let mut dtd = String::from("<!ENTITY lol0 \"lol\">\n");
        for level in 1..=levels {
            let refs = format!("&lol{};", level - 1).repeat(10);
            dtd.push_str(&format!("<!ENTITY lol{level} \"{refs}\">\n"));
        }
        format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE rdf:RDF [\n{dtd}]>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\
             <rdf:Description rdf:about=\"urn:a\"><rdf:value>&lol{levels};</rdf:value></rdf:Description></rdf:RDF>"
        )
    }

    #[test]
    fn billion_laughs_is_refused() {
        let e = check(laughs(9).as_bytes(), 1 << 16, 1 << 24).unwrap_err();
        assert!(e.message.contains("lol5"), "{}", e.message);
        assert_eq!(e.line, Some(8));
    }

    #[test]
    fn many_references_to_a_modest_entity_are_refused() {
        let doc = format!(
            "<!DOCTYPE x [<!ENTITY a \"{}\">]><x>{}</x>",
            "a".repeat(1000),
            "&a;".repeat(2000)
        );
        assert!(check(doc.as_bytes(), 1 << 16, 1_000_000).is_err());
        assert!(check(doc.as_bytes(), 1 << 16, 3_000_000).is_ok());
    }

    #[test]
    fn namespace_entities_pass() {
        let doc = "<!DOCTYPE rdf:RDF [<!ENTITY owl \"http://www.w3.org/2002/07/owl#\">]>\
                   <rdf:RDF><owl:Class rdf:about=\"&owl;Thing\"/></rdf:RDF>";
        assert!(check(doc.as_bytes(), 1 << 16, 1 << 20).is_ok());
        assert!(check(laughs(2).as_bytes(), 1 << 16, 1 << 20).is_ok());
    }
}
