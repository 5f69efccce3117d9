//! UCUM units, as far as case evaluation needs them: parse a unit code, tell whether two units
//! measure the same kind of quantity, and convert a value between them.
//!
//! Supported (generically, not per analyte): the atoms `g` (mass), `L`/`l` (volume) and `mol`
//! (amount of substance) with the SI prefixes `f p n u m c d da h k` (`µ`/`μ` read as `u`), a
//! numeric factor `10*N` / `10^N`, curly-brace annotations (`{cells}`, ignored as UCUM says), one `/`
//! for a denominator, `%` (= 1/100) and `1`. So `mg/dL`, `g/L`, `mg/L`, `ug/mL`, `ng/mL`, `mmol/L`,
//! `10*3/uL`, `/uL`, `{cells}/uL` and `%` all parse; `mg/dL` and `g/L` convert (1 g/L = 100 mg/dL),
//! `%` does not convert to `mg/dL`. Every supported unit is a power of ten of its base unit, so a
//! conversion is one multiplication or division by an exact power of ten (no rounding drift at a
//! threshold: 4 g/L is exactly 400 mg/dL). Anything else is reported as not understood.

/// Exponents of the base dimensions of a unit (mass, volume, amount of substance).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Dimension {
    mass: i8,
    volume: i8,
    substance: i8,
}

/// A parsed UCUM unit: its dimension and its size as a power of ten of the base unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    dimension: Dimension,
    exponent: i32,
}

impl Unit {
    /// Parses a UCUM code (case-sensitive as UCUM is, except that `l` is accepted for litre).
    pub fn parse(code: &str) -> Option<Self> {
        let code = code.trim();
        match code {
            "%" => return Some(Self::ratio(-2)),
            "1" => return Some(Self::ratio(0)),
            _ => {}
        }
        let (num, den) = match code.split_once('/') {
            Some((n, d)) => (n, Some(d)),
            None => (code, None),
        };
        let numerator = term(num)?;
        let mut unit = numerator;
        if let Some(den) = den {
            if den.contains('/') {
                return None;
            }
            let d = term(den)?;
            if d.dimension
                == (Dimension {
                    mass: 0,
                    volume: 0,
                    substance: 0,
                })
                && d.exponent == 0
            {
                return None;
            }
            unit.dimension.mass -= d.dimension.mass;
            unit.dimension.volume -= d.dimension.volume;
            unit.dimension.substance -= d.dimension.substance;
            unit.exponent -= d.exponent;
        }
        Some(unit)
    }

    fn ratio(exponent: i32) -> Self {
        Self {
            dimension: Dimension {
                mass: 0,
                volume: 0,
                substance: 0,
            },
            exponent,
        }
    }

    /// Whether values in `self` can be converted to `other`.
    pub fn commensurable(&self, other: &Unit) -> bool {
        self.dimension == other.dimension
    }

    /// Converts `value` from this unit to `to`; `None` when they measure different things.
    pub fn convert(&self, value: f64, to: &Unit) -> Option<f64> {
        if !self.commensurable(to) {
            return None;
        }
        let k = self.exponent - to.exponent;
        Some(if k >= 0 {
            value * 10f64.powi(k)
        } else {
            value / 10f64.powi(-k)
        })
    }
}

/// Converts `value` from unit code `from` to unit code `to`, or explains why it cannot.
pub fn convert(value: f64, from: &str, to: &str) -> Result<f64, String> {
    let f = Unit::parse(from).ok_or_else(|| format!("unit {from:?} is not understood"))?;
    let t = Unit::parse(to).ok_or_else(|| format!("unit {to:?} is not understood"))?;
    f.convert(value, &t)
        .ok_or_else(|| format!("{from:?} cannot be converted to {to:?}"))
}

/// One side of a unit: `[10*N][{annotation}][prefix atom]`.
fn term(text: &str) -> Option<Unit> {
    let mut rest = strip_annotations(text)?;
    let mut unit = Unit::ratio(0);
    for marker in ["10*", "10^"] {
        if let Some(after) = rest.strip_prefix(marker) {
            let end = after
                .find(|c: char| !(c.is_ascii_digit() || c == '-' || c == '+'))
                .unwrap_or(after.len());
            unit.exponent += after[..end].parse::<i32>().ok()?;
            rest = after[end..].to_owned();
            if let Some(r) = rest.strip_prefix('.') {
                rest = r.to_owned();
            }
        }
    }
    if rest.is_empty() {
        return Some(unit);
    }
    let rest = rest.replace(['µ', 'μ'], "u");
    let (prefix, atom) = split_prefix(&rest)?;
    unit.exponent += prefix;
    match atom {
        "g" => unit.dimension.mass += 1,
        "L" | "l" => unit.dimension.volume += 1,
        "mol" => unit.dimension.substance += 1,
        _ => return None,
    }
    Some(unit)
}

fn strip_annotations(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return None,
            '}' => depth -= 1,
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    (depth == 0).then_some(out)
}

fn split_prefix(text: &str) -> Option<(i32, &str)> {
    const ATOMS: [&str; 4] = ["mol", "g", "L", "l"];
    if ATOMS.contains(&text) {
        return Some((0, text));
    }
    const PREFIXES: [(&str, i32); 10] = [
        ("da", 1),
        ("f", -15),
        ("p", -12),
        ("n", -9),
        ("u", -6),
        ("m", -3),
        ("c", -2),
        ("d", -1),
        ("h", 2),
        ("k", 3),
    ];
    PREFIXES.iter().find_map(|(p, e)| {
        text.strip_prefix(p)
            .filter(|atom| ATOMS.contains(atom))
            .map(|atom| (*e, atom))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mass_concentrations_convert_exactly() {
        assert_eq!(convert(4.0, "g/L", "mg/dL"), Ok(400.0));
        assert_eq!(convert(3500.0, "mg/L", "mg/dL"), Ok(350.0));
        assert_eq!(convert(400.0, "mg/dL", "g/L"), Ok(4.0));
        assert_eq!(convert(1.0, "g/dL", "mg/dL"), Ok(1000.0));
        assert_eq!(convert(5000.0, "ug/mL", "g/L"), Ok(5.0));
        assert_eq!(convert(1.0, "mg/dl", "mg/dL"), Ok(1.0));
        assert_eq!(convert(2.0, "µg/L", "ng/mL"), Ok(2.0));
    }

    #[test]
    fn other_units() {
        assert_eq!(convert(55.0, "%", "%"), Ok(55.0));
        assert!(convert(55.0, "%", "mg/dL").is_err());
        assert!(convert(1.0, "mmol/L", "mg/dL").is_err());
        assert_eq!(convert(1.0, "10*3/uL", "/uL"), Ok(1000.0));
        assert_eq!(convert(250.0, "{cells}/uL", "/uL"), Ok(250.0));
        assert!(Unit::parse("mm[Hg]").is_none());
        assert!(Unit::parse("kg/m2").is_none());
        assert!(Unit::parse("{oops").is_none());
        assert!(Unit::parse("g/").is_none());
    }
}
