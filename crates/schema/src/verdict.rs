//! Budget verdicts: what `distill check` decided for each budget (and each file of an `each`
//! budget), with the numbers behind the decision.

use distill_graph::Encoding;
use serde::{Deserialize, Serialize};

/// Budget verdicts and the settings they were computed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetsReport {
    /// The budgets file as given.
    pub source: String,
    pub verdicts: Vec<Verdict>,
}

/// The outcome of one budget, or of one file of an `each` budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VerdictStatus {
    Pass,
    /// The selection matched no file: reported, never passed.
    Empty,
    Warn,
    /// A `max`, `min`, `maxCount` or `growth.max` is exceeded: exit 1.
    Fail,
}

impl VerdictStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictStatus::Pass => "pass",
            VerdictStatus::Empty => "empty",
            VerdictStatus::Warn => "warn",
            VerdictStatus::Fail => "fail",
        }
    }
}

/// What a verdict measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// Bytes of the selection (`max`, `warn`, `min`).
    Size,
    /// Number of files (`maxCount`).
    Count,
    /// Bytes against the baseline (`growth`).
    Growth,
}

// The encoding a budget is measured in. Spelled as in `budgets.json`; `none` reads `raw` in
// what people see. (Plain comments: doc comments would change budgets.schema.json.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    // Uncompressed bytes; `raw` is accepted as another name.
    #[serde(alias = "raw")]
    None,
    Gzip,
    Brotli,
    Zstd,
    // The bytes really served: each file's smallest precompressed copy (`.br`, `.zst`, `.gz`)
    // when it has one, else its computed brotli size.
    Served,
}

impl Compression {
    /// The encoding to measure for this compression (`served` falls back to brotli).
    pub fn encoding(self) -> Encoding {
        match self {
            Compression::None => Encoding::Raw,
            Compression::Gzip => Encoding::Gzip,
            Compression::Brotli | Compression::Served => Encoding::Brotli,
            Compression::Zstd => Encoding::Zstd,
        }
    }

    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Brotli => "brotli",
            Compression::Zstd => "zstd",
            Compression::Served => "served",
        }
    }

    /// What people read: `raw` for uncompressed bytes.
    pub fn label(self) -> &'static str {
        match self {
            Compression::None => "raw",
            other => other.as_str(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// Display name: the budget's name; for an `each` budget `<budget> › <file>`; `(count)` or
    /// `(growth)` appended when one budget gives several verdicts. For people only: code reads
    /// `budget`, `file` and `metric`.
    pub name: String,
    pub budget: String,
    /// The file, for the per-file verdicts of an `each` budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub status: VerdictStatus,
    pub metric: Metric,
    pub compression: Compression,
    pub actual: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u64>,
    /// For growth: the baseline value compared with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<u64>,
    pub files: Vec<String>,
    pub message: String,
}

impl Verdict {
    /// The limit a person compares `actual` with: `max`, else `warn`, else `min`.
    pub fn limit(&self) -> Option<u64> {
        self.max.or(self.warn).or(self.min)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_stay_those_of_schema_version_1() {
        let json = r#"{"name":"lazy › a.js","budget":"lazy","status":"warn","metric":"size","compression":"none","actual":5,"files":["a.js"],"message":"m"}"#;
        let v: Verdict = serde_json::from_str(json).unwrap();
        assert_eq!(v.status, VerdictStatus::Warn);
        assert_eq!(v.compression, Compression::None);
        assert_eq!(v.file, None, "reports before `file` existed still read");
        assert_eq!(serde_json::to_string(&v).unwrap(), json);
        assert_eq!(
            serde_json::from_str::<Compression>("\"raw\"").unwrap(),
            Compression::None
        );
        assert!(
            VerdictStatus::Fail > VerdictStatus::Warn && VerdictStatus::Warn > VerdictStatus::Empty
        );
    }
}
