//! The search syntax, parsed into a small tree.
//!
//! ```text
//! query   := or
//! or      := and ("OR" and)*
//! and     := unary (["AND"] unary)*          words side by side must all match
//! unary   := ("NOT" | "-") unary | primary
//! primary := "(" or ")" | "\"phrase\"" | field ":" value | word
//! field   := type | concept | status | source
//! ```
//!
//! Operators are upper case (`and`, `or`, `not` in lower case are ordinary words). A leading `+`
//! is accepted and ignored (every term is required anyway). Errors name the character position.

use std::fmt;

/// A filter field of the search syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterField {
    /// `type:passage` (passage, statement, source, concept).
    Type,
    /// `concept:ivig` (a concept slug or IRI; narrower concepts match too).
    Concept,
    /// `status:approved` (a review status).
    Status,
    /// `source:silva-2018` (a source IRI, or an id under `https://w3id.org/warrant/id/`).
    Source,
}

impl FilterField {
    /// Every field, as written in queries.
    pub const NAMES: &'static str = "type, concept, status, source";

    fn parse(name: &str) -> Option<Self> {
        match name {
            "type" => Some(Self::Type),
            "concept" => Some(Self::Concept),
            "status" => Some(Self::Status),
            "source" => Some(Self::Source),
            _ => None,
        }
    }
}

/// The parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// All must match.
    And(Vec<Node>),
    /// At least one must match.
    Or(Vec<Node>),
    /// Must not match.
    Not(Box<Node>),
    /// Words typed side by side (synonyms are matched across them).
    Words(Vec<String>),
    /// A quoted phrase.
    Phrase(String),
    /// A field filter.
    Filter(FilterField, String),
}

/// A syntax error, with the 1-based character column it was found at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// What is wrong.
    pub message: String,
    /// 1-based character column.
    pub column: usize,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.column)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    And,
    Or,
    Not,
    Phrase(String),
    Field(FilterField, String),
    Word(String),
}

fn err<T>(column: usize, message: impl Into<String>) -> Result<T, SyntaxError> {
    Err(SyntaxError {
        message: message.into(),
        column,
    })
}

fn lex(text: &str) -> Result<Vec<(Tok, usize)>, SyntaxError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' || c == ')' {
            out.push((if c == '(' { Tok::Open } else { Tok::Close }, column));
            i += 1;
        } else if c == '"' {
            let Some(len) = chars[i + 1..].iter().position(|&c| c == '"') else {
                return err(column, "unclosed quote: a phrase needs a closing \"");
            };
            out.push((
                Tok::Phrase(chars[i + 1..i + 1 + len].iter().collect()),
                column,
            ));
            i += len + 2;
        } else if (c == '-' || c == '+')
            && chars
                .get(i + 1)
                .is_some_and(|n| !n.is_whitespace() && *n != ')')
        {
            if c == '-' {
                out.push((Tok::Not, column));
            }
            i += 1;
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && !"()\"".contains(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            out.push((word_token(&word, column, &chars, &mut i)?, column));
        }
    }
    Ok(out)
}

