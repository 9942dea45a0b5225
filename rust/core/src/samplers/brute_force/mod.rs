//! Brute force: every combination of a finite, define-by-run search space, once.
//!
//! The space is discovered as the objective suggests, so the sampler keeps a tree of trials
//! (`tree.rs`): a path from the root is one trial's parameters in suggestion order, and a
//! slot no trial reached yet is an open combination (or a whole open subtree: the objective
//! may suggest more parameters there). Finished trials settle into a tree kept per study;
//! running ones are laid over a copy of it on each call.
//!
//! Workers never get the same combination because a trial claims an open node when it is
//! created, inside the storage's atomic trial creation (`before_trial` with
//! `before_trial_claims`): the path to that node goes into the trial's system attribute
//! `brute_force_path`, every later creation (any thread or process) sees it as a running
//! trial there, and the trial's suggestions follow the path. Past its end the trial is alone
//! in its subtree and picks freely; what it suggests reveals the siblings of its values,
//! which later trials claim. When every open node is held by a running trial, a worker of
//! `optimize` stops (Optuna's default criterion: running trials count as covering their
//! subtrees); the workers that hold them go on with what their trials reveal, so the whole
//! space is still covered. With `avoid_premature_stop` a running trial may still open a
//! subtree, so the study stops only when no trial runs; a trial created meanwhile claims
//! nothing and picks among what is open when it suggests, as Optuna does (it may repeat a
//! running trial's values). A failed or pruned trial counts as tried, as in Optuna.

mod axis;
mod tree;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rand::RngCore;

use self::axis::Axis;
use self::tree::{Count, End, Located, Step, Tree};
use super::{NewTrial, Sampler};
use crate::error::{Error, Result};
use crate::history::{RowScan, TrialHistory, TrialState, Visit};
use crate::rng::{below, os_seed, stream, uniform01};
use crate::space::Distribution;
use crate::storage::StudyId;

/// The system attribute holding the path a trial claimed: `[[name, internal value], ...]`.
pub const BRUTE_FORCE_PATH_ATTR: &str = "brute_force_path";

pub struct BruteForceSampler {
    seed: u64,
    avoid_premature_stop: bool,
    finished: Mutex<HashMap<StudyId, Settled>>,
}

/// The tree of a study's finished trials, grown as trials finish, and the last view built
/// on it.
struct Settled {
    scan: RowScan,
    tree: Arc<Tree>,
    /// Counts the changes of `tree`.
    version: u64,
    view: Option<Arc<View>>,
}

impl Settled {
    fn new() -> Self {
        Settled { scan: RowScan::default(), tree: Arc::new(Tree::new()), version: 0, view: None }
    }
}

/// The settled tree with the running trials laid over it, and its counts of open
/// combinations. Reused while neither changed: the calls of one trial (its creation, then
/// each suggestion, which leaves the trial itself out) mostly see the same one.
struct View {
    /// What it was built from: the settled tree's version and the state and number of
    /// parameters of every unsettled row laid over it.
    key: (u64, Vec<(usize, TrialState, usize)>),
    tree: Arc<Tree>,
    free: Vec<u64>,
    /// Empty without `avoid_premature_stop`.
    free_or_running: Vec<u64>,
}

impl View {
    fn counts(&self, how: Count) -> &[u64] {
        match how {
            Count::Free => &self.free,
            Count::FreeOrRunning => &self.free_or_running,
        }
    }
}

/// A trial's parameters as steps of the tree, in suggestion order.
fn path_of(tree: &mut Tree, h: &TrialHistory, row: usize) -> Result<Vec<Step>> {
    let mut path = Vec::new();
    for (name, v, dist) in h.params_of(row) {
        let axis = Axis::of(name, dist)?;
        // a value off its axis (a trial added by hand) is kept as an impossible index
        path.push((tree.id(name), axis, axis.index(v).unwrap_or(u32::MAX)));
    }
    Ok(path)
}

/// The claimed path of `row`, if it has one.
fn claim_of(h: &TrialHistory, row: usize) -> Option<Vec<(String, f64)>> {
    serde_json::from_str(h.meta[row].system_attrs.get(BRUTE_FORCE_PATH_ATTR)?).ok()
}

