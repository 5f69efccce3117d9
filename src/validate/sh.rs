//! SHACL vocabulary terms (`http://www.w3.org/ns/shacl#`) used by the validator, as constants.

use oxigraph::model::NamedNodeRef;

/// `sh:NodeShape`.
pub const NODE_SHAPE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#NodeShape");
/// `sh:PropertyShape`.
pub const PROPERTY_SHAPE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#PropertyShape");
/// `sh:targetClass`.
pub const TARGET_CLASS: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#targetClass");
/// `sh:targetNode`.
pub const TARGET_NODE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#targetNode");
/// `sh:targetSubjectsOf`.
pub const TARGET_SUBJECTS_OF: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#targetSubjectsOf");
/// `sh:targetObjectsOf`.
pub const TARGET_OBJECTS_OF: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#targetObjectsOf");
/// `sh:path`.
pub const PATH: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#path");
/// `sh:inversePath`.
pub const INVERSE_PATH: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#inversePath");
/// `sh:alternativePath`.
pub const ALTERNATIVE_PATH: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#alternativePath");
/// `sh:zeroOrMorePath`.
pub const ZERO_OR_MORE_PATH: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#zeroOrMorePath");
/// `sh:oneOrMorePath`.
pub const ONE_OR_MORE_PATH: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#oneOrMorePath");
/// `sh:zeroOrOnePath`.
pub const ZERO_OR_ONE_PATH: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#zeroOrOnePath");
/// `sh:deactivated`.
pub const DEACTIVATED: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#deactivated");
/// `sh:severity`.
pub const SEVERITY: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#severity");
/// `sh:message`.
pub const MESSAGE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#message");
/// `sh:Violation`.
pub const VIOLATION: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#Violation");
/// `sh:Warning`.
pub const WARNING: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#Warning");
/// `sh:Info`.
pub const INFO: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#Info");
/// `sh:class`.
pub const CLASS: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#class");
/// `sh:datatype`.
pub const DATATYPE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#datatype");
/// `sh:nodeKind`.
pub const NODE_KIND: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#nodeKind");
/// `sh:minCount`.
pub const MIN_COUNT: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#minCount");
/// `sh:maxCount`.
pub const MAX_COUNT: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#maxCount");
/// `sh:minExclusive`.
pub const MIN_EXCLUSIVE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#minExclusive");
/// `sh:minInclusive`.
pub const MIN_INCLUSIVE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#minInclusive");
/// `sh:maxExclusive`.
pub const MAX_EXCLUSIVE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#maxExclusive");
/// `sh:maxInclusive`.
pub const MAX_INCLUSIVE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#maxInclusive");
/// `sh:minLength`.
pub const MIN_LENGTH: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#minLength");
/// `sh:maxLength`.
pub const MAX_LENGTH: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#maxLength");
/// `sh:pattern`.
pub const PATTERN: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#pattern");
/// `sh:flags`.
pub const FLAGS: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#flags");
/// `sh:languageIn`.
pub const LANGUAGE_IN: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#languageIn");
/// `sh:uniqueLang`.
pub const UNIQUE_LANG: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#uniqueLang");
/// `sh:equals`.
pub const EQUALS: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#equals");
/// `sh:disjoint`.
pub const DISJOINT: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#disjoint");
/// `sh:lessThan`.
pub const LESS_THAN: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#lessThan");
/// `sh:lessThanOrEquals`.
pub const LESS_THAN_OR_EQUALS: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#lessThanOrEquals");
/// `sh:not`.
pub const NOT: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#not");
/// `sh:and`.
pub const AND: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#and");
/// `sh:or`.
pub const OR: NamedNodeRef<'static> = NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#or");
/// `sh:xone`.
pub const XONE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#xone");
/// `sh:node`.
pub const NODE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#node");
/// `sh:property`.
pub const PROPERTY: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#property");
/// `sh:qualifiedValueShape`.
pub const QUALIFIED_VALUE_SHAPE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#qualifiedValueShape");
/// `sh:qualifiedMinCount`.
pub const QUALIFIED_MIN_COUNT: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#qualifiedMinCount");
/// `sh:qualifiedMaxCount`.
pub const QUALIFIED_MAX_COUNT: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#qualifiedMaxCount");
/// `sh:qualifiedValueShapesDisjoint`.
pub const QUALIFIED_VALUE_SHAPES_DISJOINT: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#qualifiedValueShapesDisjoint");
/// `sh:closed`.
pub const CLOSED: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#closed");
/// `sh:ignoredProperties`.
pub const IGNORED_PROPERTIES: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#ignoredProperties");
/// `sh:hasValue`.
pub const HAS_VALUE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#hasValue");
/// `sh:in`.
pub const IN: NamedNodeRef<'static> = NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#in");
/// `sh:IRI`.
pub const IRI: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#IRI");
/// `sh:BlankNode`.
pub const BLANK_NODE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#BlankNode");
/// `sh:Literal`.
pub const LITERAL: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#Literal");
/// `sh:BlankNodeOrIRI`.
pub const BLANK_NODE_OR_IRI: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#BlankNodeOrIRI");
/// `sh:BlankNodeOrLiteral`.
pub const BLANK_NODE_OR_LITERAL: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#BlankNodeOrLiteral");
/// `sh:IRIOrLiteral`.
pub const IRI_OR_LITERAL: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#IRIOrLiteral");
/// `sh:ValidationReport`.
pub const VALIDATION_REPORT: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#ValidationReport");
/// `sh:ValidationResult`.
pub const VALIDATION_RESULT: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#ValidationResult");
/// `sh:conforms`.
pub const CONFORMS: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#conforms");
/// `sh:result`.
pub const RESULT: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#result");
/// `sh:focusNode`.
pub const FOCUS_NODE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#focusNode");
/// `sh:resultPath`.
pub const RESULT_PATH: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#resultPath");
/// `sh:value`.
pub const VALUE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#value");
/// `sh:sourceConstraintComponent`.
pub const SOURCE_CONSTRAINT_COMPONENT: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#sourceConstraintComponent");
/// `sh:sourceShape`.
pub const SOURCE_SHAPE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#sourceShape");
/// `sh:resultSeverity`.
pub const RESULT_SEVERITY: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#resultSeverity");
/// `sh:resultMessage`.
pub const RESULT_MESSAGE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#resultMessage");

