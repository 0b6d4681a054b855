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
        let (number, unit) = (&t[..split], t[split..].trim());
        if number.is_empty() {
            return Err(format!(
                "`{text}` is not a size; write a number and a unit, e.g. \"300 kB\""
            ));
        }
        let value: f64 = number
            .parse()
            .map_err(|_| format!("`{number}` in `{text}` is not a number"))?;
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
        Ok(Size((value * factor as f64).round() as u64))
    }
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
        let mut growth = Growth {
            percent: None,
            bytes: None,
        };
        for part in text
            .split([',', ' '])
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
            .split('+')
        {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            if let Some(p) = part.strip_suffix('%') {
                let v: f64 = p
                    .trim()
                    .parse()
                    .map_err(|_| format!("`{part}` in `{text}` is not a percentage"))?;
                growth.percent = Some(v);
            } else {
                growth.bytes = Some(
                    Size::parse(part)
                        .map_err(|e| format!("in growth `{text}`: {e}"))?
                        .0,
                );
            }
        }
        if !text.trim_start().starts_with('+')
            || (growth.percent.is_none() && growth.bytes.is_none())
        {
            return Err(format!(
                "`{text}` is not a growth limit; write \"+10%\", \"+20 kB\" or \"+10% +20 kB\""
            ));
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