/// `path` extended by the steps of `claim` past it, when `path` is a prefix of `claim`.
fn with_claim(tree: &mut Tree, mut path: Vec<Step>, claim: &[(String, f64)]) -> Vec<Step> {
    if claim.len() <= path.len() {
        return path;
    }
    let on_claim = path.iter().zip(claim).all(|((id, axis, k), (name, v))| tree.name(*id) == name && axis.index(*v) == Some(*k));
    if !on_claim {
        return path;
    }
    let Ok(Some(mut node)) = tree.walk(&path) else { return path };
    for (name, v) in &claim[path.len()..] {
        let Some((id, axis)) = tree.param_at(node) else { break };
        let Some(k) = axis.index(*v).filter(|_| tree.name(id) == name) else { break };
        path.push((id, axis, k));
        match tree.walk(&path) {
            Ok(Some(n)) => node = n,
            _ => break,
        }
    }
    path
}

/// Picks a child of a node from `children` ((open combinations below, held by a running
/// trial) per value), as Optuna does: half weighted by the open combinations below (uniform
/// over combinations), half uniform over values with any (so no branch starves), values a
/// running trial holds only when nothing else is open. `None` when nothing is open.
fn pick(children: &[(u64, bool)], rng: &mut impl RngCore) -> Option<u32> {
    let total: u64 = children.iter().map(|c| c.0).sum();
    let nonzero = children.iter().filter(|c| c.0 > 0).count();
    if total == 0 {
        return None;
    }
    let spare_running = children.iter().any(|(n, running)| *n > 0 && !running);
    let w: Vec<f64> = children
        .iter()
        .map(|&(n, running)| if n == 0 || (running && spare_running) { 0.0 } else { 0.5 * n as f64 / total as f64 + 0.5 / nonzero as f64 })
        .collect();
    let sum: f64 = w.iter().sum();
    let mut u = uniform01(rng) * sum;
    let mut last = None;
    for (k, wk) in w.iter().enumerate() {
        if *wk > 0.0 {
            last = Some(k as u32);
            if u < *wk {
                return last;
            }
            u -= wk;
        }
    }
    last
}

impl BruteForceSampler {
    /// `seed = None` draws one from the operating system.
    pub fn new(seed: Option<u64>, avoid_premature_stop: bool) -> Self {
        BruteForceSampler { seed: seed.unwrap_or_else(os_seed), avoid_premature_stop, finished: Mutex::new(HashMap::new()) }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    fn counting(&self) -> Count {
        if self.avoid_premature_stop {
            Count::FreeOrRunning
        } else {
            Count::Free
        }
    }

    /// The study's tree: finished trials, then every running trial except `skip` (each up to
    /// the end of its claim), with its counts.
    fn view(&self, study: StudyId, h: &TrialHistory, skip: Option<usize>) -> Result<Arc<View>> {
        let mut st = self.finished.lock().unwrap_or_else(|e| e.into_inner());
        let s = st.entry(study).or_insert_with(Settled::new);
        if s.scan.is_stale(h.n_trials()) {
            *s = Settled::new();
        }
        let mut failed = None;
        let mut scan = std::mem::take(&mut s.scan);
        scan.scan(h.n_trials(), |row| {
            let end = match h.states[row] {
                TrialState::Complete => End::Complete,
                TrialState::Fail | TrialState::Pruned => End::Stopped,
                _ => return Visit::Later,
            };
            if failed.is_none() {
                // the last view shares the tree: drop it so the tree is not copied
                s.view = None;
                s.version += 1;
                let tree = Arc::make_mut(&mut s.tree);
                if let Err(e) = path_of(tree, h, row).and_then(|p| tree.add(&p, end)) {
                    failed = Some(e);
                }
            }
            Visit::Done
        });
        if let Some(e) = failed {
            // start over next time (and fail the same way while the history disagrees)
            *s = Settled::new();
            return Err(e);
        }
        s.scan = scan;
        let unsettled: Vec<(usize, TrialState, usize)> = s
            .scan
            .pending()
            .iter()
            .filter(|&&row| Some(row) != skip && h.states[row] == TrialState::Running)
            .map(|&row| (row, h.states[row], h.meta[row].param_order.len()))
            .collect();
        let key = (s.version, unsettled);
        if let Some(v) = s.view.as_ref().filter(|v| v.key == key) {
            return Ok(v.clone());
        }
        let tree = if key.1.is_empty() {
            s.tree.clone()
        } else {
            let mut tree = (*s.tree).clone();
            for &(row, _, _) in &key.1 {
                let path = path_of(&mut tree, h, row)?;
                let path = match claim_of(h, row) {
                    Some(claim) => with_claim(&mut tree, path, &claim),
                    None => path,
                };
                tree.add(&path, End::Running)?;
            }
            Arc::new(tree)
        };
        // without avoid_premature_stop nothing reads the counts with running trials
        let free = tree.counts(Count::Free);
        let free_or_running = if self.avoid_premature_stop { tree.counts(Count::FreeOrRunning) } else { Vec::new() };
        let view = Arc::new(View { key, tree, free, free_or_running });
        s.view = Some(view.clone());
        Ok(view)
    }

    /// An open node for a new trial: the values leading to it, or `None` when every open node
    /// is held by a running trial (or none is left).
    fn claim(&self, view: &View, rng: &mut impl RngCore) -> Option<Vec<(String, f64)>> {
        let tree = &view.tree;
        let mut node = 0;
        let mut path = Vec::new();
        loop {
            let Some((id, axis)) = tree.param_at(node) else { return Some(path) };
            let children = tree.children(node, &view.free);
            let k = pick(&children, rng)?;
            path.push((tree.name(id).to_string(), axis.value(k)));
            match tree.child(node, k) {
                Some(c) => node = c,
                None => return Some(path),
            }
        }
    }
}

impl Sampler for BruteForceSampler {
    fn before_trial_claims(&self) -> bool {
        true
    }

