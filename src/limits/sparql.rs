//! A cheap scan of SPARQL text before it reaches the parser: how deeply it nests and how many
//! chain operators it holds, so that text too deep for any stack is refused instead of parsed.
//!
//! The parser (`spargebra`, a PEG) recurses once per bracket (`(`, `{`, `[`) and once per `!` of a
//! `!!!…` run; brackets inside strings, comments and IRIs do not count. The one lexical ambiguity
//! of SPARQL — `<` opens an IRI or is the less-than operator — is not guessed where it exists
//! (inside parentheses: an operator only occurs in an expression, and every expression is inside
//! parentheses): the scan follows both readings at once (a small set of lexer states, one per
//! mode, merged by keeping the largest counts), so whatever the parser decides, its depth is never
//! more than the one measured here. Brackets inside a string, comment or IRI that the parser may
//! read as code are still counted (a region never lowers the depth it was entered at).
//!
//! Chains build depth without nesting (`1+1+…`, `{} UNION {} …`, `p/p/…`): the operators,
//! separators and opening brackets outside strings, comments and IRIs are counted as well, which
//! bounds the depth of any algebra the parser can build from the text.

use super::TooComplex;

/// Where a reading of the text stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Code,
    Comment,
    /// A string opened by `'` or `"` (`long`: by `'''` or `"""`).
    Str {
        quote: u8,
        long: bool,
    },
    Iri,
}

/// One reading: its mode, its depth and, inside a region, the brackets the region opened and has
/// not closed (counted in case the region is not one for the parser).
#[derive(Debug, Clone, Copy)]
struct Reading {
    mode: Mode,
    depth: usize,
    region_depth: usize,
    bangs: usize,
    /// Index of the byte that opened the current region.
    opened_at: usize,
    /// Open parentheses (an upper bound), and those opened inside the current region.
    parens: usize,
    region_parens: usize,
    /// Operators, separators and opening brackets read as code.
    chain: usize,
}

/// Measures `text`; refuses it when it nests deeper than `max_depth` or holds more than
/// `max_chain` operators, separators and opening brackets (`( { [ && || + - * / | . ; ,`) as code:
/// each may add one level to the algebra the parser builds from a chain.
pub fn check(text: &str, max_depth: usize, max_chain: usize) -> Result<(), TooComplex> {
    let bytes = text.as_bytes();
    let mut readings: Vec<Reading> = vec![Reading {
        mode: Mode::Code,
        depth: 0,
        region_depth: 0,
        bangs: 0,
        opened_at: 0,
        parens: 0,
        region_parens: 0,
        chain: 0,
    }];
    let mut next: Vec<Reading> = Vec::new();
    let (mut line, mut column) = (1u64, 0u64);
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' {
            line += 1;
            column = 0;
        } else if b & 0xC0 != 0x80 {
            column += 1;
        }
        next.clear();
        for reading in &readings {
            step(reading, bytes, i, &mut next);
        }
        merge(&next, &mut readings);
        let deepest = readings.iter().map(|r| r.depth + r.bangs).max();
        if deepest.is_some_and(|d| d > max_depth) {
            return Err(TooComplex::at(
                format!(
                    "the query or update nests too deeply: more than {max_depth} levels of \
                     brackets, braces or `!`"
                ),
                line,
                column,
            ));
        }
        if readings.iter().any(|r| r.chain > max_chain) {
            return Err(TooComplex::at(
                format!(
                    "the query or update is too long: more than {max_chain} operators, separators \
                     and brackets (each may add a level to the evaluated algebra)"
                ),
                line,
                column,
            ));
        }
    }
    Ok(())
}

