//! The tree of trials: which combinations of a define-by-run space are known, tried, running
//! or still open.
//!
//! Each internal node stands for a parameter (its name and axis) and has one slot per value;
//! a path from the root is one trial's parameters in suggestion order. A slot nobody reached
//! yet is open: the values before it are known to lead to it, what follows is not (the
//! objective may suggest more parameters there). A node no trial went past is open, running
//! (a running trial ends there) or done (a finished trial ends there).

use std::collections::HashMap;

use super::axis::Axis;
use crate::error::{Error, Result};

/// A slot no trial reached: an open node not stored yet.
const OPEN: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// A complete trial: its combination is done, and a trial going further is a changed space.
    Complete,
    /// A failed or pruned trial: done, as in Optuna, unless another trial shows that the
    /// objective goes on past it (it stopped before its last parameter).
    Stopped,
    Running,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Open,
    Running,
    Done { complete: bool },
}

#[derive(Debug, Clone)]
struct Node {
    /// Parameter id and axis once a trial suggested a parameter here.
    param: Option<(u32, Axis)>,
    /// Children occupy `slots[first..first + n]`.
    first: u32,
    mark: Mark,
}

/// One step of a path: parameter id, axis, value index.
pub type Step = (u32, Axis, u32);

#[derive(Debug, Clone, Default)]
pub struct Tree {
    nodes: Vec<Node>,
    slots: Vec<u32>,
    names: Vec<String>,
    ids: HashMap<String, u32>,
}

/// Where a trial stands in the tree (`Tree::locate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Located {
    /// At this node, whose parameter is the one suggested.
    Node(usize),
    /// Past what any other trial reached: every value is open.
    Open,
    /// Off the space's grid (values enqueued off it).
    Off,
}

/// How to count open combinations below a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// Open nodes only: running ones are taken.
    Free,
    /// Open and running nodes (a running trial may still go further).
    FreeOrRunning,
}

impl Tree {
    pub fn new() -> Self {
        Tree { nodes: vec![Node { param: None, first: 0, mark: Mark::Open }], ..Default::default() }
    }

    pub fn id(&mut self, name: &str) -> u32 {
        if let Some(i) = self.ids.get(name) {
            return *i;
        }
        self.names.push(name.to_string());
        self.ids.insert(name.to_string(), self.names.len() as u32 - 1);
        self.names.len() as u32 - 1
    }

    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    fn mismatch(&self, node: usize, id: Option<u32>) -> Error {
        self.mismatch_named(node, id.map(|p| self.name(p)))
    }

    fn mismatch_named(&self, node: usize, now: Option<&str>) -> Error {
        let known = match self.nodes[node].param {
            Some((p, _)) => format!("parameter '{}'", self.name(p)),
            None => "no further parameter".into(),
        };
        let now = match now {
            Some(p) => format!("parameter '{p}'"),
            None => "no further parameter".into(),
        };
        Error::InvalidValue(format!(
            "BruteForceSampler found a changed search space: after the same values, one trial has {known} and another {now} \
             (or the same parameter with another range, step or choices); every trial must suggest the same finite space \
             for the same values (start a new study after changing the objective)"
        ))
    }

    /// Gives `node` the parameter of `step` (when it has none) and returns the child for the
    /// step's value, creating it. `Ok(None)` when the value is not on the axis.
    fn descend(&mut self, node: usize, (id, axis, k): Step) -> Result<Option<usize>> {
        match self.nodes[node].param {
            None => {
                if self.nodes[node].mark == (Mark::Done { complete: true }) {
                    return Err(self.mismatch(node, Some(id)));
                }
                self.nodes[node].param = Some((id, axis));
                self.nodes[node].first = self.slots.len() as u32;
                self.nodes[node].mark = Mark::Open;
                self.slots.extend(std::iter::repeat_n(OPEN, axis.n as usize));
            }
            Some((p, a)) if p != id || a != axis => return Err(self.mismatch(node, Some(id))),
            Some(_) => {}
        }
        if k >= axis.n {
            return Ok(None);
        }
        let slot = (self.nodes[node].first + k) as usize;
        if self.slots[slot] == OPEN {
            self.nodes.push(Node { param: None, first: 0, mark: Mark::Open });
            self.slots[slot] = self.nodes.len() as u32 - 1;
        }
        Ok(Some(self.slots[slot] as usize))
    }

