//! Term-level rules of SHACL Core: node kinds, the text that length and pattern constraints
//! read, well-formedness for `sh:datatype`, SPARQL `<` ordering for the range and
//! `sh:lessThan` constraints, `langMatches` for `sh:languageIn`, and translation of XPath
//! regular-expression flags for `sh:pattern`.
//!
//! Limitations: well-formedness is checked for the XSD datatypes SPARQL knows (numbers,
//! booleans, dates and times, durations, a few string types); other datatypes are accepted
//! as written. `sh:pattern` uses the `regex` crate, which has no backreferences or look-around.

use std::cmp::Ordering;
use std::str::FromStr;
use std::sync::LazyLock;

use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{LiteralRef, NamedNode, Term, TermRef};

use super::sh;
use oxsdatatypes::{
    Date, DateTime, DayTimeDuration, Decimal, Duration, GDay, GMonth, GMonthDay, GYear, GYearMonth,
    Time, YearMonthDuration,
};
use regex::Regex;

/// The local name of an IRI (after the last `#` or `/`).
pub(crate) fn local(iri: &NamedNode) -> &str {
    iri.as_str()
        .rsplit_once(['#', '/'])
        .map_or(iri.as_str(), |(_, l)| l)
}

/// Whether `value` is of the node kind `kind` (`sh:IRI`, `sh:BlankNodeOrLiteral`, …).
pub(crate) fn node_kind_matches(kind: &NamedNode, value: &Term) -> bool {
    let (iri, blank, literal) = match value {
        Term::NamedNode(_) => (true, false, false),
        Term::BlankNode(_) => (false, true, false),
        Term::Literal(_) => (false, false, true),
        #[allow(unreachable_patterns, reason = "Term has more variants with rdf-12")]
        _ => (false, false, false),
    };
    let kind = kind.as_ref();
    (iri && [sh::IRI, sh::BLANK_NODE_OR_IRI, sh::IRI_OR_LITERAL].contains(&kind))
        || (blank
            && [
                sh::BLANK_NODE,
                sh::BLANK_NODE_OR_IRI,
                sh::BLANK_NODE_OR_LITERAL,
            ]
            .contains(&kind))
        || (literal && [sh::LITERAL, sh::BLANK_NODE_OR_LITERAL, sh::IRI_OR_LITERAL].contains(&kind))
}

/// The string a length or pattern constraint looks at: an IRI or a literal's lexical form.
pub(crate) fn text_of(value: &Term) -> Option<&str> {
    match value {
        Term::NamedNode(n) => Some(n.as_str()),
        Term::Literal(l) => Some(l.value()),
        _ => None,
    }
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("built-in regular expression")
}

