//! Operation counts split into labelled segments, for per-layer cost reports.
//!
//! A backend calls [`OpTrace::begin`] when a layer-sized operation (a matmul, a
//! convolution, a pooling) starts; while a trace is recording, the operations counted
//! from there to the next `begin` form one [`OpSegment`] under that operation's label —
//! so a segment is one layer operation plus the elementwise work that follows it (bias,
//! activation) until the next one. When no trace records, `begin` costs one atomic load.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::tally::OpCounts;

/// The operations counted under one label.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OpSegment {
    /// The operation that opened the segment (e.g. `matmul 8×784 · 784×100`).
    pub label: String,
    /// Operations counted until the next segment began.
    pub ops: OpCounts,
}

/// A recorder of [`OpSegment`]s over a running total of [`OpCounts`].
#[derive(Debug, Default)]
pub struct OpTrace {
    recording: AtomicBool,
    state: Mutex<Option<Recording>>,
}

#[derive(Debug)]
struct Recording {
    label: String,
    start: OpCounts,
    segments: Vec<OpSegment>,
}

impl OpTrace {
    /// Starts recording; the first segment is named `label` and starts at the running
    /// total `now`. A recording in progress is discarded.
    pub fn start(&self, label: &str, now: OpCounts) {
        *self.lock() = Some(Recording {
            label: label.to_string(),
            start: now,
            segments: Vec::new(),
        });
        self.recording.store(true, Ordering::Release);
    }

    /// Whether a recording is in progress (callers skip building labels otherwise).
    pub fn is_recording(&self) -> bool {
        self.recording.load(Ordering::Acquire)
    }

    /// Closes the current segment at the running total `now` and opens one named
    /// `label()`. Does nothing when not recording.
    pub fn begin(&self, label: impl FnOnce() -> String, now: OpCounts) {
        if !self.is_recording() {
            return;
        }
        if let Some(rec) = self.lock().as_mut() {
            rec.close(now);
            rec.label = label();
        }
    }

    /// The running total was `before` and is being reset to zero: the current segment
    /// keeps what was counted up to `before` and goes on from zero.
    pub fn rebase(&self, before: OpCounts) {
        if !self.is_recording() {
            return;
        }
        if let Some(rec) = self.lock().as_mut() {
            let label = rec.label.clone();
            rec.close(before);
            rec.label = label;
            rec.start = OpCounts::default();
        }
    }

    /// Stops recording and returns its segments in order, the last one closed at `now`;
    /// segments without any operation are left out. Empty when not recording.
    pub fn finish(&self, now: OpCounts) -> Vec<OpSegment> {
        self.recording.store(false, Ordering::Release);
        match self.lock().take() {
            Some(mut rec) => {
                rec.close(now);
                rec.segments
            }
            None => Vec::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Recording>> {
        self.state.lock().expect("operation trace poisoned")
    }
}

impl Recording {
    fn close(&mut self, now: OpCounts) {
        let ops = now - self.start;
        if ops != OpCounts::default() {
            self.segments.push(OpSegment {
                label: std::mem::take(&mut self.label),
                ops,
            });
        }
        self.start = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn macs(mac: u64) -> OpCounts {
        OpCounts {
            mac,
            ..OpCounts::default()
        }
    }

    #[test]
    fn segments_hold_the_counts_between_consecutive_begins_and_survive_resets() {
        let t = OpTrace::default();
        t.begin(
            || unreachable!("no label is built when not recording"),
            macs(0),
        );
        t.start("input", macs(5));
        t.begin(|| "a".into(), macs(7));
        t.begin(|| "empty".into(), macs(10));
        t.begin(|| "b".into(), macs(10));
        let s = t.finish(macs(14));
        let got: Vec<(&str, u64)> = s.iter().map(|s| (s.label.as_str(), s.ops.mac)).collect();
        assert_eq!(got, [("input", 2), ("a", 3), ("b", 4)]);
        assert!(!t.is_recording());

        t.start("x", macs(3));
        t.rebase(macs(5));
        t.begin(|| "y".into(), macs(4));
        let s = t.finish(macs(6));
        let got: Vec<(&str, u64)> = s.iter().map(|s| (s.label.as_str(), s.ops.mac)).collect();
        assert_eq!(
            got,
            [("x", 2), ("x", 4), ("y", 2)],
            "a reset splits the segment"
        );
        assert!(t.finish(macs(20)).is_empty());
    }
}
