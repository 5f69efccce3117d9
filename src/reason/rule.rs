//! Rule files: reading `queries/rules/<ruleset>/NN-name.rq`, checking the header and the accepted
//! CONSTRUCT form, and turning each into a [`Rule`] (body triple patterns, FILTERs, head templates,
//! variables numbered as slots). Every refusal names the file, the line and the reason.

use super::filter::Expr;
use super::vocab::RULE_PREFIX;
use super::{ReasonError, RuleError};
use oxigraph::model::{NamedNode, Term};
use spargebra::algebra::{Expression, GraphPattern};
use spargebra::term::{NamedNodePattern, TermPattern, TriplePattern};
use spargebra::{Query, SparqlParser};
use std::path::{Path, PathBuf};

/// One position of a triple pattern: a constant term or a variable slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Slot {
    /// A constant RDF term.
    Const(Term),
    /// A variable, numbered within its rule.
    Var(usize),
}

/// A parsed, validated rule: `head` holds whenever `body` matches and every filter holds.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Rule set the rule belongs to (its folder name), e.g. `rdfs`.
    pub ruleset: String,
    /// Rule id, the file stem `NN-name`, e.g. `09-subclass`.
    pub id: String,
    /// Rule IRI `https://w3id.org/warrant/rule/{ruleset}/{id}`, recorded in derivations.
    pub iri: NamedNode,
    /// File the rule was read from.
    pub path: PathBuf,
    /// Header `# concludes:` text: what the rule derives.
    pub concludes: String,
    /// Header `# limitations:` text: what the rule does not cover.
    pub limitations: String,
    /// Variable names, indexed by slot.
    pub(crate) vars: Vec<String>,
    /// Body triple patterns (the basic graph pattern), in file order.
    pub(crate) body: Vec<[Slot; 3]>,
    /// FILTER expressions over body variables.
    pub(crate) filters: Vec<Expr>,
    /// Head (CONSTRUCT template) triple patterns; every variable is bound by the body.
    pub(crate) head: Vec<[Slot; 3]>,
}

/// Loads the rule sets `sets` (sub-folders of `rules_dir`), each file in name order.
pub fn load_rule_sets(rules_dir: &Path, sets: &[String]) -> Result<Vec<Rule>, ReasonError> {
    let mut rules = Vec::new();
    for set in sets {
        let dir = rules_dir.join(set);
        if !dir.is_dir() {
            return Err(ReasonError::UnknownRuleSet {
                name: set.clone(),
                dir: rules_dir.to_path_buf(),
            });
        }
        let io = |source| ReasonError::Io {
            path: dir.clone(),
            source,
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(io)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(io)?;
        files.retain(|p| p.extension().is_some_and(|e| e == "rq"));
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(|source| ReasonError::Io {
                path: path.clone(),
                source,
            })?;
            rules.push(parse_rule(set, &path, &text)?);
        }
    }
    Ok(rules)
}

/// Deepest nesting of brackets accepted in a rule file (a rule is a basic graph pattern with
/// FILTERs: far below the limit for queries).
pub const RULE_MAX_NESTING: usize = 64;
/// Most operators, separators and brackets accepted in a rule file.
pub const RULE_MAX_TOKENS: usize = 10_000;

/// Parses one rule file's text; `path` names it in errors and gives the rule id (its stem).
///
/// Text nesting deeper than [`RULE_MAX_NESTING`] or longer than [`RULE_MAX_TOKENS`] is refused
/// before the recursive SPARQL parser sees it, and the parse runs on a thread with a large stack:
/// a rule file never aborts the process, however it is written.
pub fn parse_rule(ruleset: &str, path: &Path, text: &str) -> Result<Rule, RuleError> {
    if let Err(e) = crate::limits::sparql::check(text, RULE_MAX_NESTING, RULE_MAX_TOKENS) {
        return Err(RuleError {
            file: path.to_path_buf(),
            line: e.line.map_or(1, |l| l as usize),
            reason: format!("too complex for a rule: {e}"),
        });
    }
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("rule-parser".into())
            .stack_size(crate::limits::LARGE_STACK)
            .spawn_scoped(scope, || parse_checked(ruleset, path, text));
        match worker {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            // no thread to be had: the checked text is small enough for this one
            Err(_) => parse_checked(ruleset, path, text),
        }
    })
}

