//! IRIs Warrant relies on, in one place.
//!
//! The vocabulary namespace, the IRI patterns of concepts and curated instances, and the names of the
//! graphs Warrant manages are a public contract: other services query them. Code never spells these
//! strings anywhere else.

use oxigraph::model::NamedNodeRef;

/// Namespace of Warrant's vocabulary (`wr:`).
pub const WR: &str = "https://w3id.org/warrant/ns#";
/// Prefix of concept IRIs: `https://w3id.org/warrant/concept/{slug}`.
pub const CONCEPT: &str = "https://w3id.org/warrant/concept/";
/// Prefix of curated instance IRIs: `https://w3id.org/warrant/id/{id}`.
pub const ID: &str = "https://w3id.org/warrant/id/";
/// Prefix of the graphs Warrant names itself.
pub const GRAPH: &str = "https://w3id.org/warrant/graph/";
/// Prefix of the graph of a loaded file: `{FILE_GRAPH}{path relative to the data root}`.
pub const FILE_GRAPH: &str = "https://w3id.org/warrant/graph/file/";
/// Prefix of the IRIs that describe named queries and rules loaded from `queries/`.
pub const QUERY: &str = "https://w3id.org/warrant/query/";
/// Prefix of record graphs: graphs that hold records *about* facts (change sets, derivations, the
/// file catalog). They never take part in the default graph that queries see.
pub const RECORD_GRAPH: &str = "https://w3id.org/warrant/graph/record/";

/// Graph of triples derived by the rule reasoner (content: queries see it).
pub const INFERRED_GRAPH: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/graph/inferred");
/// Graph recording how each inferred triple was derived (record: not in the default graph).
pub const DERIVATIONS_GRAPH: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/graph/derivations");
/// Prefix of curation change-set graphs (records).
pub const CHANGE_GRAPH: &str = "https://w3id.org/warrant/graph/change/";
/// Graph recording which file was loaded into which graph, with its content hash (record).
pub const CATALOG_GRAPH: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/graph/record/catalog");

/// `wr:sha256`: SHA-256 of the file content a file graph was loaded from (catalog).
pub const SHA256: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#sha256");
/// `wr:sourcePath`: path, relative to the data root, a file graph was loaded from (catalog).
pub const SOURCE_PATH: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#sourcePath");
/// `wr:NamedQuery`: a SPARQL query file under `queries/` that can be run by name.
pub const NAMED_QUERY: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#NamedQuery");
/// `wr:QueryFile`: any SPARQL file under `queries/` (rules and checks too).
pub const QUERY_FILE: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#QueryFile");
/// `wr:sparql`: the SPARQL text of a query file.
pub const SPARQL_TEXT: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#sparql");
/// `wr:parameter`: a parameter (variable name) of a named query.
pub const PARAMETER: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#parameter");
/// `dct:title`.
pub const DCT_TITLE: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("http://purl.org/dc/terms/title");
/// `dct:description`.
pub const DCT_DESCRIPTION: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("http://purl.org/dc/terms/description");

/// Whether a named graph holds records about facts rather than facts.
///
/// Record graphs (derivations, change sets, the file catalog) are excluded from the default graph
/// that queries see, so that a removed triple recorded in a change set, or a premise quoted in a
/// derivation, never reappears as a fact.
pub fn is_record_graph(iri: &str) -> bool {
    iri.starts_with(RECORD_GRAPH)
        || iri.starts_with(CHANGE_GRAPH)
        || iri == DERIVATIONS_GRAPH.as_str()
}

/// Whether a graph holds asserted content: every graph but the inferred graph and the record
/// graphs. What the reasoner reads, the SHACL gate validates and curators edit.
pub fn is_asserted_content(graph: oxigraph::model::GraphNameRef<'_>) -> bool {
    match graph {
        oxigraph::model::GraphNameRef::NamedNode(n) => {
            n != INFERRED_GRAPH && !is_record_graph(n.as_str())
        }
        oxigraph::model::GraphNameRef::BlankNode(_)
        | oxigraph::model::GraphNameRef::DefaultGraph => true,
    }
}

/// `wr:origin`: how a file graph came to be loaded (`"default-data"` at start-up, `"load"` by the CLI).
pub const ORIGIN: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#origin");

