//! Patient cases: FHIR R4 Bundles (JSON) or Turtle / JSON-LD in Warrant's case vocabulary, read into
//! patient facts, and the facts' codes recognised as Warrant concepts through the graph.
//!
//! A [`Case`] is a list of [`Fact`]s — conditions, procedures, medication statements, requests and
//! administrations, observations — each with its codings, FHIR status, date and value exactly as the
//! input states them, plus the intervention requests (MedicationRequest with intent order). Reading
//! never interprets statuses: the leaf rules of `evaluate` do, as `ontology/warrant.ttl` defines them.
//! [`recognise`] then resolves every coding against the graph (code systems, codes, SKOS mappings and
//! hierarchy) and lists what the graph does not know under `unrecognised`.

mod date;
mod fhir;
mod fhir_types;
mod hierarchy;
mod questionnaire_response;
mod rdf;
mod recognise;
mod ucum;

pub use date::{DateSpan, Day};
pub use hierarchy::Hierarchy;
pub use rdf::{case_to_triples, read_rdf};
pub use recognise::{Denotation, Resolution, recognise};
pub use ucum::{Unit, convert};

use serde::{Deserialize, Serialize};

/// A patient case, ready for evaluation.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Case {
    /// IRI naming this case (derived from a hash of the input).
    pub iri: String,
    /// The patient facts, in input order.
    pub facts: Vec<Fact>,
    /// Indices into `facts` of the intervention requests (MedicationRequest, intent order).
    pub requests: Vec<usize>,
    /// Resources or elements that were read but not used (other resource types, entries without a
    /// resource…), each with its path: noted, never silently dropped.
    pub ignored: Vec<Ignored>,
    /// Codings (and facts without any coding) the graph does not know (filled by [`recognise`]).
    #[serde(default)]
    pub unrecognised: Vec<Unrecognised>,
    /// The concept hierarchy seen by recognition (filled by [`recognise`]).
    #[serde(default, skip)]
    pub hierarchy: Hierarchy,
}

/// A code the graph does not know, reported rather than dropped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Unrecognised {
    /// IRI of the fact it belongs to.
    pub fact: String,
    /// JSON path of the coding (or of the fact, when it has no coding).
    pub path: String,
    /// `Coding.system`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// `Coding.code`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// `Coding.display` or the fact's text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// Why it is not recognised.
    pub reason: String,
    /// Whether another coding of the same fact was recognised (the fact still takes part).
    pub fact_recognised: bool,
}

/// Something in the input that takes no part in evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ignored {
    /// JSON path (or RDF node) of the element.
    pub path: String,
    /// FHIR resource type, when it is a resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// Why it is not used.
    pub reason: String,
}

/// The FHIR resource a fact was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FactKind {
    /// A Condition (diagnosis, problem, status code).
    Condition,
    /// A Procedure.
    Procedure,
    /// A MedicationStatement (what the patient takes or took).
    MedicationStatement,
    /// A MedicationRequest (an order or plan).
    MedicationRequest,
    /// A MedicationAdministration (a dose given).
    MedicationAdministration,
    /// An Observation (a measurement).
    Observation,
}

impl FactKind {
    /// The FHIR resource type name.
    pub fn resource_type(self) -> &'static str {
        match self {
            Self::Condition => "Condition",
            Self::Procedure => "Procedure",
            Self::MedicationStatement => "MedicationStatement",
            Self::MedicationRequest => "MedicationRequest",
            Self::MedicationAdministration => "MedicationAdministration",
            Self::Observation => "Observation",
        }
    }
}

/// One patient fact, as the input states it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fact {
    /// IRI naming the fact (the case IRI plus its position).
    pub iri: String,
    /// Resource type.
    pub kind: FactKind,
    /// FHIR `id` of the resource, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// JSON path of the resource in the input (`entry[3].resource`), or the RDF node.
    pub path: String,
    /// Human text of the code (`code.text`, or the first coding's display).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The codings of the fact's code.
    pub codings: Vec<Coding>,
    /// `status` (Procedure, medication resources, Observation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Condition `clinicalStatus` code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clinical_status: Option<String>,
    /// Condition `verificationStatus` code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_status: Option<String>,
    /// MedicationRequest `intent`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
    /// The clinically relevant date (onset, performed, effective), with the path it came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<DateSpan>,
    /// Observation value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<ObsValue>,
    /// Observation interpretation codes (`L`, `N`, `H` …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interpretation: Vec<String>,
    /// Lower limit of the laboratory's reference range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_low: Option<Quantity>,
    /// Dosing interval in days (MedicationRequest timing), when stated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval_days: Option<f64>,
    /// The dosage timing as written (`every 3 wk`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timing: Option<String>,
    /// Concepts the fact denotes through its codings, with every broader concept (filled by
    /// [`recognise`]).
    #[serde(default)]
    pub concepts: Vec<String>,
    /// Concepts the codings map to directly, before the hierarchy is followed.
    #[serde(default)]
    pub direct_concepts: Vec<String>,
}

