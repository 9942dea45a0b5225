//! Per-parameter observation indexes kept from one suggestion to the next.
//!
//! TPE's "above" estimator has a component per observation, and its bandwidths come from the
//! neighbouring observations in sorted order. Sorting every column for every suggestion costs
//! O(n log n); here each (parameter, distribution) keeps its settled observations sorted, so a
//! new trial is one insertion. Per-row caches keep each component's bandwidth-dependent
//! constants (1/σ, the log normalizer of its truncation): bandwidths rarely change between two
//! suggestions, and the truncation mass needs error functions.

use super::truncnorm::{log_gauss_mass, norm_logpdf};
use crate::history::{RowScan, TrialHistory, TrialState, Visit};
use crate::space::Distribution;

/// A set of trial rows with O(1) rank queries (how many members sit before a row).
#[derive(Clone, Default)]
pub struct Bits {
    words: Vec<u64>,
    /// `before[w]`: members in words `0..w` (valid after `index_ranks`).
    before: Vec<u32>,
}

impl Bits {
    pub fn with_rows(n_rows: usize) -> Self {
        Bits { words: vec![0; n_rows.div_ceil(64)], before: Vec::new() }
    }

    pub fn insert(&mut self, row: usize) {
        let w = row / 64;
        if w >= self.words.len() {
            self.words.resize(w + 1, 0);
        }
        self.words[w] |= 1 << (row % 64);
    }

    pub fn remove(&mut self, row: usize) {
        if let Some(w) = self.words.get_mut(row / 64) {
            *w &= !(1 << (row % 64));
        }
    }

    #[inline(always)]
    pub fn contains(&self, row: usize) -> bool {
        self.words.get(row / 64).is_some_and(|w| w >> (row % 64) & 1 == 1)
    }

    /// Keeps only the rows that are also in `other`.
    pub fn intersect(&mut self, other: &Bits) {
        for (i, w) in self.words.iter_mut().enumerate() {
            *w &= other.words.get(i).copied().unwrap_or(0);
        }
    }

    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Rows in exactly one of the two sets, at most `limit` of them (`None` beyond).
    pub fn difference(&self, other: &Bits, limit: usize) -> Option<Vec<usize>> {
        let mut out = Vec::new();
        for i in 0..self.words.len().max(other.words.len()) {
            let mut w = self.words.get(i).copied().unwrap_or(0) ^ other.words.get(i).copied().unwrap_or(0);
            while w != 0 {
                if out.len() == limit {
                    return None;
                }
                out.push(i * 64 + w.trailing_zeros() as usize);
                w &= w - 1;
            }
        }
        Some(out)
    }

    /// Prepares `rank`.
    pub fn index_ranks(&mut self) {
        self.before.clear();
        let mut acc = 0u32;
        for w in &self.words {
            self.before.push(acc);
            acc += w.count_ones();
        }
    }

    /// Members before `row` (call `index_ranks` after the last change).
    #[inline(always)]
    pub fn rank(&self, row: usize) -> usize {
        let w = row / 64;
        let mask = (1u64 << (row % 64)) - 1;
        self.before[w] as usize + (self.words[w] & mask).count_ones() as usize
    }

    /// Members in increasing row order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(i, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let b = w.trailing_zeros() as usize;
                w &= w - 1;
                Some(i * 64 + b)
            })
        })
    }
}

/// Where a numerical dimension's kernels live: bounds in kernel space (log space for log
/// parameters, widened by half a step for stepped ones) and how to map values there.
#[derive(Clone, Copy, Debug)]
pub struct Geometry {
    pub low: f64,
    pub high: f64,
    pub log: bool,
    /// Values are multiplied by this before the kernel sees them: 1, or a power of two below 1
    /// for float ranges wider than `f64::MAX` (which would overflow `high - low`).
    pub scale: f64,
    /// 0 for continuous parameters.
    pub step: f64,
    /// The distribution's own bounds, for rounding samples onto the grid.
    pub grid_low: f64,
    pub grid_high: f64,
}

