//! The FILTER expressions a rule body may carry: a small, closed subset of SPARQL 1.1 expressions
//! compiled once at rule load (anything else is refused with the rule's file and line) and evaluated
//! against the bindings of a partial join, as soon as every variable it mentions is bound.
//!
//! Accepted: variables, IRIs and literals; `&&`, `||`, `!`; `=`, `!=`, `<`, `<=`, `>`, `>=` (numeric
//! when both sides are numeric literals, otherwise on lexical forms of literals of the same datatype,
//! `=`/`!=` falling back to term equality); `sameTerm`, `isIRI`, `isBlank`, `isLiteral`, `isNumeric`,
//! `STR`, `LANG`, `DATATYPE`, `STRSTARTS`, `STRENDS`, `CONTAINS`, `STRLEN`, `IN`/`NOT IN`.
//! As in SPARQL, an expression that raises a type error makes the filter fail (the binding is dropped).

use oxigraph::model::vocab::xsd;
use oxigraph::model::{Literal, NamedNode, Term};
use spargebra::algebra::{Expression, Function};
use std::cmp::Ordering;

/// A compiled filter expression; variables are slots of the rule's binding vector.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    /// A constant term.
    Const(Term),
    /// A variable slot.
    Var(usize),
    /// Logical and.
    And(Box<Expr>, Box<Expr>),
    /// Logical or.
    Or(Box<Expr>, Box<Expr>),
    /// Logical negation.
    Not(Box<Expr>),
    /// A comparison.
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    /// `sameTerm`.
    SameTerm(Box<Expr>, Box<Expr>),
    /// `IN` list (`NOT IN` is `Not(In)`).
    In(Box<Expr>, Vec<Expr>),
    /// A supported built-in call.
    Call(Builtin, Vec<Expr>),
}

/// Comparison operators.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CmpOp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Supported built-in functions.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Builtin {
    IsIri,
    IsBlank,
    IsLiteral,
    IsNumeric,
    Str,
    Lang,
    Datatype,
    StrStarts,
    StrEnds,
    Contains,
    StrLen,
}

/// Value of an evaluated expression: a term or a boolean.
enum Val {
    Term(Term),
    Bool(bool),
}

impl Expr {
    /// Compiles a spargebra expression; `slot` maps a variable name to its slot (None: not bound by
    /// the body). Returns the reason on refusal.
    pub(crate) fn compile(
        e: &Expression,
        slot: &dyn Fn(&str) -> Option<usize>,
    ) -> Result<Self, String> {
        let c = |x: &Expression| Self::compile(x, slot).map(Box::new);
        Ok(match e {
            Expression::NamedNode(n) => Self::Const(n.clone().into()),
            Expression::Literal(l) => Self::Const(l.clone().into()),
            Expression::Variable(v) => Self::Var(slot(v.as_str()).ok_or_else(|| {
                format!(
                    "FILTER uses ?{} which no body triple pattern binds",
                    v.as_str()
                )
            })?),
            Expression::And(a, b) => Self::And(c(a)?, c(b)?),
            Expression::Or(a, b) => Self::Or(c(a)?, c(b)?),
            Expression::Not(a) => Self::Not(c(a)?),
            Expression::Equal(a, b) => Self::Cmp(CmpOp::Eq, c(a)?, c(b)?),
            Expression::Less(a, b) => Self::Cmp(CmpOp::Lt, c(a)?, c(b)?),
            Expression::LessOrEqual(a, b) => Self::Cmp(CmpOp::Le, c(a)?, c(b)?),
            Expression::Greater(a, b) => Self::Cmp(CmpOp::Gt, c(a)?, c(b)?),
            Expression::GreaterOrEqual(a, b) => Self::Cmp(CmpOp::Ge, c(a)?, c(b)?),
            Expression::SameTerm(a, b) => Self::SameTerm(c(a)?, c(b)?),
            Expression::In(a, list) => Self::In(
                c(a)?,
                list.iter()
                    .map(|x| Self::compile(x, slot))
                    .collect::<Result<_, _>>()?,
            ),
            Expression::FunctionCall(f, args) => {
                let (b, arity) = match f {
                    Function::IsIri => (Builtin::IsIri, 1),
                    Function::IsBlank => (Builtin::IsBlank, 1),
                    Function::IsLiteral => (Builtin::IsLiteral, 1),
                    Function::IsNumeric => (Builtin::IsNumeric, 1),
                    Function::Str => (Builtin::Str, 1),
                    Function::Lang => (Builtin::Lang, 1),
                    Function::Datatype => (Builtin::Datatype, 1),
                    Function::StrStarts => (Builtin::StrStarts, 2),
                    Function::StrEnds => (Builtin::StrEnds, 2),
                    Function::Contains => (Builtin::Contains, 2),
                    Function::StrLen => (Builtin::StrLen, 1),
                    other => return Err(format!("unsupported FILTER function {other}")),
                };
                if args.len() != arity {
                    return Err(format!("{f} takes {arity} argument(s)"));
                }
                Self::Call(
                    b,
                    args.iter()
                        .map(|x| Self::compile(x, slot))
                        .collect::<Result<_, _>>()?,
                )
            }
            other => return Err(format!("unsupported FILTER expression {other}")),
        })
    }