static INTEGER: LazyLock<Regex> = LazyLock::new(|| re(r"^[+-]?[0-9]+$"));
static DECIMAL: LazyLock<Regex> = LazyLock::new(|| re(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"));
static FLOAT: LazyLock<Regex> =
    LazyLock::new(|| re(r"^([+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN)$"));
static LANGUAGE: LazyLock<Regex> = LazyLock::new(|| re(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$"));
static HEX_BINARY: LazyLock<Regex> = LazyLock::new(|| re(r"^([0-9a-fA-F]{2})*$"));

/// Whether the lexical form of `literal` is in the lexical space of its datatype.
pub(crate) fn is_well_formed(literal: LiteralRef<'_>) -> bool {
    let value = literal.value();
    let datatype = literal.datatype();
    if datatype == rdf::LANG_STRING {
        return literal.language().is_some();
    }
    match datatype
        .as_str()
        .strip_prefix("http://www.w3.org/2001/XMLSchema#")
    {
        Some("boolean") => matches!(value, "true" | "false" | "1" | "0"),
        Some("decimal") => DECIMAL.is_match(value),
        Some("float" | "double") => FLOAT.is_match(value),
        Some("dateTime") => DateTime::from_str(value).is_ok(),
        Some("dateTimeStamp") => {
            DateTime::from_str(value).is_ok_and(|d| d.timezone_offset().is_some())
        }
        Some("date") => Date::from_str(value).is_ok(),
        Some("time") => Time::from_str(value).is_ok(),
        Some("gYear") => GYear::from_str(value).is_ok(),
        Some("gYearMonth") => GYearMonth::from_str(value).is_ok(),
        Some("gMonth") => GMonth::from_str(value).is_ok(),
        Some("gMonthDay") => GMonthDay::from_str(value).is_ok(),
        Some("gDay") => GDay::from_str(value).is_ok(),
        Some("duration") => Duration::from_str(value).is_ok(),
        Some("dayTimeDuration") => DayTimeDuration::from_str(value).is_ok(),
        Some("yearMonthDuration") => YearMonthDuration::from_str(value).is_ok(),
        Some("language") => LANGUAGE.is_match(value),
        Some("hexBinary") => HEX_BINARY.is_match(value),
        Some("normalizedString") => !value.contains(['\n', '\r', '\t']),
        Some("token") => {
            !value.contains(['\n', '\r', '\t'])
                && !value.starts_with(' ')
                && !value.ends_with(' ')
                && !value.contains("  ")
        }
        Some(local) => integer_in_range(local, value).unwrap_or(true),
        None => true,
    }
}

/// For the XSD integer types: whether `value` is a well-formed integer within the type's
/// range. `None` for any other datatype.
fn integer_in_range(local: &str, value: &str) -> Option<bool> {
    let (min, max): (i128, i128) = match local {
        "integer" => (i128::MIN, i128::MAX),
        "nonPositiveInteger" => (i128::MIN, 0),
        "negativeInteger" => (i128::MIN, -1),
        "nonNegativeInteger" => (0, i128::MAX),
        "positiveInteger" => (1, i128::MAX),
        "long" => (i64::MIN.into(), i64::MAX.into()),
        "int" => (i32::MIN.into(), i32::MAX.into()),
        "short" => (i16::MIN.into(), i16::MAX.into()),
        "byte" => (i8::MIN.into(), i8::MAX.into()),
        "unsignedLong" => (0, u64::MAX.into()),
        "unsignedInt" => (0, u32::MAX.into()),
        "unsignedShort" => (0, u16::MAX.into()),
        "unsignedByte" => (0, u8::MAX.into()),
        _ => return None,
    };
    if !INTEGER.is_match(value) {
        return Some(false);
    }
    Some(match value.parse::<i128>() {
        Ok(n) => (min..=max).contains(&n),
        // Beyond i128: only the unbounded types can hold it, on the right side of zero.
        Err(_) => {
            if value.starts_with('-') {
                min == i128::MIN
            } else {
                max == i128::MAX
            }
        }
    })
}

/// A literal's value, for ordering comparisons.
enum Value<'a> {
    Decimal(Decimal),
    Double(f64),
    String(&'a str),
    Boolean(bool),
    DateTime(DateTime),
    Date(Date),
    Time(Time),
    GYear(GYear),
    GYearMonth(GYearMonth),
    Duration(Duration),
}

fn value_of(literal: LiteralRef<'_>) -> Option<Value<'_>> {
    if !is_well_formed(literal) {
        return None;
    }
    let value = literal.value();
    let datatype = literal.datatype();
    if datatype == xsd::STRING {
        return Some(Value::String(value));
    }
    let local = datatype
        .as_str()
        .strip_prefix("http://www.w3.org/2001/XMLSchema#")?;
    Some(match local {
        "float" | "double" => Value::Double(parse_double(value)),
        "decimal" => decimal_or_double(value),
        "boolean" => Value::Boolean(matches!(value, "true" | "1")),
        "dateTime" | "dateTimeStamp" => Value::DateTime(value.parse().ok()?),
        "date" => Value::Date(value.parse().ok()?),
        "time" => Value::Time(value.parse().ok()?),
        "gYear" => Value::GYear(value.parse().ok()?),
        "gYearMonth" => Value::GYearMonth(value.parse().ok()?),
        "duration" | "dayTimeDuration" | "yearMonthDuration" => {
            Value::Duration(value.parse().ok()?)
        }
        _ if integer_in_range(local, value).is_some() => decimal_or_double(value),
        _ => return None,
    })
}

fn parse_double(value: &str) -> f64 {
    match value {
        "INF" | "+INF" => f64::INFINITY,
        "-INF" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        _ => value.parse().unwrap_or(f64::NAN),
    }
}

fn decimal_or_double(value: &str) -> Value<'_> {
    match Decimal::from_str(value) {
        Ok(d) => Value::Decimal(d),
        Err(_) => Value::Double(parse_double(value)),
    }
}

fn decimal_to_f64(d: Decimal) -> f64 {
    f64::from(oxsdatatypes::Double::from(d))
}

/// Compares two terms like SPARQL's `<` operator: numbers with numbers, strings with
/// strings, dates with dates…; `None` when they cannot be compared (IRIs, blank nodes,
/// ill-formed or differently typed literals, dates with and without time zone too close
/// to tell).
pub(crate) fn compare(a: TermRef<'_>, b: TermRef<'_>) -> Option<Ordering> {
    let (TermRef::Literal(a), TermRef::Literal(b)) = (a, b) else {
        return None;
    };
    match (value_of(a)?, value_of(b)?) {
        (Value::Decimal(x), Value::Decimal(y)) => Some(x.cmp(&y)),
        (Value::Decimal(x), Value::Double(y)) => decimal_to_f64(x).partial_cmp(&y),
        (Value::Double(x), Value::Decimal(y)) => x.partial_cmp(&decimal_to_f64(y)),
        (Value::Double(x), Value::Double(y)) => x.partial_cmp(&y),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Boolean(x), Value::Boolean(y)) => Some(x.cmp(&y)),
        (Value::DateTime(x), Value::DateTime(y)) => x.partial_cmp(&y),
        (Value::Date(x), Value::Date(y)) => x.partial_cmp(&y),
        (Value::Time(x), Value::Time(y)) => x.partial_cmp(&y),
        (Value::GYear(x), Value::GYear(y)) => x.partial_cmp(&y),
        (Value::GYearMonth(x), Value::GYearMonth(y)) => x.partial_cmp(&y),
        (Value::Duration(x), Value::Duration(y)) => x.partial_cmp(&y),
        _ => None,
    }
}

/// SPARQL `langMatches` (RFC 4647 basic filtering): `range` `*` matches any tag, otherwise
/// the tag equals the range or starts with it followed by `-`, ignoring case.
pub(crate) fn lang_matches(tag: &str, range: &str) -> bool {
    if range == "*" {
        return !tag.is_empty();
    }
    let (tag, range) = (tag.to_ascii_lowercase(), range.to_ascii_lowercase());
    tag == range || (tag.starts_with(&range) && tag.as_bytes().get(range.len()) == Some(&b'-'))
}

/// Compiles an `sh:pattern` with its XPath `sh:flags` (`i`, `m`, `s`, `x`, `q`).
pub(crate) fn build_regex(pattern: &str, flags: &str) -> Result<Regex, String> {
    let mut inline = String::new();
    let mut source = pattern.to_owned();
    if flags.contains('x') {
        source = strip_whitespace(&source);
    }
    if flags.contains('q') {
        source = regex::escape(&source);
    }
    for flag in flags.chars() {
        match flag {
            'i' | 'm' | 's' => inline.push(flag),
            'x' | 'q' => {}
            other => return Err(format!("unknown regular expression flag {other:?}")),
        }
    }
    if !inline.is_empty() {
        source = format!("(?{inline}){source}");
    }
    Regex::new(&source).map_err(|e| e.to_string())
}

/// XPath's `x` flag: whitespace is removed from the pattern, except inside `[...]`.
fn strip_whitespace(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut in_class = false;
    let mut escaped = false;
    for c in pattern.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '[' {
            in_class = true;
        } else if c == ']' {
            in_class = false;
        } else if !in_class && matches!(c, ' ' | '\t' | '\n' | '\r') {
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::{Literal, NamedNodeRef};

    fn typed(value: &str, datatype: NamedNodeRef<'_>) -> Literal {
        Literal::new_typed_literal(value, datatype)
    }

    #[test]
    fn integer_ranges() {
        assert!(!is_well_formed(typed("300", xsd::BYTE).as_ref()));
        assert!(is_well_formed(typed("-128", xsd::BYTE).as_ref()));
        assert!(!is_well_formed(typed("c", xsd::BYTE).as_ref()));
        assert!(!is_well_formed(typed("0", xsd::POSITIVE_INTEGER).as_ref()));
        let big = "123456789012345678901234567890123456789012345";
        assert!(is_well_formed(typed(big, xsd::INTEGER).as_ref()));
        assert!(!is_well_formed(typed(big, xsd::LONG).as_ref()));
        assert!(!is_well_formed(typed("1.0", xsd::INTEGER).as_ref()));
    }

    #[test]
    fn floats_and_dates() {
        assert!(is_well_formed(typed("-1.5E3", xsd::DOUBLE).as_ref()));
        assert!(is_well_formed(typed("INF", xsd::FLOAT).as_ref()));
        assert!(!is_well_formed(typed("inf", xsd::FLOAT).as_ref()));
        assert!(!is_well_formed(typed("2020-13-01", xsd::DATE).as_ref()));
        assert!(is_well_formed(typed("2020-12-01", xsd::DATE).as_ref()));
    }

    #[test]
    fn sparql_ordering() {
        let one = typed("1", xsd::INTEGER);
        let half = typed("0.5", xsd::DECIMAL);
        let two = typed("2.0e0", xsd::DOUBLE);
        assert_eq!(
            compare(half.as_ref().into(), one.as_ref().into()),
            Some(Ordering::Less)
        );
        assert_eq!(
            compare(two.as_ref().into(), one.as_ref().into()),
            Some(Ordering::Greater)
        );
        let text = Literal::new_simple_literal("a");
        assert_eq!(compare(text.as_ref().into(), one.as_ref().into()), None);
        let local = typed("2002-10-10T12:00:00", xsd::DATE_TIME);
        let zoned = typed("2002-10-10T12:00:00-05:00", xsd::DATE_TIME);
        assert_eq!(compare(local.as_ref().into(), zoned.as_ref().into()), None);
    }

    #[test]
    fn language_ranges() {
        assert!(lang_matches("en-US", "en"));
        assert!(lang_matches("EN", "en"));
        assert!(!lang_matches("eng", "en"));
        assert!(lang_matches("de", "*"));
    }

    #[test]
    fn regex_flags() {
        assert!(build_regex("aldi", "i").unwrap().is_match("ALDI"));
        assert!(build_regex("a b", "x").unwrap().is_match("ab"));
        assert!(build_regex("a.b", "q").unwrap().is_match("xa.b"));
        assert!(!build_regex("a.b", "q").unwrap().is_match("axb"));
        assert!(build_regex("a", "z").is_err());
    }
}
