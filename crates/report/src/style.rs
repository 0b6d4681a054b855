//! Colour for the human output, and names made safe to print.

pub(crate) use distill_graph::printable;

/// ANSI colours when on; plain text when off (not a terminal, `NO_COLOR`, `--color never`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paint(pub(crate) bool);

impl Paint {
    fn wrap(self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\u{1b}[{code}m{s}\u{1b}[0m")
        } else {
            s.to_owned()
        }
    }

    pub(crate) fn green(self, s: &str) -> String {
        self.wrap("32", s)
    }

    pub(crate) fn yellow(self, s: &str) -> String {
        self.wrap("33", s)
    }

    pub(crate) fn red(self, s: &str) -> String {
        self.wrap("1;31", s)
    }

    pub(crate) fn dim(self, s: &str) -> String {
        self.wrap("2", s)
    }

    pub(crate) fn bold(self, s: &str) -> String {
        self.wrap("1", s)
    }
}
