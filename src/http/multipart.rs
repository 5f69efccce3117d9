//! `multipart/form-data` bodies (RFC 7578), which the Graph Store Protocol allows for writes: each
//! part is an RDF document with its own `Content-Type`, and the graph receives their merge.

use super::ApiError;
use axum::body::Bytes;

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The part's media type (lower-cased, without parameters), when it names one.
    pub media_type: Option<String>,
    /// The part's content.
    pub body: Bytes,
}

/// The `boundary` parameter of a `multipart/form-data` Content-Type header value.
pub fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (name, value) = p.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_owned())
            .filter(|b| !b.is_empty())
    })
}

/// Splits `body` into its parts; a body without the closing delimiter is a bad request.
pub fn parts(body: &Bytes, boundary: &str) -> Result<Vec<Part>, ApiError> {
    let bad = |m: &str| ApiError::bad_request("bad-request", format!("multipart body: {m}"));
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut at = find(body, delimiter, 0).ok_or_else(|| bad("no boundary delimiter"))?;
    let mut parts = Vec::new();
    loop {
        at += delimiter.len();
        if body[at..].starts_with(b"--") {
            return Ok(parts);
        }
        let start = skip_line_end(body, at);
        let next =
            find_delimiter(body, delimiter, start).ok_or_else(|| bad("no closing delimiter"))?;
        // the line break before the next delimiter belongs to the delimiter
        let mut end = next;
        if end > start && body[end - 1] == b'\n' {
            end -= 1;
            if end > start && body[end - 1] == b'\r' {
                end -= 1;
            }
        }
        let part = body.slice(start..end.max(start));
        let header_end = find(&part, b"\r\n\r\n", 0)
            .map(|i| (i, i + 4))
            .or_else(|| find(&part, b"\n\n", 0).map(|i| (i, i + 2)));
        let (headers, content) = match header_end {
            Some((h, c)) => (&part[..h], part.slice(c..)),
            None if part.first().is_some_and(|b| *b == b'\r' || *b == b'\n') => {
                (&b""[..], part.slice(skip_line_end(&part, 0)..))
            }
            None => return Err(bad("a part has no blank line after its headers")),
        };
        let media_type = String::from_utf8_lossy(headers).lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim().eq_ignore_ascii_case("content-type").then(|| {
                value
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
        });
        parts.push(Part {
            media_type,
            body: content,
        });
        at = next;
    }
}

fn skip_line_end(body: &[u8], mut at: usize) -> usize {
    if body.get(at) == Some(&b'\r') {
        at += 1;
    }
    if body.get(at) == Some(&b'\n') {
        at += 1;
    }
    at
}

/// The next delimiter that starts a line.
fn find_delimiter(body: &[u8], delimiter: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let i = find(body, delimiter, at)?;
        if i == 0 || body[i - 1] == b'\n' {
            return Some(i);
        }
        at = i + 1;
    }
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_parts_with_their_media_types() {
        let body = Bytes::from_static(
            b"--b1\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Type: text/turtle; charset=utf-8\r\n\r\n<a> <b> <c> .\r\n\r\n--b1\r\nContent-Type: application/n-triples\r\n\r\n<x> <y> <z> .\r\n--b1--\r\n",
        );
        assert_eq!(
            boundary("multipart/form-data; boundary=\"b1\""),
            Some("b1".into())
        );
        let parts = parts(&body, "b1").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].media_type.as_deref(), Some("text/turtle"));
        assert_eq!(&parts[0].body[..], b"<a> <b> <c> .\r\n");
        assert_eq!(
            parts[1].media_type.as_deref(),
            Some("application/n-triples")
        );
        assert_eq!(&parts[1].body[..], b"<x> <y> <z> .");
        assert!(super::parts(&Bytes::from_static(b"--b1\r\n\r\nno end"), "b1").is_err());
    }
}