/// The readings after byte `i`, from one reading before it. Multi-byte tokens (`'''`, escapes)
/// are handled by looking back, so every reading advances one byte at a time.
fn step(r: &Reading, bytes: &[u8], i: usize, out: &mut Vec<Reading>) {
    let b = bytes[i];
    let prev = |n: usize| i.checked_sub(n).map(|j| bytes[j]);
    match r.mode {
        Mode::Code => {
            let mut r = *r;
            if !matches!(b, b'!' | b'#') && !b.is_ascii_whitespace() {
                // a comment between two `!` does not end the run
                r.bangs = 0;
            }
            if matches!(
                b,
                b'(' | b'{' | b'[' | b'&' | b'|' | b'+' | b'-' | b'*' | b'/' | b'.' | b';' | b','
            ) {
                r.chain += 1;
            }
            match b {
                b'(' => {
                    r.depth += 1;
                    r.parens += 1;
                }
                b'{' | b'[' => r.depth += 1,
                b')' => {
                    r.depth = r.depth.saturating_sub(1);
                    r.parens = r.parens.saturating_sub(1);
                }
                b'}' | b']' => r.depth = r.depth.saturating_sub(1),
                b'!' if bytes.get(i + 1) != Some(&b'=') => r.bangs += 1,
                b'#' if !escaped(bytes, i) => r = region(r, Mode::Comment, i),
                b'\'' | b'"' if !escaped(bytes, i) => {
                    let mode = Mode::Str {
                        quote: b,
                        long: false,
                    };
                    r = region(r, mode, i);
                }
                b'<' => {
                    if r.parens > 0 {
                        // in parentheses, both readings: the less-than operator (stay in code)
                        out.push(r);
                    }
                    r = region(r, Mode::Iri, i);
                }
                _ => {}
            }
            out.push(r);
        }
        Mode::Comment => {
            let mut r = *r;
            count_in_region(&mut r, b);
            if b == b'\n' || b == b'\r' {
                r = leave(r);
            }
            out.push(r);
        }
        Mode::Str { quote, long } => {
            let mut r = *r;
            count_in_region(&mut r, b);
            if b == quote && !escaped(bytes, i) {
                if !long && i == r.opened_at + 1 {
                    // `''` or `""`: an empty string, or the first two quotes of `'''`: both readings
                    out.push(leave(r));
                    r.mode = Mode::Str { quote, long: true };
                } else if !long {
                    r = leave(r);
                } else if i >= r.opened_at + 5
                    && prev(1) == Some(quote)
                    && prev(2) == Some(quote)
                    && !escaped(bytes, i - 2)
                {
                    // the first three quotes in a row after the content close a long string
                    r = leave(r);
                }
            } else if !long && (b == b'\n' || b == b'\r') {
                // short strings cannot span lines: the parser fails here; go on in code
                r = leave(r);
            }
            out.push(r);
        }
        Mode::Iri => {
            let mut r = *r;
            count_in_region(&mut r, b);
            if b == b'>' {
                out.push(leave(r));
            } else if !(b <= b' ' || matches!(b, b'<' | b'"' | b'{' | b'}' | b'|' | b'^' | b'`')) {
                out.push(r);
            }
            // any other byte cannot be in an IRI: this reading ends
        }
    }
}

/// Whether the byte at `i` follows an odd run of backslashes.
fn escaped(bytes: &[u8], i: usize) -> bool {
    let mut n = 0;
    while n < i && bytes[i - 1 - n] == b'\\' {
        n += 1;
    }
    n % 2 == 1
}

fn region(mut r: Reading, mode: Mode, at: usize) -> Reading {
    r.mode = mode;
    r.region_depth = 0;
    r.region_parens = 0;
    r.opened_at = at;
    r
}

/// Brackets inside a region: opening ones count (the region may be code to the parser), closing
/// ones only close what the same region opened.
fn count_in_region(r: &mut Reading, b: u8) {
    match b {
        b'(' | b'{' | b'[' => {
            r.region_depth += 1;
            r.depth += 1;
            if b == b'(' {
                r.region_parens += 1;
                r.parens += 1;
            }
        }
        b')' | b'}' | b']' if r.region_depth > 0 => {
            r.region_depth -= 1;
            r.depth -= 1;
            if b == b')' && r.region_parens > 0 {
                r.region_parens -= 1;
                r.parens -= 1;
            }
        }
        _ => {}
    }
}

fn leave(mut r: Reading) -> Reading {
    r.mode = Mode::Code;
    r.region_depth = 0;
    r.region_parens = 0;
    r
}