    fn before_trial(&self, study: StudyId, h: &TrialHistory, trial: &mut NewTrial) -> Result<()> {
        if !trial.fixed_params.is_empty() {
            // An enqueued trial runs its own values and picks the rest when it suggests.
            return Ok(());
        }
        let view = self.view(study, h, None)?;
        let mut rng = stream(self.seed, trial.number as u64, "brute-force-claim");
        if let Some(path) = self.claim(&view, &mut rng) {
            let text = serde_json::to_string(&path).map_err(|e| Error::Storage(format!("cannot encode a brute force path: {e}")))?;
            trial.system_attrs.insert(BRUTE_FORCE_PATH_ATTR.into(), text);
        }
        Ok(())
    }

    /// Nothing open is left (with `avoid_premature_stop`: nor held by a running trial). A
    /// history the tree cannot hold (a changed space) is not exhausted: the next trial's
    /// creation reports it.
    fn is_exhausted(&self, study: StudyId, h: &TrialHistory) -> bool {
        match self.view(study, h, None) {
            Ok(view) => view.counts(self.counting())[0] == 0,
            Err(_) => false,
        }
    }

    /// Every combination goes to one trial of the study, whatever its Hyperband bracket.
    fn per_bracket(&self) -> bool {
        false
    }

    fn sample_independent(&self, study: StudyId, h: &TrialHistory, row: usize, name: &str, dist: &Distribution) -> Result<f64> {
        let axis = Axis::of(name, dist)?;
        let view = self.view(study, h, Some(row))?;
        let mut path = Vec::new();
        for (n, v, d) in h.params_of(row) {
            let a = Axis::of(n, d)?;
            path.push((n, a, a.index(v).unwrap_or(u32::MAX)));
        }
        let mut rng = stream(self.seed, row as u64, name);
        let located = view.tree.locate(&path, (name, axis))?;
        if let Some(claim) = claim_of(h, row) {
            // the claimed value, while the trial follows its claim
            let depth = path.len();
            let on_claim = claim.len() > depth && path.iter().zip(&claim).all(|((n, a, k), (cn, cv))| n == cn && a.index(*cv) == Some(*k));
            if on_claim {
                let (n, v) = &claim[depth];
                if let Some(k) = axis.index(*v).filter(|_| n == name) {
                    return Ok(axis.value(k));
                }
            }
        }
        let children = match located {
            Located::Node(node) => view.tree.children(node, view.counts(self.counting())),
            Located::Open => vec![(1, false); axis.n as usize],
            // the trial left the space's grid (values enqueued off it): any value
            Located::Off => Vec::new(),
        };
        let k = match pick(&children, &mut rng) {
            Some(k) => k,
            // nothing open here: a value at random, as Optuna does
            None => below(&mut rng, axis.n as u64) as u32,
        };
        Ok(axis.value(k))
    }
}

#[cfg(test)]
mod tests;
