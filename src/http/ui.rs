//! The workbench: the web page served at `/` and `/ui/...` for curators, reviewers and readers.
//!
//! The page is plain ES modules and CSS of our own (no third-party code, no build step), embedded in
//! the binary from `ui/` with `include_dir` and served with a strict Content-Security-Policy (scripts
//! and styles only from this server, no inline script, nothing loaded from another host, no
//! framing). It renders what the JSON API answers — search, curation, review, change sets,
//! evaluation, SPARQL, named queries — calling it with the user's bearer token (kept in the
//! browser's `sessionStorage`). Every page URL under `/ui/` answers the same shell; the modules
//! route on the path. `GET /whoami` tells the page who the token belongs to, so it offers only
//! what that role may do.

use super::{ApiError, AppState};
use crate::auth::Principal;
use axum::extract::{Path, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use include_dir::{Dir, include_dir};

/// The page's files: `index.html` and `assets/` (modules, styles, example cases).
static UI: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/ui");

/// The policy every workbench response carries: only this origin's scripts, styles, images and
/// API; no inline script or style element, no plugins, no forms to elsewhere, never framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Routes of the workbench and `/whoami`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(shell))
        .route("/ui", get(shell))
        .route("/ui/", get(shell))
        .route("/ui/assets/{*file}", get(asset))
        .route("/ui/{*page}", get(shell))
        .layer(middleware::from_fn(security_headers))
        .route("/whoami", get(whoami))
}

/// Whether `path` is one of the workbench's files (served without authentication: they hold no
/// data; the page then calls the API with the user's token).
pub fn is_page(path: &str) -> bool {
    path == "/" || path == "/ui" || path.starts_with("/ui/")
}

/// `GET /whoami`: the principal the request acts as, `{"name", "role", "anonymous"}`.
async fn whoami(Extension(principal): Extension<Principal>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "name": principal.name,
        "role": principal.role.as_str(),
        "anonymous": principal.is_anonymous(),
    }))
}

/// The page shell (`ui/index.html`) for every page URL.
async fn shell() -> Response {
    file("index.html")
}

/// A file under `ui/assets/`.
async fn asset(Path(path): Path<String>) -> Response {
    file(&format!("assets/{path}"))
}

fn file(path: &str) -> Response {
    match UI.get_file(path) {
        // include_dir paths never contain `..`: a request for one simply finds nothing
        Some(f) if !path.contains("..") => (
            [
                (header::CONTENT_TYPE, media_type(path)),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            f.contents(),
        )
            .into_response(),
        _ => ApiError::new(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("the workbench has no file {path:?}"),
        )
        .into_response(),
    }
}

/// The media type of a workbench file, by extension.
fn media_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "text/plain; charset=utf-8",
    }
}

/// Adds the security headers to every workbench response.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shell_loads_its_modules_from_this_server_only() {
        let index = std::str::from_utf8(UI.get_file("index.html").unwrap().contents()).unwrap();
        assert!(index.contains(r#"<script type="module" src="/ui/assets/js/main.js">"#));
        // no inline script: every <script> has a src
        assert_eq!(
            index.matches("<script").count(),
            index.matches("<script type=\"module\" src=\"/").count()
        );
        assert!(!index.contains("http://") && !index.contains("https://"));
    }

    #[test]
    fn no_module_loads_anything_from_another_host() {
        fn walk(dir: &Dir<'_>, seen: &mut usize) {
            for f in dir.files() {
                if f.path()
                    .extension()
                    .is_some_and(|e| e == "js" || e == "css")
                {
                    *seen += 1;
                    let text = std::str::from_utf8(f.contents()).unwrap();
                    for bad in ["import(\"http", "from \"http", "url(http", "@import"] {
                        assert!(!text.contains(bad), "{:?} contains {bad}", f.path());
                    }
                    assert!(!text.contains("innerHTML"), "{:?} uses innerHTML", f.path());
                }
            }
            for d in dir.dirs() {
                walk(d, seen);
            }
        }
        let mut seen = 0;
        walk(&UI, &mut seen);
        assert!(seen > 5, "only {seen} modules found");
    }

    #[test]
    fn media_types_follow_the_extension() {
        assert_eq!(
            media_type("assets/js/main.js"),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(media_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(media_type("assets/app.css"), "text/css; charset=utf-8");
    }
}