impl Geometry {
    pub fn of(dist: &Distribution) -> Option<Geometry> {
        let (grid_low, grid_high, log, step) = match dist {
            Distribution::Float { low, high, log, step } => (*low, *high, *log, step.unwrap_or(0.0)),
            Distribution::Int { low, high, log, step } => (*low as f64, *high as f64, *log, *step as f64),
            Distribution::Categorical { .. } => return None,
        };
        let (mut low, mut high) = (grid_low - step / 2.0, grid_high + step / 2.0);
        let mut scale = 1.0;
        if log {
            low = low.ln();
            high = high.ln();
        } else if !(high - low).is_finite() {
            scale = 0.25;
            low *= scale;
            high *= scale;
        }
        Some(Geometry { low, high, log, scale, step, grid_low, grid_high })
    }

    #[inline]
    pub fn to_kernel(self, v: f64) -> f64 {
        if self.log {
            v.ln()
        } else {
            v * self.scale
        }
    }

    pub fn range(&self) -> f64 {
        self.high - self.low
    }

    /// The smallest bandwidth: `range / min(100, 1 + n_kernels)` with the magic clip.
    pub fn min_sigma(&self, n_kernels: usize, magic_clip: bool) -> f64 {
        if magic_clip {
            self.range() / (1.0 + n_kernels as f64).min(100.0)
        } else {
            1e-12
        }
    }

    /// Kernel-space cell `[l, r]` of a stepped value (a point for continuous parameters).
    #[inline]
    pub fn cell(&self, v: f64) -> (f64, f64) {
        let (l, r) = (v - self.step / 2.0, v + self.step / 2.0);
        if self.log {
            (l.ln(), r.ln())
        } else {
            (l * self.scale, r * self.scale)
        }
    }

    /// ln Z of a component's truncation to the bounds.
    #[inline]
    pub fn log_norm(&self, mu: f64, sigma: f64) -> f64 {
        log_gauss_mass((self.low - mu) / sigma, (self.high - mu) / sigma)
    }
}

/// Neighbour bandwidths of sorted kernel-space means, as Optuna computes them: the larger gap
/// to the previous and next mean (the bounds act as neighbours of the extremes, unless
/// `consider_endpoints` is off, then the extremes take their inner gap), clipped to
/// `[min_sigma, range]`. Calls `emit(k, σ)` for each position.
pub fn neighbour_sigmas(sorted: &[f64], g: &Geometry, min_sigma: f64, consider_endpoints: bool, mut emit: impl FnMut(usize, f64)) {
    let n = sorted.len();
    for k in 0..n {
        let prev = (k > 0).then(|| sorted[k - 1]);
        let next = sorted.get(k + 1).copied();
        emit(k, neighbour_sigma(sorted[k], prev, next, g, min_sigma, consider_endpoints, n));
    }
}

/// The bandwidth of the kernel at `mu` given its neighbours (`None` at an end) among `n`
/// members: the rule of `neighbour_sigmas`, for one member.
#[inline]
pub fn neighbour_sigma(
    mu: f64,
    prev: Option<f64>,
    next: Option<f64>,
    g: &Geometry,
    min_sigma: f64,
    consider_endpoints: bool,
    n: usize,
) -> f64 {
    let mut s = (mu - prev.unwrap_or(g.low)).max(next.unwrap_or(g.high) - mu);
    if !consider_endpoints && n >= 2 {
        match (prev, next) {
            (None, Some(q)) => s = q - mu,
            (Some(p), None) => s = mu - p,
            _ => {}
        }
    }
    s.clamp(min_sigma, g.range().max(min_sigma))
}

