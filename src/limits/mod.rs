//! Limits on what user input may ask of the process: how deep SPARQL and JSON nest, how large an
//! algebra, a parsed body or an XML entity may grow — checked before the recursive parsers and
//! evaluators run — and the large-stack threads those run on.
//!
//! Parsers and the SPARQL evaluator recurse once per level of nesting; past what a thread's stack
//! holds the process aborts (a stack overflow is not a panic). So deep input is measured first, with
//! cheap scans that never recurse ([`sparql`], [`json`], [`xml`]) and, once parsed, the algebra
//! ([`algebra`]); what passes runs on a thread whose stack is sized for the limits
//! ([`on_large_stack`]). Input beyond a limit is refused as [`TooComplex`] (HTTP 400 `too-complex`).

pub mod algebra;
pub mod json;
mod pool;
pub mod sparql;
pub mod xml;

pub use pool::run_on_large_stack;

/// Deepest nesting of brackets, braces and `!` runs accepted in SPARQL text.
pub const SPARQL_MAX_NESTING: usize = 1000;
/// Most chain operators, separators and words accepted in SPARQL text (bounds the depth of the
/// algebra a chain such as `1+1+…` builds, before it is built).
pub const SPARQL_MAX_TOKENS: usize = 200_000;
/// Deepest algebra accepted: nested patterns, expressions and paths (a basic graph pattern counts
/// one level per triple pattern).
pub const ALGEBRA_MAX_DEPTH: usize = 5000;
/// Largest algebra (depth, size) handed to the query optimiser: its cost grows with the fourth
/// power of a basic graph pattern's size and the cube of a chain's length, and it cannot be
/// cancelled. Larger algebras are evaluated as written (cancellable, and correct all the same).
pub const OPTIMISE_MAX_DEPTH: usize = 48;
/// See [`OPTIMISE_MAX_DEPTH`].
pub const OPTIMISE_MAX_SIZE: usize = 600;
/// Deepest nesting of arrays and objects accepted in a JSON or JSON-LD body.
pub const JSON_MAX_NESTING: usize = 64;
/// Largest expansion of one XML entity (RDF/XML DTDs), in bytes.
pub const XML_MAX_ENTITY: usize = 64 * 1024;
/// Largest total text that the entity references of one XML document expand to, in bytes.
pub const XML_MAX_EXPANSION: usize = 16 * 1024 * 1024;
/// Most quads one request body may parse into (a memory ceiling per body: a quad costs far more in
/// memory than in abbreviated Turtle).
pub const BODY_MAX_QUADS: usize = 2_000_000;
/// Stack of the threads that parse and evaluate user queries and updates: the limits above were
/// measured to fit in it with room to spare (reserved address space; only what is used is mapped).
pub const LARGE_STACK: usize = 512 * 1024 * 1024;

/// Input refused because it is deeper or larger than a documented limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TooComplex {
    /// Which limit, and what it is.
    pub message: String,
    /// 1-based line where the limit was passed, when known.
    pub line: Option<u64>,
    /// 1-based column where the limit was passed, when known.
    pub column: Option<u64>,
}

impl TooComplex {
    /// A refusal without position.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            line: None,
            column: None,
        }
    }

    /// A refusal at a line and column.
    pub fn at(message: impl Into<String>, line: u64, column: u64) -> Self {
        Self {
            message: message.into(),
            line: Some(line),
            column: Some(column),
        }
    }
}

/// Checks SPARQL query or update text against [`SPARQL_MAX_NESTING`] and [`SPARQL_MAX_TOKENS`].
pub fn check_sparql(text: &str) -> Result<(), TooComplex> {
    sparql::check(text, SPARQL_MAX_NESTING, SPARQL_MAX_TOKENS)
}

/// Checks a JSON (or JSON-LD) body against [`JSON_MAX_NESTING`].
pub fn check_json(bytes: &[u8]) -> Result<(), TooComplex> {
    json::check(bytes, JSON_MAX_NESTING)
}

/// Checks the entities of an XML body against [`XML_MAX_ENTITY`] and [`XML_MAX_EXPANSION`].
pub fn check_xml(bytes: &[u8]) -> Result<(), TooComplex> {
    xml::check(bytes, XML_MAX_ENTITY, XML_MAX_EXPANSION)
}

/// Checks a parsed query's algebra against [`ALGEBRA_MAX_DEPTH`]. Recursive: call it on a
/// large stack.
pub fn check_query(query: &spargebra::Query) -> Result<(), TooComplex> {
    depth_within(algebra::measure_query(query).depth)
}

/// Checks a parsed update's WHERE clauses against [`ALGEBRA_MAX_DEPTH`]. Recursive: call it on a
/// large stack.
pub fn check_update(update: &spargebra::Update) -> Result<(), TooComplex> {
    depth_within(algebra::measure_update(update).depth)
}

/// Whether an algebra of this measure is small enough for the query optimiser
/// ([`OPTIMISE_MAX_DEPTH`], [`OPTIMISE_MAX_SIZE`]).
pub fn worth_optimising(measure: algebra::Measure) -> bool {
    measure.depth <= OPTIMISE_MAX_DEPTH && measure.size <= OPTIMISE_MAX_SIZE
}

fn depth_within(depth: usize) -> Result<(), TooComplex> {
    if depth > ALGEBRA_MAX_DEPTH {
        return Err(TooComplex::new(format!(
            "the query or update is too complex: its algebra is {depth} levels deep, more than \
             {ALGEBRA_MAX_DEPTH} (long chains of UNION, OPTIONAL, operators, path steps or triple \
             patterns nest)"
        )));
    }
    Ok(())
}

/// Runs `work` on a new thread with a [`LARGE_STACK`] and returns its handle (join it, or let it
/// finish on its own).
pub fn on_large_stack<T: Send + 'static>(
    name: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> std::io::Result<std::thread::JoinHandle<T>> {
    std::thread::Builder::new()
        .name(name.to_owned())
        .stack_size(LARGE_STACK)
        .spawn(work)
}
