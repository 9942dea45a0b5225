//! `WilcoxonPruner`: prune a trial when a Wilcoxon signed-rank test says, at level
//! `p_threshold`, that it is worse than the best trial on the steps both reported.
//!
//! Steps are instances (folds, problems, questions), not epochs: the test pairs the trial's
//! value at each step with the best trial's value at the same step. The p-value is SciPy's
//! `wilcoxon(d, alternative, zero_method="zsplit")` with its default method choice: the exact
//! null distribution for up to 50 pairs without ties or zeros, the exact sign-flip permutation
//! distribution for up to 13 pairs with ties or zeros, the normal approximation otherwise.

use std::sync::Mutex;

use super::{reported, single_direction, PruneCx, Pruner, Verdict};
use crate::error::{Error, Result};
use crate::history::StudyDirection;

pub struct WilcoxonPruner {
    p_threshold: f64,
    n_startup_steps: usize,
    /// Exact null distributions by sample size, built on first use.
    exact: Mutex<Vec<Option<Vec<u64>>>>,
}

impl WilcoxonPruner {
    pub fn new(p_threshold: f64, n_startup_steps: i64) -> Result<Self> {
        if !(0.0..=1.0).contains(&p_threshold) {
            return Err(Error::InvalidValue(format!(
                "p_threshold must be between 0 and 1, got {p_threshold}; larger values prune more (default 0.1)"
            )));
        }
        if n_startup_steps < 0 {
            return Err(Error::InvalidValue(format!(
                "n_startup_steps must be >= 0, got {n_startup_steps}; it is the number of paired steps before any pruning"
            )));
        }
        Ok(WilcoxonPruner { p_threshold, n_startup_steps: n_startup_steps as usize, exact: Mutex::new(Vec::new()) })
    }
}

impl Pruner for WilcoxonPruner {
    fn prune(&self, cx: &PruneCx) -> Result<Verdict> {
        let direction = single_direction(cx.history)?;
        let h = cx.history;
        let iv = reported(cx);
        if iv.is_empty() {
            return Ok(Verdict::keep());
        }
        let warn = |m: String| Ok(Verdict { warnings: vec![m], ..Default::default() });
        if iv.iter().any(|e| !e.1.is_finite()) {
            return warn(format!(
                "the intermediate values of trial {} contain infinity or NaN; WilcoxonPruner will not prune this trial",
                cx.row
            ));
        }
        let Some(best) = h.best_row() else { return Ok(Verdict::keep()) };
        let biv = &h.meta[best].intermediate;
        if biv.is_empty() {
            return warn(
                "the best trial has no intermediate values, so WilcoxonPruner cannot prune trials; \
                 give the trial intermediate values (add_trial(..., intermediate_values=...)) if you added it yourself"
                    .into(),
            );
        }
        if biv.iter().any(|e| !e.1.is_finite()) {
            return warn(format!(
                "the intermediate values of the best trial (trial {best}) contain infinity or NaN; \
                 WilcoxonPruner will not prune the current trial"
            ));
        }
        let mut warnings = Vec::new();
        // Both lists are sorted by step: pair the common steps.
        let mut diffs = Vec::with_capacity(iv.len());
        let (mut i, mut j) = (0, 0);
        while i < iv.len() && j < biv.len() {
            match iv[i].0.cmp(&biv[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    diffs.push(iv[i].1 - biv[j].1);
                    i += 1;
                    j += 1;
                }
            }
        }
        if diffs.len() < iv.len() {
            warnings
                .push("WilcoxonPruner found steps the current trial reported but the best trial did not; those values are ignored".into());
        }
        if diffs.len() < self.n_startup_steps.max(2) {
            return Ok(Verdict { warnings, ..Default::default() });
        }
        let mean = |v: &[(i64, f64)]| v.iter().map(|e| e.1).sum::<f64>() / v.len() as f64;
        let (alternative, average_is_best) = match direction {
            StudyDirection::Maximize => (Alternative::Less, mean(biv) <= mean(iv)),
            _ => (Alternative::Greater, mean(biv) >= mean(iv)),
        };
        let p = {
            let mut cache = self.exact.lock().unwrap_or_else(|e| e.into_inner());
            pvalue(&diffs, alternative, &mut cache)
        };
        // The test says "worse" but the trial's average is not worse than the best's: keep it.
        let prune = p < self.p_threshold && !average_is_best;
        Ok(Verdict { prune, warnings, ..Default::default() })
    }
}

/// The alternative hypothesis about the differences `d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alternative {
    /// `d` tends to be negative.
    Less,
    /// `d` tends to be positive.
    Greater,
}

/// One-sided p-value of the Wilcoxon signed-rank test of finite differences `d`, zeros split
/// between the two signs, with SciPy's default choice of method.
pub fn signed_rank_pvalue(d: &[f64], alternative: Alternative) -> f64 {
    pvalue(d, alternative, &mut Vec::new())
}

