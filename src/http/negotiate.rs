//! Content negotiation on `Accept` (RFC 9110 §12.5.1: media ranges with q-values).

use axum::http::HeaderMap;

/// Picks the offered media type the client prefers. `offered[0]` is the default when the client sends
/// no `Accept` or accepts anything. `None` means nothing acceptable (406).
pub fn choose<'a>(headers: &HeaderMap, offered: &[&'a str]) -> Option<&'a str> {
    let Some(accept) = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.trim().is_empty())
    else {
        return offered.first().copied();
    };
    let ranges: Vec<(String, f32)> = accept
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let range = pieces.next()?.trim().to_ascii_lowercase();
            if range.is_empty() {
                return None;
            }
            let q = pieces
                .filter_map(|p| p.trim().strip_prefix("q=").map(str::to_owned))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            Some((range, q))
        })
        .collect();
    let mut best: Option<(&str, f32, u8)> = None;
    for (index, candidate) in offered.iter().enumerate() {
        let (ctype, _) = candidate.split_once('/').unwrap_or((candidate, ""));
        // the most specific matching range decides the candidate's q
        let mut matched: Option<(f32, u8)> = None;
        for (range, q) in &ranges {
            let specificity = if range == candidate {
                3
            } else if range.strip_suffix("/*") == Some(ctype) {
                2
            } else if range == "*/*" || range == "*" {
                1
            } else {
                continue;
            };
            if matched.is_none_or(|(_, s)| specificity > s) {
                matched = Some((*q, specificity));
            }
        }
        if let Some((q, specificity)) = matched {
            if q <= 0.0 {
                continue;
            }
            // prefer higher q, then exact matches, then the server's order
            let better = match best {
                None => true,
                Some((_, bq, bs)) => q > bq || (q == bq && specificity > bs),
            };
            if better {
                best = Some((offered[index], q, specificity));
            }
        }
    }
    best.map(|(m, _, _)| m)
}

/// The `Content-Type` value sent for `media`: textual formats (all UTF-8) name their charset.
pub fn content_type_value(media: &str) -> String {
    if media.starts_with("text/") || media.contains("json") || media.contains("xml") {
        format!("{media}; charset=utf-8")
    } else {
        media.to_owned()
    }
}

/// The media type of a `Content-Type` header, lower-cased, without parameters.
pub fn content_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|v| !v.is_empty())
}

/// Refuses a body whose `Content-Type` declares a charset other than UTF-8 (400): SPARQL text and
/// forms are UTF-8 (SPARQL 1.1 Protocol §2.1.2), and a body labelled UTF-16 must not be read as if
/// it were UTF-8 even when its bytes happen to be.
pub fn require_utf8(headers: &HeaderMap, code: &'static str) -> Result<(), super::ApiError> {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(());
    };
    for param in value.split(';').skip(1) {
        if let Some((name, charset)) = param.split_once('=') {
            let charset = charset.trim().trim_matches('"');
            if name.trim().eq_ignore_ascii_case("charset")
                && !charset.eq_ignore_ascii_case("utf-8")
                && !charset.eq_ignore_ascii_case("utf8")
            {
                return Err(super::ApiError::bad_request(
                    code,
                    format!("the body is declared as charset={charset}; only UTF-8 is accepted"),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("accept", HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn picks_by_q_and_specificity() {
        let offered = ["application/json", "text/csv", "application/xml"];
        assert_eq!(
            choose(&HeaderMap::new(), &offered),
            Some("application/json")
        );
        assert_eq!(choose(&accept("text/csv"), &offered), Some("text/csv"));
        assert_eq!(
            choose(&accept("text/*;q=0.5, application/xml"), &offered),
            Some("application/xml")
        );
        assert_eq!(choose(&accept("*/*"), &offered), Some("application/json"));
        assert_eq!(choose(&accept("image/png"), &offered), None);
        assert_eq!(
            choose(&accept("*/*, application/json;q=0"), &offered),
            Some("text/csv")
        );
    }
}
