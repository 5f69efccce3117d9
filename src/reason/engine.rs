//! Semi-naive evaluation of compiled rules over the in-memory [`TripleIndex`].
//!
//! Each round takes the delta (the triples appended by the previous round, ids `d0..d1`). For every
//! rule and every body atom `i`, atom `i` is matched against the delta only, atoms before `i` against
//! triples older than the delta (ids `< d0`) and atoms after `i` against everything up to the delta's
//! end (ids `< d1`). So every rule instantiation over the final set is found exactly once — in the
//! round its newest premise arrived — which is what lets the engine keep *all* derivations cheaply.
//! The remaining atoms are joined in a dynamic order: at each step the atom with the fewest candidates
//! under the current bindings (a posting-list length) goes next; FILTERs run as soon as their
//! variables are bound.

use super::derivs::Derivs;
use super::filter::Expr;
use super::index::{Cand, Dict, Id, Pattern, Tid, TripleIndex};
use super::rule::{Rule, Slot};
use oxigraph::model::Term;

const UNBOUND: Id = Id::MAX;

/// A compiled position: a constant id or a variable slot.
#[derive(Clone, Copy)]
enum P {
    C(Id),
    V(usize),
}

/// A rule compiled against a dictionary.
pub(crate) struct CRule {
    nvars: usize,
    body: Vec<[P; 3]>,
    head: Vec<[P; 3]>,
    /// Filters with the bit mask of the variables they need.
    filters: Vec<(Expr, u64)>,
}

impl CRule {
    /// Compiles `rule`, interning its constants into `dict`.
    pub(crate) fn compile(rule: &Rule, dict: &mut Dict) -> Self {
        let mut pos = |s: &Slot| match s {
            Slot::Const(t) => P::C(dict.intern(t.clone())),
            Slot::Var(v) => P::V(*v),
        };
        let body = rule
            .body
            .iter()
            .map(|a| [pos(&a[0]), pos(&a[1]), pos(&a[2])])
            .collect();
        let head = rule
            .head
            .iter()
            .map(|a| [pos(&a[0]), pos(&a[1]), pos(&a[2])])
            .collect();
        let filters = rule
            .filters
            .iter()
            .map(|f| {
                let mut vs = Vec::new();
                f.vars(&mut vs);
                (f.clone(), vs.iter().fold(0u64, |m, v| m | (1 << v)))
            })
            .collect();
        Self {
            nvars: rule.vars.len(),
            body,
            head,
            filters,
        }
    }
}

/// Rule firings collected during a round: rule index, head triple, premises (one per body atom).
#[derive(Default)]
pub(crate) struct Firings {
    pub(crate) rule: Vec<u32>,
    pub(crate) head: Vec<[Id; 3]>,
    pub(crate) off: Vec<usize>,
    pub(crate) prem: Vec<Tid>,
}

impl Firings {
    pub(crate) fn len(&self) -> usize {
        self.rule.len()
    }

    pub(crate) fn premises(&self, i: usize) -> &[Tid] {
        let end = self.off.get(i + 1).copied().unwrap_or(self.prem.len());
        &self.prem[self.off[i]..end]
    }
}

/// One join in progress.
struct Join<'a> {
    index: &'a TripleIndex,
    dict: &'a Dict,
    rule: &'a CRule,
    rule_no: u32,
    /// Per atom: only triples with id below this limit may match.
    limits: Vec<Tid>,
    bind: Vec<Id>,
    prem: Vec<Tid>,
    out: &'a mut Firings,
}

