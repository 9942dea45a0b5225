//! Halton sequences: the radical inverse of the point index in the first `dim` primes.
//!
//! Unscrambled, coordinate `d` of point `k` is `sum_j k_j * b^-(j+1)` over the base-`b` digits
//! `k_j` of `k` (`b` the `d`-th prime), accumulated in the same order and with the same
//! floating-point operations as SciPy's `van_der_corput`, so the points equal
//! `scipy.stats.qmc.Halton(d, scramble=False)` exactly; the first point is all zeros.
//!
//! Scrambled (as SciPy, after Owen's "A randomized Halton algorithm in R", 2017): each digit
//! position `j` of each base gets its own random permutation `pi_j` of `0 .. b - 1`, and the
//! coordinate is `sum_j pi_j(k_j) * b^-(j+1)` over the first `c` digits, `c` the largest count
//! with `b^c <= 2^53`. The sum is formed as one integer below `b^c` and divided once, so it is
//! correctly rounded and always below 1. The permutations of dimension `d` come from the stream
//! `(seed, d, "halton-scramble")`.

use super::check_dim;
use crate::error::Result;
use crate::rng::{below, stream};

/// Dimensions supported (scrambled permutations of the 1,024th prime, 8,161, take 4 x 8,161
/// entries; beyond that a Halton sequence is a poor design anyway).
pub const HALTON_MAX_DIM: usize = 1024;

/// A Halton sequence generator.
#[derive(Debug, Clone)]
pub struct Halton {
    dim: usize,
    bases: Vec<u64>,
    scramble: Option<Scramble>,
    index: u64,
}

#[derive(Debug, Clone)]
struct Scramble {
    /// Per dimension: number of digits `c`, `b^c` as a double, and the `c` permutations
    /// (`perms[j * b + digit]`).
    digits: Vec<usize>,
    denom: Vec<f64>,
    perms: Vec<Vec<u16>>,
}