/// One reading per mode and region start, the largest counts kept (an upper bound for every
/// reading merged into it).
fn merge(readings: &[Reading], merged: &mut Vec<Reading>) {
    merged.clear();
    for r in readings {
        let same = |m: &&mut Reading| {
            m.mode == r.mode && (m.mode == Mode::Code || m.opened_at == r.opened_at)
        };
        match merged.iter_mut().find(same) {
            Some(m) => {
                m.depth = m.depth.max(r.depth);
                m.region_depth = m.region_depth.max(r.region_depth);
                m.bangs = m.bangs.max(r.bangs);
                m.parens = m.parens.max(r.parens);
                m.region_parens = m.region_parens.max(r.region_parens);
                m.chain = m.chain.max(r.chain);
            }
            None => merged.push(*r),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_ok(text: &str, max: usize) -> bool {
        check(text, max, usize::MAX).is_ok()
    }

    #[test]
    fn counts_brackets_in_code() {
        let q = format!(
            "SELECT * WHERE {{ FILTER({}?o{}) }}",
            "(".repeat(50),
            ")".repeat(50)
        );
        assert!(depth_ok(&q, 52));
        assert!(!depth_ok(&q, 51));
    }

    #[test]
    fn balanced_brackets_in_strings_comments_and_iris_do_not_add_up() {
        let many = format!("{}x{}", "(".repeat(40), ")".repeat(40));
        let q = format!(
            "SELECT * WHERE {{ ?s <http://x/{many}> \"{many}\" . # {many}\n ?s ?p '''{many}\n''' }}"
        );
        // each region may be code to the parser, so its own 40 count — but they do not add up
        assert!(depth_ok(&q, 41));
        assert!(!depth_ok(&q, 39));
        let balanced = "(x)".repeat(500);
        let q = format!("SELECT * WHERE {{ ?s ?p \"{balanced}\" }}");
        assert!(depth_ok(&q, 2));
    }

    #[test]
    fn closing_brackets_in_a_string_do_not_hide_depth() {
        let q = format!(
            "SELECT * WHERE {{ ?s ?p \"{}\" FILTER({}1{}) }}",
            ")".repeat(100),
            "(".repeat(60),
            ")".repeat(60)
        );
        assert!(!depth_ok(&q, 50));
    }

    #[test]
    fn an_operator_that_looks_like_an_iri_cannot_hide_brackets() {
        // the parser reads `<` as less-than and `#…` as a comment; an IRI reading would open a
        // long string on the rest of the line
        let q = format!(
            "SELECT * WHERE {{ ?s ?p ?o FILTER(?o<?b#>'''\n{}1{} ) }}",
            "(".repeat(60),
            ")".repeat(60)
        );
        assert!(!depth_ok(&q, 50));
        let q = format!(
            "SELECT * WHERE {{ ?s ?p ?o FILTER(?o<(((({}1{}))))&&?o>0) }}",
            "(".repeat(60),
            ")".repeat(60)
        );
        assert!(!depth_ok(&q, 50));
    }

    #[test]
    fn bang_runs_count_as_depth() {
        let q = format!("ASK {{ FILTER({}true) }}", "!".repeat(100));
        assert!(!depth_ok(&q, 50));
        assert!(depth_ok("ASK { FILTER(1 != 2 && !true) }", 3));
    }

    #[test]
    fn chains_are_counted_outside_strings_and_iris() {
        let q = format!("ASK {{ FILTER(1{}) }}", "+1".repeat(1000));
        assert!(check(&q, 100, 500).is_err());
        assert!(check(&q, 100, 5000).is_ok());
        let data = "<http://x.org/a/b/c.d> <http://x.org/p> \"a, b; c. d/e\" . ".repeat(100);
        assert!(check(&format!("INSERT DATA {{ {data} }}"), 10, 110).is_ok());
    }

    #[test]
    fn errors_say_where() {
        let e = check("ASK {\n  FILTER((((1))))\n}", 3, 1000).unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(11)));
    }
}
