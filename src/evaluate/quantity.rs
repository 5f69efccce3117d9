//! Leaves over measured values: `wr:LabThreshold`, `wr:ObservationBelowNormal` and
//! `wr:ObservationWithin`.
//!
//! A value becomes an interval in the criterion's unit (UCUM conversion, see `case::ucum`): a plain
//! quantity is a point, a quantity with comparator `<` / `>` a half-open range, a `valueRange` its
//! `[low, high]` (a missing end is open). A test `value op threshold` over an interval SATISFIES when
//! every value in it does, FAILS when none does, and is UNDECIDED otherwise.

use super::leaves::{Context, done, unknown};
use super::policy::Criterion;
use super::{FactUse, LeafOutcome, Status};
use crate::case::{Fact, FactKind, ObsValue, Quantity, Unit};

/// One end of an interval: value and whether it is included; `None` = unbounded.
type Bound = Option<(f64, bool)>;

/// A set of possible values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    lo: Bound,
    hi: Bound,
}

/// The outcome of a comparison over an interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Test {
    /// Every value satisfies it.
    Satisfies,
    /// No value satisfies it.
    Fails,
    /// Some do, some do not.
    Undecided,
}

fn convert(q: &Quantity, to: Option<&Unit>) -> Result<f64, String> {
    let Some(to) = to else {
        return Ok(q.value);
    };
    let unit = q.unit.as_deref().ok_or("the value has no unit")?;
    let from = Unit::parse(unit).ok_or_else(|| format!("unit {unit:?} is not understood"))?;
    from.convert(q.value, to)
        .ok_or_else(|| format!("unit {unit:?} cannot be converted to the criterion's unit"))
}

/// The interval of an observation value, converted to `to` when given.
pub fn interval_of(value: &ObsValue, to: Option<&Unit>) -> Result<Interval, String> {
    match value {
        ObsValue::Quantity(q) => {
            let v = convert(q, to)?;
            Ok(match q.comparator.as_deref() {
                Some("<") => Interval {
                    lo: None,
                    hi: Some((v, false)),
                },
                Some("<=") => Interval {
                    lo: None,
                    hi: Some((v, true)),
                },
                Some(">") => Interval {
                    lo: Some((v, false)),
                    hi: None,
                },
                Some(">=") => Interval {
                    lo: Some((v, true)),
                    hi: None,
                },
                _ => Interval {
                    lo: Some((v, true)),
                    hi: Some((v, true)),
                },
            })
        }
        ObsValue::Range { low, high } => {
            let lo = low.as_ref().map(|q| convert(q, to)).transpose()?;
            let hi = high.as_ref().map(|q| convert(q, to)).transpose()?;
            if lo.is_none() && hi.is_none() {
                return Err("the range has neither end".into());
            }
            if let (Some(l), Some(h)) = (lo, hi) {
                if l > h {
                    return Err("the range's low end is above its high end".into());
                }
            }
            Ok(Interval {
                lo: lo.map(|v| (v, true)),
                hi: hi.map(|v| (v, true)),
            })
        }
    }
}

impl Interval {
    /// Tests `value op threshold` over the interval.
    pub fn test(&self, op: &str, t: f64) -> Test {
        let below_all = |b: Bound, strict: bool| match b {
            None => false,
            Some((v, inc)) => v < t || (v == t && (!strict || !inc)),
        };
        let above_all = |b: Bound, strict: bool| match b {
            None => false,
            Some((v, inc)) => v > t || (v == t && (!strict || !inc)),
        };
        let (all, none) = match op {
            "<" => (below_all(self.hi, true), above_all(self.lo, false)),
            "<=" => (below_all(self.hi, false), above_all(self.lo, true)),
            ">" => (above_all(self.lo, true), below_all(self.hi, false)),
            _ => (above_all(self.lo, false), below_all(self.hi, true)),
        };
        if all {
            Test::Satisfies
        } else if none {
            Test::Fails
        } else {
            Test::Undecided
        }
    }

