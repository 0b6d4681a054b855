//! The JSON report, pretty-printed: the complete [`Report`], readable back as a baseline.

use crate::Options;
use distill_schema::Report;
use std::io::{self, Write};

pub fn write(report: &Report, _options: &Options, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}
