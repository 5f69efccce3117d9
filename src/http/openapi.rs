//! `GET /openapi.json`: the API as an OpenAPI 3.1 document, rendered from [`super::api::ROUTES`] —
//! the same table the router's parameter guard enforces — with the one error shape as a schema.

use super::AppState;
use super::api::{Operation, ROUTES, Route};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::{Map, Value, json};

/// Routes of the OpenAPI document.
pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(openapi))
}

async fn openapi(State(state): State<AppState>) -> Json<Value> {
    Json(document(&super::request::base_url(&state)))
}

/// The OpenAPI path of an axum pattern (`/store/{*path}` -> `/store/{path}`) and its path parameters.
fn openapi_path(pattern: &str) -> (String, Vec<String>) {
    let mut names = Vec::new();
    let path = pattern
        .split('/')
        .map(
            |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => {
                    let name = name.trim_start_matches('*').to_owned();
                    let out = format!("{{{name}}}");
                    names.push(name);
                    out
                }
                None => segment.to_owned(),
            },
        )
        .collect::<Vec<_>>()
        .join("/");
    (path, names)
}

/// The operation object of one method of a route.
fn operation(route: &Route, op: &Operation, path_params: &[String]) -> Value {
    let mut parameters: Vec<Value> = path_params
        .iter()
        .map(|name| {
            json!({
                "name": name, "in": "path", "required": true, "schema": { "type": "string" },
                "description": if route.path.contains(&format!("{{*{name}}}")) {
                    "the rest of the path (may contain `/`)"
                } else {
                    "a path segment"
                },
            })
        })
        .collect();
    match route.parameters {
        Some(names) => parameters.extend(names.iter().map(|name| {
            json!({ "name": name, "in": "query", "required": false, "schema": { "type": "string" } })
        })),
        None => parameters.push(json!({
            "name": "parameters", "in": "query", "required": false,
            "description": "the named query's own parameters, name=value",
            "style": "form", "explode": true,
            "schema": { "type": "object", "additionalProperties": { "type": "string" } },
        })),
    }
    let id: String = format!("{}{}", op.method.to_ascii_lowercase(), route.path)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut object = json!({
        "operationId": id,
        "summary": op.summary,
        "parameters": parameters,
        "responses": {
            op.success.to_string(): { "description": "success" },
            "4XX": { "$ref": "#/components/responses/Error" },
            "5XX": { "$ref": "#/components/responses/Error" },
        },
        "security": if op.role == "reader" {
            json!([{}, { "bearer": [] }])
        } else {
            json!([{ "bearer": [] }])
        },
        "x-warrant-role": op.role,
    });
    if !op.body.is_empty() {
        let content: Map<String, Value> = op
            .body
            .iter()
            .map(|media| ((*media).to_owned(), json!({ "schema": {} })))
            .collect();
        object["requestBody"] = json!({ "required": true, "content": content });
    }
    object
}

/// The whole document, with `base` as the server URL.
pub fn document(base: &str) -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let (path, path_params) = openapi_path(route.path);
        let mut item = Map::new();
        for op in route.operations {
            item.insert(
                op.method.to_ascii_lowercase(),
                operation(route, op, &path_params),
            );
        }
        paths.insert(path, Value::Object(item));
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Warrant",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Knowledge-graph evidence service: SPARQL 1.1 (query, update, Graph Store), full-text search, curation with review and change sets, case evaluation with why-chains. Every error has the one JSON shape of the Error schema.",
            "license": { "name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0" },
        },
        "servers": [{ "url": base }],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "description": "a user's token or the admin token" },
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {
                        "error": { "type": "string", "description": "stable code, e.g. bad-query, unknown-parameter, shacl-violation" },
                        "message": { "type": "string" },
                        "line": { "type": "integer", "minimum": 1 },
                        "column": { "type": "integer", "minimum": 1 },
                        "path": { "type": "string", "description": "JSON path of the case element at fault" },
                        "report": { "type": "object", "description": "the SHACL validation report of a refused write" },
                    },
                },
            },
            "responses": {
                "Error": {
                    "description": "an error, in the one JSON shape",
                    "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } },
                },
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axum_patterns_become_openapi_paths() {
        assert_eq!(
            openapi_path("/store/{*path}"),
            ("/store/{path}".to_owned(), vec!["path".to_owned()])
        );
        assert_eq!(
            openapi_path("/curation/{kind}/{id}").1,
            vec!["kind".to_owned(), "id".to_owned()]
        );
    }
}
