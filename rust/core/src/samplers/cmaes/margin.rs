//! CMA-ES with margin (Hamano et al., GECCO 2022) for integer and stepped parameters.
//!
//! A discrete coordinate's draw is rounded to its grid after scaling its deviation from the
//! mean by a per-coordinate factor `A`. After each update, the margin keeps the probability of
//! leaving the mean's grid cell (to either side) at least `margin` = 1 / (n lambda): near an
//! edge of the grid the mean is moved back, elsewhere `A` is enlarged, so the search does not
//! freeze on one value the way plain rounding does.

use crate::samplers::tpe::truncnorm::{ndtr, ndtri_exp};

/// The grids of the discrete coordinates (in the sampler's [0, 1] coordinates).
#[derive(Clone, Debug)]
pub struct Margin {
    /// Indices of discrete coordinates.
    pub idx: Vec<usize>,
    low: Vec<f64>,
    step: Vec<f64>,
    size: Vec<i64>,
    /// Scale of each coordinate's deviation before rounding (1 for continuous ones).
    pub a: Vec<f64>,
    pub margin: f64,
}

/// The q-quantile of the chi-squared distribution with one degree of freedom.
fn chi2_ppf(q: f64) -> f64 {
    let z = ndtri_exp(((1.0 + q) / 2.0).ln());
    z * z
}

impl Margin {
    /// `steps[i]` is coordinate i's grid step (0 for continuous coordinates) on `[lo, hi]`.
    pub fn new(bounds: &[(f64, f64)], steps: &[f64], n: usize, lambda: usize) -> Margin {
        let idx: Vec<usize> = (0..steps.len()).filter(|&i| steps[i] > 0.0).collect();
        let low = idx.iter().map(|&i| bounds[i].0).collect();
        let step: Vec<f64> = idx.iter().map(|&i| steps[i]).collect();
        let size = idx.iter().zip(&step).map(|(&i, s)| ((bounds[i].1 + s / 2.0 - bounds[i].0) / s).ceil() as i64).collect();
        Margin { idx, low, step, size, a: vec![1.0; n], margin: 1.0 / (n as f64 * lambda as f64) }
    }

    fn value(&self, k: usize, index: i64) -> f64 {
        self.low[k] + index as f64 * self.step[k]
    }

    /// The boundary between grid values `index` and `index + 1`.
    fn limit(&self, k: usize, index: i64) -> f64 {
        (self.value(k, index) + self.value(k, index + 1)) / 2.0
    }

    /// The grid index nearest `v` (the lower one on ties).
    fn index(&self, k: usize, v: f64) -> i64 {
        let size = self.size[k];
        let mut i = ((v - self.low[k]) / self.step[k] + 0.5).floor().clamp(0.0, (size - 1) as f64) as i64;
        if i > 0 && v <= self.limit(k, i - 1) {
            i -= 1;
        }
        if i < size - 1 && v > self.limit(k, i.min(size - 2)) {
            i += 1;
        }
        i
    }

    /// The grid cell limits around the mean's value.
    fn cell(&self, k: usize, m: f64) -> (f64, f64) {
        let i = self.index(k, m);
        let hi = self.size[k] - 2;
        (self.limit(k, (i - 1).clamp(0, hi)), self.limit(k, i.clamp(0, hi)))
    }

    /// The rounded point for a raw draw `x` of the distribution with mean `mean`.
    pub fn encode(&self, x: &[f64], mean: &[f64]) -> Vec<f64> {
        let mut out = x.to_vec();
        for (k, &i) in self.idx.iter().enumerate() {
            let v = (x[i] - mean[i]) * self.a[i] + mean[i];
            out[i] = self.value(k, self.index(k, v));
        }
        out
    }

    /// Corrects the mean and `A` after an update (`c_diag`: C's diagonal).
    pub fn correct(&mut self, mean: &mut [f64], sigma: f64, c_diag: &[f64]) {
        let m = self.margin;
        for (k, &i) in self.idx.clone().iter().enumerate() {
            let (lo, up) = self.cell(k, mean[i]);
            let scale = sigma * self.a[i] * c_diag[i].sqrt();
            let low_cdf = ndtr((lo - mean[i]) / scale);
            let up_cdf = 1.0 - ndtr((up - mean[i]) / scale);
            let mid_cdf = 1.0 - (low_cdf + up_cdf);
            if low_cdf.max(up_cdf) > 0.5 {
                // The mean sits in an edge cell's far side: pull it back so the margin holds.
                if low_cdf.min(up_cdf) < m {
                    let sign = (mean[i] - up).signum();
                    let dist = sigma * self.a[i] * (chi2_ppf(1.0 - 2.0 * m) * c_diag[i]).sqrt();
                    mean[i] = up + sign * dist;
                }
                continue;
            }
            let low_c = low_cdf.max(m / 2.0);
            let up_c = up_cdf.max(m / 2.0);
            let denom = low_c + mid_cdf + up_c - 3.0 * m / 2.0;
            let rest = 1.0 - low_c - up_c - mid_cdf;
            let mod_low = (low_c + rest * (low_c - m / 2.0) / denom).clamp(1e-10, 0.5 - 1e-10);
            let mod_up = (up_c + rest * (up_c - m / 2.0) / denom).clamp(1e-10, 0.5 - 1e-10);
            let chi_low = chi2_ppf(1.0 - 2.0 * mod_low).sqrt();
            let chi_up = chi2_ppf(1.0 - 2.0 * mod_up).sqrt();
            self.a[i] = (up - lo) / ((chi_low + chi_up) * sigma * c_diag[i].sqrt());
            mean[i] = (lo * chi_up + up * chi_low) / (chi_low + chi_up);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi2_quantile_and_encoding() {
        // chi2(1).ppf(0.95) = 1.959964^2
        assert!((chi2_ppf(0.95) - 3.841458820694124).abs() < 1e-9);
        // five values 0, .25, .5, .75, 1 on [0, 1]
        let m = Margin::new(&[(0.0, 1.0), (0.0, 1.0)], &[0.25, 0.0], 2, 6);
        assert_eq!(m.size, vec![5]);
        assert_eq!(m.encode(&[0.3, 0.3], &[0.5, 0.5]), vec![0.25, 0.3]);
        assert_eq!(m.encode(&[0.375, 0.3], &[0.5, 0.5]), vec![0.25, 0.3], "ties go to the lower value");
        assert_eq!(m.encode(&[2.0, 0.3], &[0.5, 0.5]), vec![1.0, 0.3]);
    }

    #[test]
    fn a_collapsed_integer_coordinate_keeps_the_margin() {
        let mut m = Margin::new(&[(0.0, 1.0), (0.0, 1.0)], &[0.25, 0.0], 2, 6);
        let mut mean = vec![0.5, 0.5];
        // a tiny step size: without the margin every draw rounds to 0.5
        m.correct(&mut mean, 1e-3, &[1.0, 1.0]);
        let (lo, up) = m.cell(0, mean[0]);
        let scale = 1e-3 * m.a[0];
        let p_out = ndtr((lo - mean[0]) / scale) + 1.0 - ndtr((up - mean[0]) / scale);
        assert!(p_out >= m.margin * 0.99, "{p_out} < {}", m.margin);
    }
}