fn pvalue(d: &[f64], alternative: Alternative, exact_cache: &mut Vec<Option<Vec<u64>>>) -> f64 {
    let n = d.len();
    if n == 0 {
        return f64::NAN;
    }
    let (ranks, ties) = average_ranks(d);
    let n_zero = d.iter().filter(|x| **x == 0.0).count();
    let has_ties = ties.iter().any(|t| *t > 1);
    // r_plus: ranks of the positive differences plus half the ranks of the zeros.
    let mut r_plus = 0.0;
    let mut r_zero = 0.0;
    for (x, r) in d.iter().zip(&ranks) {
        if *x > 0.0 {
            r_plus += r;
        } else if *x == 0.0 {
            r_zero += r;
        }
    }
    r_plus += r_zero / 2.0;
    if n <= 50 && !has_ties && n_zero == 0 {
        let counts = exact_counts(n, exact_cache);
        let total = 2f64.powi(n as i32);
        // r_plus is an integer here
        let k = r_plus as usize;
        let count: u64 = match alternative {
            Alternative::Less => counts[..=k.min(counts.len() - 1)].iter().sum(),
            Alternative::Greater => counts.get(k..).map(|c| c.iter().sum()).unwrap_or(0),
        };
        return count as f64 / total;
    }
    if n <= 13 {
        return sign_flip_pvalue(d, &ranks, r_plus, alternative);
    }
    let count = n as f64;
    let mn = count * (count + 1.0) * 0.25;
    let se = count * (count + 1.0) * (2.0 * count + 1.0);
    let tie_correct: f64 = ties.iter().map(|&t| (t as f64).powi(3) - t as f64).sum();
    let se = ((se - tie_correct / 2.0) / 24.0).sqrt();
    let z = (r_plus - mn) / se;
    match alternative {
        Alternative::Less => ndtr(z),
        Alternative::Greater => ndtr(-z),
    }
}

/// Average ranks (1-based) of `|d|`, and the size of each group of tied values.
fn average_ranks(d: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let n = d.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| d[a].abs().total_cmp(&d[b].abs()));
    let mut ranks = vec![0.0; n];
    let mut ties = Vec::new();
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && d[order[j]].abs() == d[order[i]].abs() {
            j += 1;
        }
        // ranks i+1 ..= j share their average
        let avg = (i + 1 + j) as f64 / 2.0;
        for &o in &order[i..j] {
            ranks[o] = avg;
        }
        ties.push(j - i);
        i = j;
    }
    (ranks, ties)
}

/// Number of subsets of {1, ..., n} with each sum: the null distribution of r_plus times 2^n.
fn exact_counts(n: usize, cache: &mut Vec<Option<Vec<u64>>>) -> &[u64] {
    if cache.len() <= n {
        cache.resize(n + 1, None);
    }
    cache[n].get_or_insert_with(|| {
        let mut c = vec![0u64; n * (n + 1) / 2 + 1];
        c[0] = 1;
        for k in 1..=n {
            let top = k * (k + 1) / 2;
            for s in (k..=top).rev() {
                c[s] += c[s - k];
            }
        }
        c
    })
}

/// The p-value of SciPy's exact permutation test: the share of the 2^n sign flips of `d` whose
/// r_plus is at least (greater) or at most (less) the observed one. Zeros flip onto themselves.
fn sign_flip_pvalue(d: &[f64], ranks: &[f64], observed: f64, alternative: Alternative) -> f64 {
    // In quarter units every rank and half rank is an integer.
    let mut fixed = 0usize;
    let mut free = Vec::new();
    for (x, r) in d.iter().zip(ranks) {
        let q = (r * 4.0).round() as usize;
        if *x == 0.0 {
            fixed += q / 2;
        } else {
            free.push(q);
        }
    }
    let top: usize = free.iter().sum::<usize>() + fixed;
    let mut counts = vec![0u64; top + 1];
    counts[fixed] = 1u64 << (d.len() - free.len());
    for q in &free {
        for s in (0..=top).rev() {
            if s >= *q + fixed {
                counts[s] += counts[s - q];
            }
        }
    }
    let obs = (observed * 4.0).round() as usize;
    let count: u64 = match alternative {
        Alternative::Less => counts[..=obs.min(top)].iter().sum(),
        Alternative::Greater => counts.get(obs..).map(|c| c.iter().sum()).unwrap_or(0),
    };
    count as f64 / 2f64.powi(d.len() as i32)
}

