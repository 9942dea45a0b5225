//! The "above" estimator `g` of TPE, evaluated without visiting every component.
//!
//! `g` has one component per above-group observation, so a long history makes it wide: at
//! 10,000 trials, 24 candidates meet 10,000 components per suggestion. Most of them are many
//! bandwidths away from a candidate and add nothing a double can hold. This module computes
//! the same log density as `Parzen::log_pdf` (to rounding) while skipping such components with
//! proofs, not guesses: a component is skipped only when an upper bound of its log term lies
//! more than 36 nats (plus ln of the component count) below the largest term found, so all the
//! skipped terms together change the sum by less than e^-36 = 2.3e-16 relative: about one unit
//! in the last place of a double.
//!
//! Components are laid out in the sorted order of a pivot dimension (the first continuous one
//! if any), in blocks of [`BLOCK`]. A block's bound uses its pivot range, its widest bandwidth
//! and its largest weight; inside a block, up to [`PREFILTER_DIMS`] continuous dimensions give
//! each component a cheap bound before the remaining dimensions are evaluated, cheapest first,
//! with an early exit.
//!
//! Independent sampling (one dimension) merges components with equal mean and bandwidth, which
//! integer and stepped parameters produce by the thousand; a single categorical dimension
//! reduces to one weight per choice.

use super::columns::{tie_key, Bits, Column, Geometry, KernelConsts, NEG_LNZ_MAX};
use super::parzen::{categorical_table, discrete_log_kernel, fast_exp, fast_ln, log_sum_exp, DistanceTable};
use crate::history::TrialHistory;
use crate::space::Distribution;

/// Components per block of the pivot order.
const BLOCK: usize = 32;
/// ln BLOCK.
const LN_BLOCK: f64 = 3.465_735_902_799_726_5;
/// Continuous dimensions whose distance terms every component of a visited block gets.
const PREFILTER_DIMS: usize = 3;
/// Terms this far (in nats) below the largest are skipped (after the ln-count margin):
/// e^-36 = 2.3e-16, about the rounding of a double.
const SKIP_NATS: f64 = 36.0;
/// ln √(2π).
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;
/// Extra slack of the tail bound of a stepped pivot (the midpoint rule's error far out).
const MIDPOINT_SLACK: f64 = 0.1;
/// Slack added to bounds of stepped dimensions (their midpoint rule is approximate).
const DISCRETE_SLACK: f64 = 0.01;

/// Settings the estimator shares with `Parzen`.
pub struct Settings<'a> {
    pub prior_weight: f64,
    pub consider_magic_clip: bool,
    pub consider_endpoints: bool,
    /// Distance tables of categorical dimensions, by dimension.
    pub distances: Vec<Option<&'a DistanceTable>>,
}

/// Mixture weights of the above group, normalized with the prior's weight. The default
/// weights are computed from the rank when asked for (no table to read: the estimator asks in
/// sorted-value order, where ranks jump around).
pub struct Weights {
    n: usize,
    /// User weights, normalized; empty for the default ramp.
    custom: Vec<f64>,
    /// Default ramp: weight(i) = (ramp0 + ramp_step · i) · inv_total below `ramp_end`, else
    /// inv_total (the same values as `default_weights` to rounding).
    ramp0: f64,
    ramp_step: f64,
    ramp_end: usize,
    inv_total: f64,
    /// ln weight of the prior component; `None` when there is no prior component.
    pub prior: Option<f64>,
}

impl Weights {
    /// The default weights (`default_weights(n)`), normalized.
    pub fn default_ramp(n: usize, consider_prior: bool, prior_weight: f64) -> Result<Weights, String> {
        let raw_total: f64 = (0..n).map(|i| ramp(n, i)).sum();
        Self::finish(n, Vec::new(), raw_total, consider_prior, prior_weight)
    }

    /// User weights, one per observation (oldest first), normalized; fails when they cannot
    /// form a mixture.
    pub fn new(raw: &[f64], consider_prior: bool, prior_weight: f64) -> Result<Weights, String> {
        let raw_total: f64 = raw.iter().sum();
        Self::finish(raw.len(), raw.to_vec(), raw_total, consider_prior, prior_weight)
    }

    fn finish(n: usize, mut custom: Vec<f64>, raw_total: f64, consider_prior: bool, prior_weight: f64) -> Result<Weights, String> {
        let ramp_end = n.saturating_sub(25);
        let ramp0 = 1.0 / n.max(1) as f64;
        let ramp_step = if ramp_end > 1 { (1.0 - ramp0) / (ramp_end - 1) as f64 } else { 0.0 };
        if n == 0 {
            return Ok(Weights { n, custom, ramp0, ramp_step, ramp_end, inv_total: 1.0, prior: Some(0.0) });
        }
        let prior_w = if consider_prior { prior_weight } else { 0.0 };
        let total = raw_total + prior_w;
        if !(total > 0.0 && total.is_finite()) {
            return Err("the mixture weights must be finite and not all zero".into());
        }
        custom.iter_mut().for_each(|x| *x /= total);
        Ok(Weights { n, custom, ramp0, ramp_step, ramp_end, inv_total: 1.0 / total, prior: consider_prior.then(|| (prior_w / total).ln()) })
    }

    pub fn len(&self) -> usize {
        self.n
    }

    /// The normalized weight of the observation of rank `rank`.
    #[inline(always)]
    pub fn w(&self, rank: usize) -> f64 {
        if !self.custom.is_empty() {
            self.custom[rank]
        } else if rank < self.ramp_end {
            (self.ramp0 + self.ramp_step * rank as f64) * self.inv_total
        } else {
            self.inv_total
        }
    }
}

/// `default_weights(n)[i]`, computed alone (the same operations, so the same value).
#[inline(always)]
fn ramp(n: usize, i: usize) -> f64 {
    if n < 25 || i >= n - 25 {
        return 1.0;
    }
    let ramp = n - 25;
    if ramp == 1 {
        1.0 / n as f64
    } else {
        1.0 / n as f64 + (1.0 - 1.0 / n as f64) * i as f64 / (ramp - 1) as f64
    }
}

/// Buffers the estimator reuses from one suggestion to the next (a long history makes them
/// large, and fresh large allocations cost page faults).
#[derive(Default)]
pub struct Scratch {
    table: Table,
    memo: Memo,
    terms: Vec<f64>,
}

/// Log kernels of stepped dimensions computed for the current candidate, by (dimension, μ, σ):
/// in a concentrated history many kernels share a grid value and the clipped bandwidth, and
/// each costs error functions. A generation number per candidate stands for clearing.
#[derive(Default)]
struct Memo {
    /// (μ bits, σ bits, dimension, generation, value)
    slots: Vec<(u64, u64, u32, u32, f64)>,
    generation: u32,
}

