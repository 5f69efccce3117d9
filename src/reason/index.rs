//! The in-memory triple set the engine joins over: terms interned to `u32` ids, triples appended to
//! one vector (a triple's position is its id, so "triples older than this round" is an id range),
//! with posting lists by subject, predicate, object and each pair, kept in ascending id order.
//! Deleted triples stay in place as tombstones; a re-added triple gets a fresh id.

use oxigraph::model::{Term, Triple};
use rustc_hash::FxHashMap;

/// An interned term id.
pub(crate) type Id = u32;
/// A triple id: its position in [`TripleIndex::triples`].
pub(crate) type Tid = u32;

/// Interning dictionary: term <-> id.
#[derive(Default)]
pub(crate) struct Dict {
    terms: Vec<Term>,
    ids: FxHashMap<Term, Id>,
}

impl Dict {
    /// The id of `t`, interning it when new.
    pub(crate) fn intern(&mut self, t: Term) -> Id {
        if let Some(&id) = self.ids.get(&t) {
            return id;
        }
        let id = Id::try_from(self.terms.len()).expect("more than 2^32 terms");
        self.terms.push(t.clone());
        self.ids.insert(t, id);
        id
    }

    /// The id of `t` if interned.
    pub(crate) fn get(&self, t: &Term) -> Option<Id> {
        self.ids.get(t).copied()
    }

    /// The term of `id`.
    pub(crate) fn term(&self, id: Id) -> &Term {
        &self.terms[id as usize]
    }

    /// Whether the triple `[s, p, o]` is valid RDF (subject not a literal, predicate an IRI).
    pub(crate) fn valid(&self, t: [Id; 3]) -> bool {
        !matches!(self.term(t[0]), Term::Literal(_))
            && matches!(self.term(t[1]), Term::NamedNode(_))
    }

    /// Interns a triple.
    pub(crate) fn intern_triple(&mut self, t: &Triple) -> [Id; 3] {
        [
            self.intern(t.subject.clone().into()),
            self.intern(t.predicate.clone().into()),
            self.intern(t.object.clone()),
        ]
    }

    /// Ids of a triple if all its terms are interned.
    pub(crate) fn get_triple(&self, t: &Triple) -> Option<[Id; 3]> {
        Some([
            self.get(&t.subject.clone().into())?,
            self.get(&t.predicate.clone().into())?,
            self.get(&t.object)?,
        ])
    }
}

/// Flag: the triple is in the set (not a tombstone).
pub(crate) const ALIVE: u8 = 1;
/// Flag: the triple is asserted in a content graph (else it is only derived).
pub(crate) const ASSERTED: u8 = 2;

/// Which positions of a pattern are bound.
#[derive(Clone, Copy)]
pub(crate) struct Pattern(pub [Option<Id>; 3]);

/// Append-only triple set with tombstones and posting lists.
#[derive(Default)]
pub(crate) struct TripleIndex {
    /// Triples by id.
    pub(crate) triples: Vec<[Id; 3]>,
    /// [`ALIVE`] / [`ASSERTED`] flags by id.
    pub(crate) flags: Vec<u8>,
    set: FxHashMap<[Id; 3], Tid>,
    s: FxHashMap<Id, Vec<Tid>>,
    p: FxHashMap<Id, Vec<Tid>>,
    o: FxHashMap<Id, Vec<Tid>>,
    sp: FxHashMap<u64, Vec<Tid>>,
    po: FxHashMap<u64, Vec<Tid>>,
    so: FxHashMap<u64, Vec<Tid>>,
}

fn pair(a: Id, b: Id) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// Candidate triples for a pattern: a posting list, every id below a bound, or one id.
pub(crate) enum Cand<'a> {
    List(&'a [Tid]),
    All(Tid),
    One(Option<Tid>),
}

impl Cand<'_> {
    /// Number of candidates below `limit` (an upper estimate: tombstones count).
    pub(crate) fn count(&self, limit: Tid) -> usize {
        match self {
            Self::List(l) => l.partition_point(|&t| t < limit),
            Self::All(n) => (*n).min(limit) as usize,
            Self::One(t) => usize::from(t.is_some_and(|t| t < limit)),
        }
    }
}

impl TripleIndex {
    /// Number of ids handed out (alive or not).
    pub(crate) fn len(&self) -> Tid {
        Tid::try_from(self.triples.len()).expect("more than 2^32 triples")
    }

    /// The alive id of a triple.
    pub(crate) fn find(&self, t: [Id; 3]) -> Option<Tid> {
        self.set
            .get(&t)
            .copied()
            .filter(|&i| self.flags[i as usize] & ALIVE != 0)
    }

    /// Whether `id` is alive.
    pub(crate) fn alive(&self, id: Tid) -> bool {
        self.flags[id as usize] & ALIVE != 0
    }

    /// Whether `id` is asserted.
    pub(crate) fn asserted(&self, id: Tid) -> bool {
        self.flags[id as usize] & ASSERTED != 0
    }

    /// Appends a new alive triple (the caller checked it is not alive already) and returns its id.
    pub(crate) fn push(&mut self, t: [Id; 3], flags: u8) -> Tid {
        let id = self.len();
        self.triples.push(t);
        self.flags.push(flags | ALIVE);
        self.set.insert(t, id);
        self.s.entry(t[0]).or_default().push(id);
        self.p.entry(t[1]).or_default().push(id);
        self.o.entry(t[2]).or_default().push(id);
        self.sp.entry(pair(t[0], t[1])).or_default().push(id);
        self.po.entry(pair(t[1], t[2])).or_default().push(id);
        self.so.entry(pair(t[0], t[2])).or_default().push(id);
        id
    }

    /// Turns `id` into a tombstone.
    pub(crate) fn kill(&mut self, id: Tid) {
        self.flags[id as usize] = 0;
        let t = self.triples[id as usize];
        if self.set.get(&t) == Some(&id) {
            self.set.remove(&t);
        }
    }

    /// Candidates for a pattern (bound positions are `Some`).
    pub(crate) fn candidates(&self, pat: Pattern) -> Cand<'_> {
        fn list(m: &FxHashMap<Id, Vec<Tid>>, k: Id) -> Cand<'_> {
            Cand::List(m.get(&k).map_or(&[], Vec::as_slice))
        }
        fn list2(m: &FxHashMap<u64, Vec<Tid>>, a: Id, b: Id) -> Cand<'_> {
            Cand::List(m.get(&pair(a, b)).map_or(&[], Vec::as_slice))
        }
        match pat.0 {
            [Some(s), Some(p), Some(o)] => Cand::One(self.set.get(&[s, p, o]).copied()),
            [Some(s), Some(p), None] => list2(&self.sp, s, p),
            [None, Some(p), Some(o)] => list2(&self.po, p, o),
            [Some(s), None, Some(o)] => list2(&self.so, s, o),
            [Some(s), None, None] => list(&self.s, s),
            [None, Some(p), None] => list(&self.p, p),
            [None, None, Some(o)] => list(&self.o, o),
            [None, None, None] => Cand::All(self.len()),
        }
    }

    /// Ids of alive triples in `range` grouped by predicate (the delta of a round).
    pub(crate) fn delta_by_predicate(&self, from: Tid, to: Tid) -> FxHashMap<Id, Vec<Tid>> {
        let mut m: FxHashMap<Id, Vec<Tid>> = FxHashMap::default();
        for id in from..to {
            if self.alive(id) {
                m.entry(self.triples[id as usize][1]).or_default().push(id);
            }
        }
        m
    }
}
