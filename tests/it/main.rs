//! End-to-end tests of the `distill` binary on real build outputs.
//!
//! Fixture builds come from `fixtures/build.sh` (real Vite and Next.js from npm). A test that
//! needs one builds it on demand when Node.js is available, and otherwise skips with a printed
//! reason, unless `DISTILL_REQUIRE_NODE=1` (set by `.ci/run`) makes that a failure.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests and examples: a failed unwrap or index is a failed run, with its message"
)]

mod util;

mod browser;
mod serve;

mod attribution;
mod bad_input;
mod check;
mod hostile;
mod hostile_budgets;
mod html;
mod images;
mod init;
mod minify;
mod next;
mod optimize;
mod sizes;
mod snapshots;
mod split;
mod vite;