/// Memo slots (a power of two); a full neighbourhood computes without storing.
const MEMO_SLOTS: usize = 4096;

impl Memo {
    /// Starts a new candidate.
    fn next_candidate(&mut self) {
        if self.slots.is_empty() {
            self.slots = vec![(0, 0, 0, 0, 0.0); MEMO_SLOTS];
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.slots.iter_mut().for_each(|s| s.3 = 0);
            self.generation = 1;
        }
    }

    #[inline(always)]
    fn get_or(&mut self, dim: usize, mu: f64, sigma: f64, compute: impl FnOnce() -> f64) -> f64 {
        let (a, b) = (mu.to_bits(), sigma.to_bits());
        let h = (a.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ b.wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
            ^ (dim as u64).wrapping_mul(0x1656_67B1_9E37_79F9))
            >> 52;
        for probe in 0..4 {
            let s = &mut self.slots[(h as usize + probe) & (MEMO_SLOTS - 1)];
            if s.3 != self.generation {
                let v = compute();
                *s = (a, b, dim as u32, self.generation, v);
                return v;
            }
            if s.0 == a && s.1 == b && s.2 == dim as u32 {
                return s.4;
            }
        }
        compute()
    }
}

/// How one dimension's kernel is evaluated at a candidate.
enum DimKind {
    Continuous,
    Discrete,
    Categorical { n_choices: usize, log_probs: Vec<f64> },
}

struct Dim {
    kind: DimKind,
    geom: Option<Geometry>,
    /// The prior component's constants (numerical dimensions).
    prior: Option<(f64, KernelConsts)>,
    /// Upper bound of this dimension's log kernel over all components, any candidate
    /// (numerical dimensions; categorical ones are bounded per candidate).
    ub: f64,
}

/// A candidate's coordinate as each kernel needs it.
#[derive(Clone, Copy)]
enum Coord {
    Point(f64),
    Cell(f64, f64),
    Choice(usize),
}

/// What the above estimator is asked: the density of its group at some candidates.
pub struct Query<'a> {
    pub h: &'a TrialHistory,
    /// Settled rows of the group with usable values in every dimension.
    pub members: &'a Bits,
    /// Running rows of the group (constant liar), each with usable values.
    pub extras: &'a [usize],
    /// Indexed by the rank of a row among members and extras.
    pub weights: &'a Weights,
    pub settings: &'a Settings<'a>,
    /// `cands[d][j]`: internal values.
    pub cands: &'a [Vec<f64>],
}

/// Log density of the above mixture at each candidate; `cols` are the dimensions' columns.
pub fn log_pdf(q: &Query, cols: &mut [&mut Column], scratch: &mut Scratch) -> Result<Vec<f64>, String> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
            && std::arch::is_x86_feature_detected!("popcnt")
        {
            // SAFETY: the CPU has the features `log_pdf_avx2` is compiled for.
            return unsafe { log_pdf_avx2(q, cols, scratch) };
        }
    }
    log_pdf_body(q, cols, scratch)
}

/// The same code compiled for 256-bit vectors and hardware popcount (the prefilter and
/// exponential loops, rank queries). Results are identical: no operation is fused or reordered.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,popcnt")]
unsafe fn log_pdf_avx2(q: &Query, cols: &mut [&mut Column], scratch: &mut Scratch) -> Result<Vec<f64>, String> {
    log_pdf_body(q, cols, scratch)
}