/// The standard normal CDF, computed as Cephes' `ndtr` does (SciPy's `special.ndtr`).
fn ndtr(a: f64) -> f64 {
    let x = a * std::f64::consts::FRAC_1_SQRT_2;
    let z = x.abs();
    if z < std::f64::consts::FRAC_1_SQRT_2 {
        0.5 + 0.5 * libm::erf(x)
    } else {
        let y = 0.5 * libm::erfc(z);
        if x > 0.0 {
            1.0 - y
        } else {
            y
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::TrialState::{Complete, Running};
    use crate::pruners::testing::{add, history, judge};

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1e-300)
    }

    #[test]
    fn pvalues_match_scipy() {
        // scipy.stats.wilcoxon(d, alternative=..., zero_method="zsplit").pvalue
        let d = [1.0, 2.0, 3.0, -0.5, 4.0];
        assert_eq!(signed_rank_pvalue(&d, Alternative::Greater), 0.0625); // exact
        assert_eq!(signed_rank_pvalue(&d, Alternative::Less), 0.96875);
        // a tie and a zero, n <= 13: permutation test
        let d = [1.0, 1.0, 0.0, 2.0, -3.0, 4.0];
        assert_eq!(signed_rank_pvalue(&d, Alternative::Greater), 0.1875);
        assert_eq!(signed_rank_pvalue(&d, Alternative::Less), 0.875);
        // ties with n = 20: normal approximation with the tie correction
        let d: Vec<f64> = (0..20).map(|i| if i % 5 == 0 { -1.0 } else { (i % 4 + 1) as f64 }).collect();
        let p = signed_rank_pvalue(&d, Alternative::Greater);
        assert!(close(p, 0.000_517_778_725_692_295_2), "{p}");
        // n = 60 without ties: normal approximation
        let d: Vec<f64> = (0..60).map(|i| if i % 3 == 0 { -(i as f64) - 0.5 } else { i as f64 + 0.25 }).collect();
        let p = signed_rank_pvalue(&d, Alternative::Greater);
        assert!(close(p, 0.008_366_535_803_851_717), "{p}");
    }

    #[test]
    fn exact_distribution_sums_to_one() {
        let mut cache = Vec::new();
        for n in [1, 5, 20, 50] {
            let c = exact_counts(n, &mut cache).to_vec();
            assert_eq!(c.iter().sum::<u64>(), 1u64 << n);
            assert_eq!(c.len(), n * (n + 1) / 2 + 1);
        }
    }

    #[test]
    fn prunes_a_trial_consistently_worse_than_the_best() {
        let mut h = history(StudyDirection::Minimize);
        let best: Vec<f64> = (0..10).map(|i| (i % 3) as f64).collect();
        add(&mut h, &best, Complete);
        let p = WilcoxonPruner::new(0.1, 2).unwrap();
        let worse: Vec<f64> = (0..10).map(|i| (i % 3) as f64 + 1.0 + 0.1 * i as f64).collect();
        let r = add(&mut h, &worse[..1], Running);
        assert!(!judge(&p, &h, r).prune, "one pair is not enough");
        let r = add(&mut h, &worse[..3], Running);
        // 3 positive differences: exact p = 1/8 >= 0.1
        assert!(!judge(&p, &h, r).prune);
        let r = add(&mut h, &worse[..4], Running);
        // 4 positive differences: exact p = 1/16 < 0.1, and the trial's mean 2.15 > the best's 0.9
        assert!(judge(&p, &h, r).prune);
        // four positive differences again, but the best trial's mean over all its steps (3.17)
        // is worse than this trial's (0.375): kept by Optuna's safety rule
        let low: Vec<f64> = vec![0.1, 1.1, 0.1, 0.2];
        let mut h2 = history(StudyDirection::Minimize);
        add(&mut h2, &[0.0, 1.0, 0.0, 0.0, 9.0, 9.0], Complete);
        let r2 = add(&mut h2, &low, Running);
        assert!(!judge(&p, &h2, r2).prune);
        let better: Vec<f64> = (0..10).map(|i| (i % 3) as f64 - 1.0).collect();
        let r = add(&mut h, &better, Running);
        assert!(!judge(&p, &h, r).prune);
        let r = add(&mut h, &[f64::NAN, 100.0, 100.0], Running);
        let v = judge(&p, &h, r);
        assert!(!v.prune && v.warnings.len() == 1);
    }

    #[test]
    fn no_best_trial_no_pruning() {
        let mut h = history(StudyDirection::Maximize);
        let r = add(&mut h, &[0.0, 0.0, 0.0, 0.0, 0.0], Running);
        assert!(!judge(&WilcoxonPruner::new(1.0, 0).unwrap(), &h, r).prune);
    }

    #[test]
    fn bad_arguments() {
        assert!(WilcoxonPruner::new(1.5, 2).is_err());
        assert!(WilcoxonPruner::new(f64::NAN, 2).is_err());
        assert!(WilcoxonPruner::new(0.1, -1).is_err());
    }
}
