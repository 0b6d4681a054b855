//! `budgets.json`: the types that parse it are the ones `budgets.schema.json` is generated from,
//! so the schema cannot drift from the code.

use crate::size::{Growth, Size};
use distill_graph::FileKind;
pub use distill_schema::Compression;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A `budgets.json` file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "distill budgets",
    description = "Size budgets checked by `distill check`."
)]
pub struct BudgetsFile {
    /// Path or URL of this schema, for editors.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Encoding every budget is measured in unless it sets its own. Default: brotli.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression: Option<Compression>,
    pub budgets: Vec<Budget>,
}

/// One budget: a selection of files and the limits they must keep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Budget {
    /// Shown in every report and error.
    pub name: String,
    /// Which files the budget covers; all given conditions must hold.
    #[serde(default)]
    pub select: Select,
    /// Every selected file must pass alone, instead of their sum.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub each: bool,
    /// Fails (exit 1) above this size, e.g. `"500 kB"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Size>,
    /// Warns above this size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn: Option<Size>,
    /// Fails below this size: guards against a build that suddenly lost its content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Size>,
    /// Fails when more files than this are selected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_count: Option<u64>,
    /// Limits on growth against the baseline (`--baseline`), matched by identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub growth: Option<GrowthLimits>,
    /// Encoding of this budget; overrides the top-level one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression: Option<Compression>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GrowthLimits {
    /// Warns when the selection grew more than this, e.g. `"+5%"`, `"+20 kB"` or `"+5% +20 kB"`
    /// (with both, only growth beyond both warns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn: Option<Growth>,
    /// Fails when the selection grew more than this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Growth>,
}

/// Which files a budget covers. An empty selection means every file of the build (source maps
/// excluded).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Select {
    /// Globs relative to the build folder (`assets/vendor-*.js`, `static/chunks/**`); a glob
    /// starting with `!` excludes. `*` does not cross `/`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// A chunk by the bundler's name (`react-vendor`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk: Option<String>,
    /// An entry by name (`index.html`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    /// A route (`/dashboard`, `/blog/[slug]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// `initial`: loaded first; `lazy`: loaded later and never first; `all` (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// File kinds (`script`, `stylesheet`, `image`, `font`, `document`, `media`, `map`, `other`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<FileKind>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Initial,
    Lazy,
    All,
}

/// The JSON schema of `budgets.json`, as committed in `budgets.schema.json`.
#[expect(
    clippy::expect_used,
    reason = "a schemars schema is a JSON value of our own types; a test prints it"
)]
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(BudgetsFile);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
    text.push('\n');
    text
}