/// [`parse_rule`] after the limits are checked.
fn parse_checked(ruleset: &str, path: &Path, text: &str) -> Result<Rule, RuleError> {
    let err = |line: usize, reason: String| RuleError {
        file: path.to_path_buf(),
        line,
        reason,
    };
    let id = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_owned();
    let well_named = id.len() > 3
        && id.as_bytes()[..2].iter().all(u8::is_ascii_digit)
        && id.as_bytes()[2] == b'-'
        && id[3..]
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !well_named {
        return Err(err(
            1,
            "file name must be NN-name.rq (lowercase, digits, '-')".into(),
        ));
    }
    let header = Header::parse(text);
    match header.get("id") {
        None => return Err(err(1, "missing header line '# id: NN-name'".into())),
        Some((line, v)) if v != id => {
            return Err(err(
                line,
                format!("header id '{v}' differs from file name '{id}'"),
            ));
        }
        Some(_) => {}
    }
    let concludes = header
        .get("concludes")
        .ok_or_else(|| err(1, "missing header line '# concludes: …'".into()))?
        .1;
    let limitations = header
        .get("limitations")
        .ok_or_else(|| err(1, "missing header line '# limitations: …'".into()))?
        .1;

    let query = SparqlParser::new().parse_query(text).map_err(|e| {
        // The parser reports its furthest attempt, often the end of the file: an unbalanced
        // bracket, when there is one, places the error better.
        let msg = e.to_string();
        match bracket_error(text) {
            Some((line, what)) => err(line, format!("SPARQL syntax error: {what} ({msg})")),
            None => {
                let last = text.lines().count().max(1);
                err(
                    syntax_error_line(&msg).unwrap_or(1).min(last),
                    format!("SPARQL syntax error: {msg}"),
                )
            }
        }
    })?;
    let (template, pattern) = match query {
        Query::Construct {
            template,
            pattern,
            dataset: None,
            ..
        } => (template, pattern),
        Query::Construct { .. } => {
            return Err(err(
                line_of(text, "FROM", 0),
                "FROM is not allowed in a rule".into(),
            ));
        }
        _ => {
            return Err(err(
                first_code_line(text),
                "a rule must be a SPARQL CONSTRUCT query".into(),
            ));
        }
    };
    let construct_at = find_keyword(text, "CONSTRUCT", 0).unwrap_or(0);
    let where_at = find_keyword(text, "WHERE", construct_at).unwrap_or(construct_at);

    let mut triples = Vec::new();
    let mut filter_exprs = Vec::new();
    // A CONSTRUCT's pattern comes wrapped in a projection of its in-scope variables.
    let body_pattern = match &pattern {
        GraphPattern::Project { inner, .. } => inner.as_ref(),
        other => other,
    };
    flatten(body_pattern, &mut triples, &mut filter_exprs)
        .map_err(|(kw, reason)| err(line_of(text, kw, where_at), reason))?;
    if triples.is_empty() {
        return Err(err(
            line_of(text, "WHERE", construct_at),
            "the rule body has no triple pattern".into(),
        ));
    }

    let mut vars: Vec<String> = Vec::new();
    let mut slot_of = |name: String| -> usize {
        if let Some(i) = vars.iter().position(|v| *v == name) {
            i
        } else {
            vars.push(name);
            vars.len() - 1
        }
    };
    let mut body = Vec::with_capacity(triples.len());
    for t in &triples {
        let s = body_slot(&t.subject, &mut slot_of);
        let p = match &t.predicate {
            NamedNodePattern::NamedNode(n) => Slot::Const(n.clone().into()),
            NamedNodePattern::Variable(v) => Slot::Var(slot_of(v.as_str().to_owned())),
        };
        let o = body_slot(&t.object, &mut slot_of);
        body.push([s, p, o]);
    }
    let slot = |name: &str| vars.iter().position(|v| v == name);
    let mut filters = Vec::new();
    for e in &filter_exprs {
        filters.push(
            Expr::compile(e, &slot)
                .map_err(|reason| err(line_of(text, "FILTER", where_at), reason))?,
        );
    }

    let mut head = Vec::with_capacity(template.len());
    for t in &template {
        let one = |tp: &TermPattern| -> Result<Slot, RuleError> {
            match tp {
                TermPattern::Variable(v) => slot(v.as_str()).map(Slot::Var).ok_or_else(|| {
                    err(
                        line_of(text, &format!("?{}", v.as_str()), construct_at),
                        format!(
                            "head variable ?{} is not bound by the rule body",
                            v.as_str()
                        ),
                    )
                }),
                TermPattern::NamedNode(n) => Ok(Slot::Const(n.clone().into())),
                TermPattern::Literal(l) => Ok(Slot::Const(l.clone().into())),
                _ => Err(err(
                    line_of(text, "_:", construct_at).min(line_of(text, "[", construct_at)),
                    "blank nodes in the head (existential conclusions) are not supported".into(),
                )),
            }
        };
        let s = one(&t.subject)?;
        let p = match &t.predicate {
            NamedNodePattern::NamedNode(n) => Slot::Const(n.clone().into()),
            NamedNodePattern::Variable(v) => one(&TermPattern::Variable(v.clone()))?,
        };
        let o = one(&t.object)?;
        head.push([s, p, o]);
    }
    if head.is_empty() {
        return Err(err(
            line_of(text, "CONSTRUCT", 0),
            "the rule head is empty".into(),
        ));
    }
    Ok(Rule {
        iri: NamedNode::new_unchecked(format!("{RULE_PREFIX}{ruleset}/{id}")),
        ruleset: ruleset.to_owned(),
        id,
        path: path.to_path_buf(),
        concludes,
        limitations,
        vars,
        body,
        filters,
        head,
    })
}

