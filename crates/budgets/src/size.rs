//! Sizes with explicit units (`1500 kB`, `170 KiB`) and growth limits (`+5%`, `+20 kB`).

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;

/// A byte size written with an explicit unit: `B`, `kB` (1000), `KiB` (1024), `MB`, `MiB`,
/// `GB`, `GiB`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Size(pub u64);

const UNITS: [(&str, u64); 7] = [
    ("B", 1),
    ("kB", 1000),
    ("KiB", 1024),
    ("MB", 1_000_000),
    ("MiB", 1 << 20),
    ("GB", 1_000_000_000),
    ("GiB", 1 << 30),
];

impl Size {
    pub fn parse(text: &str) -> Result<Size, String> {
        let t = text.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (number, unit) = t.split_at(split);
        let unit = unit.trim();
        if number.is_empty() {
            return Err(format!(
                "`{text}` is not a size; write a number and a unit, e.g. \"300 kB\""
            ));
        }
        let Some(&(_, factor)) = UNITS.iter().find(|(u, _)| *u == unit) else {
            let hint = match unit.to_ascii_lowercase().as_str() {
                "" => "a unit is required".to_owned(),
                "kb" | "k" => "write `kB` (1000 bytes) or `KiB` (1024 bytes)".to_owned(),
                "mb" | "m" => "write `MB` (1000² bytes) or `MiB` (1024² bytes)".to_owned(),
                "gb" | "g" => "write `GB` or `GiB`".to_owned(),
                "b" | "bytes" => "write `B`".to_owned(),
                _ => "units are B, kB, KiB, MB, MiB, GB, GiB".to_owned(),
            };
            return Err(format!("bad unit in `{text}`: {hint}"));
        };
        match scaled(number, factor) {
            Ok(bytes) => Ok(Size(bytes)),
            Err(Scaled::NotANumber) => Err(format!("`{number}` in `{text}` is not a number")),
            Err(Scaled::TooLarge) => Err(format!(
                "`{text}` is more than {} bytes, the largest size there is",
                u64::MAX
            )),
        }
    }
}

/// Why a decimal number times a unit is not a byte count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scaled {
    NotANumber,
    TooLarge,
}

/// `number` (digits with at most one `.` between digits: `300`, `1.5`) times `factor`, rounded
/// to the nearest byte, computed exactly: no float, so every size prints and parses back to
/// itself and a number past `u64::MAX` is refused rather than saturated.
pub(crate) fn scaled(number: &str, factor: u64) -> Result<u64, Scaled> {
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || (number.contains('.') && frac.is_empty())
    {
        return Err(Scaled::NotANumber);
    }
    let int = int.trim_start_matches('0');
    // u64::MAX has 20 digits; anything longer is too large whatever the unit.
    if int.len() > 20 {
        return Err(Scaled::TooLarge);
    }
    let whole: u128 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| Scaled::NotANumber)?
    };
    // Twenty decimals decide the rounding of any factor up to 2^64 bytes; later digits cannot.
    let frac = frac.get(..frac.len().min(20)).unwrap_or(frac);
    let scale = 10u128.pow(frac.len() as u32);
    let part: u128 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| Scaled::NotANumber)?
    };
    let factor = u128::from(factor);
    // part < 10^20 < 2^67 and every unit is below 2^31, so the product fits in u128; it is
    // checked all the same, as is everything computed from outside numbers.
    let fraction = part
        .checked_mul(factor)
        .map(|p| (p + scale / 2) / scale)
        .ok_or(Scaled::TooLarge)?;
    let bytes = whole
        .checked_mul(factor)
        .and_then(|w| w.checked_add(fraction))
        .ok_or(Scaled::TooLarge)?;
    u64::try_from(bytes).map_err(|_| Scaled::TooLarge)
}

impl std::fmt::Display for Size {
    /// The largest unit that divides the size exactly: `500 kB`, `170 KiB`, `12 B`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0;
        match UNITS
            .iter()
            .rev()
            .find(|(_, factor)| n >= *factor && n.is_multiple_of(*factor))
        {
            Some((unit, factor)) if n > 0 => write!(f, "{} {unit}", n / factor),
            _ => write!(f, "{n} B"),
        }
    }
}

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Size, D::Error> {
        let s = String::deserialize(d)?;
        Size::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Size {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl JsonSchema for Size {
    fn schema_name() -> Cow<'static, str> {
        "Size".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A size with an explicit unit: B, kB (1000), KiB (1024), MB, MiB, GB, GiB.",
            "pattern": r"^\s*[0-9]+(\.[0-9]+)?\s*(B|kB|KiB|MB|MiB|GB|GiB)\s*$",
            "examples": ["500 kB", "170 KiB", "2 MB"]
        })
    }
}