#[inline(always)]
fn log_pdf_body(q: &Query, cols: &mut [&mut Column], scratch: &mut Scratch) -> Result<Vec<f64>, String> {
    let Query { h, members, extras, weights, settings: s, cands } = *q;
    let m = cands.first().map_or(0, |c| c.len());
    let mut all = members.clone();
    for &r in extras {
        all.insert(r);
    }
    all.index_ranks();
    let n = weights.len();
    debug_assert_eq!(n, all.len());
    let with_prior = weights.prior.is_some();
    let n_kernels = n + usize::from(with_prior);
    let n_rows = h.n_trials();
    for c in cols.iter_mut() {
        if c.key.len() < n_rows {
            c.key.resize(n_rows, f64::NAN);
        }
        for &r in extras {
            c.key[r] = c.usable(h, r).ok_or("a running observation lost its value")?;
        }
    }

    // Pivot: the first continuous dimension, else the first numerical one.
    let numeric = |c: &Column| c.geom.is_some();
    let continuous = |c: &Column| c.geom.is_some_and(|g| g.step == 0.0);
    let pivot = cols.iter().position(|c| continuous(c)).or_else(|| cols.iter().position(|c| numeric(c)));
    let pf: Vec<usize> = cols.iter().enumerate().filter(|(_, c)| continuous(c)).map(|(d, _)| d).take(PREFILTER_DIMS).collect();

    let mut pivot_extras: Vec<(f64, u32)> = Vec::new();
    // Bandwidths (through the sorted indexes), kernel constants and bounds of each dimension.
    let mut dims = Vec::with_capacity(cols.len());
    for (d, col) in cols.iter_mut().enumerate() {
        let Some(g) = col.geom else {
            let Distribution::Categorical { choices } = &col.dist else { unreachable!("non-numerical is categorical") };
            let mut observed = vec![false; choices.len()];
            if s.distances.get(d).copied().flatten().is_some() {
                for r in all.iter() {
                    observed[col.key[r] as usize] = true;
                }
            }
            let log_probs =
                categorical_table(&observed, choices, n_kernels, with_prior, s.prior_weight, s.distances.get(d).copied().flatten())?
                    .into_iter()
                    .map(|p| p.ln())
                    .collect();
            dims.push(Dim { kind: DimKind::Categorical { n_choices: choices.len(), log_probs }, geom: None, prior: None, ub: 0.0 });
            continue;
        };
        let mut extra: Vec<(f64, u32)> = extras.iter().map(|&r| (col.key[r], r as u32)).collect();
        extra.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(tie_key(a.1 as usize).cmp(&tie_key(b.1 as usize))));
        let discrete = g.step > 0.0;
        col.refresh(members, &extra, n_kernels, s.consider_magic_clip, s.consider_endpoints);
        if Some(d) == pivot {
            pivot_extras = extra;
        }
        // Bounds of the log kernel: the density at the mean of the narrowest possible kernel,
        // or mass 1.
        let smallest = g.min_sigma(n_kernels, s.consider_magic_clip);
        let ub = if discrete { NEG_LNZ_MAX + DISCRETE_SLACK } else { -smallest.ln() - LN_SQRT_2PI + NEG_LNZ_MAX };
        let prior = with_prior.then(|| {
            let mu = 0.5 * (g.low + g.high);
            (mu, KernelConsts::new(&g, mu, g.range()))
        });
        let kind = if discrete { DimKind::Discrete } else { DimKind::Continuous };
        dims.push(Dim { kind, geom: Some(g), prior, ub });
    }

    if cols.len() == 1 && pivot.is_none() {
        return Ok(one_categorical(cols[0], &dims[0], &all, weights, cands));
    }
    let Scratch { table, terms, memo: kernels } = scratch;
    if let Some(p) = pivot.filter(|&p| extras.is_empty() && matches!(dims[p].kind, DimKind::Continuous)) {
        table.build_flat(cols, &dims, &all, weights, p, &pf, dims.len() > pf.len());
    } else {
        table.build(cols, &dims, &all, members, &pivot_extras, weights, pivot, &pf, cols.len() == 1);
    }

    // Dimensions evaluated per component after the prefilter: a stepped pivot, other
    // continuous ones, categorical ones, then stepped ones (the costliest).
    let mut rest: Vec<usize> = Vec::new();
    if let Some(p) = pivot.filter(|p| !pf.contains(p)) {
        rest.push(p);
    }
    let order = |k: &DimKind| match k {
        DimKind::Continuous => 0,
        DimKind::Categorical { .. } => 1,
        DimKind::Discrete => 2,
    };
    let mut others: Vec<usize> = (0..dims.len()).filter(|d| !pf.contains(d) && Some(*d) != pivot).collect();
    others.sort_by_key(|&d| order(&dims[d].kind));
    rest.extend(others);

    let margin = SKIP_NATS + ((table.len() + 1) as f64).ln();
    let mut out = Vec::with_capacity(m);
    // One stepped dimension: candidates repeat, and so would their densities.
    let mut memo: Vec<(f64, f64)> = Vec::new();
    for j in 0..m {
        if dims.len() == 1 {
            if let Some(&(_, v)) = memo.iter().find(|(c, _)| *c == cands[0][j]) {
                out.push(v);
                continue;
            }
        }
        let x: Vec<Coord> = dims
            .iter()
            .enumerate()
            .map(|(d, dim)| match (&dim.kind, dim.geom) {
                (DimKind::Continuous, Some(g)) => Coord::Point(g.to_kernel(cands[d][j])),
                (DimKind::Discrete, Some(g)) => {
                    let (l, r) = g.cell(cands[d][j]);
                    Coord::Cell(l, r)
                }
                _ => Coord::Choice(cands[d][j] as usize),
            })
            .collect();
        let ub_of = |d: usize| match (&dims[d].kind, x[d]) {
            (DimKind::Categorical { n_choices, log_probs }, Coord::Choice(c)) => {
                (0..=*n_choices).map(|row| log_probs[row * n_choices + c]).fold(f64::NEG_INFINITY, f64::max)
            }
            _ => dims[d].ub,
        };
        // rem[k]: bound of the rest dimensions from position k on.
        let mut rem = vec![0.0; rest.len() + 1];
        for k in (0..rest.len()).rev() {
            rem[k] = rem[k + 1] + ub_of(rest[k]);
        }
        terms.clear();
        let mut best = f64::NEG_INFINITY;
        if let Some(lw) = weights.prior {
            let t = lw + (0..dims.len()).map(|d| prior_kernel(&dims[d], x[d])).sum::<f64>();
            terms.push(t);
            best = t;
        }
        kernels.next_candidate();
        let (shift, acc) = scan_body(table, kernels, cols, &dims, &rest, &x, &rem, margin, best, terms);
        if acc > 0.0 {
            terms.push(shift + acc.ln());
        }
        out.push(log_sum_exp(terms));
        if dims.len() == 1 {
            memo.push((cands[0][j], out[j]));
        }
    }
    Ok(out)
}

/// Visits the blocks for one candidate: pushes the exact terms of components that survive the
/// bounds to `terms` and returns (shift, acc) with Σ e^(term - shift) = acc for the terms of
/// blocks whose every dimension is in the prefilter (summed on the fly, never stored).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn scan_body(
    table: &mut Table,
    memo: &mut Memo,
    cols: &[&mut Column],
    dims: &[Dim],
    rest: &[usize],
    x: &[Coord],
    rem: &[f64],
    margin: f64,
    best: f64,
    terms: &mut Vec<f64>,
) -> (f64, f64) {
    let mut st = ScanState { best, thr: best - margin, shift: f64::NEG_INFINITY, acc: 0.0 };
    let nb = table.blocks.len();
    if nb == 0 {
        return (st.shift, st.acc);
    }
    let t = table.pivot_coord(x);
    let first = t.map_or(0, |t| table.blocks.partition_point(|b| b.hi < t).min(nb - 1));
    let (base_max, lwz_max, continuous) = (table.base_max, table.lwz_max, table.continuous_pivot.is_some());
    let mut ctx = BlockCtx { table, memo, cols, dims, rest, x, rem, margin };
    visit_block(&mut ctx, first, &mut st, terms);
    // A continuous pivot bounds every block by the widest kernel anywhere: only blocks within
    // that distance of the candidate can pass.
    // Every block's bound is at most the best bound anywhere minus k (gap / widest σ)²: only
    // blocks within that reach of the candidate's pivot coordinate (or cell) can pass.
    let window = match (continuous, x.get(ctx.table.discrete_pivot.unwrap_or(usize::MAX))) {
        (true, _) => t.map(|t| (t, t, base_max, 0.5)),
        (false, Some(&Coord::Cell(l, r))) => Some((l, r, lwz_max + MIDPOINT_SLACK, 0.49)),
        _ => None,
    };
    let (lo, hi) = match window {
        Some((l, r, top, k)) => {
            let slack = top + rem[0] - st.thr;
            if slack <= 0.0 {
                (0, 0)
            } else {
                let reach = (slack / k).sqrt() / ctx.table.inv_min;
                let blocks = &ctx.table.blocks;
                (blocks.partition_point(|b| b.hi < l - reach), blocks.partition_point(|b| b.lo <= r + reach))
            }
        }
        None => (0, nb),
    };
    for b in lo..hi {
        if b != first {
            visit_block(&mut ctx, b, &mut st, terms);
        }
    }
    (st.shift, st.acc)
}

/// What `visit_block` reads.
struct BlockCtx<'a, 'c> {
    table: &'a mut Table,
    memo: &'a mut Memo,
    cols: &'a [&'c mut Column],
    dims: &'a [Dim],
    rest: &'a [usize],
    x: &'a [Coord],
    rem: &'a [f64],
    margin: f64,
}