fn body_slot(tp: &TermPattern, slot_of: &mut impl FnMut(String) -> usize) -> Slot {
    match tp {
        TermPattern::Variable(v) => Slot::Var(slot_of(v.as_str().to_owned())),
        // A blank node in a body is a non-distinguished variable.
        TermPattern::BlankNode(b) => Slot::Var(slot_of(format!("_:{}", b.as_str()))),
        TermPattern::NamedNode(n) => Slot::Const(n.clone().into()),
        TermPattern::Literal(l) => Slot::Const(l.clone().into()),
        #[allow(unreachable_patterns)]
        _ => Slot::Const(Term::from(NamedNode::new_unchecked("urn:unsupported"))),
    }
}

/// Collects the triple patterns and filters of an accepted body, or names the offending keyword.
fn flatten(
    p: &GraphPattern,
    triples: &mut Vec<TriplePattern>,
    filters: &mut Vec<Expression>,
) -> Result<(), (&'static str, String)> {
    match p {
        GraphPattern::Bgp { patterns } => triples.extend(patterns.iter().cloned()),
        GraphPattern::Join { left, right } => {
            flatten(left, triples, filters)?;
            flatten(right, triples, filters)?;
        }
        GraphPattern::Filter { expr, inner } => {
            if contains_exists(expr) {
                return Err(("EXISTS", "FILTER (NOT) EXISTS is not supported in rules (negation would break monotonic evaluation)".into()));
            }
            filters.push(expr.clone());
            flatten(inner, triples, filters)?;
        }
        GraphPattern::Path { .. } => {
            return Err(("*", "property paths are not supported in rules: write one triple pattern per step or a recursive rule".into()));
        }
        GraphPattern::LeftJoin { .. } => {
            return Err(("OPTIONAL", "OPTIONAL is not supported in rules".into()));
        }
        GraphPattern::Union { .. } => {
            return Err((
                "UNION",
                "UNION is not supported in rules: write one rule per branch".into(),
            ));
        }
        GraphPattern::Minus { .. } => {
            return Err(("MINUS", "MINUS is not supported in rules".into()));
        }
        GraphPattern::Extend { .. } => {
            return Err(("BIND", "BIND is not supported in rules".into()));
        }
        GraphPattern::Values { .. } => {
            return Err(("VALUES", "VALUES is not supported in rules".into()));
        }
        GraphPattern::Graph { .. } => {
            return Err((
                "GRAPH",
                "GRAPH is not supported in rules: rules see the union of content graphs".into(),
            ));
        }
        GraphPattern::Service { .. } => {
            return Err(("SERVICE", "SERVICE is not supported in rules".into()));
        }
        GraphPattern::Group { .. } => {
            return Err(("GROUP", "aggregates are not supported in rules".into()));
        }
        GraphPattern::Project { .. } => {
            return Err(("SELECT", "sub-queries are not supported in rules".into()));
        }
        _ => {
            return Err((
                "{",
                "only a basic graph pattern with FILTERs is supported in a rule body".into(),
            ));
        }
    }
    Ok(())
}

fn contains_exists(e: &Expression) -> bool {
    match e {
        Expression::Exists(_) => true,
        Expression::Not(a) => contains_exists(a),
        Expression::And(a, b) | Expression::Or(a, b) => contains_exists(a) || contains_exists(b),
        _ => false,
    }
}

/// Header lines: `# key: value`, continued by following `#` lines without a key.
struct Header(Vec<(String, usize, String)>);