/// How much a selection may grow against the baseline: a percentage, an absolute size, or both
/// (then growth must exceed both to count, so tiny files do not trip percentage limits).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Growth {
    pub percent: Option<f64>,
    pub bytes: Option<u64>,
}

impl Growth {
    pub fn parse(text: &str) -> Result<Growth, String> {
        let bad = || {
            format!("`{text}` is not a growth limit; write \"+10%\", \"+20 kB\" or \"+10% +20 kB\"")
        };
        let Some(rest) = text.trim().strip_prefix('+') else {
            return Err(bad());
        };
        let mut growth = Growth {
            percent: None,
            bytes: None,
        };
        for part in rest.split('+') {
            // Limits are separated by spaces or a comma: `+5% +1 kB`, `+5%, +1 kB`.
            let part = part.trim().trim_end_matches(',').trim_end();
            if part.is_empty() {
                return Err(bad());
            }
            if let Some(p) = part.strip_suffix('%') {
                if growth.percent.is_some() {
                    return Err(format!("`{text}` gives two percentages; give one"));
                }
                growth.percent = Some(percent(p.trim()).ok_or_else(|| {
                    format!(
                        "`{part}` in `{text}` is not a percentage; write digits, e.g. \"+10%\" or \"+2.5%\""
                    )
                })?);
            } else {
                if growth.bytes.is_some() {
                    return Err(format!("`{text}` gives two sizes; give one"));
                }
                growth.bytes = Some(
                    Size::parse(part)
                        .map_err(|e| format!("in growth `{text}`: {e}"))?
                        .0,
                );
            }
        }
        Ok(growth)
    }

    /// Whether growing from `before` to `after` exceeds this limit.
    pub fn exceeded(&self, before: u64, after: u64) -> bool {
        let grown = after.saturating_sub(before);
        let over_percent = self
            .percent
            .map(|p| (grown as f64) > before as f64 * p / 100.0);
        let over_bytes = self.bytes.map(|b| grown > b);
        match (over_percent, over_bytes) {
            (Some(p), Some(b)) => p && b,
            (Some(x), None) | (None, Some(x)) => x,
            (None, None) => false,
        }
    }

    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = self.percent {
            parts.push(format!("+{p}%"));
        }
        if let Some(b) = self.bytes {
            parts.push(format!("+{}", Size(b)));
        }
        parts.join(" ")
    }
}

/// A percentage as written in a growth limit: digits with an optional decimal part, finite.
/// No sign, no `NaN`, no `inf`, no exponent: a limit that could never (or always) trip is a
/// typo, not a setting.
pub(crate) fn percent(text: &str) -> Option<f64> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || (text.contains('.') && !digits(frac)) {
        return None;
    }
    text.parse::<f64>().ok().filter(|p| p.is_finite())
}

impl<'de> Deserialize<'de> for Growth {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Growth, D::Error> {
        let s = String::deserialize(d)?;
        Growth::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Growth {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.describe())
    }
}