/// `wr:editedSinceLoad`: a file graph was changed by an edit after its file was loaded (catalog).
pub const EDITED_SINCE_LOAD: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#editedSinceLoad");
/// `rdf:type`.
pub const RDF_TYPE: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("http://www.w3.org/1999/02/22-rdf-syntax-ns#type");
/// `wr:Passage`: a verbatim span of a source's text (indexed for search).
pub const PASSAGE: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#Passage");
/// `wr:Statement`: a curated claim (indexed for search).
pub const STATEMENT: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#Statement");
/// `wr:Source`: something evidence is taken from (indexed for search by title and authors).
pub const SOURCE: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#Source");
/// `wr:text`: the text of a passage or statement.
pub const TEXT: NamedNodeRef<'_> = NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#text");
/// `wr:inSource`: passage -> the source it quotes.
pub const IN_SOURCE: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#inSource");
/// `wr:about`: statement -> a concept it is about.
pub const ABOUT: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#about");
/// `wr:population`: source -> a concept characterising the population studied.
pub const POPULATION: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#population");
/// `wr:reviewStatus`: statement, policy or source -> its `wr:ReviewStatus`.
pub const REVIEW_STATUS: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#reviewStatus");
/// `cito:citesAsEvidence`: statement -> a source it cites.
pub const CITES_AS_EVIDENCE: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("http://purl.org/spar/cito/citesAsEvidence");
/// `dct:creator`: an author of a source (literal).
pub const DCT_CREATOR: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("http://purl.org/dc/terms/creator");
/// `skos:Concept`.
pub const SKOS_CONCEPT: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("http://www.w3.org/2004/02/skos/core#Concept");
/// `skos:prefLabel`: a concept's preferred label (a synonym for search).
pub const SKOS_PREF_LABEL: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("http://www.w3.org/2004/02/skos/core#prefLabel");
/// `skos:altLabel`: another label users type for a concept (a synonym for search).
pub const SKOS_ALT_LABEL: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("http://www.w3.org/2004/02/skos/core#altLabel");
/// `skos:broader`: concept -> a broader concept (asserted; the `skos` rule set derives
/// [`SKOS_BROADER_TRANSITIVE`] from it).
pub const SKOS_BROADER: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("http://www.w3.org/2004/02/skos/core#broader");
/// `skos:narrower`: concept -> a narrower concept (the inverse of `skos:broader`, which the `skos`
/// rule set also follows).
pub const SKOS_NARROWER: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("http://www.w3.org/2004/02/skos/core#narrower");
/// `skos:broaderTransitive`: concept -> every broader concept, as the `skos` rule set derives it (a
/// statement about a concept is about its broader concepts too, for evaluation and search alike).
pub const SKOS_BROADER_TRANSITIVE: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("http://www.w3.org/2004/02/skos/core#broaderTransitive");

/// `wr:storeId`: random identifier of a store, written once in the catalog graph (record), so that
/// a search index built from another store is never taken for this one's.
pub const STORE_ID: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#storeId");
/// `wr:generation`: number of committed changes of a store (catalog graph, record); derived indexes
/// record the generation they reflect.
pub const GENERATION: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#generation");