/// Scores one block for one candidate (inlined into the vectorized scan).
#[inline(always)]
fn visit_block(ctx: &mut BlockCtx, b: usize, st: &mut ScanState, terms: &mut Vec<f64>) {
    let (cols, dims, rest, x, rem, margin) = (ctx.cols, ctx.dims, ctx.rest, ctx.x, ctx.rem, ctx.margin);
    if ctx.table.block_bound(&ctx.table.blocks[b], x) + rem[0] < st.thr {
        return;
    }
    if !ctx.table.blocks[b].ready {
        ctx.table.gather(b, cols);
        if ctx.table.block_bound(&ctx.table.blocks[b], x) + rem[0] < st.thr {
            return;
        }
    }
    let table = &*ctx.table;
    let blk = &table.blocks[b];
    let mut vals = [0.0f64; BLOCK];
    table.prefilter(blk.start, x, &mut vals);
    if rest.is_empty() {
        // Every dimension is in the prefilter: these are the exact terms, weighted after the
        // exponential (padding has weight 0).
        let mx = vals.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let wt: &[f64; BLOCK] = table.wt[blk.start..blk.start + BLOCK].try_into().expect("padded");
        let mut sums = [0.0; BLOCK];
        for k in 0..BLOCK {
            sums[k] = wt[k] * fast_exp((vals[k] - mx).max(-700.0));
        }
        let sum = sums.iter().sum::<f64>();
        if sum == 0.0 {
            return;
        }
        if mx > st.shift {
            st.acc = st.acc * fast_exp((st.shift - mx).max(-700.0)) + sum;
            st.shift = mx;
        } else {
            st.acc += sum * fast_exp((mx - st.shift).max(-700.0));
        }
        // The block's log sum is at least each of its terms, and at most the whole sum: as
        // the threshold's reference it still bounds everything skipped by e^-36 of the sum.
        // (a logarithm per block only when the block could raise the reference: its sum is
        // at most 32 times its largest weight times e^mx)
        if mx + blk.lnw_max + LN_BLOCK > st.best {
            let block_term = mx + sum.ln();
            if block_term > st.best {
                st.best = block_term;
                st.thr = st.best - margin;
            }
        }
        return;
    }
    for (k, i) in (blk.start..blk.end).enumerate() {
        // several dimensions: `base` holds ln w already (see `build`)
        let mut t = vals[k];
        if t + rem[0] < st.thr {
            continue;
        }
        let row = table.row[i] as usize;
        let mut skipped = false;
        for (q, &d) in rest.iter().enumerate() {
            t += component_kernel(cols[d], &dims[d], d, row, x[d], ctx.memo);
            if t + rem[q + 1] < st.thr {
                skipped = true;
                break;
            }
        }
        if skipped {
            continue;
        }
        terms.push(t);
        if t > st.best {
            st.best = t;
            st.thr = st.best - margin;
        }
    }
}

/// Running state of one candidate's scan: the largest term, the skip threshold, and the
/// on-the-fly sum Σ e^(term - shift) = acc.
struct ScanState {
    best: f64,
    thr: f64,
    shift: f64,
    acc: f64,
}

/// One block of the pivot order.
struct Block {
    start: usize,
    end: usize,
    /// Pivot means span [lo, hi].
    lo: f64,
    hi: f64,
    /// Smallest 1/σ of the pivot (its widest kernel).
    inv_min: f64,
    /// Largest `base` (the prefilter dimensions' log densities at the mean); an upper bound
    /// until the block is gathered.
    base_max: f64,
    /// ln of the largest weight.
    lnw_max: f64,
    /// The lazy prefilter dimensions are gathered.
    ready: bool,
    /// Stepped pivot: largest ln w + lc (log weight plus log density at the mean), and the
    /// largest ln w - ln Z.
    lw_max: f64,
    lwz_max: f64,
}

/// Components in pivot order with what the prefilter reads, structure of arrays.
#[derive(Default)]
struct Table {
    row: Vec<u32>,
    /// The prefilter dimensions' log densities at the mean (the lazy ones once their block is
    /// gathered); the weight is kept apart, linear, and applied after the exponential.
    base: Vec<f64>,
    /// Normalized weights (0 for padding).
    wt: Vec<f64>,
    /// Stepped pivot: ln w + lc and ln w - ln Z per component (for the block bounds).
    lw_lc: Vec<f64>,
    lw_z: Vec<f64>,
    /// Per prefilter dimension: means and 1/σ. With a continuous pivot, slot 0 is the pivot.
    pf_mu: Vec<Vec<f64>>,
    pf_inv: Vec<Vec<f64>>,
    /// The pivot's means and 1/σ when it is not a prefilter slot (stepped pivot).
    pmu: Vec<f64>,
    pinv: Vec<f64>,
    /// Which dimension each prefilter slot is.
    pf_dim: Vec<usize>,
    /// Prefilter slots gathered per block on first visit: (slot, dimension).
    lazy: Vec<(usize, usize)>,
    /// Over all blocks: the largest `base`, the largest ln w - ln Z and the smallest pivot 1/σ.
    base_max: f64,
    lwz_max: f64,
    inv_min: f64,
    /// Components (the arrays may hold padding beyond).
    n: usize,
    /// Stepped pivot only: its dimension and geometry.
    discrete_pivot: Option<usize>,
    /// Continuous pivot: its dimension.
    continuous_pivot: Option<usize>,
    blocks: Vec<Block>,
}