/// A bare word: an operator, a `field:value` filter (value possibly quoted) or a word.
fn word_token(
    word: &str,
    column: usize,
    chars: &[char],
    i: &mut usize,
) -> Result<Tok, SyntaxError> {
    match word {
        "AND" => return Ok(Tok::And),
        "OR" => return Ok(Tok::Or),
        "NOT" => return Ok(Tok::Not),
        _ => {}
    }
    let Some((name, value)) = word.split_once(':') else {
        return Ok(Tok::Word(word.to_owned()));
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphabetic()) || value.starts_with("//")
    {
        return Ok(Tok::Word(word.to_owned()));
    }
    let Some(field) = FilterField::parse(name) else {
        return err(
            column,
            format!(
                "unknown field {name:?}; the fields are {}; put the text in quotes to search for it",
                FilterField::NAMES
            ),
        );
    };
    let value = if value.is_empty() && chars.get(*i) == Some(&'"') {
        let Some(len) = chars[*i + 1..].iter().position(|&c| c == '"') else {
            return err(*i + 1, "unclosed quote: a phrase needs a closing \"");
        };
        let quoted: String = chars[*i + 1..*i + 1 + len].iter().collect();
        *i += len + 2;
        quoted
    } else {
        value.to_owned()
    };
    if value.trim().is_empty() {
        return err(
            column,
            format!("the field {name:?} needs a value ({name}:VALUE)"),
        );
    }
    Ok(Tok::Field(field, value))
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    at: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|(t, _)| t)
    }

    fn column(&self) -> usize {
        self.toks.get(self.at).map_or(self.end, |(_, c)| *c)
    }

    fn or(&mut self) -> Result<Node, SyntaxError> {
        let mut parts = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.at += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Node::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Node, SyntaxError> {
        let mut parts: Vec<Node> = Vec::new();
        let mut explicit = false;
        loop {
            match self.peek() {
                None | Some(Tok::Close | Tok::Or) if parts.is_empty() || explicit => {
                    let message = match self.peek() {
                        None if self.at == 0 => "the query is empty",
                        None => "a term was expected at the end of the query",
                        Some(Tok::Close) => "a term was expected before \")\"",
                        _ => "OR needs a term on both sides",
                    };
                    return err(self.column(), message);
                }
                None | Some(Tok::Close | Tok::Or) => break,
                Some(Tok::And) => {
                    self.at += 1;
                    explicit = true;
                    continue;
                }
                _ => {}
            }
            let node = self.unary()?;
            match (parts.last_mut(), node, explicit) {
                (Some(Node::Words(run)), Node::Words(more), false) => run.extend(more),
                (_, node, _) => parts.push(node),
            }
            explicit = false;
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Node::And(parts)
        })
    }

    fn unary(&mut self) -> Result<Node, SyntaxError> {
        if self.peek() == Some(&Tok::Not) {
            let column = self.column();
            self.at += 1;
            return match self.peek() {
                None | Some(Tok::Close | Tok::Or | Tok::And) => {
                    err(column, "NOT (or -) needs a term after it")
                }
                _ => Ok(Node::Not(Box::new(self.unary()?))),
            };
        }
        let column = self.column();
        let Some((tok, _)) = self.toks.get(self.at).cloned() else {
            return err(column, "a term was expected");
        };
        self.at += 1;
        match tok {
            Tok::Open => {
                if self.peek() == Some(&Tok::Close) {
                    return err(column, "empty parentheses");
                }
                let inner = self.or()?;
                if self.peek() != Some(&Tok::Close) {
                    return err(column, "unbalanced parenthesis: \"(\" is never closed");
                }
                self.at += 1;
                Ok(inner)
            }
            Tok::Phrase(p) => Ok(Node::Phrase(p)),
            Tok::Field(f, v) => Ok(Node::Filter(f, v)),
            Tok::Word(w) => Ok(Node::Words(vec![w])),
            Tok::Close | Tok::And | Tok::Or | Tok::Not => err(column, "a term was expected"),
        }
    }
}

/// Parses the search syntax.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let toks = lex(text)?;
    let end = text.chars().count() + 1;
    let mut parser = Parser { toks, at: 0, end };
    let node = parser.or()?;
    if parser.peek() == Some(&Tok::Close) {
        return err(
            parser.column(),
            "unbalanced parenthesis: \")\" without \"(\"",
        );
    }
    Ok(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Node {
        Node::Words(w.iter().map(|s| (*s).to_owned()).collect())
    }

    #[test]
    fn words_phrases_operators_and_filters() {
        assert_eq!(
            parse("antibody viral").unwrap(),
            words(&["antibody", "viral"])
        );
        assert_eq!(
            parse("a OR \"b c\" -d type:passage").unwrap(),
            Node::Or(vec![
                words(&["a"]),
                Node::And(vec![
                    Node::Phrase("b c".into()),
                    Node::Not(Box::new(words(&["d"]))),
                    Node::Filter(FilterField::Type, "passage".into()),
                ])
            ])
        );
        assert_eq!(
            parse("(x AND y) NOT z").unwrap(),
            Node::And(vec![
                Node::And(vec![words(&["x"]), words(&["y"])]),
                Node::Not(Box::new(words(&["z"])))
            ])
        );
        assert_eq!(parse("T-cell").unwrap(), words(&["T-cell"]));
        assert_eq!(
            parse("concept:\"aspirin\"").unwrap(),
            Node::Filter(FilterField::Concept, "aspirin".into())
        );
    }

    #[test]
    fn errors_say_what_and_where() {
        for (q, column, needle) in [
            ("\"open phrase", 1, "unclosed quote"),
            ("(a b", 1, "never closed"),
            ("a b)", 4, "without"),
            ("a AND", 6, "term was expected"),
            ("OR a", 1, "OR needs"),
            ("a NOT", 3, "NOT"),
            ("foo:bar", 1, "unknown field"),
            ("type:", 1, "needs a value"),
            ("", 1, "empty"),
            ("()", 1, "empty parentheses"),
        ] {
            let e = parse(q).unwrap_err();
            assert!(e.message.contains(needle), "{q}: {e}");
            assert_eq!(e.column, column, "{q}: {e}");
        }
    }
}