    /// Slots of the variables this expression mentions.
    pub(crate) fn vars(&self, out: &mut Vec<usize>) {
        match self {
            Self::Const(_) => {}
            Self::Var(v) => out.push(*v),
            Self::Not(a) => a.vars(out),
            Self::And(a, b) | Self::Or(a, b) | Self::Cmp(_, a, b) | Self::SameTerm(a, b) => {
                a.vars(out);
                b.vars(out);
            }
            Self::In(a, l) => {
                a.vars(out);
                l.iter().for_each(|x| x.vars(out));
            }
            Self::Call(_, l) => l.iter().for_each(|x| x.vars(out)),
        }
    }

    /// Effective boolean value of the expression under `var` (an error counts as false).
    pub(crate) fn holds(&self, var: &dyn Fn(usize) -> Term) -> bool {
        self.eval(var).and_then(ebv).unwrap_or(false)
    }

    fn eval(&self, var: &dyn Fn(usize) -> Term) -> Option<Val> {
        Some(match self {
            Self::Const(t) => Val::Term(t.clone()),
            Self::Var(v) => Val::Term(var(*v)),
            Self::Not(a) => Val::Bool(!ebv(a.eval(var)?)?),
            Self::And(a, b) => {
                let (x, y) = (a.eval(var).and_then(ebv), b.eval(var).and_then(ebv));
                match (x, y) {
                    (Some(false), _) | (_, Some(false)) => Val::Bool(false),
                    (Some(true), Some(true)) => Val::Bool(true),
                    _ => return None,
                }
            }
            Self::Or(a, b) => {
                let (x, y) = (a.eval(var).and_then(ebv), b.eval(var).and_then(ebv));
                match (x, y) {
                    (Some(true), _) | (_, Some(true)) => Val::Bool(true),
                    (Some(false), Some(false)) => Val::Bool(false),
                    _ => return None,
                }
            }
            Self::SameTerm(a, b) => Val::Bool(term(a.eval(var)?) == term(b.eval(var)?)),
            Self::Cmp(op, a, b) => {
                Val::Bool(compare(*op, &term(a.eval(var)?), &term(b.eval(var)?))?)
            }
            Self::In(a, list) => {
                let x = term(a.eval(var)?);
                let mut found = false;
                for e in list {
                    if let Some(y) = e.eval(var) {
                        if compare(CmpOp::Eq, &x, &term(y)) == Some(true) {
                            found = true;
                            break;
                        }
                    }
                }
                Val::Bool(found)
            }
            Self::Call(b, args) => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(term(a.eval(var)?));
                }
                call(*b, &vals)?
            }
        })
    }
}

fn term(v: Val) -> Term {
    match v {
        Val::Term(t) => t,
        Val::Bool(b) => Literal::from(b).into(),
    }
}