impl Header {
    fn parse(text: &str) -> Self {
        let mut items: Vec<(String, usize, String)> = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let t = line.trim();
            if t.is_empty() {
                continue;
            }
            let Some(c) = t.strip_prefix('#') else { break };
            let c = c.trim();
            let keyed = c.split_once(':').filter(|(k, _)| {
                !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
            if let Some((k, v)) = keyed {
                items.push((k.to_ascii_lowercase(), n + 1, v.trim().to_owned()));
            } else if let Some(last) = items.last_mut() {
                if !c.is_empty() {
                    last.2.push(' ');
                    last.2.push_str(c);
                }
            }
        }
        Self(items)
    }

    fn get(&self, key: &str) -> Option<(usize, String)> {
        self.0
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, l, v)| (*l, v.clone()))
    }
}

/// The first unbalanced or mismatched bracket outside comments, strings and IRIs: line and what.
fn bracket_error(text: &str) -> Option<(usize, String)> {
    let mut stack: Vec<(u8, usize)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = strip_comment(line).as_bytes();
        let mut i = 0;
        while i < code.len() {
            let c = code[i];
            match c {
                b'"' | b'\'' => {
                    i += code[i + 1..]
                        .iter()
                        .position(|&x| x == c)
                        .map_or(code.len(), |j| j + 1);
                }
                // An IRI: '<' then no whitespace up to '>' (else a less-than operator).
                b'<' => {
                    if let Some(j) = code[i + 1..]
                        .iter()
                        .position(|&x| x == b'>' || x.is_ascii_whitespace())
                    {
                        if code[i + 1 + j] == b'>' {
                            i += j + 1;
                        }
                    }
                }
                b'(' | b'{' | b'[' => stack.push((c, n + 1)),
                b')' | b'}' | b']' => {
                    let open = match c {
                        b')' => b'(',
                        b'}' => b'{',
                        _ => b'[',
                    };
                    match stack.pop() {
                        Some((o, _)) if o == open => {}
                        Some((o, l)) => {
                            let (c, o) = (c as char, o as char);
                            return Some((n + 1, format!("'{c}' closes '{o}' opened on line {l}")));
                        }
                        None => return Some((n + 1, format!("'{}' closes nothing", c as char))),
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }
    stack
        .pop()
        .map(|(o, l)| (l, format!("'{}' is never closed", o as char)))
}

/// Line of a peg syntax error message `error at L:C: …`.
fn syntax_error_line(msg: &str) -> Option<usize> {
    let rest = &msg[msg.find("error at ")? + "error at ".len()..];
    rest.split(':').next()?.trim().parse().ok()
}

/// Byte offset of `kw` (case-insensitive, whole word, outside `#` comments) at or after `from`.
fn find_keyword(text: &str, kw: &str, from: usize) -> Option<usize> {
    let upper = kw.to_ascii_uppercase();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let end = offset + line.len();
        if end > from {
            let code = strip_comment(line).to_ascii_uppercase();
            let mut start = from.saturating_sub(offset).min(code.len());
            while let Some(i) = code[start..].find(&upper) {
                let at = start + i;
                let after = at + upper.len();
                let bytes = code.as_bytes();
                let word_end = !upper.as_bytes().last().is_some_and(|c| ident(*c))
                    || after >= bytes.len()
                    || !ident(bytes[after]);
                let word_start =
                    !upper.as_bytes()[0].is_ascii_alphabetic() || at == 0 || !ident(bytes[at - 1]);
                if word_end && word_start {
                    return Some(offset + at);
                }
                start = at + 1;
            }
        }
        offset = end;
    }
    None
}

/// The part of a line before a `#` comment (a `#` inside `<…>` or a string does not start one).
fn strip_comment(line: &str) -> &str {
    let (mut iri, mut quote) = (false, None);
    for (i, c) in line.char_indices() {
        match (c, quote) {
            ('"' | '\'', None) if !iri => quote = Some(c),
            (c, Some(q)) if c == q => quote = None,
            ('<', None) => iri = true,
            ('>', None) => iri = false,
            ('#', None) if !iri => return &line[..i],
            _ => {}
        }
    }
    line
}

/// 1-based line of `needle` at or after byte `from`; the line of `from` itself when absent.
fn line_of(text: &str, needle: &str, from: usize) -> usize {
    let at = find_keyword(text, needle, from).unwrap_or(from);
    text[..at.min(text.len())].matches('\n').count() + 1
}

fn first_code_line(text: &str) -> usize {
    text.lines()
        .position(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map_or(1, |i| i + 1)
}
