//! `RowScan`: incremental visits of a history's rows, for samplers that keep state.
//!
//! New rows are visited once; a row the visitor is not done with (still running, still
//! waiting) is visited again on the next scan, until it settles.

/// What the visitor wants for a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visit {
    /// Settled: never visit again.
    Done,
    /// Not settled yet: visit again on the next scan.
    Later,
}

#[derive(Debug, Default, Clone)]
pub struct RowScan {
    next: usize,
    pending: Vec<usize>,
}

impl RowScan {
    /// True when the history has fewer rows than already scanned: it is not the history this
    /// scan (and the state built with it) came from, so both must start over.
    pub fn is_stale(&self, n_rows: usize) -> bool {
        n_rows < self.next
    }

    /// Rows waiting to be visited again.
    pub fn n_pending(&self) -> usize {
        self.pending.len()
    }

    /// The rows waiting to be visited again, in the order they will be.
    pub fn pending(&self) -> &[usize] {
        &self.pending
    }

    /// Visits the pending rows and the rows added since the last scan, in that order.
    pub fn scan(&mut self, n_rows: usize, mut visit: impl FnMut(usize) -> Visit) {
        let pending = std::mem::take(&mut self.pending);
        for row in pending.into_iter().chain(self.next..n_rows) {
            if visit(row) == Visit::Later {
                self.pending.push(row);
            }
        }
        self.next = n_rows;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsettled_rows_come_back_until_done() {
        let mut s = RowScan::default();
        let mut seen = Vec::new();
        s.scan(3, |r| {
            seen.push(r);
            if r == 1 {
                Visit::Later
            } else {
                Visit::Done
            }
        });
        s.scan(4, |r| {
            seen.push(r);
            Visit::Done
        });
        s.scan(4, |r| {
            seen.push(r);
            Visit::Done
        });
        assert_eq!(seen, vec![0, 1, 2, 1, 3]);
        assert!(s.is_stale(2));
        assert!(!s.is_stale(4));
    }
}