impl Join<'_> {
    fn pattern(&self, atom: usize) -> Pattern {
        let a = &self.rule.body[atom];
        let f = |p: P| match p {
            P::C(c) => Some(c),
            P::V(v) => Some(self.bind[v]).filter(|&x| x != UNBOUND),
        };
        Pattern([f(a[0]), f(a[1]), f(a[2])])
    }

    /// Tries to match triple `tid` against `atom`, binding free variables; on success calls
    /// `self.go(remaining)` and undoes the bindings.
    fn try_match(&mut self, atom: usize, tid: Tid, remaining: u32, bound: u64) {
        if !self.index.alive(tid) {
            return;
        }
        let t = self.index.triples[tid as usize];
        let a = self.rule.body[atom];
        let mut newly = 0u64;
        let mut ok = true;
        for k in 0..3 {
            match a[k] {
                P::C(c) => ok = c == t[k],
                P::V(v) => {
                    if self.bind[v] == UNBOUND {
                        self.bind[v] = t[k];
                        newly |= 1 << v;
                    } else {
                        ok = self.bind[v] == t[k];
                    }
                }
            }
            if !ok {
                break;
            }
        }
        let now = bound | newly;
        if ok && newly != 0 {
            for (f, mask) in &self.rule.filters {
                if mask & newly != 0 && mask & !now == 0 {
                    let (bind, dict) = (&self.bind, self.dict);
                    if !f.holds(&|v| -> Term { dict.term(bind[v]).clone() }) {
                        ok = false;
                        break;
                    }
                }
            }
        }
        if ok {
            self.prem[atom] = tid;
            self.go(remaining, now);
        }
        for v in 0..self.rule.nvars {
            if newly & (1 << v) != 0 {
                self.bind[v] = UNBOUND;
            }
        }
    }

    /// Joins the atoms in `remaining` (a bit set), then emits the head.
    fn go(&mut self, remaining: u32, bound: u64) {
        if remaining == 0 {
            self.emit();
            return;
        }
        let mut best: Option<(usize, usize)> = None;
        for atom in 0..self.rule.body.len() {
            if remaining & (1 << atom) != 0 {
                let n = self
                    .index
                    .candidates(self.pattern(atom))
                    .count(self.limits[atom]);
                if best.is_none_or(|(_, m)| n < m) {
                    best = Some((atom, n));
                }
            }
        }
        let Some((atom, n)) = best else { return };
        if n == 0 {
            return;
        }
        let rest = remaining & !(1 << atom);
        let limit = self.limits[atom];
        let index = self.index;
        match index.candidates(self.pattern(atom)) {
            Cand::List(l) => {
                for &tid in &l[..l.partition_point(|&t| t < limit)] {
                    self.try_match(atom, tid, rest, bound);
                }
            }
            Cand::All(n) => {
                for tid in 0..n.min(limit) {
                    self.try_match(atom, tid, rest, bound);
                }
            }
            Cand::One(Some(tid)) if tid < limit => self.try_match(atom, tid, rest, bound),
            Cand::One(_) => {}
        }
    }

    fn emit(&mut self) {
        for h in &self.rule.head {
            let f = |p: P| match p {
                P::C(c) => c,
                P::V(v) => self.bind[v],
            };
            let t = [f(h[0]), f(h[1]), f(h[2])];
            if self.dict.valid(t) {
                self.out.rule.push(self.rule_no);
                self.out.head.push(t);
                self.out.off.push(self.out.prem.len());
                self.out.prem.extend_from_slice(&self.prem);
            }
        }
    }
}

/// Evaluates one semi-naive round over the delta `d0..d1`, collecting firings.
pub(crate) fn round(
    rules: &[CRule],
    index: &TripleIndex,
    dict: &Dict,
    d0: Tid,
    d1: Tid,
) -> Firings {
    let by_pred = index.delta_by_predicate(d0, d1);
    let all: Vec<Tid> = (d0..d1).filter(|&t| index.alive(t)).collect();
    let mut out = Firings::default();
    for (rule_no, rule) in rules.iter().enumerate() {
        let n = rule.body.len();
        for i in 0..n {
            let delta: &[Tid] = match rule.body[i][1] {
                P::C(p) => by_pred.get(&p).map_or(&[], Vec::as_slice),
                P::V(_) => &all,
            };
            if delta.is_empty() {
                continue;
            }
            let limits = (0..n).map(|j| if j < i { d0 } else { d1 }).collect();
            let mut join = Join {
                index,
                dict,
                rule,
                rule_no: u32::try_from(rule_no).expect("rule count"),
                limits,
                bind: vec![UNBOUND; rule.nvars],
                prem: vec![0; n],
                out: &mut out,
            };
            let rest = ((1u32 << n) - 1) & !(1 << i);
            for &tid in delta {
                join.try_match(i, tid, rest, 0);
            }
        }
    }
    out
}

/// Runs rounds from the delta starting at id `from` to a fixpoint, adding derived triples and
/// recording every derivation. Returns the number of rounds, or `Err(pending)` (triples still
/// pending) when `max_rounds` is exceeded.
pub(crate) fn fixpoint(
    rules: &[CRule],
    index: &mut TripleIndex,
    dict: &Dict,
    derivs: &mut Derivs,
    from: Tid,
    max_rounds: usize,
) -> Result<usize, usize> {
    let (mut d0, mut d1) = (from, index.len());
    let mut rounds = 0;
    while d0 < d1 {
        if rounds == max_rounds {
            return Err((d1 - d0) as usize);
        }
        rounds += 1;
        let firings = round(rules, index, dict, d0, d1);
        for i in 0..firings.len() {
            let head = firings.head[i];
            let tid = match index.find(head) {
                Some(t) => t,
                None => index.push(head, 0),
            };
            derivs.record(firings.rule[i], tid, firings.premises(i));
        }
        (d0, d1) = (d1, index.len());
    }
    Ok(rounds)
}