impl JsonSchema for Growth {
    fn schema_name() -> Cow<'static, str> {
        "Growth".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "Allowed growth against the baseline: \"+10%\", \"+20 kB\", or both (\"+10% +20 kB\": exceeded only when both are).",
            "pattern": r"^\s*\+",
            "examples": ["+5%", "+20 kB", "+10% +20 kB"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_with_units() {
        assert_eq!(Size::parse("1500 kB"), Ok(Size(1_500_000)));
        assert_eq!(Size::parse("170 KiB"), Ok(Size(174_080)));
        assert_eq!(Size::parse("2MB"), Ok(Size(2_000_000)));
        assert_eq!(Size::parse("1.5 MiB"), Ok(Size(1_572_864)));
        assert_eq!(Size::parse("12 B"), Ok(Size(12)));
        assert!(
            Size::parse("300 KB")
                .unwrap_err()
                .contains("`kB` (1000 bytes) or `KiB`")
        );
        assert!(
            Size::parse("300")
                .unwrap_err()
                .contains("a unit is required")
        );
        assert!(Size::parse("kB").is_err());
        assert!(Size::parse("1..5 kB").is_err());
        assert_eq!(Size(500_000).to_string(), "500 kB");
        assert_eq!(Size(174_080).to_string(), "170 KiB");
        assert_eq!(Size(12).to_string(), "12 B");
    }

    #[test]
    fn sizes_are_exact_and_never_saturate() {
        assert_eq!(Size::parse("0.5 B"), Ok(Size(1)), "half a byte rounds up");
        assert_eq!(Size::parse("0.0001 kB"), Ok(Size(0)));
        assert_eq!(Size::parse("1.0000000001 GiB"), Ok(Size(1 << 30)));
        assert_eq!(
            Size::parse("18446744073709551615 B"),
            Ok(Size(u64::MAX)),
            "the largest size is exact, not a float near it"
        );
        assert_eq!(
            Size::parse("9007199254740993 B"),
            Ok(Size(9_007_199_254_740_993)),
            "2^53 + 1 survives (a float would make it 2^53)"
        );
        for too_large in [
            "18446744073709551616 B",
            "17179869184 GiB",
            "1000000000000000000000000 B",
        ] {
            let e = Size::parse(too_large).unwrap_err();
            assert!(e.contains("largest size"), "{too_large}: {e}");
        }
        for not_a_number in [
            "1. kB", ".5 kB", "1.2.3 kB", "- 1 kB", "+1 kB", "NaN kB", "inf B", "1e3 B",
        ] {
            assert!(Size::parse(not_a_number).is_err(), "{not_a_number}");
        }
        for n in [
            0,
            1,
            999,
            1000,
            1024,
            174_080,
            1 << 53,
            (1 << 53) + 1,
            u64::MAX - 1,
            u64::MAX,
        ] {
            assert_eq!(Size::parse(&Size(n).to_string()), Ok(Size(n)), "{n}");
        }
    }

    #[test]
    fn growth_limits_that_could_never_or_always_trip_are_refused() {
        for bad in [
            "+NaN%",
            "+nan%",
            "+inf%",
            "+-10%",
            "+ -10%",
            "+1e3%",
            "+10",
            "+%",
            "+",
            "++10%",
            "+10% +",
            "+10% +20%",
            "+1 kB +2 kB",
            "+10%%",
            "-10%",
            "+10 % +x",
        ] {
            assert!(Growth::parse(bad).is_err(), "{bad} was accepted");
        }
        let g = Growth::parse("+0%").unwrap();
        assert!(
            g.exceeded(100, 101) && !g.exceeded(100, 100),
            "+0% allows no growth"
        );
        assert!(
            !Growth::parse("+10%").unwrap().exceeded(0, 0),
            "zero growth never fails"
        );
        let g = Growth::parse("+2.5%, +1 KiB").unwrap();
        assert_eq!((g.percent, g.bytes), (Some(2.5), Some(1024)));
        assert_eq!(Growth::parse(&g.describe()), Ok(g), "{}", g.describe());
        let huge = Growth::parse("+100000000000000000000000%").unwrap();
        assert!(!huge.exceeded(u64::MAX / 2, u64::MAX));
        assert!(
            Growth::parse(&format!("+1{}%", "0".repeat(400))).is_err(),
            "a percentage past f64 is not finite"
        );
    }

    #[test]
    fn growth_limits() {
        let g = Growth::parse("+10%").unwrap();
        assert!(g.exceeded(1000, 1101) && !g.exceeded(1000, 1100) && !g.exceeded(1000, 900));
        let g = Growth::parse("+20 kB").unwrap();
        assert_eq!(g.bytes, Some(20_000));
        let both = Growth::parse("+10% +20 kB").unwrap();
        assert!(!both.exceeded(1000, 2000), "over 10% but under 20 kB");
        assert!(both.exceeded(100_000, 130_000));
        assert_eq!(Growth::parse("+5%, +1 kB").unwrap().bytes, Some(1000));
        assert!(Growth::parse("10%").is_err());
        assert!(Growth::parse("+ten%").is_err());
    }
}
