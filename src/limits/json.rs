//! How deeply a JSON document nests, measured without parsing it (JSON-LD processors recurse per
//! level; a body of 1000 nested objects must be refused before it reaches one).

use super::TooComplex;

/// Refuses `bytes` when its arrays and objects nest deeper than `max_depth`. Brackets inside
/// strings (escapes included) do not count; anything that is not JSON is left to the parser.
pub fn check(bytes: &[u8], max_depth: usize) -> Result<(), TooComplex> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let (mut line, mut column) = (1u64, 0u64);
    for &b in bytes {
        if b == b'\n' {
            line += 1;
            column = 0;
        } else if b & 0xC0 != 0x80 {
            column += 1;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max_depth {
                    return Err(TooComplex::at(
                        format!(
                            "the JSON document nests too deeply: more than {max_depth} levels of \
                             arrays and objects"
                        ),
                        line,
                        column,
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_measured_outside_strings() {
        let deep = format!("{}1{}", "[".repeat(20), "]".repeat(20));
        assert!(check(deep.as_bytes(), 20).is_ok());
        assert!(check(deep.as_bytes(), 19).is_err());
        let quoted = format!(r#"{{"a": "{}\"{}"}}"#, "[".repeat(50), "{".repeat(50));
        assert!(check(quoted.as_bytes(), 1).is_ok());
    }

    #[test]
    fn the_error_says_where() {
        let e = check(b"{\n \"a\": [[1]]}", 2).unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(8)));
    }
}