    /// Every value up to this interval's upper end: what a value raised by an intervention shows of
    /// the value without it (`wr:raisedByIntervention`).
    pub fn at_most(&self) -> Interval {
        Interval {
            lo: None,
            hi: self.hi,
        }
    }

    /// The interval as text in `unit`.
    pub fn describe(&self, unit: &str) -> String {
        let num = |v: f64| format!("{}", (v * 1e6).round() / 1e6);
        match (self.lo, self.hi) {
            (Some((l, _)), Some((h, _))) if l == h => format!("{} {unit}", num(l)),
            (Some((l, _)), Some((h, _))) => format!("{}–{} {unit}", num(l), num(h)),
            (None, Some((h, inc))) => format!("{}{} {unit}", if inc { "≤" } else { "<" }, num(h)),
            (Some((l, inc)), None) => format!("{}{} {unit}", if inc { "≥" } else { ">" }, num(l)),
            (None, None) => "any value".into(),
        }
    }
}

/// Observations matching `x` (not cancelled), most recent first; undated ones last.
fn recent_observations<'a>(ctx: &'a Context<'_>, x: &str) -> Vec<(usize, &'a Fact)> {
    let mut obs: Vec<_> = ctx
        .matching(FactKind::Observation, x)
        .into_iter()
        .filter(|(_, f)| f.status.as_deref() != Some("cancelled"))
        .collect();
    obs.sort_by_key(|(i, f)| {
        (
            std::cmp::Reverse(f.date.map(|d| (d.latest, d.earliest))),
            *i,
        )
    });
    obs
}

/// `wr:LabThreshold`.
pub fn lab_threshold(ctx: &Context<'_>, c: &Criterion, x: &str, name: &str) -> LeafOutcome {
    let unit_code = c.unit.clone().unwrap_or_default();
    let unit = Unit::parse(&unit_code);
    let op = c.comparator.clone().unwrap_or_default();
    let threshold = c.threshold.unwrap_or_default();
    let mut usable = Vec::new();
    let mut unusable = Vec::new();
    let mut not_counted = Vec::new();
    let raised_by = c
        .raised_by
        .as_deref()
        .map(|iv| (iv, ctx.hierarchy.label(iv)));
    for (i, f) in recent_observations(ctx, x) {
        if let Some(days) = c.within_days {
            let inside = ctx.age(f).is_some_and(|(_, most)| most <= days);
            if !inside {
                not_counted.push((f, format!("not known to lie within the last {days} days")));
                continue;
            }
        }
        let raised = raised_by.as_ref().and_then(|(iv, label)| {
            match super::medication::given_at(ctx, iv, f.date, c.effect_days) {
                super::medication::Given::No => None,
                super::medication::Given::Yes => Some(format!("taken while {label} was given")),
                super::medication::Given::Unknown => {
                    Some(format!("not known whether {label} was given then"))
                }
            }
        });
        match f.value.as_ref().map(|v| interval_of(v, unit.as_ref())) {
            Some(Ok(interval)) => match raised {
                Some(why) => usable.push((i, f, interval.at_most(), Some(why))),
                None => usable.push((i, f, interval, None)),
            },
            Some(Err(why)) => unusable.push(format!("{}: {why}", f.describe())),
            None => unusable.push(format!("{}: no numeric value", f.describe())),
        }
    }
    let needed = c.measurements;
    let considered: Vec<_> = usable.into_iter().take(needed).collect();
    let mut uses = Vec::new();
    let mut tests = Vec::new();
    for (_, f, interval, raised) in &considered {
        let test = interval.test(&op, threshold);
        tests.push(test);
        let role = match test {
            Test::Satisfies => "satisfies",
            Test::Fails => "fails",
            Test::Undecided => "undecided",
        };
        let mut used = ctx.uses(&[(0, *f)], x, role);
        used[0].detail = Some(match raised {
            Some(why) => format!(
                "{why}, so the patient's own level is {}: {op} {threshold} {unit_code} {role}",
                interval.describe(&unit_code)
            ),
            None => format!(
                "{} {op} {threshold} {unit_code}: {role}",
                interval.describe(&unit_code)
            ),
        });
        uses.extend(used);
    }
    for (f, why) in &not_counted {
        let mut used = ctx.uses(&[(0, *f)], x, "not counted");
        used[0].detail = Some(why.clone());
        uses.extend(used);
    }
    let window = c
        .within_days
        .map(|days| format!(" within the last {days} days"))
        .unwrap_or_default();
    let mut test_text = format!("{name} {op} {threshold} {unit_code}{window}");
    if let Some((_, label)) = &raised_by {
        test_text.push_str(&format!(
            " (the patient's own level: a value taken on {label} counts as an upper bound)"
        ));
    }
    let mut outcome = if tests.contains(&Test::Fails) {
        done(
            Status::NotMet,
            uses,
            format!("{test_text} fails on a recent measurement"),
        )
    } else if considered.len() == needed && tests.iter().all(|t| *t == Test::Satisfies) {
        done(
            Status::Met,
            uses,
            format!("{test_text} holds on the {needed} most recent measurement(s)"),
        )
    } else if considered.len() < needed {
        let detail = if needed == 1 {
            format!("no usable measurement in the case{window}")
        } else {
            format!(
                "{needed} measurements needed{window}, {} usable in the case",
                considered.len()
            )
        };
        unknown(uses, &detail, format!("{test_text}: {detail}"))
    } else if let Some((_, label)) = considered
        .iter()
        .zip(&tests)
        .find(|((.., raised), test)| raised.is_some() && **test == Test::Undecided)
        .and(raised_by.as_ref())
    {
        unknown(
            uses,
            &format!("a measurement taken off {label}"),
            format!(
                "{test_text}: a value taken while {label} may have been given shows only an upper bound of the patient's own level"
            ),
        )
    } else {
        unknown(
            uses,
            "a more precise value",
            format!("{test_text}: the reported range straddles the threshold"),
        )
    };
    outcome.unusable = unusable;
    outcome
}

