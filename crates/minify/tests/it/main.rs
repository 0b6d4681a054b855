//! Integration tests on real fixture builds (`fixtures/build.sh`): source maps stay true,
//! chunks behave the same, and the committed size table. A test whose fixture build (or Node)
//! is missing is skipped with a printed reason, unless `DISTILL_REQUIRE_NODE=1`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests and examples: a failed unwrap or index is a failed run, with its message"
)]

mod behaviour;
mod maps;
mod minsize;
mod util;