impl Table {
    /// Fills the table in place (its vectors are reused from one suggestion to the next).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn build(
        &mut self,
        cols: &[&mut Column],
        dims: &[Dim],
        all: &Bits,
        members: &Bits,
        pivot_extras: &[(f64, u32)],
        weights: &Weights,
        pivot: Option<usize>,
        pf: &[usize],
        merge_equal: bool,
    ) {
        self.discrete_pivot = pivot.filter(|p| matches!(dims[*p].kind, DimKind::Discrete));
        self.continuous_pivot = pivot.filter(|p| matches!(dims[*p].kind, DimKind::Continuous));
        self.pf_dim.clear();
        self.pf_dim.extend_from_slice(pf);
        self.pf_mu.resize_with(pf.len(), Vec::new);
        self.pf_inv.resize_with(pf.len(), Vec::new);
        for v in self.pf_mu.iter_mut().chain(self.pf_inv.iter_mut()) {
            v.clear();
        }
        for v in [&mut self.base, &mut self.wt, &mut self.lw_lc, &mut self.lw_z, &mut self.pmu, &mut self.pinv] {
            v.clear();
        }
        self.row.clear();
        let continuous = self.continuous_pivot.is_some();
        let discrete = self.discrete_pivot.is_some();
        // Components in pivot order with their ln weights; in one dimension, equal (μ, σ)
        // make equal kernels, merged with their weights summed.
        match pivot {
            None => {
                for (rank, r) in all.iter().enumerate() {
                    self.row.push(r as u32);
                    self.base.push(0.0);
                    self.wt.push(weights.w(rank));
                }
            }
            Some(p) => {
                let (mus, invs) = if continuous {
                    let (m, i) = (self.pf_mu.first_mut(), self.pf_inv.first_mut());
                    (m.expect("the continuous pivot is slot 0"), i.expect("the continuous pivot is slot 0"))
                } else {
                    (&mut self.pmu, &mut self.pinv)
                };
                let (row, base, wt, lw_lc, lw_z) = (&mut self.row, &mut self.base, &mut self.wt, &mut self.lw_lc, &mut self.lw_z);
                // A run of equal kernels: its first rank, its kernel, and the weight sum.
                let (mut run_rank, mut run_w, mut run_n) = (0usize, 0.0, 0usize);
                let (mut last_mu, mut last_sigma) = (f64::NAN, f64::NAN);
                let mut run_c: Option<KernelConsts> = None;
                let close = |wt: &mut Vec<f64>, lw_lc: &mut Vec<f64>, lw_z: &mut Vec<f64>, c: Option<KernelConsts>, w: f64, n: usize| {
                    if n > 1 {
                        *wt.last_mut().expect("a run is open") = w;
                        if discrete {
                            let c = c.expect("a run is open");
                            *lw_lc.last_mut().expect("a run is open") = w.ln() + c.lc;
                            *lw_z.last_mut().expect("a run is open") = w.ln() - c.lnz;
                        }
                    }
                };
                cols[p].for_each_member(members, pivot_extras, |mu, r, c| {
                    let rank = all.rank(r as usize);
                    if merge_equal && mu == last_mu && c.sigma == last_sigma {
                        if run_n == 1 {
                            run_w = weights.w(run_rank);
                        }
                        run_w += weights.w(rank);
                        run_n += 1;
                        return;
                    }
                    close(wt, lw_lc, lw_z, run_c, run_w, run_n);
                    (run_rank, run_n, run_c) = (rank, 1, Some(*c));
                    (last_mu, last_sigma) = (mu, c.sigma);
                    let w = weights.w(rank);
                    row.push(r);
                    base.push(if continuous { c.lc } else { 0.0 });
                    wt.push(w);
                    mus.push(mu);
                    invs.push(c.inv);
                    if discrete {
                        let lw = w.ln();
                        lw_lc.push(lw + c.lc);
                        lw_z.push(lw - c.lnz);
                    }
                });
                close(wt, lw_lc, lw_z, run_c, run_w, run_n);
            }
        }
        let n = self.row.len();
        self.n = n;
        // Several dimensions: fold ln w into `base` now (a vectorized logarithm), so the
        // per-component tests need none; the weights left to apply after the exponential
        // become 1 (0 for a zero weight).
        for (b, w) in self.base.iter_mut().zip(self.wt.iter_mut()) {
            let lw = if *w > 0.0 { fast_ln(*w) } else { f64::NEG_INFINITY };
            *b += lw;
            *w = if *w > 0.0 { 1.0 } else { 0.0 };
        }
        // The other prefilter slots are gathered per block on first use (`gather`): most
        // blocks are never visited. Until then, a block's bound takes them at their largest.
        self.lazy = pf.iter().enumerate().filter(|&(_, &d)| Some(d) != pivot).map(|(p, &d)| (p, d)).collect();
        let lazy_ub: f64 = self.lazy.iter().map(|&(_, d)| dims[d].ub).sum();
        // Pad to whole blocks (weight 0, far away) so every block runs the same fixed loops.
        let padded = n.div_ceil(BLOCK) * BLOCK;
        self.base.resize(padded, f64::NEG_INFINITY);
        self.wt.resize(padded, 0.0);
        for p in 0..pf.len() {
            self.pf_mu[p].resize(padded, 0.0);
            self.pf_inv[p].resize(padded, 0.0);
        }
        let (pmu, pinv): (&[f64], &[f64]) = if continuous { (&self.pf_mu[0], &self.pf_inv[0]) } else { (&self.pmu, &self.pinv) };
        self.blocks.clear();
        for start in (0..n).step_by(BLOCK) {
            let end = (start + BLOCK).min(n);
            let mut blk = Block {
                start,
                end,
                lo: f64::NEG_INFINITY,
                hi: f64::INFINITY,
                inv_min: 0.0,
                base_max: self.base[start..end].iter().cloned().fold(f64::NEG_INFINITY, f64::max) + lazy_ub,
                lnw_max: self.wt[start..end].iter().cloned().fold(0.0, f64::max).ln(),
                ready: self.lazy.is_empty(),
                lw_max: f64::NEG_INFINITY,
                lwz_max: f64::NEG_INFINITY,
            };
            if pivot.is_some() {
                blk.lo = pmu[start];
                blk.hi = pmu[end - 1];
                blk.inv_min = pinv[start..end].iter().cloned().fold(f64::INFINITY, f64::min);
                if discrete {
                    blk.lw_max = self.lw_lc[start..end].iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                    blk.lwz_max = self.lw_z[start..end].iter().cloned().fold(f64::NEG_INFINITY, f64::max) + DISCRETE_SLACK;
                }
            }
            self.blocks.push(blk);
        }
        self.base_max = self.blocks.iter().map(|b| b.base_max + b.lnw_max).fold(f64::NEG_INFINITY, f64::max);
        self.lwz_max = self.blocks.iter().map(|b| b.lwz_max).fold(f64::NEG_INFINITY, f64::max);
        self.inv_min = self.blocks.iter().map(|b| b.inv_min).fold(f64::INFINITY, f64::min);
    }

    fn len(&self) -> usize {
        self.n
    }

    /// A continuous pivot without running observations: the pivot column's entries, in their
    /// order, are the components (no filtering or merging: entries outside the group get
    /// weight 0 and a log density of -inf). With several dimensions (`fold`), ln w is folded
    /// into `base` as in `build`.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn build_flat(&mut self, cols: &[&mut Column], dims: &[Dim], all: &Bits, weights: &Weights, pivot: usize, pf: &[usize], fold: bool) {
        self.discrete_pivot = None;
        self.continuous_pivot = Some(pivot);
        self.pf_dim.clear();
        self.pf_dim.extend_from_slice(pf);
        self.pf_mu.resize_with(pf.len(), Vec::new);
        self.pf_inv.resize_with(pf.len(), Vec::new);
        for v in self.pf_mu.iter_mut().chain(self.pf_inv.iter_mut()) {
            v.clear();
        }
        for v in [&mut self.base, &mut self.wt] {
            v.clear();
        }
        self.row.clear();
        for (keys, rows, consts) in cols[pivot].chunks() {
            self.pf_mu[0].extend_from_slice(keys);
            self.row.extend_from_slice(rows);
            for (&r, c) in rows.iter().zip(consts) {
                let member = all.contains(r as usize);
                self.base.push(if member { c.lc } else { f64::NEG_INFINITY });
                self.pf_inv[0].push(if member { c.inv } else { 0.0 });
                self.wt.push(if member { weights.w(all.rank(r as usize)) } else { 0.0 });
            }
        }
        let n = self.row.len();
        self.n = n;
        if fold {
            for (b, w) in self.base.iter_mut().zip(self.wt.iter_mut()) {
                if *w > 0.0 {
                    *b += fast_ln(*w);
                    *w = 1.0;
                } else {
                    *b = f64::NEG_INFINITY;
                }
            }
        }
        self.lazy = pf.iter().enumerate().skip(1).map(|(p, &d)| (p, d)).collect();
        let lazy_ub: f64 = self.lazy.iter().map(|&(_, d)| dims[d].ub).sum();
        let padded = n.div_ceil(BLOCK) * BLOCK;
        self.base.resize(padded, f64::NEG_INFINITY);
        self.wt.resize(padded, 0.0);
        for p in 0..pf.len() {
            self.pf_mu[p].resize(padded, 0.0);
            self.pf_inv[p].resize(padded, 0.0);
        }
        self.blocks.clear();
        for start in (0..n).step_by(BLOCK) {
            let end = (start + BLOCK).min(n);
            // the widest kernel among the block's members (entries outside have 1/σ = 0)
            let inv_min = self.pf_inv[0][start..end].iter().filter(|v| **v > 0.0).cloned().fold(f64::INFINITY, f64::min);
            let inv_min = if inv_min.is_finite() { inv_min } else { 0.0 }; // no member: never visited
            self.blocks.push(Block {
                start,
                end,
                lo: self.pf_mu[0][start],
                hi: self.pf_mu[0][end - 1],
                inv_min,
                base_max: self.base[start..end].iter().cloned().fold(f64::NEG_INFINITY, f64::max) + lazy_ub,
                lnw_max: self.wt[start..end].iter().cloned().fold(0.0, f64::max).ln(),
                ready: self.lazy.is_empty(),
                lw_max: f64::NEG_INFINITY,
                lwz_max: f64::NEG_INFINITY,
            });
        }
        self.base_max = self.blocks.iter().map(|b| b.base_max + b.lnw_max).fold(f64::NEG_INFINITY, f64::max);
        self.lwz_max = f64::NEG_INFINITY;
        self.inv_min = self.blocks.iter().filter(|b| b.lnw_max > f64::NEG_INFINITY).map(|b| b.inv_min).fold(f64::INFINITY, f64::min);
    }

    /// The candidate's pivot coordinate (a cell's midpoint for a stepped pivot).
    #[inline(always)]
    fn pivot_coord(&self, x: &[Coord]) -> Option<f64> {
        let p = self.continuous_pivot.or(self.discrete_pivot)?;
        match x[p] {
            Coord::Point(t) => Some(t),
            Coord::Cell(l, r) => Some(0.5 * (l + r)),
            Coord::Choice(_) => None,
        }
    }

    /// Upper bound of `base - ½Σ z²` (continuous pivot) or of `ln w + k_pivot` (stepped pivot)
    /// over the block's components.
    #[inline(always)]
    fn block_bound(&self, b: &Block, x: &[Coord]) -> f64 {
        let gap = |l: f64, r: f64| (b.lo - r).max(l - b.hi).max(0.0);
        match (self.continuous_pivot, self.discrete_pivot) {
            (Some(p), _) => {
                let Coord::Point(t) = x[p] else { unreachable!() };
                let q = gap(t, t) * b.inv_min;
                b.base_max + b.lnw_max - 0.5 * q * q
            }
            (None, Some(p)) => {
                let Coord::Cell(l, r) = x[p] else { unreachable!() };
                let q = gap(l, r) * b.inv_min;
                // A cell q deviations from the mean has mass <= min(e^(-q²/2), width · density
                // at q); the midpoint rule (w <= 0.3) stays within (1 - w²/12) of the exponent
                // and a few hundredths of a nat of the mass.
                (b.lwz_max + MIDPOINT_SLACK).min(b.lw_max + (r - l).ln() + DISCRETE_SLACK) - 0.49 * q * q
            }
            _ => b.lnw_max + b.base_max,
        }
    }

    /// Reads the lazy prefilter dimensions of block `b`'s components from their columns.
    #[inline(always)]
    fn gather(&mut self, b: usize, cols: &[&mut Column]) {
        let (start, end) = (self.blocks[b].start, self.blocks[b].end);
        for &(p, d) in &self.lazy {
            let col = &cols[d];
            for k in start..end {
                if self.wt[k] == 0.0 {
                    continue; // outside the group (flat tables): base is -inf, mu and 1/σ stay 0
                }
                let c = &col.by_row[self.row[k] as usize];
                self.pf_mu[p][k] = c.mu;
                self.pf_inv[p][k] = c.inv;
                self.base[k] += c.lc;
            }
        }
        let blk = &mut self.blocks[b];
        blk.base_max = self.base[start..end].iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        blk.ready = true;
    }

    /// `out[k] = base - ½ Σ_pf z²` for the block starting at `start` (padded: always full).
    #[inline(always)]
    fn prefilter(&self, start: usize, x: &[Coord], out: &mut [f64; BLOCK]) {
        out.copy_from_slice(&self.base[start..start + BLOCK]);
        for (p, &d) in self.pf_dim.iter().enumerate() {
            let Coord::Point(t) = x[d] else { unreachable!("prefilter dimensions are continuous") };
            let mus: &[f64; BLOCK] = self.pf_mu[p][start..start + BLOCK].try_into().expect("padded");
            let invs: &[f64; BLOCK] = self.pf_inv[p][start..start + BLOCK].try_into().expect("padded");
            for k in 0..BLOCK {
                let z = (t - mus[k]) * invs[k];
                out[k] -= 0.5 * z * z;
            }
        }
    }
}

