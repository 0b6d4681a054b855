//! The progress bar on stderr: shown only on a terminal, and only once work has taken more than
//! a second, so quick runs and logs stay clean.

use distill_graph::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const DELAY: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub(crate) struct Bar {
    bar: ProgressBar,
    terminal: bool,
    started: Mutex<Option<Instant>>,
}

impl Bar {
    pub(crate) fn stderr() -> Bar {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{msg:>12} [{bar:30}] {bytes}/{total_bytes} {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        Bar {
            bar,
            terminal: std::io::stderr().is_terminal(),
            started: Mutex::new(None),
        }
    }
}

impl Progress for Bar {
    fn begin(&self, label: &str, total: u64) {
        self.bar.set_message(label.to_owned());
        self.bar.set_length(total);
        self.bar.set_position(0);
        *self
            .started
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Instant::now());
    }

    fn advance(&self, units: u64) {
        self.bar.inc(units);
        if self.terminal && self.bar.is_hidden() {
            let started = *self
                .started
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if started.is_some_and(|s| s.elapsed() > DELAY) {
                self.bar.set_draw_target(ProgressDrawTarget::stderr());
            }
        }
    }

    fn end(&self) {
        self.bar.finish_and_clear();
        self.bar.set_draw_target(ProgressDrawTarget::hidden());
        self.bar.reset();
    }
}