/// The deterministic tie order of equal values: a mix of the row number, so that which of
/// several tied observations gets the outer gaps does not follow trial age.
#[inline]
pub fn tie_key(row: usize) -> u64 {
    let mut z = (row as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Bandwidth-dependent constants of one component.
#[derive(Clone, Copy)]
pub struct KernelConsts {
    /// The kernel's mean (kernel space), kept here so one read brings everything.
    pub mu: f64,
    pub sigma: f64,
    pub inv: f64,
    /// ln Z of the truncation.
    pub lnz: f64,
    /// Log density at the mean: -ln σ - ln Z - ln √(2π).
    pub lc: f64,
}

impl KernelConsts {
    pub fn new(g: &Geometry, mu: f64, sigma: f64) -> Self {
        let lnz = g.log_norm(mu, sigma);
        KernelConsts { mu, sigma, inv: 1.0 / sigma, lnz, lc: -sigma.ln() - lnz + norm_logpdf(0.0) }
    }

    const UNSET: KernelConsts = KernelConsts { mu: f64::NAN, sigma: f64::NAN, inv: 0.0, lnz: 0.0, lc: 0.0 };
}

/// The members of one dimension in sorted order (what the tests compare).
#[cfg(test)]
#[derive(Default)]
pub struct SortedDim {
    pub mu: Vec<f64>,
    pub row: Vec<u32>,
    pub consts: Vec<KernelConsts>,
}

/// Largest -ln Z of a component's truncation: its mean lies inside the bounds and σ <= range,
/// so at least Φ(1) - Φ(0) = 0.341 of its mass is inside.
pub const NEG_LNZ_MAX: f64 = 1.08;

/// Chunks of a sorted index: inserting moves at most one chunk.
const CHUNK: usize = 1024;

/// A run of sorted entries: kernel values, rows and cached kernel constants, in parallel.
#[derive(Default)]
struct Chunk {
    keys: Vec<f64>,
    rows: Vec<u32>,
    consts: Vec<KernelConsts>,
}

/// One parameter's settled observations under one distribution.
pub struct Column {
    pub name: String,
    pub dist: Distribution,
    /// `None` for categorical parameters.
    pub geom: Option<Geometry>,
    scan: RowScan,
    /// Settled rows whose value is usable under `dist`, sorted by (kernel value, tie key), with
    /// the kernel constants each had at the last pass (numerical parameters only).
    chunks: Vec<Chunk>,
    /// Kernel-space value by row (the choice index for categorical parameters).
    pub key: Vec<f64>,
    /// Kernel constants by row, as of the last pass that saw the row.
    pub by_row: Vec<KernelConsts>,
    /// Settled (complete or pruned) rows with a usable value.
    pub present: Bits,
    /// What the last bandwidth pass saw, for the next one to redo only what changed.
    last: Option<LastPass>,
    /// Rows added to the index since the last pass.
    fresh: Vec<u32>,
    mus: Vec<f64>,
    /// Per merged member of a full pass: its row and position in the index (`None`: running).
    src: Vec<(u32, Option<(usize, usize)>)>,
}

/// The member set and settings of a bandwidth pass.
struct LastPass {
    members: Bits,
    extras: Vec<(f64, u32)>,
    min_sigma: f64,
    consider_endpoints: bool,
}

/// Below this many members, or beyond this many changes, a pass recomputes every bandwidth.
const INCREMENTAL_MIN_MEMBERS: usize = 100;
const INCREMENTAL_MAX_CHANGES: usize = 64;

#[inline]
fn before(a: (f64, u32), b: (f64, u32)) -> bool {
    match a.0.total_cmp(&b.0) {
        std::cmp::Ordering::Equal => tie_key(a.1 as usize) < tie_key(b.1 as usize),
        o => o.is_lt(),
    }
}

impl Column {
    pub fn new(name: &str, dist: &Distribution) -> Self {
        Column {
            name: name.to_string(),
            dist: dist.clone(),
            geom: Geometry::of(dist),
            scan: RowScan::default(),
            chunks: Vec::new(),
            key: Vec::new(),
            by_row: Vec::new(),
            present: Bits::default(),
            last: None,
            fresh: Vec::new(),
            mus: Vec::new(),
            src: Vec::new(),
        }
    }

    /// The value of `row` in kernel space if the row has one usable under this distribution
    /// (categorical indices only under the same choices; numbers when they lie inside).
    pub fn usable(&self, h: &TrialHistory, row: usize) -> Option<f64> {
        let col = h.column(&self.name)?;
        let v = col.get(row)?;
        let ok = *col.distribution(row) == self.dist || self.geom.is_some() && self.dist.contains(v);
        ok.then(|| self.geom.map_or(v, |g| g.to_kernel(v)))
    }

    /// Folds in the rows settled since the last call.
    pub fn update(&mut self, h: &TrialHistory) {
        let n_rows = h.n_trials();
        if self.scan.is_stale(n_rows) {
            *self = Column::new(&self.name, &self.dist);
        }
        if self.key.len() < n_rows {
            self.key.resize(n_rows, f64::NAN);
            self.by_row.resize(n_rows, KernelConsts::UNSET);
        }
        let mut scan = std::mem::take(&mut self.scan);
        let mut added = Vec::new();
        scan.scan(n_rows, |r| match h.states[r] {
            TrialState::Complete | TrialState::Pruned => {
                if let Some(k) = self.usable(h, r) {
                    added.push((k, r as u32));
                }
                Visit::Done
            }
            TrialState::Running | TrialState::Waiting => Visit::Later,
            TrialState::Fail => Visit::Done,
        });
        self.scan = scan;
        for &(k, r) in &added {
            self.key[r as usize] = k;
            self.present.insert(r as usize);
            self.fresh.push(r);
        }
        if self.geom.is_none() || added.is_empty() {
            return;
        }
        if added.len() > 32 {
            let mut all: Vec<(f64, u32, KernelConsts)> = Vec::new();
            for c in self.chunks.drain(..) {
                all.extend((0..c.keys.len()).map(|i| (c.keys[i], c.rows[i], c.consts[i])));
            }
            all.extend(added.into_iter().map(|(k, r)| (k, r, KernelConsts::UNSET)));
            all.sort_unstable_by(
                |a, b| {
                    if before((a.0, a.1), (b.0, b.1)) {
                        std::cmp::Ordering::Less
                    } else {
                        std::cmp::Ordering::Greater
                    }
                },
            );
            for part in all.chunks(CHUNK / 2) {
                self.chunks.push(Chunk {
                    keys: part.iter().map(|e| e.0).collect(),
                    rows: part.iter().map(|e| e.1).collect(),
                    consts: part.iter().map(|e| e.2).collect(),
                });
            }
            return;
        }
        for e in added {
            if self.chunks.is_empty() {
                self.chunks.push(Chunk::default());
            }
            // the first chunk whose last entry is not before e (or the last chunk)
            let last = self.chunks.len() - 1;
            let ci = self.chunks[..last].partition_point(|c| before((c.keys[c.keys.len() - 1], c.rows[c.rows.len() - 1]), e));
            let c = &mut self.chunks[ci];
            let at = (0..c.keys.len()).find(|&i| !before((c.keys[i], c.rows[i]), e)).unwrap_or(c.keys.len());
            c.keys.insert(at, e.0);
            c.rows.insert(at, e.1);
            c.consts.insert(at, KernelConsts::UNSET);
            if c.keys.len() >= CHUNK {
                let tail =
                    Chunk { keys: c.keys.split_off(CHUNK / 2), rows: c.rows.split_off(CHUNK / 2), consts: c.consts.split_off(CHUNK / 2) };
                self.chunks.insert(ci + 1, tail);
            }
        }
    }

    /// Brings the kernel constants of the members (`members`, and the running `extras` as
    /// (kernel value, row) sorted like the index) up to date. When the member set changed
    /// little since the last pass, only the bandwidths next to the changes are recomputed: a
    /// bandwidth depends on the two neighbouring members alone.
    pub fn refresh(&mut self, members: &Bits, extras: &[(f64, u32)], n_kernels: usize, magic_clip: bool, consider_endpoints: bool) {
        let g = self.geom.expect("numerical column");
        let min_sigma = g.min_sigma(n_kernels, magic_clip);
        let n = members.len() + extras.len();
        let changes = match &self.last {
            Some(last)
                if last.min_sigma == min_sigma
                    && last.consider_endpoints == consider_endpoints
                    && n >= INCREMENTAL_MIN_MEMBERS
                    && last.members.len() + last.extras.len() >= INCREMENTAL_MIN_MEMBERS =>
            {
                members.difference(&last.members, INCREMENTAL_MAX_CHANGES).map(|c| {
                    let mut c: Vec<(f64, u32)> = c.into_iter().map(|r| (self.key[r], r as u32)).collect();
                    c.extend(self.fresh.iter().map(|&r| (self.key[r as usize], r)));
                    c.extend(last.extras.iter().chain(extras).copied());
                    c
                })
            }
            _ => None,
        };
        match changes {
            Some(c) if c.len() <= INCREMENTAL_MAX_CHANGES => {
                for at in c {
                    self.refresh_around(at, members, extras, min_sigma, consider_endpoints, n);
                }
            }
            _ => self.member_pass(members, extras, min_sigma, consider_endpoints),
        }
        self.fresh.clear();
        self.last = Some(LastPass { members: members.clone(), extras: extras.to_vec(), min_sigma, consider_endpoints });
    }

    /// Recomputes the bandwidths of the row at `at` = (kernel value, row), when it is a
    /// member, and of the members next to its place in the order.
    fn refresh_around(&mut self, at: (f64, u32), members: &Bits, extras: &[(f64, u32)], min_sigma: f64, endpoints: bool, n: usize) {
        let is_member = |r: u32| members.contains(r as usize) || extras.iter().any(|e| e.1 == r);
        let prev = self.neighbour(at, members, extras, false);
        let next = self.neighbour(at, members, extras, true);
        if is_member(at.1) {
            self.refresh_entry(at, members, extras, min_sigma, endpoints, n);
        }
        for e in [prev, next].into_iter().flatten() {
            self.refresh_entry(e, members, extras, min_sigma, endpoints, n);
        }
    }

    /// The nearest member strictly before (or after) `at` in the order, as (key, row).
    fn neighbour(&self, at: (f64, u32), members: &Bits, extras: &[(f64, u32)], after: bool) -> Option<(f64, u32)> {
        let mut settled = None;
        if self.chunks.is_empty() {
            // no settled entries: only running ones can be neighbours
        } else if after {
            let (ci, i) = self.cursor(at);
            let (mut c, mut k) = (ci, i);
            while c < self.chunks.len() {
                let ch = &self.chunks[c];
                while k < ch.keys.len() {
                    let r = ch.rows[k];
                    if r != at.1 && members.contains(r as usize) {
                        settled = Some((ch.keys[k], r));
                        break;
                    }
                    k += 1;
                }
                if settled.is_some() {
                    break;
                }
                c += 1;
                k = 0;
            }
        } else {
            let (ci, i) = self.cursor(at);
            // k is one past the next entry to look at
            let (mut c, mut k) = (ci, i);
            'walk: loop {
                let ch = &self.chunks[c];
                while k > 0 {
                    k -= 1;
                    let r = ch.rows[k];
                    if members.contains(r as usize) {
                        settled = Some((ch.keys[k], r));
                        break 'walk;
                    }
                }
                if c == 0 {
                    break;
                }
                c -= 1;
                k = self.chunks[c].keys.len();
            }
        }
        let extra = if after {
            extras.iter().filter(|e| e.1 != at.1 && before(at, **e)).copied().reduce(|a, b| if before(b, a) { b } else { a })
        } else {
            extras.iter().filter(|e| e.1 != at.1 && before(**e, at)).copied().reduce(|a, b| if before(a, b) { b } else { a })
        };
        match (settled, extra) {
            (Some(s), Some(e)) => Some(if before(s, e) == after { s } else { e }),
            (s, e) => s.or(e),
        }
    }

    /// Position of the first entry not before `at`: (chunk, offset).
    fn cursor(&self, at: (f64, u32)) -> (usize, usize) {
        if self.chunks.is_empty() {
            return (0, 0);
        }
        let last = self.chunks.len() - 1;
        let ci = self.chunks[..last].partition_point(|c| before((c.keys[c.keys.len() - 1], c.rows[c.rows.len() - 1]), at));
        let c = &self.chunks[ci];
        let (mut lo, mut hi) = (0, c.keys.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if before((c.keys[mid], c.rows[mid]), at) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (ci, lo)
    }

    /// Recomputes one member's bandwidth from its neighbours (the same rule as
    /// `neighbour_sigmas` over the `n` members) and stores its constants.
    fn refresh_entry(&mut self, at: (f64, u32), members: &Bits, extras: &[(f64, u32)], min_sigma: f64, endpoints: bool, n: usize) {
        let g = self.geom.expect("numerical column");
        let prev = self.neighbour(at, members, extras, false).map(|p| p.0);
        let next = self.neighbour(at, members, extras, true).map(|q| q.0);
        let (mu, sigma) = (at.0, neighbour_sigma(at.0, prev, next, &g, min_sigma, endpoints, n));
        let row = at.1 as usize;
        if extras.iter().any(|e| e.1 == at.1) {
            self.by_row[row] = KernelConsts::new(&g, mu, sigma);
            return;
        }
        let (ci, i) = self.cursor(at);
        let slot = &mut self.chunks[ci].consts[i];
        if slot.sigma != sigma {
            *slot = KernelConsts::new(&g, mu, sigma);
            self.by_row[row] = *slot;
        }
    }

    /// The settled entries in sorted order, chunk by chunk: (kernel values, rows, constants as
    /// of the last pass that saw them; only members' constants are current).
    pub fn chunks(&self) -> impl Iterator<Item = (&[f64], &[u32], &[KernelConsts])> {
        self.chunks.iter().map(|c| (&c.keys[..], &c.rows[..], &c.consts[..]))
    }

    /// Visits the members (settled `members` merged with the running `extras`, kernel value
    /// and row, sorted like the index) in sorted order: (kernel value, row, position in the
    /// index, or `None` for a running row).
    #[inline(always)]
    fn merge_members(&self, members: &Bits, extras: &[(f64, u32)], mut visit: impl FnMut(f64, u32, Option<(usize, usize)>)) {
        let mut ex = extras.iter().peekable();
        for (ci, c) in self.chunks.iter().enumerate() {
            for i in 0..c.keys.len() {
                let r = c.rows[i];
                if !members.contains(r as usize) {
                    continue;
                }
                if ex.peek().is_some() {
                    while let Some(x) = ex.next_if(|x| before(**x, (c.keys[i], r))) {
                        visit(x.0, x.1, None);
                    }
                }
                visit(c.keys[i], r, Some((ci, i)));
            }
        }
        for x in ex {
            visit(x.0, x.1, None);
        }
    }

    /// Visits the members in sorted order: (kernel value, row, current kernel constants).
    #[inline(always)]
    pub fn for_each_member(&self, members: &Bits, extras: &[(f64, u32)], mut visit: impl FnMut(f64, u32, &KernelConsts)) {
        self.merge_members(members, extras, |mu, r, at| match at {
            Some((ci, i)) => visit(mu, r, &self.chunks[ci].consts[i]),
            None => visit(mu, r, &self.by_row[r as usize]),
        });
    }

    /// The members in sorted order with their (current) kernel constants.
    #[cfg(test)]
    pub fn sorted_members(&self, members: &Bits, extras: &[(f64, u32)], out: &mut SortedDim) {
        out.mu.clear();
        out.row.clear();
        out.consts.clear();
        self.for_each_member(members, extras, |mu, r, c| {
            out.mu.push(mu);
            out.row.push(r);
            out.consts.push(*c);
        });
    }

    /// Recomputes the bandwidths and kernel constants of all members (`members`, and the
    /// running `extras` sorted like the index), refreshing the caches where they changed.
    fn member_pass(&mut self, members: &Bits, extras: &[(f64, u32)], min_sigma: f64, consider_endpoints: bool) {
        let g = self.geom.expect("numerical column");
        let (mut mus, mut src) = (std::mem::take(&mut self.mus), std::mem::take(&mut self.src));
        mus.clear();
        src.clear();
        self.merge_members(members, extras, |mu, r, at| {
            mus.push(mu);
            src.push((r, at));
        });
        neighbour_sigmas(&mus, &g, min_sigma, consider_endpoints, |k, sigma| {
            let (row, at) = src[k];
            match at {
                None => self.by_row[row as usize] = KernelConsts::new(&g, mus[k], sigma),
                Some((ci, i)) => {
                    let slot = &mut self.chunks[ci].consts[i];
                    if slot.sigma != sigma {
                        *slot = KernelConsts::new(&g, mus[k], sigma);
                        self.by_row[row as usize] = *slot;
                    }
                }
            }
        });
        (self.mus, self.src) = (mus, src);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{StudyDirection, TrialMeta};

    #[test]
    fn bits_rank_and_iter() {
        let mut b = Bits::with_rows(200);
        for r in [0, 5, 63, 64, 130, 199] {
            b.insert(r);
        }
        b.remove(5);
        b.index_ranks();
        assert_eq!(b.iter().collect::<Vec<_>>(), vec![0, 63, 64, 130, 199]);
        assert_eq!(b.rank(130), 3);
        assert_eq!(b.rank(199), 4);
        assert_eq!(b.len(), 5);
        assert!(b.contains(64) && !b.contains(65) && !b.contains(10_000));
    }

    #[test]
    fn column_stays_sorted_as_trials_finish() {
        let mut h = TrialHistory::new(vec![StudyDirection::Minimize]);
        let d = Distribution::Float { low: 1e-3, high: 1.0, log: true, step: None };
        let mut c = Column::new("x", &d);
        let mut rng = crate::rng::stream(3, 0, "col");
        for i in 0..3000 {
            let r = h.push_trial(TrialState::Running, TrialMeta::default());
            // some repeated values: ties are ordered by their tie keys
            let v = if i % 9 == 4 { 0.25 } else { 1e-3 + crate::rng::uniform01(&mut rng) * 0.5 };
            h.set_param(r, "x", v, &d);
            if i % 7 != 0 {
                if i % 5 == 0 {
                    h.set_state(r, TrialState::Fail, None);
                } else {
                    h.set_state(r, TrialState::Complete, Some(&[0.0]));
                }
            }
            if i < 100 || i % 3 == 0 {
                c.update(&h); // one or a few rows at a time: insertions that split chunks
            }
        }
        // finish the running ones late
        for r in (0..3000).step_by(7) {
            h.set_state(r, TrialState::Complete, Some(&[0.0]));
        }
        c.update(&h);
        let expect: Vec<usize> = (0..3000).filter(|i| i % 7 == 0 || i % 5 != 0).collect();
        assert_eq!(c.present.iter().collect::<Vec<_>>(), expect);
        let all = c.present.clone();
        let mut out = SortedDim::default();
        c.refresh(&all, &[], expect.len() + 1, true, false);
        c.sorted_members(&all, &[], &mut out);
        assert_eq!(out.mu.len(), expect.len());
        assert!(c.chunks.len() > 2, "the index is chunked");
        for w in out.mu.windows(2).zip(out.row.windows(2)) {
            assert!(before((w.0[0], w.1[0]), (w.0[1], w.1[1])), "sorted by value, then tie key");
        }
        for (k, r) in out.mu.iter().zip(&out.row) {
            assert_eq!(*k, h.column("x").unwrap().values[*r as usize].ln());
        }
    }
}

#[cfg(test)]
mod incremental_tests {
    use super::*;
    use crate::history::{StudyDirection, TrialMeta};
    use crate::rng::{stream, uniform01};

    /// After any sequence of new trials, member changes and running rows, the incrementally
    /// refreshed constants equal those of a pass from scratch.
    #[test]
    fn incremental_refresh_equals_a_full_pass() {
        for (seed, dist) in [
            (1, Distribution::Float { low: -5.0, high: 5.0, log: false, step: None }),
            (2, Distribution::Int { low: 1, high: 8, log: false, step: 1 }),
            (3, Distribution::Float { low: 1e-4, high: 1.0, log: true, step: None }),
        ] {
            let mut rng = stream(seed, 0, "inc");
            let mut h = TrialHistory::new(vec![StudyDirection::Minimize]);
            let mut col = Column::new("x", &dist);
            let rs = crate::samplers::RandomSampler::new(Some(seed));
            let mut running: Vec<usize> = Vec::new();
            for step in 0..700 {
                let r = h.push_trial(TrialState::Running, TrialMeta::default());
                h.set_param(r, "x", rs.draw(r, "x", &dist), &dist);
                if uniform01(&mut rng) < 0.15 {
                    running.push(r);
                } else {
                    h.set_state(r, TrialState::Complete, Some(&[uniform01(&mut rng)]));
                }
                // now and then a running trial finishes or fails
                if !running.is_empty() && uniform01(&mut rng) < 0.2 {
                    let q = running.swap_remove((uniform01(&mut rng) * running.len() as f64) as usize % running.len());
                    if uniform01(&mut rng) < 0.5 {
                        h.set_state(q, TrialState::Fail, None);
                    } else {
                        h.set_state(q, TrialState::Complete, Some(&[0.5]));
                    }
                }
                col.update(&h);
                // members: settled rows but a few random "below" ones; extras: some running rows
                let mut members = col.present.clone();
                for _ in 0..(uniform01(&mut rng) * 6.0) as usize {
                    members.remove((uniform01(&mut rng) * h.n_trials() as f64) as usize);
                }
                let mut extras: Vec<(f64, u32)> =
                    running.iter().filter(|_| uniform01(&mut rng) < 0.7).map(|&q| (col.usable(&h, q).unwrap(), q as u32)).collect();
                extras.sort_unstable_by(|a, b| if before(*a, *b) { std::cmp::Ordering::Less } else { std::cmp::Ordering::Greater });
                let n_kernels = members.len() + extras.len() + 1;
                col.refresh(&members, &extras, n_kernels, true, seed == 3);
                if step % 7 != 0 {
                    continue;
                }
                let mut got = SortedDim::default();
                col.sorted_members(&members, &extras, &mut got);
                let mut fresh = Column::new("x", &dist);
                fresh.update(&h);
                let mut want = SortedDim::default();
                // a fresh column's first refresh is a full pass
                fresh.refresh(&members, &extras, n_kernels, true, seed == 3);
                fresh.sorted_members(&members, &extras, &mut want);
                assert_eq!(got.row, want.row, "seed {seed} step {step}");
                for k in 0..got.row.len() {
                    let (a, b) = (got.consts[k], want.consts[k]);
                    assert_eq!(a.sigma, b.sigma, "seed {seed} step {step} member {k}");
                    assert_eq!(a.lc, b.lc);
                    let r = got.row[k] as usize;
                    assert_eq!(col.by_row[r].sigma, b.sigma, "by-row cache of row {r}");
                }
            }
        }
    }
}