/// Constraint component IRIs (`sh:…ConstraintComponent`), reported as `sh:sourceConstraintComponent`.
pub mod component {
    use oxigraph::model::NamedNodeRef;
    /// `sh:ClassConstraintComponent`.
    pub const CLASS: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#ClassConstraintComponent");
    /// `sh:DatatypeConstraintComponent`.
    pub const DATATYPE: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#DatatypeConstraintComponent");
    /// `sh:NodeKindConstraintComponent`.
    pub const NODE_KIND: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#NodeKindConstraintComponent");
    /// `sh:MinCountConstraintComponent`.
    pub const MIN_COUNT: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#MinCountConstraintComponent");
    /// `sh:MaxCountConstraintComponent`.
    pub const MAX_COUNT: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#MaxCountConstraintComponent");
    /// `sh:MinExclusiveConstraintComponent`.
    pub const MIN_EXCLUSIVE: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#MinExclusiveConstraintComponent");
    /// `sh:MinInclusiveConstraintComponent`.
    pub const MIN_INCLUSIVE: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#MinInclusiveConstraintComponent");
    /// `sh:MaxExclusiveConstraintComponent`.
    pub const MAX_EXCLUSIVE: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#MaxExclusiveConstraintComponent");
    /// `sh:MaxInclusiveConstraintComponent`.
    pub const MAX_INCLUSIVE: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#MaxInclusiveConstraintComponent");
    /// `sh:MinLengthConstraintComponent`.
    pub const MIN_LENGTH: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#MinLengthConstraintComponent");
    /// `sh:MaxLengthConstraintComponent`.
    pub const MAX_LENGTH: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#MaxLengthConstraintComponent");
    /// `sh:PatternConstraintComponent`.
    pub const PATTERN: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#PatternConstraintComponent");
    /// `sh:LanguageInConstraintComponent`.
    pub const LANGUAGE_IN: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#LanguageInConstraintComponent");
    /// `sh:UniqueLangConstraintComponent`.
    pub const UNIQUE_LANG: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#UniqueLangConstraintComponent");
    /// `sh:EqualsConstraintComponent`.
    pub const EQUALS: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#EqualsConstraintComponent");
    /// `sh:DisjointConstraintComponent`.
    pub const DISJOINT: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#DisjointConstraintComponent");
    /// `sh:LessThanConstraintComponent`.
    pub const LESS_THAN: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#LessThanConstraintComponent");
    /// `sh:LessThanOrEqualsConstraintComponent`.
    pub const LESS_THAN_OR_EQUALS: NamedNodeRef<'static> = NamedNodeRef::new_unchecked(
        "http://www.w3.org/ns/shacl#LessThanOrEqualsConstraintComponent",
    );
    /// `sh:NotConstraintComponent`.
    pub const NOT: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#NotConstraintComponent");
    /// `sh:AndConstraintComponent`.
    pub const AND: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#AndConstraintComponent");
    /// `sh:OrConstraintComponent`.
    pub const OR: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#OrConstraintComponent");
    /// `sh:XoneConstraintComponent`.
    pub const XONE: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#XoneConstraintComponent");
    /// `sh:NodeConstraintComponent`.
    pub const NODE: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#NodeConstraintComponent");
    /// `sh:PropertyConstraintComponent`.
    pub const PROPERTY: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#PropertyConstraintComponent");
    /// `sh:QualifiedMinCountConstraintComponent`.
    pub const QUALIFIED_MIN_COUNT: NamedNodeRef<'static> = NamedNodeRef::new_unchecked(
        "http://www.w3.org/ns/shacl#QualifiedMinCountConstraintComponent",
    );
    /// `sh:QualifiedMaxCountConstraintComponent`.
    pub const QUALIFIED_MAX_COUNT: NamedNodeRef<'static> = NamedNodeRef::new_unchecked(
        "http://www.w3.org/ns/shacl#QualifiedMaxCountConstraintComponent",
    );
    /// `sh:ClosedConstraintComponent`.
    pub const CLOSED: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#ClosedConstraintComponent");
    /// `sh:HasValueConstraintComponent`.
    pub const HAS_VALUE: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#HasValueConstraintComponent");
    /// `sh:InConstraintComponent`.
    pub const IN: NamedNodeRef<'static> =
        NamedNodeRef::new_unchecked("http://www.w3.org/ns/shacl#InConstraintComponent");
}