impl Fact {
    /// A fact of `kind` read from `path`, with nothing else known yet.
    pub fn new(iri: String, kind: FactKind, path: String) -> Self {
        Self {
            iri,
            kind,
            resource_id: None,
            path,
            text: None,
            codings: Vec::new(),
            status: None,
            clinical_status: None,
            verification_status: None,
            intent: None,
            date: None,
            value: None,
            interpretation: Vec::new(),
            reference_low: None,
            interval_days: None,
            timing: None,
            concepts: Vec::new(),
            direct_concepts: Vec::new(),
        }
    }

    /// Whether the fact denotes `concept` or a narrower one.
    pub fn matches(&self, concept: &str) -> bool {
        self.concepts.iter().any(|c| c == concept)
    }

    /// A short description: `Condition "Hashimoto's thyroiditis"`.
    pub fn describe(&self) -> String {
        let what = self
            .text
            .clone()
            .or_else(|| {
                self.codings
                    .first()
                    .map(|c| format!("{} {}", c.system_or_blank(), c.code_or_blank()))
            })
            .unwrap_or_else(|| "(no code)".into());
        format!("{} \"{}\"", self.kind.resource_type(), what)
    }
}

/// A (system, code) pair of a FHIR CodeableConcept.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Coding {
    /// `Coding.system`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// `Coding.code`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// `Coding.display`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// JSON path of the coding.
    pub path: String,
    /// How the graph resolved it (filled by [`recognise`]); `None` = not recognised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
}

impl Coding {
    fn system_or_blank(&self) -> &str {
        self.system.as_deref().unwrap_or("(no system)")
    }
    fn code_or_blank(&self) -> &str {
        self.code.as_deref().unwrap_or("(no code)")
    }
}

/// A measured quantity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quantity {
    /// The number.
    pub value: f64,
    /// `<`, `<=`, `>=`, `>` when the value is a bound rather than a measurement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparator: Option<String>,
    /// UCUM code (`Quantity.code` when the system is UCUM, else `Quantity.unit`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// An observation's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum ObsValue {
    /// `valueQuantity`.
    Quantity(Quantity),
    /// `valueRange`: either end may be open.
    Range {
        /// `low`.
        low: Option<Quantity>,
        /// `high`.
        high: Option<Quantity>,
    },
}

/// Why a case could not be read. The HTTP layer answers 400 with the path.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// The body is not JSON (or not UTF-8); `line`/`column` locate the problem.
    #[error("not valid JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: u64,
        /// 1-based column.
        column: u64,
        /// What the parser found.
        message: String,
    },
    /// An element has the wrong type or value; `path` is its JSON path (`entry[3].resource.status`)
    /// or, for RDF input, the node and property.
    #[error("{path}: {message}")]
    Invalid {
        /// Where the problem is.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// RDF input that does not parse.
    #[error("line {line}, column {column}: {message}")]
    Rdf {
        /// 1-based line (0 when unknown).
        line: u64,
        /// 1-based column (0 when unknown).
        column: u64,
        /// The parser's message.
        message: String,
    },
    /// A media type no case reader handles.
    #[error(
        "cannot read a case from {0:?}; send application/fhir+json, application/json, text/turtle or application/ld+json"
    )]
    UnsupportedMediaType(String),
    /// The store failed while recognising codes.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl CaseError {
    /// An [`CaseError::Invalid`] at `path`.
    pub fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// The input formats a case can come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseFormat {
    /// FHIR R4 JSON (a Bundle or a single resource); JSON-LD is recognised by its `@context`.
    Json,
    /// Turtle in Warrant's case vocabulary.
    Turtle,
    /// JSON-LD in Warrant's case vocabulary.
    JsonLd,
}

impl CaseFormat {
    /// The format of a media type (parameters such as `charset` ignored).
    pub fn from_media_type(media_type: &str) -> Option<Self> {
        let essence = media_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/fhir+json" | "application/json" | "" => Some(Self::Json),
            "text/turtle" | "application/x-turtle" => Some(Self::Turtle),
            "application/ld+json" => Some(Self::JsonLd),
            _ => None,
        }
    }

    /// The format of a file name, by extension (`.json`, `.ttl`, `.jsonld`).
    pub fn from_file_name(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".jsonld") {
            Some(Self::JsonLd)
        } else if lower.ends_with(".json") {
            Some(Self::Json)
        } else if lower.ends_with(".ttl") {
            Some(Self::Turtle)
        } else {
            None
        }
    }
}

/// Reads a case from bytes in `format`. The case IRI is derived from the bytes, so the same input
/// always names the same case.
pub fn read(bytes: &[u8], format: CaseFormat) -> Result<Case, CaseError> {
    let iri = format!(
        "{}case-{}",
        crate::vocab::ID,
        &crate::store::sha256_hex(bytes)[..16]
    );
    match format {
        CaseFormat::Json => {
            let value: serde_json::Value =
                serde_json::from_slice(bytes).map_err(|e| CaseError::Json {
                    line: e.line() as u64,
                    column: e.column() as u64,
                    message: e.to_string(),
                })?;
            let is_jsonld = value.as_object().is_some_and(|o| {
                !o.contains_key("resourceType")
                    && (o.contains_key("@context") || o.contains_key("@graph"))
            }) || value.is_array();
            if is_jsonld {
                read_rdf(bytes, CaseFormat::JsonLd, iri)
            } else {
                fhir::read(&value, iri)
            }
        }
        CaseFormat::Turtle | CaseFormat::JsonLd => read_rdf(bytes, format, iri),
    }
}