    /// The node a path leads to, creating nodes on the way; `None` when a value is off its axis.
    pub fn walk(&mut self, path: &[Step]) -> Result<Option<usize>> {
        let mut node = 0;
        for step in path {
            match self.descend(node, *step)? {
                Some(n) => node = n,
                None => return Ok(None),
            }
        }
        Ok(Some(node))
    }

    /// Records a trial that took `path` and ends as `end`.
    pub fn add(&mut self, path: &[Step], end: End) -> Result<()> {
        let Some(node) = self.walk(path)? else { return Ok(()) };
        let n = &mut self.nodes[node];
        if n.param.is_some() {
            // Others went further from here: only a complete trial stopping here is a conflict.
            return if end == End::Complete { Err(self.mismatch(node, None)) } else { Ok(()) };
        }
        n.mark = match (n.mark, end) {
            (_, End::Complete) => Mark::Done { complete: true },
            (Mark::Done { complete }, _) => Mark::Done { complete },
            (_, End::Stopped) => Mark::Done { complete: false },
            (_, End::Running) => Mark::Running,
        };
        Ok(())
    }

    /// The parameter a trial at `node` suggests next, when a trial showed it.
    pub fn param_at(&self, node: usize) -> Option<(u32, Axis)> {
        self.nodes[node].param
    }

    /// Open combinations below each node (1 for an open node), in one pass from the leaves:
    /// a child is always stored after its parent.
    pub fn counts(&self, how: Count) -> Vec<u64> {
        let mut out = vec![0u64; self.nodes.len()];
        for i in (0..self.nodes.len()).rev() {
            let n = &self.nodes[i];
            out[i] = match n.param {
                None => match (n.mark, how) {
                    (Mark::Open, _) | (Mark::Running, Count::FreeOrRunning) => 1,
                    _ => 0,
                },
                Some((_, axis)) => self.slots[n.first as usize..(n.first + axis.n) as usize]
                    .iter()
                    .map(|&c| if c == OPEN { 1 } else { out[c as usize] })
                    .sum(),
            };
        }
        out
    }

    /// For each value of `node`'s parameter: open combinations below it (from `counts`), and
    /// whether a running trial holds it (an unexpanded running node).
    pub fn children(&self, node: usize, counts: &[u64]) -> Vec<(u64, bool)> {
        let n = &self.nodes[node];
        let Some((_, axis)) = n.param else { return Vec::new() };
        self.slots[n.first as usize..(n.first + axis.n) as usize]
            .iter()
            .map(|&c| {
                if c == OPEN {
                    (1, false)
                } else {
                    let child = &self.nodes[c as usize];
                    (counts[c as usize], child.param.is_none() && child.mark == Mark::Running)
                }
            })
            .collect()
    }

    /// Where a trial with parameters `path` (name, axis, value index) stands, without changing
    /// the tree, and what it suggests next (`next`): the stored node whose parameter is `next`,
    /// or `Open` when nothing is known past the path (every value is open), or `Off` when a
    /// value is off its axis. A parameter other than the tree's is a changed space.
    pub fn locate(&self, path: &[(&str, Axis, u32)], next: (&str, Axis)) -> Result<Located> {
        let mut node = 0;
        for &(name, axis, k) in path {
            match self.nodes[node].param {
                None => return Ok(Located::Open),
                Some((p, a)) if self.name(p) != name || a != axis => return Err(self.mismatch_named(node, Some(name))),
                Some(_) if k >= axis.n => return Ok(Located::Off),
                Some(_) => match self.child(node, k) {
                    Some(c) => node = c,
                    None => return Ok(Located::Open),
                },
            }
        }
        match self.nodes[node].param {
            None if self.nodes[node].mark == (Mark::Done { complete: true }) => Err(self.mismatch_named(node, Some(next.0))),
            None => Ok(Located::Open),
            Some((p, a)) if self.name(p) != next.0 || a != next.1 => Err(self.mismatch_named(node, Some(next.0))),
            Some(_) => Ok(Located::Node(node)),
        }
    }