/// `wr:search`: the SPARQL `SERVICE` answered by the full-text index.
pub const SEARCH_SERVICE: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#search");
/// `wr:query`: inside `SERVICE wr:search`, the search text (literal).
pub const SEARCH_QUERY: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#query");
/// `wr:score`: inside `SERVICE wr:search`, the BM25 score of a hit.
pub const SEARCH_SCORE: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#score");
/// `wr:snippet`: inside `SERVICE wr:search`, the highlighted snippet of a hit (HTML).
pub const SEARCH_SNIPPET: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#snippet");
/// `wr:type`: inside `SERVICE wr:search`, the kind of document wanted ("passage", wr:Passage…).
pub const SEARCH_TYPE: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#type");
/// `wr:limit`: inside `SERVICE wr:search`, the largest number of hits returned.
pub const SEARCH_LIMIT: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#limit");
/// `wr:concept`: inside `SERVICE wr:search`, keep hits about this concept (or a narrower one).
pub const SEARCH_CONCEPT: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#concept");
/// `wr:status`: inside `SERVICE wr:search`, keep hits with this review status.
pub const SEARCH_STATUS: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#status");
/// `wr:source`: inside `SERVICE wr:search`, binds the source a hit is quoted from or cites.
pub const SEARCH_SOURCE: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#source");
/// Declares `NamedNodeRef` constants in a namespace, each with its doc comment.
macro_rules! terms {
    ($ns:literal; $($(#[$doc:meta])* $name:ident = $local:literal;)*) => {
        $( $(#[$doc])* pub const $name: NamedNodeRef<'static> =
            NamedNodeRef::new_unchecked(concat!($ns, $local)); )*
    };
}

/// FHIR `Coding.system` of Warrant's own concepts: the code is the concept's slug.
pub const CONCEPT_SYSTEM: &str = "https://w3id.org/warrant/concept";
/// Prefix of the named graphs holding kept determinations: `{DETERMINATION_GRAPH}{id}` (content).
pub const DETERMINATION_GRAPH: &str = "https://w3id.org/warrant/graph/determination/";

/// Terms of the case model and of determinations (`wr:`), as defined in `ontology/warrant.ttl`.
pub mod wr {
    use oxigraph::model::NamedNodeRef;
    terms! { "https://w3id.org/warrant/ns#";
        /// `wr:Case`: a patient case.
        CASE = "Case";
        /// `wr:fact`: case -> fact.
        FACT = "fact";
        /// `wr:requests`: case -> the intervention request.
        REQUESTS = "requests";
        /// `wr:ConditionFact`.
        CONDITION_FACT = "ConditionFact";
        /// `wr:ProcedureFact`.
        PROCEDURE_FACT = "ProcedureFact";
        /// `wr:MedicationFact`.
        MEDICATION_FACT = "MedicationFact";
        /// `wr:ObservationFact`.
        OBSERVATION_FACT = "ObservationFact";
        /// `wr:InterventionRequest`.
        INTERVENTION_REQUEST = "InterventionRequest";
        /// `wr:Coding`: a (system, code) pair.
        CODING_CLASS = "Coding";
        /// `wr:coding`: fact -> coding.
        CODING = "coding";
        /// `wr:system`: coding -> FHIR system URI.
        SYSTEM = "system";
        /// `wr:code`: coding (or code) -> code string.
        CODE = "code";
        /// `wr:concept`: fact (or leaf criterion) -> concept.
        CONCEPT = "concept";
        /// `wr:date`: fact -> date.
        DATE = "date";
        /// `wr:fhirStatus`: fact -> FHIR status code.
        FHIR_STATUS = "fhirStatus";
        /// `wr:absent`: the case asserts absence.
        ABSENT = "absent";
        /// `wr:current`: current (true) or history (false).
        CURRENT = "current";
        /// `wr:value`: observation value.
        VALUE = "value";
        /// `wr:valueLow`: low end of a value range.
        VALUE_LOW = "valueLow";
        /// `wr:valueHigh`: high end of a value range.
        VALUE_HIGH = "valueHigh";
        /// `wr:unit`: UCUM unit.
        UNIT = "unit";
        /// `wr:referenceLow`: lower limit of normal.
        REFERENCE_LOW = "referenceLow";
        /// `wr:interpretation`: below / within / above normal.
        INTERPRETATION = "interpretation";
        /// `wr:BelowNormal`.
        BELOW_NORMAL = "BelowNormal";
        /// `wr:Normal`.
        NORMAL = "Normal";
        /// `wr:AboveNormal`.
        ABOVE_NORMAL = "AboveNormal";
        /// `wr:requestedIntervalDays`: dosing interval of a request.
        REQUESTED_INTERVAL_DAYS = "requestedIntervalDays";
        /// `wr:source`: JSON path a fact was read from.
        SOURCE = "source";
        /// `wr:Determination`.
        DETERMINATION = "Determination";
        /// `wr:CardFeedback`: what a clinician did with a CDS Hooks card (a PROV activity).
        CARD_FEEDBACK = "CardFeedback";
        /// `wr:card`: card feedback -> the card's uuid.
        CARD = "card";
        /// `wr:cardOutcome`: card feedback -> `accepted` or `overridden`.
        CARD_OUTCOME = "cardOutcome";
        /// `wr:acceptedSuggestion`: card feedback -> an accepted suggestion's uuid.
        ACCEPTED_SUGGESTION = "acceptedSuggestion";
        /// `wr:overrideReason`: card feedback -> `system|code` of the override reason.
        OVERRIDE_REASON = "overrideReason";
        /// `wr:forService`: card feedback -> the CDS service id.
        FOR_SERVICE = "forService";
        /// `wr:outcome`.
        OUTCOME = "outcome";
        /// `wr:forPolicy`.
        FOR_POLICY = "forPolicy";
        /// `wr:asOf`.
        AS_OF = "asOf";
        /// `wr:criterionResult`.
        CRITERION_RESULT = "criterionResult";
        /// `wr:CriterionResult`.
        CRITERION_RESULT_CLASS = "CriterionResult";
        /// `wr:criterion`.
        CRITERION = "criterion";
        /// `wr:status`.
        STATUS = "status";
        /// `wr:basedOnFact`.
        BASED_ON_FACT = "basedOnFact";
        /// `wr:missingConcept`.
        MISSING_CONCEPT = "missingConcept";
        /// `wr:triggeredCaveat`.
        TRIGGERED_CAVEAT = "triggeredCaveat";
        /// `wr:note`.
        NOTE = "note";
        /// `wr:includesPending`.
        INCLUDES_PENDING = "includesPending";
        /// `wr:explanation`: the full answer as JSON (`rdf:JSON`).
        EXPLANATION = "explanation";
        /// `wr:Necessary`.
        NECESSARY = "Necessary";
        /// `wr:NotNecessary`.
        NOT_NECESSARY = "NotNecessary";
        /// `wr:Indeterminate`.
        INDETERMINATE = "Indeterminate";
        /// `wr:Met`.
        MET = "Met";
        /// `wr:NotMet`.
        NOT_MET = "NotMet";
        /// `wr:Unknown`.
        UNKNOWN = "Unknown";
        /// `wr:Approved`.
        APPROVED = "Approved";
        /// `wr:Rejected`.
        REJECTED = "Rejected";
        /// `wr:Opposes`.
        OPPOSES = "Opposes";
        /// `wr:Policy`.
        POLICY = "Policy";
        /// `wr:appliesTo`: policy or regimen -> intervention concept.
        APPLIES_TO = "appliesTo";
        /// `wr:population`: source, statement or policy -> population concept.
        POPULATION = "population";
        /// `wr:initiationCriteria`.
        INITIATION_CRITERIA = "initiationCriteria";
        /// `wr:discontinuationCriteria`.
        DISCONTINUATION_CRITERIA = "discontinuationCriteria";
        /// `wr:monitoring`.
        MONITORING = "monitoring";
        /// `wr:regimen`.
        REGIMEN = "regimen";
        /// `wr:caveat`.
        CAVEAT = "caveat";
        /// `wr:reviewStatus`.
        REVIEW_STATUS = "reviewStatus";
        /// `wr:ReviewStatus`: the class of review statuses.
        REVIEW_STATUS_CLASS = "ReviewStatus";
        /// `wr:AllOfCriterion`.
        ALL_OF_CRITERION = "AllOfCriterion";
        /// `wr:AnyOfCriterion`.
        ANY_OF_CRITERION = "AnyOfCriterion";
        /// `wr:NotCriterion`.
        NOT_CRITERION = "NotCriterion";
        /// `wr:ConditionPresent`.
        CONDITION_PRESENT = "ConditionPresent";
        /// `wr:ConditionEpisodesWithin`.
        CONDITION_EPISODES_WITHIN = "ConditionEpisodesWithin";
        /// `wr:ProcedurePerformed`.
        PROCEDURE_PERFORMED = "ProcedurePerformed";
        /// `wr:ProcedureWithin`.
        PROCEDURE_WITHIN = "ProcedureWithin";
        /// `wr:MedicationCurrent`.
        MEDICATION_CURRENT = "MedicationCurrent";
        /// `wr:MedicationInHistory`.
        MEDICATION_IN_HISTORY = "MedicationInHistory";
        /// `wr:LabThreshold`.
        LAB_THRESHOLD = "LabThreshold";
        /// `wr:ObservationBelowNormal`.
        OBSERVATION_BELOW_NORMAL = "ObservationBelowNormal";
        /// `wr:ObservationWithin`.
        OBSERVATION_WITHIN = "ObservationWithin";
        /// `wr:InterventionRequested`.
        INTERVENTION_REQUESTED = "InterventionRequested";
        /// `wr:allOf`.
        ALL_OF = "allOf";
        /// `wr:anyOf`.
        ANY_OF = "anyOf";
        /// `wr:not`.
        NOT = "not";
        /// `wr:supportedBy`.
        SUPPORTED_BY = "supportedBy";
        /// `wr:opposedBy`.
        OPPOSED_BY = "opposedBy";
        /// `wr:certainty`.
        CERTAINTY = "certainty";
        /// `wr:displayOrder`.
        DISPLAY_ORDER = "displayOrder";
        /// `wr:measures`.
        MEASURES = "measures";
        /// `wr:withinDays`.
        WITHIN_DAYS = "withinDays";
        /// `wr:comparator`.
        COMPARATOR = "comparator";
        /// `wr:threshold`.
        THRESHOLD = "threshold";
        /// `wr:measurementsRequired`.
        MEASUREMENTS_REQUIRED = "measurementsRequired";
        /// `wr:minimumEpisodes`: how many episodes a condition-episodes leaf needs.
        MINIMUM_EPISODES = "minimumEpisodes";
        /// `wr:alsoRefutedBy`: a concept whose refutation refutes a condition-episodes leaf too.
        ALSO_REFUTED_BY = "alsoRefutedBy";
        /// `wr:raisedByIntervention`: an intervention that raises the measured value (a lab
        /// threshold); a value taken while it was given is an upper bound of the patient's own.
        RAISED_BY_INTERVENTION = "raisedByIntervention";
        /// `wr:interventionEffectDays`: how long after a dose a measurement still reflects it.
        INTERVENTION_EFFECT_DAYS = "interventionEffectDays";
        /// `wr:window`.
        WINDOW = "window";
        /// `wr:triggeredBy`.
        TRIGGERED_BY = "triggeredBy";
        /// `wr:check`.
        CHECK = "check";
        /// `wr:text`.
        TEXT = "text";
        /// `wr:noteText`.
        NOTE_TEXT = "noteText";
        /// `wr:recommendedInterval`.
        RECOMMENDED_INTERVAL = "recommendedInterval";
        /// `wr:intervalMinDays`.
        INTERVAL_MIN_DAYS = "intervalMinDays";
        /// `wr:intervalMaxDays`.
        INTERVAL_MAX_DAYS = "intervalMaxDays";
        /// `wr:about`.
        ABOUT = "about";
        /// `wr:restsOn`.
        RESTS_ON = "restsOn";
        /// `wr:inSource`.
        IN_SOURCE = "inSource";
        /// `wr:position`.
        POSITION = "position";
        /// `wr:section`.
        SECTION = "section";
        /// `wr:seedCitation`.
        SEED_CITATION = "seedCitation";
        /// `wr:citationMarker`.
        CITATION_MARKER = "citationMarker";
        /// `wr:stance`.
        STANCE = "stance";
        /// `wr:evidenceType`.
        EVIDENCE_TYPE = "evidenceType";
        /// `wr:flag`.
        FLAG = "flag";
        /// `wr:flagType`.
        FLAG_TYPE = "flagType";
        /// `wr:flagReason`.
        FLAG_REASON = "flagReason";
        /// `wr:rank`.
        RANK = "rank";
        /// `wr:designRank`.
        DESIGN_RANK = "designRank";
        /// `wr:identifier`.
        IDENTIFIER = "identifier";
        /// `wr:identifierScheme`.
        IDENTIFIER_SCHEME = "identifierScheme";
        /// `wr:identifierValue`.
        IDENTIFIER_VALUE = "identifierValue";
        /// `wr:identifierIri`.
        IDENTIFIER_IRI = "identifierIri";
        /// `wr:verificationStatus`.
        VERIFICATION_STATUS = "verificationStatus";
        /// `wr:identifierStatus`.
        IDENTIFIER_STATUS = "identifierStatus";
        /// `wr:seedReferenceNumber`.
        SEED_REFERENCE_NUMBER = "seedReferenceNumber";
        /// `wr:correctionOf`.
        CORRECTION_OF = "correctionOf";
        /// `wr:ChangeSet`: one recorded write (a `prov:Activity`).
        CHANGE_SET = "ChangeSet";
        /// `wr:actingRole`: change set -> the role its agent acted in ("curator" …).
        ACTING_ROLE = "actingRole";
        /// `wr:changeKind`: change set -> "edit", "review", "revert" or "load".
        CHANGE_KIND = "changeKind";
        /// `wr:reverts`: change set -> the change set it undoes.
        REVERTS = "reverts";
        /// `wr:touches`: change set -> a resource it changed.
        TOUCHES = "touches";
        /// `wr:addedIn`: change set -> a record graph holding triples it added.
        ADDED_IN = "addedIn";
        /// `wr:removedIn`: change set -> a record graph holding triples it removed.
        REMOVED_IN = "removedIn";
        /// `wr:targetGraph`: such a record graph -> the graph the triples were added to / removed from.
        TARGET_GRAPH = "targetGraph";
        /// `wr:DefaultGraph`: names the store's default graph as a target graph.
        DEFAULT_GRAPH = "DefaultGraph";
        /// `wr:reviewedBy`: statement or policy -> the agent who set its review status.
        REVIEWED_BY = "reviewedBy";
        /// `wr:reviewedAt`: when the review status was set.
        REVIEWED_AT = "reviewedAt";
        /// `wr:reviewComment`: the reviewer's comment with the status.
        REVIEW_COMMENT = "reviewComment";
        /// `wr:Submitted`.
        SUBMITTED = "Submitted";
        /// `wr:UnderReview`.
        UNDER_REVIEW = "UnderReview";
        /// `wr:hasRole`: person -> the role they hold (recorded with their reviews).
        HAS_ROLE = "hasRole";
        /// `wr:DocumentAgent`: a document credited with findings; never a reviewer.
        DOCUMENT_AGENT = "DocumentAgent";
    }
}

/// Prefix of the IRIs of Warrant's users as PROV agents: `{AGENT}{name}`.
pub const AGENT: &str = "https://w3id.org/warrant/id/agent/";

/// The PROV agent IRI of user `name` (percent-encoded where it is not IRI-safe).
pub fn agent_iri(name: &str) -> oxigraph::model::NamedNode {
    let encoded =
        percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string();
    oxigraph::model::NamedNode::new_unchecked(format!("{AGENT}{encoded}"))
}

/// The user name of an agent IRI made by [`agent_iri`].
pub fn agent_name(iri: &str) -> Option<String> {
    let local = iri.strip_prefix(AGENT)?;
    percent_encoding::percent_decode_str(local)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

/// Other standard terms Warrant reads (CiTO, DCTerms, SKOS).
pub mod std_terms {
    use oxigraph::model::NamedNodeRef;
    terms! { "http://purl.org/spar/cito/";
        /// `cito:citesAsEvidence`: statement -> source.
        CITES_AS_EVIDENCE = "citesAsEvidence";
        /// `cito:disputes`: statement -> statement.
        DISPUTES = "disputes";
        /// `cito:supports`: statement -> statement.
        SUPPORTS = "supports";
    }
    terms! { "http://purl.org/dc/terms/";
        /// `dct:bibliographicCitation`.
        BIBLIOGRAPHIC_CITATION = "bibliographicCitation";
        /// `dct:date`.
        DATE = "date";
    }
    terms! { "http://www.w3.org/2004/02/skos/core#";
        /// `skos:prefLabel`.
        PREF_LABEL = "prefLabel";
    }
}

/// PROV-O terms used by determinations, change sets and curation.
pub mod prov {
    use oxigraph::model::NamedNodeRef;
    terms! { "http://www.w3.org/ns/prov#";
        /// `prov:generatedAtTime`.
        GENERATED_AT_TIME = "generatedAtTime";
        /// `prov:wasAttributedTo`: entity -> the agent responsible for it.
        WAS_ATTRIBUTED_TO = "wasAttributedTo";
        /// `prov:wasAssociatedWith`: activity (change set) -> its agent.
        WAS_ASSOCIATED_WITH = "wasAssociatedWith";
        /// `prov:startedAtTime`.
        STARTED_AT_TIME = "startedAtTime";
        /// `prov:endedAtTime`.
        ENDED_AT_TIME = "endedAtTime";
        /// `prov:Activity`.
        ACTIVITY = "Activity";
        /// `prov:Agent`.
        AGENT = "Agent";
        /// `prov:Person`: the only kind of agent that approves.
        PERSON = "Person";
        /// `prov:SoftwareAgent`.
        SOFTWARE_AGENT = "SoftwareAgent";
        /// `prov:wasDerivedFrom`.
        WAS_DERIVED_FROM = "wasDerivedFrom";
        /// `prov:used`: activity -> an entity it used.
        USED = "used";
    }
}

/// The current time as an `xsd:dateTime` literal (change sets, curation, reviews).
pub fn now_literal() -> oxigraph::model::Literal {
    oxigraph::model::Literal::new_typed_literal(
        oxsdatatypes::DateTime::now().to_string(),
        oxigraph::model::vocab::xsd::DATE_TIME,
    )
}