/// Log kernel of the component observed at `row` in one dimension.
#[inline(always)]
fn component_kernel(col: &Column, dim: &Dim, d: usize, row: usize, x: Coord, memo: &mut Memo) -> f64 {
    match (&dim.kind, x) {
        (DimKind::Continuous, Coord::Point(t)) => {
            let c = &col.by_row[row];
            let z = (t - c.mu) * c.inv;
            c.lc - 0.5 * z * z
        }
        (DimKind::Discrete, Coord::Cell(l, r)) => {
            let c = &col.by_row[row];
            memo.get_or(d, c.mu, c.sigma, || discrete_log_kernel(l, r, c.mu, c))
        }
        (DimKind::Categorical { n_choices, log_probs }, Coord::Choice(c)) => log_probs[col.key[row] as usize * n_choices + c],
        _ => unreachable!("coordinates follow the dimension kinds"),
    }
}

fn prior_kernel(dim: &Dim, x: Coord) -> f64 {
    match (&dim.kind, x, &dim.prior) {
        (DimKind::Continuous, Coord::Point(t), Some((mu, c))) => {
            let z = (t - mu) * c.inv;
            c.lc - 0.5 * z * z
        }
        (DimKind::Discrete, Coord::Cell(l, r), Some((mu, c))) => discrete_log_kernel(l, r, *mu, c),
        (DimKind::Categorical { n_choices, log_probs }, Coord::Choice(c), _) => log_probs[n_choices * n_choices + c],
        _ => unreachable!("the prior has every numerical dimension"),
    }
}