impl Halton {
    /// A generator in `dim` dimensions (1 to [`HALTON_MAX_DIM`]). `seed` is used only when
    /// `scramble` is true.
    pub fn new(dim: usize, scramble: bool, seed: u64) -> Result<Halton> {
        check_dim("Halton", dim, HALTON_MAX_DIM)?;
        let bases = first_primes(dim);
        let scramble = scramble.then(|| {
            let mut digits = Vec::with_capacity(dim);
            let mut denom = Vec::with_capacity(dim);
            let mut perms = Vec::with_capacity(dim);
            for (d, &b) in bases.iter().enumerate() {
                let mut c = 0usize;
                let mut bc: u64 = 1;
                while bc.checked_mul(b).is_some_and(|x| x <= 1 << 53) {
                    bc *= b;
                    c += 1;
                }
                let mut rng = stream(seed, d as u64, "halton-scramble");
                let mut p: Vec<u16> = Vec::with_capacity(c * b as usize);
                for _ in 0..c {
                    let start = p.len();
                    p.extend(0..b as u16);
                    let perm = &mut p[start..];
                    for i in (1..perm.len()).rev() {
                        let k = below(&mut rng, i as u64 + 1) as usize;
                        perm.swap(i, k);
                    }
                }
                digits.push(c);
                denom.push(bc as f64);
                perms.push(p);
            }
            Scramble { digits, denom, perms }
        });
        Ok(Halton { dim, bases, scramble, index: 0 })
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The prime base of each dimension.
    pub fn bases(&self) -> &[u64] {
        &self.bases
    }

    /// Number of points generated or skipped so far.
    pub fn position(&self) -> u64 {
        self.index
    }

    /// Skips `n` points, as SciPy's `fast_forward(n)`.
    pub fn fast_forward(&mut self, n: u64) {
        self.index = self.index.wrapping_add(n);
    }

    /// Writes the next point into `out` and advances by one. Panics unless `out.len() == dim`.
    pub fn next_point(&mut self, out: &mut [f64]) {
        self.point_at(self.index, out);
        self.index = self.index.wrapping_add(1);
    }

    /// The next `n` points, row-major (`n x dim`).
    pub fn points(&mut self, n: usize) -> Vec<f64> {
        super::next_points(self.dim, n, |row| self.next_point(row))
    }

    /// Point number `index`, computed directly; the position does not move. Panics unless
    /// `out.len() == dim`.
    pub fn point_at(&self, index: u64, out: &mut [f64]) {
        assert_eq!(out.len(), self.dim, "out has {} entries for a {}-dimensional Halton sequence", out.len(), self.dim);
        match &self.scramble {
            None => {
                for (o, &b) in out.iter_mut().zip(&self.bases) {
                    *o = radical_inverse(index, b);
                }
            }
            Some(s) => {
                for (d, (o, &b)) in out.iter_mut().zip(&self.bases).enumerate() {
                    let perm = &s.perms[d];
                    let mut q = index;
                    let mut n: u64 = 0;
                    for j in 0..s.digits[d] {
                        let digit = (q % b) as usize;
                        q /= b;
                        n = n * b + u64::from(perm[j * b as usize + digit]);
                    }
                    *o = n as f64 / s.denom[d];
                }
            }
        }
    }
}

/// SciPy's unscrambled van der Corput value, operation for operation.
fn radical_inverse(index: u64, base: u64) -> f64 {
    let mut q = index;
    let bf = base as f64;
    let mut b2r = 1.0 / bf;
    let mut v = 0.0;
    while q > 0 {
        let r = q % base;
        v += r as f64 * b2r;
        b2r /= bf;
        q /= base;
    }
    v
}

/// The first `n` primes (sieve of Eratosthenes, growing the bound until there are enough).
fn first_primes(n: usize) -> Vec<u64> {
    let mut limit = 16usize.max(n * 12);
    loop {
        let mut composite = vec![false; limit + 1];
        let mut primes = Vec::with_capacity(n);
        for i in 2..=limit {
            if !composite[i] {
                primes.push(i as u64);
                if primes.len() == n {
                    return primes;
                }
                let mut j = i * i;
                while j <= limit {
                    composite[j] = true;
                    j += i;
                }
            }
        }
        limit *= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primes() {
        assert_eq!(first_primes(10), vec![2, 3, 5, 7, 11, 13, 17, 19, 23, 29]);
        assert_eq!(*first_primes(1024).last().unwrap(), 8161);
        assert_eq!(first_primes(1), vec![2]);
    }

    #[test]
    fn unscrambled_points_are_radical_inverses() {
        let mut h = Halton::new(2, false, 0).unwrap();
        let pts = h.points(6);
        let expect = [0.0, 0.0, 0.5, 1.0 / 3.0, 0.25, 2.0 / 3.0, 0.75, 1.0 / 9.0, 0.125, 4.0 / 9.0, 0.625, 7.0 / 9.0];
        for (a, b) in pts.iter().zip(expect) {
            assert!((a - b).abs() < 1e-15, "{pts:?}");
        }
        let mut g = Halton::new(2, false, 0).unwrap();
        g.fast_forward(3);
        assert_eq!(g.points(3), &pts[6..]);
    }

    #[test]
    fn scrambled_points_permute_digits() {
        let h = Halton::new(5, true, 3).unwrap();
        let mut p = [0.0; 5];
        for k in 0..2000u64 {
            h.point_at(k, &mut p);
            assert!(p.iter().all(|x| (0.0..1.0).contains(x)), "{p:?}");
        }
        // One point per interval of length 1/b^m among the first b^m points (a digit
        // permutation keeps the stratification of the radical inverse).
        for (d, b, m) in [(0usize, 2u64, 10u32), (1, 3, 6), (2, 5, 4), (4, 11, 2)] {
            let n = b.pow(m) as usize;
            let mut seen = vec![false; n];
            for k in 0..n as u64 {
                h.point_at(k, &mut p);
                let i = (p[d] * n as f64) as usize;
                assert!(!std::mem::replace(&mut seen[i], true), "dim {d}, base {b}");
            }
        }
        assert_eq!(Halton::new(5, true, 3).unwrap().points(10), Halton::new(5, true, 3).unwrap().points(10));
        assert_ne!(Halton::new(5, true, 3).unwrap().points(10), Halton::new(5, true, 4).unwrap().points(10));
    }

    #[test]
    fn dimensions_are_checked() {
        assert!(Halton::new(HALTON_MAX_DIM, true, 0).is_ok());
        assert!(Halton::new(HALTON_MAX_DIM + 1, false, 0).is_err());
        assert!(Halton::new(0, false, 0).is_err());
    }
}