/// `wr:ObservationBelowNormal`.
pub fn below_normal(ctx: &Context<'_>, x: &str, name: &str) -> LeafOutcome {
    let Some((i, f)) = recent_observations(ctx, x)
        .into_iter()
        .find(|(_, f)| f.value.is_some() || !f.interpretation.is_empty())
    else {
        return unknown(
            Vec::new(),
            "no measurement in the case",
            format!("{name}: no measurement in the case"),
        );
    };
    let use_as = |role: &str, detail: String| -> Vec<FactUse> {
        let mut u = ctx.uses(&[(i, f)], x, role);
        u[0].detail = Some(detail);
        u
    };
    let codes: Vec<&str> = f.interpretation.iter().map(String::as_str).collect();
    if codes.iter().any(|c| ["L", "LL", "LU", "<"].contains(c)) {
        return done(
            Status::Met,
            use_as("below normal", "interpretation below normal".into()),
            format!("{name} is interpreted as below normal"),
        );
    }
    if codes
        .iter()
        .any(|c| ["N", "H", "HH", "HU", ">"].contains(c))
    {
        return done(
            Status::NotMet,
            use_as("not below normal", "interpretation normal or high".into()),
            format!("{name} is interpreted as not below normal"),
        );
    }
    let compared = f
        .reference_low
        .as_ref()
        .zip(f.value.as_ref())
        .and_then(|(low, value)| {
            let unit = low.unit.as_deref().and_then(Unit::parse);
            let interval = interval_of(value, unit.as_ref()).ok()?;
            Some((interval, low.value, low.unit.clone().unwrap_or_default()))
        });
    match compared {
        Some((interval, low, unit)) => {
            let detail = format!(
                "{} against the lower limit {low} {unit}",
                interval.describe(&unit)
            );
            match interval.test("<", low) {
                Test::Satisfies => done(
                    Status::Met,
                    use_as("below normal", detail),
                    format!("{name} is below the laboratory's lower limit"),
                ),
                Test::Fails => done(
                    Status::NotMet,
                    use_as("not below normal", detail),
                    format!("{name} is at or above the laboratory's lower limit"),
                ),
                Test::Undecided => unknown(
                    use_as("undecided", detail),
                    "a more precise value",
                    format!("{name}: the value straddles the lower limit"),
                ),
            }
        }
        None => unknown(
            use_as(
                "no reference",
                "no interpretation and no usable reference range".into(),
            ),
            "interpretation or reference range",
            format!("{name}: neither an interpretation nor a reference range is given"),
        ),
    }
}