fn ebv(v: Val) -> Option<bool> {
    match v {
        Val::Bool(b) => Some(b),
        Val::Term(Term::Literal(l)) => {
            if l.datatype() == xsd::BOOLEAN {
                Some(l.value() == "true" || l.value() == "1")
            } else if let Some(n) = number(&l) {
                Some(n != 0.0 && !n.is_nan())
            } else if l.datatype() == xsd::STRING {
                Some(!l.value().is_empty())
            } else {
                None
            }
        }
        Val::Term(_) => None,
    }
}

/// The numeric value of a literal with an XSD numeric datatype.
fn number(l: &Literal) -> Option<f64> {
    let local = l
        .datatype()
        .as_str()
        .strip_prefix("http://www.w3.org/2001/XMLSchema#")?;
    let numeric = matches!(
        local,
        "integer"
            | "decimal"
            | "double"
            | "float"
            | "int"
            | "long"
            | "short"
            | "byte"
            | "nonNegativeInteger"
            | "positiveInteger"
            | "negativeInteger"
            | "nonPositiveInteger"
            | "unsignedInt"
            | "unsignedLong"
            | "unsignedShort"
            | "unsignedByte"
    );
    if numeric {
        l.value().trim().parse().ok()
    } else {
        None
    }
}

fn compare(op: CmpOp, a: &Term, b: &Term) -> Option<bool> {
    let ord = match (a, b) {
        (Term::Literal(x), Term::Literal(y)) => match (number(x), number(y)) {
            (Some(m), Some(n)) => m.partial_cmp(&n)?,
            _ if x.datatype() == y.datatype() && x.language() == y.language() => {
                x.value().cmp(y.value())
            }
            _ => {
                return if matches!(op, CmpOp::Eq) {
                    Some(false)
                } else {
                    None
                };
            }
        },
        _ => {
            return match op {
                CmpOp::Eq => Some(a == b),
                _ => None,
            };
        }
    };
    Some(match op {
        CmpOp::Eq => ord == Ordering::Equal,
        CmpOp::Lt => ord == Ordering::Less,
        CmpOp::Le => ord != Ordering::Greater,
        CmpOp::Gt => ord == Ordering::Greater,
        CmpOp::Ge => ord != Ordering::Less,
    })
}

fn string_of(t: &Term) -> Option<&str> {
    match t {
        Term::Literal(l) => Some(l.value()),
        _ => None,
    }
}

fn call(b: Builtin, v: &[Term]) -> Option<Val> {
    Some(match b {
        Builtin::IsIri => Val::Bool(matches!(v[0], Term::NamedNode(_))),
        Builtin::IsBlank => Val::Bool(matches!(v[0], Term::BlankNode(_))),
        Builtin::IsLiteral => Val::Bool(matches!(v[0], Term::Literal(_))),
        Builtin::IsNumeric => Val::Bool(matches!(&v[0], Term::Literal(l) if number(l).is_some())),
        Builtin::Str => Val::Term(
            Literal::new_simple_literal(match &v[0] {
                Term::NamedNode(n) => n.as_str(),
                Term::Literal(l) => l.value(),
                _ => return None,
            })
            .into(),
        ),
        Builtin::Lang => match &v[0] {
            Term::Literal(l) => {
                Val::Term(Literal::new_simple_literal(l.language().unwrap_or("")).into())
            }
            _ => return None,
        },
        Builtin::Datatype => match &v[0] {
            Term::Literal(l) => Val::Term(NamedNode::from(l.datatype()).into()),
            _ => return None,
        },
        Builtin::StrStarts => Val::Bool(string_of(&v[0])?.starts_with(string_of(&v[1])?)),
        Builtin::StrEnds => Val::Bool(string_of(&v[0])?.ends_with(string_of(&v[1])?)),
        Builtin::Contains => Val::Bool(string_of(&v[0])?.contains(string_of(&v[1])?)),
        Builtin::StrLen => {
            Val::Term(Literal::from(i64::try_from(string_of(&v[0])?.chars().count()).ok()?).into())
        }
    })
}