/// A single categorical dimension: components that observed the same choice are one kernel.
fn one_categorical(col: &Column, dim: &Dim, all: &Bits, weights: &Weights, cands: &[Vec<f64>]) -> Vec<f64> {
    let DimKind::Categorical { n_choices: k, log_probs } = &dim.kind else { unreachable!() };
    let mut mass = vec![0.0; k + 1];
    for (rank, r) in all.iter().enumerate() {
        mass[col.key[r] as usize] += weights.w(rank);
    }
    if let Some(lw) = weights.prior {
        mass[*k] = lw.exp();
    }
    cands[0]
        .iter()
        .map(|&x| {
            let c = x as usize;
            let terms: Vec<f64> = (0..=*k).filter(|&a| mass[a] > 0.0).map(|a| mass[a].ln() + log_probs[a * k + c]).collect();
            log_sum_exp(&terms)
        })
        .collect()
}

#[cfg(test)]
mod tests_support {
    pub use super::tests::*;
    use super::*;
    use crate::history::TrialState;
    use crate::samplers::tpe::parzen::{Parzen, ParzenParams};

    pub fn time_log_pdf(n: usize) {
        // the overhead benchmark's space: four floats, a log float, a stepped float, an int, a
        // log int, two categoricals
        let f = |low: f64, high: f64, log: bool, step: Option<f64>| Distribution::Float { low, high, log, step };
        let cat = |k: i64| Distribution::Categorical { choices: (0..k).map(crate::space::Choice::Int).collect() };
        let full: Vec<(String, Distribution)> = vec![
            ("x0".into(), f(-5.0, 5.0, false, None)),
            ("x1".into(), f(-5.0, 5.0, false, None)),
            ("x2".into(), f(-5.0, 5.0, false, None)),
            ("x3".into(), f(-5.0, 5.0, false, None)),
            ("lr".into(), f(1e-5, 1e-1, true, None)),
            ("dropout".into(), f(0.0, 0.5, false, Some(0.05))),
            ("layers".into(), Distribution::Int { low: 1, high: 8, log: false, step: 1 }),
            ("units".into(), Distribution::Int { low: 16, high: 1024, log: true, step: 1 }),
            ("act".into(), cat(4)),
            ("opt".into(), cat(3)),
        ];
        let h = history(n, &full, 1);
        let sp = full.clone();
        let mut cols: Vec<Column> = sp.iter().map(|(nm, d)| Column::new(nm, d)).collect();
        cols.iter_mut().for_each(|c| c.update(&h));
        let mut members = Bits::with_rows(n);
        for r in 0..n {
            if h.states[r] == TrialState::Complete && r % 400 != 7 {
                members.insert(r);
            }
        }
        let weights = Weights::default_ramp(members.len(), true, 1.0).unwrap();
        let settings =
            Settings { prior_weight: 1.0, consider_magic_clip: true, consider_endpoints: false, distances: vec![None; sp.len()] };
        let dists: Vec<&Distribution> = sp.iter().map(|(_, d)| d).collect();
        let below: Vec<usize> = (0..n).filter(|r| r % 400 == 7).collect();
        let obs: Vec<Vec<f64>> = sp.iter().map(|(nm, _)| below.iter().map(|&r| h.column(nm).unwrap().values[r]).collect()).collect();
        let ties: Vec<u64> = below.iter().map(|&r| tie_key(r)).collect();
        let params = ParzenParams {
            consider_prior: true,
            prior_weight: 1.0,
            consider_magic_clip: true,
            consider_endpoints: false,
            distances: vec![None; sp.len()],
        };
        let l = Parzen::new(&obs, &ties, &dists, &vec![1.0; below.len()], &params).unwrap();
        let mut scratch = Scratch::default();
        let mut rng = crate::rng::stream(1, 2, "t");
        let cand_sets: Vec<Vec<Vec<f64>>> = (0..40).map(|_| l.sample(&mut rng, 24)).collect();
        // The minimum over batches: the machine's noise only ever adds.
        let mut time = |dims_sel: &[usize], n_cand: usize| {
            let mut best = std::time::Duration::MAX;
            for _ in 0..8 {
                let t = std::time::Instant::now();
                for cands in &cand_sets {
                    let c: Vec<Vec<f64>> = dims_sel.iter().map(|&d| cands[d][..n_cand].to_vec()).collect();
                    let mut refs: Vec<&mut Column> =
                        cols.iter_mut().enumerate().filter(|(d, _)| dims_sel.contains(d)).map(|(_, c)| c).collect();
                    std::hint::black_box(
                        log_pdf(
                            &Query { h: &h, members: &members, extras: &[], weights: &weights, settings: &settings, cands: &c },
                            &mut refs,
                            &mut scratch,
                        )
                        .unwrap(),
                    );
                }
                best = best.min(t.elapsed() / cand_sets.len() as u32);
            }
            best
        };
        let all_dims: Vec<usize> = (0..sp.len()).collect();
        eprintln!("{} dims: {:?} per call, {:?} of it without candidates", sp.len(), time(&all_dims, 24), time(&all_dims, 0));
        for (d, (name, _)) in sp.iter().enumerate() {
            eprintln!("{name} alone: {:?} per call, {:?} without candidates", time(&[d], 24), time(&[d], 0));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{StudyDirection, TrialMeta, TrialState};
    use crate::rng::{stream, uniform01};
    use crate::samplers::tpe::parzen::{Parzen, ParzenParams};
    use crate::samplers::RandomSampler;
    use crate::space::Choice;

    pub fn space() -> Vec<(String, Distribution)> {
        let f = |low: f64, high: f64, log: bool, step: Option<f64>| Distribution::Float { low, high, log, step };
        vec![
            ("a".into(), f(-5.0, 5.0, false, None)),
            ("lr".into(), f(1e-5, 1e-1, true, None)),
            ("drop".into(), f(0.0, 0.5, false, Some(0.05))),
            ("layers".into(), Distribution::Int { low: 1, high: 8, log: false, step: 1 }),
            ("units".into(), Distribution::Int { low: 16, high: 1024, log: true, step: 1 }),
            ("act".into(), Distribution::Categorical { choices: vec![Choice::Int(0), Choice::Int(1), Choice::Int(2)] }),
            ("b".into(), f(0.0, 1.0, false, None)),
        ]
    }

    /// A history of `n` random trials over `space`; every 13th is left running.
    pub fn history(n: usize, space: &[(String, Distribution)], seed: u64) -> TrialHistory {
        let mut h = TrialHistory::new(vec![StudyDirection::Minimize]);
        let rs = RandomSampler::new(Some(seed));
        for i in 0..n {
            let r = h.push_trial(TrialState::Running, TrialMeta::default());
            for (name, d) in space {
                // repeated values now and then, so that ties occur in continuous dimensions too
                let v = if i % 17 == 3 && r > 0 { h.column(name).unwrap().values[r - 1] } else { rs.draw(r, name, d) };
                h.set_param(r, name, v, d);
            }
            if i % 13 != 5 {
                h.set_state(r, TrialState::Complete, Some(&[i as f64]));
            }
        }
        h
    }

    /// `above::log_pdf` equals a brute-force `Parzen` over the same components.
    fn check(n: usize, dims: &[usize], seed: u64, consider_prior: bool) {
        check_with(n, dims, seed, consider_prior, true);
        check_with(n, dims, seed, consider_prior, false);
    }

    fn check_with(n: usize, dims: &[usize], seed: u64, consider_prior: bool, with_extras: bool) {
        let full = space();
        let sp: Vec<(String, Distribution)> = dims.iter().map(|&d| full[d].clone()).collect();
        let h = history(n, &full, seed);
        let mut cols: Vec<Column> = sp.iter().map(|(nm, d)| Column::new(nm, d)).collect();
        cols.iter_mut().for_each(|c| c.update(&h));
        let mut members = Bits::with_rows(n);
        let mut extras = Vec::new();
        for r in 0..n {
            match h.states[r] {
                TrialState::Complete if r % 10 != 7 => members.insert(r), // some rows "below"
                TrialState::Running if with_extras => extras.push(r),
                _ => {}
            }
        }
        let mut rows: Vec<usize> = members.iter().chain(extras.iter().copied()).collect();
        rows.sort_unstable();
        let raw = crate::samplers::tpe::default_weights(rows.len());
        // the default weights computed from the rank, or the same as user weights
        let weights = if seed.is_multiple_of(2) {
            Weights::default_ramp(rows.len(), consider_prior, 1.0)
        } else {
            Weights::new(&raw, consider_prior, 1.0)
        }
        .unwrap();
        let settings =
            Settings { prior_weight: 1.0, consider_magic_clip: true, consider_endpoints: false, distances: vec![None; sp.len()] };
        let dists: Vec<&Distribution> = sp.iter().map(|(_, d)| d).collect();
        let obs: Vec<Vec<f64>> = sp.iter().map(|(nm, _)| rows.iter().map(|&r| h.column(nm).unwrap().values[r]).collect()).collect();
        let ties: Vec<u64> = rows.iter().map(|&r| tie_key(r)).collect();
        let params = ParzenParams {
            consider_prior,
            prior_weight: 1.0,
            consider_magic_clip: true,
            consider_endpoints: false,
            distances: vec![None; sp.len()],
        };
        let brute = Parzen::new(&obs, &ties, &dists, &raw, &params).unwrap();
        // candidates: drawn near the observations (from a narrow mixture of a few) and uniformly
        let few: Vec<Vec<f64>> = obs.iter().map(|c| c[..8.min(c.len())].to_vec()).collect();
        let narrow = Parzen::new(&few, &ties, &dists, &vec![1.0; few[0].len()], &params).unwrap();
        let mut rng = stream(seed, 1, "cands");
        let mut cands = narrow.sample(&mut rng, 30);
        let rs = RandomSampler::new(Some(seed + 1));
        for (d, (nm, dist)) in sp.iter().enumerate() {
            for j in 0..10 {
                cands[d].push(rs.draw(100_000 + j, nm, dist));
            }
        }
        let _ = uniform01(&mut rng);
        let mut refs: Vec<&mut Column> = cols.iter_mut().collect();
        let got = log_pdf(
            &Query { h: &h, members: &members, extras: &extras, weights: &weights, settings: &settings, cands: &cands },
            &mut refs,
            &mut Scratch::default(),
        )
        .unwrap();
        // the portable build of the same code gives the same bits as the dispatched one
        let portable = log_pdf_body(
            &Query { h: &h, members: &members, extras: &extras, weights: &weights, settings: &settings, cands: &cands },
            &mut refs,
            &mut Scratch::default(),
        )
        .unwrap();
        assert_eq!(got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), portable.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
        let want = brute.log_pdf(&cands);
        for (j, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!((g - w).abs() <= 1e-9 * w.abs().max(1.0), "n={n} dims={dims:?} candidate {j}: {g} vs {w}");
        }
    }

    #[test]
    fn one_dimension_matches_brute_force() {
        for d in 0..7 {
            for (n, seed) in [(0, 1), (1, 2), (5, 3), (60, 4), (3000, 5)] {
                check(n, &[d], seed, true);
            }
            check(500, &[d], 9, false);
        }
    }

    #[test]
    fn several_dimensions_match_brute_force() {
        for (dims, seed) in [(vec![0, 1, 2, 3, 4, 5, 6], 1), (vec![2, 3, 5], 2), (vec![5, 1], 3), (vec![3, 4], 4), (vec![6, 0], 5)] {
            for n in [0, 2, 40, 2500] {
                check(n, &dims, seed, true);
            }
            check(700, &dims, seed, false);
        }
    }
}

#[cfg(test)]
mod timing {
    use super::tests_support::*;

    /// `cargo test --release -p ferrotune-core above_timing -- --ignored --nocapture`: the
    /// estimator's cost at 10,000 observations, jointly and per parameter.
    #[test]
    #[ignore]
    fn above_timing() {
        time_log_pdf(10_000);
    }
}