/// `wr:ObservationWithin`.
pub fn observation_within(ctx: &Context<'_>, x: &str, name: &str, n: i64) -> LeafOutcome {
    let measured: Vec<_> = ctx
        .matching(FactKind::Observation, x)
        .into_iter()
        .filter(|(_, f)| {
            f.value
                .as_ref()
                .is_some_and(|v| interval_of(v, None).is_ok())
        })
        .collect();
    if measured.is_empty() {
        return unknown(
            Vec::new(),
            "no measurement in the case",
            format!("{name}: no measurement in the case"),
        );
    }
    if let Some(met) = ctx.met_within(&measured, n, x, "measured within the window", || {
        format!("{name} measured within the last {n} days")
    }) {
        return met;
    }
    let newest = measured
        .iter()
        .filter_map(|(_, f)| ctx.age(f))
        .min_by_key(|(least, _)| *least);
    match newest {
        Some((least, _)) if least > n => done(
            Status::NotMet,
            ctx.uses(&measured, x, "last measured before the window"),
            format!("{name} last measured {least} days ago, more than {n}"),
        ),
        _ => unknown(
            ctx.uses(&measured, x, "date unknown"),
            "date of the measurement",
            format!("{name} measured, but when is not known"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(v: f64) -> Interval {
        Interval {
            lo: Some((v, true)),
            hi: Some((v, true)),
        }
    }

    #[test]
    fn ranges_satisfy_fail_or_stay_undecided() {
        let range = Interval {
            lo: Some((50.0, true)),
            hi: Some((55.0, true)),
        };
        assert_eq!(range.test("<=", 55.0), Test::Satisfies);
        assert_eq!(range.test("<", 55.0), Test::Undecided);
        assert_eq!(range.test("<", 50.0), Test::Fails);
        assert_eq!(range.test(">=", 50.0), Test::Satisfies);
        assert_eq!(point(400.0).test(">=", 400.0), Test::Satisfies);
        assert_eq!(point(400.0).test("<", 400.0), Test::Fails);
        assert_eq!(point(399.0).test("<", 400.0), Test::Satisfies);
        let below = Interval {
            lo: None,
            hi: Some((200.0, false)),
        };
        assert_eq!(below.test("<", 400.0), Test::Satisfies);
        assert_eq!(below.test("<", 200.0), Test::Satisfies);
        assert_eq!(below.test(">=", 200.0), Test::Fails);
        let open = Interval {
            lo: Some((300.0, true)),
            hi: None,
        };
        assert_eq!(open.test("<", 400.0), Test::Undecided);
        assert_eq!(open.test(">=", 300.0), Test::Satisfies);
    }

    #[test]
    fn values_convert_to_the_criterion_unit() {
        let mg_dl = Unit::parse("mg/dL").unwrap();
        let q = ObsValue::Quantity(Quantity {
            value: 4.0,
            comparator: None,
            unit: Some("g/L".into()),
        });
        assert_eq!(interval_of(&q, Some(&mg_dl)).unwrap(), point(400.0));
        let bad = ObsValue::Quantity(Quantity {
            value: 4.0,
            comparator: None,
            unit: Some("%".into()),
        });
        assert!(interval_of(&bad, Some(&mg_dl)).is_err());
        let none = ObsValue::Quantity(Quantity {
            value: 4.0,
            comparator: None,
            unit: None,
        });
        assert!(interval_of(&none, Some(&mg_dl)).is_err());
    }
}