    /// The node in slot `k` of `node` (`None`: open, not stored).
    pub fn child(&self, node: usize, k: u32) -> Option<usize> {
        let n = &self.nodes[node];
        let (_, axis) = n.param?;
        if k >= axis.n {
            return None;
        }
        let c = self.slots[(n.first + k) as usize];
        (c != OPEN).then_some(c as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::Distribution;

    fn ax(n: i64) -> Axis {
        Axis::of("p", &Distribution::Int { low: 0, high: n - 1, log: false, step: 1 }).unwrap()
    }

    #[test]
    fn counts_open_combinations_of_a_conditional_space() {
        // a in {0,1,2}; b in {0,1} after a; c in {0,1} only after a=1, b=0.
        let mut t = Tree::new();
        let (a, b, c) = (t.id("a"), t.id("b"), t.id("c"));
        t.add(&[(a, ax(3), 0), (b, ax(2), 0)], End::Complete).unwrap();
        t.add(&[(a, ax(3), 0), (b, ax(2), 1)], End::Complete).unwrap();
        t.add(&[(a, ax(3), 1), (b, ax(2), 0), (c, ax(2), 0)], End::Complete).unwrap();
        // open: a1 b0 c1, a1 b1, a2
        assert_eq!(t.counts(Count::Free)[0], 3);
        t.add(&[(a, ax(3), 2)], End::Running).unwrap();
        assert_eq!(t.counts(Count::Free)[0], 2);
        assert_eq!(t.counts(Count::FreeOrRunning)[0], 3);
        assert_eq!(t.children(0, &t.counts(Count::Free)), vec![(0, false), (2, false), (0, true)]);
        // a1 b0 leads to c; a1 b1 is open past the tree; another parameter there is a change
        let b2 = (ax(2), 0);
        assert_eq!(
            t.locate(&[("a", ax(3), 1), ("b", b2.0, 0)], ("c", ax(2))).unwrap(),
            Located::Node(t.walk(&[(a, ax(3), 1), (b, ax(2), 0)]).unwrap().unwrap())
        );
        assert_eq!(t.locate(&[("a", ax(3), 1), ("b", b2.0, 1)], ("c", ax(2))).unwrap(), Located::Open);
        assert!(t.locate(&[("a", ax(3), 1), ("b", b2.0, 0)], ("d", ax(2))).is_err());
        assert!(t.locate(&[("a", ax(3), 0)], ("b", ax(3))).is_err());
    }

    #[test]
    fn a_changed_space_is_an_error_and_a_stopped_trial_yields_to_a_longer_one() {
        let mut t = Tree::new();
        let (a, b) = (t.id("a"), t.id("b"));
        t.add(&[(a, ax(2), 0)], End::Complete).unwrap();
        assert!(t.add(&[(a, ax(2), 0), (b, ax(2), 0)], End::Complete).is_err());
        assert!(t.add(&[(a, ax(3), 1)], End::Complete).is_err());
        let mut t = Tree::new();
        t.add(&[(a, ax(2), 0)], End::Stopped).unwrap();
        t.add(&[(a, ax(2), 0), (b, ax(2), 0)], End::Complete).unwrap();
        assert_eq!(t.counts(Count::Free)[0], 2); // a0 b1, a1
                                                 // the off-axis value is ignored
        t.add(&[(a, ax(2), 7)], End::Complete).unwrap();
        assert_eq!(t.counts(Count::Free)[0], 2);
    }
}
