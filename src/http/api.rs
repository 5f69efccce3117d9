//! The table of the HTTP API: every route with its methods, what each does, the body media types it
//! reads and the URL parameters it understands. One table serves three purposes, so they cannot
//! drift apart: [`super::guard`] refuses parameters a route does not list, [`super::openapi`]
//! renders the table as the OpenAPI document at `/openapi.json`, and a route the router serves but
//! the table lacks is an error in debug builds (every test exercises the table).

/// One method of a route.
pub struct Operation {
    /// `GET`, `POST`, …
    pub method: &'static str,
    /// What it does, in one line.
    pub summary: &'static str,
    /// Media types of the request body it reads (empty: no body).
    pub body: &'static [&'static str],
    /// The least role it needs (`reader` for reads).
    pub role: &'static str,
    /// Status of success.
    pub success: u16,
}

/// One route: its axum path pattern, its URL parameters and its methods.
pub struct Route {
    /// The path pattern as the router has it (`/curation/{kind}/{id}`, `/store/{*path}`).
    pub path: &'static str,
    /// URL query parameters; `None`: any (a named query's parameters are the query's own).
    pub parameters: Option<&'static [&'static str]>,
    /// Methods served (HEAD is served wherever GET is).
    pub operations: &'static [Operation],
}

const RDF: &[&str] = &[
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/ld+json",
    "application/n-quads",
    "application/trig",
    "multipart/form-data",
];
const CURATED: &[&str] = &[
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
];
const QUERY: &[&str] = &[
    "application/sparql-query",
    "application/x-www-form-urlencoded",
];
const UPDATE: &[&str] = &[
    "application/sparql-update",
    "application/x-www-form-urlencoded",
];
const CASE: &[&str] = &[
    "application/fhir+json",
    "application/json",
    "text/turtle",
    "application/ld+json",
];
const JSON: &[&str] = &["application/json"];

const fn op(
    method: &'static str,
    summary: &'static str,
    body: &'static [&'static str],
    role: &'static str,
    success: u16,
) -> Operation {
    Operation {
        method,
        summary,
        body,
        role,
        success,
    }
}

/// A page of the workbench: the HTML shell, which then reads the API (client-side routes may carry
/// any parameters of their own).
const WORKBENCH_PAGE: &[Operation] = &[op(
    "GET",
    "The workbench page (HTML shell; the page reads the API)",
    &[],
    "reader",
    200,
)];

const GRAPH_STORE: &[Operation] = &[
    op("GET", "Read a graph or the dataset", &[], "reader", 200),
    op(
        "PUT",
        "Replace a graph (or quads of the dataset)",
        RDF,
        "admin",
        204,
    ),
    op("POST", "Add to a graph (or a new graph)", RDF, "admin", 204),
    op("DELETE", "Delete a graph", &[], "admin", 204),
];

/// Every route of the API.
pub const ROUTES: &[Route] = &[
    Route {
        path: "/sparql",
        // `update` is named so that /sparql can say where updates go
        parameters: Some(&["query", "default-graph-uri", "named-graph-uri", "update"]),
        operations: &[
            op(
                "GET",
                "SPARQL query (?query=); without a query, the service description",
                &[],
                "reader",
                200,
            ),
            op(
                "POST",
                "SPARQL query in the body or a form",
                QUERY,
                "reader",
                200,
            ),
            op("HEAD", "Whether the endpoint is there", &[], "reader", 200),
        ],
    },
    Route {
        path: "/update",
        parameters: Some(&["update", "using-graph-uri", "using-named-graph-uri"]),
        operations: &[op("POST", "SPARQL update", UPDATE, "admin", 204)],
    },
    Route {
        path: "/store",
        parameters: Some(&["graph", "default"]),
        operations: GRAPH_STORE,
    },
    Route {
        path: "/store/{*path}",
        parameters: Some(&["graph", "default"]),
        operations: GRAPH_STORE,
    },
    Route {
        path: "/queries",
        parameters: Some(&[]),
        operations: &[op("GET", "The named queries", &[], "reader", 200)],
    },
    Route {
        path: "/queries/{name}",
        parameters: None,
        operations: &[op(
            "GET",
            "Run a named query; its parameters are URL parameters",
            &[],
            "reader",
            200,
        )],
    },
    Route {
        path: "/search",
        parameters: Some(&["q", "type", "concept", "status", "limit", "offset"]),
        operations: &[op("GET", "Full-text search", &[], "reader", 200)],
    },
    Route {
        path: "/why",
        parameters: Some(&["s", "p", "o", "format", "iri"]),
        operations: &[op(
            "GET",
            "Why a triple holds, or the why-chain of a kept determination",
            &[],
            "reader",
            200,
        )],
    },
    Route {
        path: "/evaluate",
        parameters: Some(&[
            "asOf",
            "policy",
            "includePending",
            "keep",
            "format",
            "detail",
        ]),
        operations: &[op(
            "POST",
            "Evaluate a patient case (keep=true writes it: admin)",
            CASE,
            "reader",
            200,
        )],
    },
    Route {
        path: "/curation/{kind}",
        parameters: Some(&[]),
        operations: &[
            op("GET", "The resources of a kind", &[], "reader", 200),
            op(
                "POST",
                "Create a resource (Slug: id)",
                CURATED,
                "curator",
                201,
            ),
        ],
    },
    Route {
        path: "/curation/{kind}/{id}",
        parameters: Some(&[]),
        operations: &[
            op(
                "GET",
                "A resource's description, with its ETag",
                &[],
                "reader",
                200,
            ),
            op(
                "PUT",
                "Replace a resource (If-Match)",
                CURATED,
                "curator",
                200,
            ),
            op(
                "PATCH",
                "Replace the given properties (If-Match)",
                CURATED,
                "curator",
                200,
            ),
            op(
                "DELETE",
                "Delete a resource (If-Match)",
                &[],
                "curator",
                200,
            ),
        ],
    },
    Route {
        path: "/curation/{kind}/{id}/review",
        parameters: Some(&[]),
        operations: &[op(
            "POST",
            "Review a curated resource (any kind)",
            JSON,
            "reviewer",
            200,
        )],
    },
    Route {
        path: "/review/queue",
        parameters: Some(&[]),
        operations: &[op(
            "GET",
            "Curated resources awaiting review",
            &[],
            "reader",
            200,
        )],
    },
    Route {
        path: "/history",
        parameters: Some(&["iri", "triples"]),
        operations: &[op(
            "GET",
            "The change sets touching a resource",
            &[],
            "reader",
            200,
        )],
    },
    Route {
        path: "/changes",
        parameters: Some(&["limit", "offset", "triples"]),
        operations: &[op(
            "GET",
            "Every change set, newest first",
            &[],
            "reader",
            200,
        )],
    },
    Route {
        path: "/changes/{id}",
        parameters: Some(&["limit", "offset"]),
        operations: &[op("GET", "One change set", &[], "reader", 200)],
    },
    Route {
        path: "/changes/{id}/revert",
        parameters: Some(&[]),
        operations: &[op(
            "POST",
            "Undo a change set as a new one",
            &[],
            "curator",
            201,
        )],
    },
    Route {
        path: "/healthz",
        parameters: Some(&[]),
        operations: &[op("GET", "Alive", &[], "reader", 200)],
    },
    Route {
        path: "/readyz",
        parameters: Some(&[]),
        operations: &[op(
            "GET",
            "Ready to give correct answers (503 with the reasons otherwise)",
            &[],
            "reader",
            200,
        )],
    },
    Route {
        path: "/version",
        parameters: Some(&[]),
        operations: &[op(
            "GET",
            "Version, git commit and store format",
            &[],
            "reader",
            200,
        )],
    },
    Route {
        path: "/metrics",
        parameters: Some(&[]),
        operations: &[op(
            "GET",
            "Metrics in the Prometheus text format",
            &[],
            "reader",
            200,
        )],
    },
    Route {
        path: "/openapi.json",
        parameters: Some(&[]),
        operations: &[op(
            "GET",
            "This API as an OpenAPI 3.1 document",
            &[],
            "reader",
            200,
        )],
    },
    Route {
        path: "/admin/backup",
        parameters: Some(&[]),
        operations: &[op(
            "POST",
            "Write a consistent copy of the store into a new directory",
            JSON,
            "admin",
            201,
        )],
    },
    Route {
        path: "/",
        parameters: None,
        operations: WORKBENCH_PAGE,
    },
    Route {
        path: "/ui",
        parameters: None,
        operations: WORKBENCH_PAGE,
    },
    Route {
        path: "/ui/",
        parameters: None,
        operations: WORKBENCH_PAGE,
    },
    Route {
        path: "/ui/{*page}",
        parameters: None,
        operations: WORKBENCH_PAGE,
    },
    Route {
        path: "/ui/assets/{*file}",
        parameters: Some(&[]),
        operations: &[op(
            "GET",
            "A file of the workbench (script, style, image)",
            &[],
            "reader",
            200,
        )],
    },
    Route {
        path: "/whoami",
        parameters: Some(&[]),
        operations: &[op(
            "GET",
            "Who the request acts as: name, role, anonymous",
            &[],
            "reader",
            200,
        )],
    },
    Route {
        path: "/cds-services",
        parameters: Some(&[]),
        operations: &[op(
            "GET",
            "CDS Hooks 2.0 discovery: the services and their prefetch templates",
            &[],
            "reader",
            200,
        )],
    },
    Route {
        path: "/cds-services/{id}",
        parameters: Some(&[]),
        operations: &[op(
            "POST",
            "Call a CDS Hooks service (order-select, order-sign, order-dispatch): cards and CRD coverage-information; a client JWT unless --cds-anonymous",
            JSON,
            "reader",
            200,
        )],
    },
    Route {
        path: "/cds-services/{id}/feedback",
        parameters: Some(&[]),
        operations: &[op(
            "POST",
            "CDS Hooks feedback: accepted or overridden cards, kept as PROV records",
            JSON,
            "reader",
            200,
        )],
    },
    Route {
        path: "/questionnaire/{policy}",
        parameters: Some(&["item"]),
        operations: &[op(
            "GET",
            "A FHIR R4 Questionnaire asking for a policy's missing facts",
            &[],
            "reader",
            200,
        )],
    },
];

/// The table's entry for a route pattern.
pub fn route(path: &str) -> Option<&'static Route> {
    ROUTES.iter().find(|r| r.path == path)
}
