//! Sobol' sequences in base 2 with the Joe & Kuo (2008) direction numbers.
//!
//! Dimension `d` has direction numbers `v_d,j = m_d,j * 2^(B - 1 - j)` for `j < B`
//! ([`SOBOL_BITS`] = 52 bits), with `m_d,1..s` from the embedded table and the rest from the
//! recurrence of its primitive polynomial. Point `k` is the XOR of the `v_d,j` over the bits `j`
//! set in the Gray code `k ^ (k >> 1)`, divided by `2^B`; `next_point` moves from point `k - 1`
//! to point `k` with one XOR per dimension (Antonov & Saleev's Gray-code order, as SciPy).
//!
//! With 52 bits every output is an exact double below 1, and for the first `2^30` points the
//! output equals SciPy's 30-bit generator exactly (its direction numbers are these shifted
//! right by 22 bits). The sequence has period `2^52`: indices are taken modulo `2^52`.
//!
//! Scrambling (as `scipy.stats.qmc.Sobol(scramble=True)`, Owen 1998 / Matoušek 1998): each
//! dimension's direction numbers are multiplied by a random lower-triangular binary matrix with
//! unit diagonal (linear matrix scrambling: output digit `i` is input digit `i` plus a random
//! combination of the more significant digits), then every point is XORed with a random
//! digital shift. Both keep the `(t, m, d)`-net structure: the first `2^m` points still have
//! the balance properties of the unscrambled ones. The random bits of dimension `d` come from
//! the stream `(seed, d, "sobol-scramble")`, so a dimension's scramble does not depend on how
//! many dimensions are asked for.

use rand::RngCore;

use super::check_dim;
use super::sobol_directions::{DEGREE, M_INIT, N_DIMS, POLY_A};
use crate::error::Result;
use crate::rng::stream;

/// Bits of the generator: points are multiples of `2^-52`.
pub const SOBOL_BITS: u32 = 52;

/// Dimensions with embedded direction numbers.
pub const SOBOL_MAX_DIM: usize = N_DIMS;

const B: usize = SOBOL_BITS as usize;
const MASK: u64 = (1 << SOBOL_BITS) - 1;
const SCALE: f64 = 1.0 / (1u64 << SOBOL_BITS) as f64;

/// A Sobol' sequence generator.
#[derive(Debug, Clone)]
pub struct Sobol {
    dim: usize,
    /// `v[d * B + j]`: direction number `j` of dimension `d` (scrambled when asked).
    v: Vec<u64>,
    /// The digital shift of each dimension (zeros when unscrambled).
    shift: Vec<u64>,
    /// The integer coordinates of point `index`, the next one `next_point` returns.
    quasi: Vec<u64>,
    index: u64,
}

impl Sobol {
    /// A generator in `dim` dimensions (1 to [`SOBOL_MAX_DIM`]). `seed` is used only when
    /// `scramble` is true. The first unscrambled point is all zeros.
    pub fn new(dim: usize, scramble: bool, seed: u64) -> Result<Sobol> {
        check_dim("Sobol", dim, SOBOL_MAX_DIM)?;
        let mut v = vec![0u64; dim * B];
        let mut offset = 0usize;
        for d in 0..dim {
            let m = direction_integers(d, &mut offset);
            for j in 0..B {
                v[d * B + j] = m[j] << (B - 1 - j);
            }
        }
        let mut shift = vec![0u64; dim];
        if scramble {
            for d in 0..dim {
                let mut rng = stream(seed, d as u64, "sobol-scramble");
                // Row `p` of the matrix, for output bit `p`: the bit itself plus random bits at
                // the more significant positions.
                let mut rows = [0u64; B];
                for (p, row) in rows.iter_mut().enumerate() {
                    let above = MASK & !((2u64 << p) - 1);
                    *row = (1u64 << p) | (rng.next_u64() & above);
                }
                for j in 0..B {
                    let x = v[d * B + j];
                    let mut y = 0u64;
                    for (p, row) in rows.iter().enumerate() {
                        y |= u64::from((row & x).count_ones() & 1) << p;
                    }
                    v[d * B + j] = y;
                }
                shift[d] = rng.next_u64() & MASK;
            }
        }
        let quasi = shift.clone();
        Ok(Sobol { dim, v, shift, quasi, index: 0 })
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of points generated or skipped so far (modulo `2^52`).
    pub fn position(&self) -> u64 {
        self.index
    }

    /// Skips `n` points, as SciPy's `fast_forward(n)`.
    pub fn fast_forward(&mut self, n: u64) {
        self.index = self.index.wrapping_add(n) & MASK;
        let mut quasi = std::mem::take(&mut self.quasi);
        self.integer_point(self.index, &mut quasi);
        self.quasi = quasi;
    }

    /// Writes the next point into `out` and advances by one. Panics unless `out.len() == dim`.
    pub fn next_point(&mut self, out: &mut [f64]) {
        assert_eq!(out.len(), self.dim, "out has {} entries for a {}-dimensional Sobol' sequence", out.len(), self.dim);
        for (o, q) in out.iter_mut().zip(&self.quasi) {
            *o = *q as f64 * SCALE;
        }
        self.index = (self.index + 1) & MASK;
        if self.index == 0 {
            self.quasi.copy_from_slice(&self.shift);
        } else {
            let c = self.index.trailing_zeros() as usize;
            for (d, q) in self.quasi.iter_mut().enumerate() {
                *q ^= self.v[d * B + c];
            }
        }
    }

    /// The next `n` points, row-major (`n x dim`).
    pub fn points(&mut self, n: usize) -> Vec<f64> {
        super::next_points(self.dim, n, |row| self.next_point(row))
    }

    /// Point number `index` (modulo `2^52`), computed directly; the position does not move.
    /// Panics unless `out.len() == dim`.
    pub fn point_at(&self, index: u64, out: &mut [f64]) {
        assert_eq!(out.len(), self.dim, "out has {} entries for a {}-dimensional Sobol' sequence", out.len(), self.dim);
        let gray = (index & MASK) ^ ((index & MASK) >> 1);
        for (d, o) in out.iter_mut().enumerate() {
            *o = self.coordinate(d, gray) as f64 * SCALE;
        }
    }

    fn integer_point(&self, index: u64, out: &mut [u64]) {
        let gray = (index & MASK) ^ ((index & MASK) >> 1);
        for (d, o) in out.iter_mut().enumerate() {
            *o = self.coordinate(d, gray);
        }
    }

    fn coordinate(&self, d: usize, gray: u64) -> u64 {
        let v = &self.v[d * B..(d + 1) * B];
        let mut x = self.shift[d];
        let mut g = gray;
        while g != 0 {
            let j = g.trailing_zeros() as usize;
            x ^= v[j];
            g &= g - 1;
        }
        x
    }
}

/// The direction integers `m_1 .. m_B` of dimension `d` (unshifted); `offset` walks `M_INIT`
/// and must be called for `d = 0, 1, 2, ...` in order.
fn direction_integers(d: usize, offset: &mut usize) -> [u64; B] {
    let mut m = [1u64; B];
    if d == 0 {
        return m;
    }
    let s = DEGREE[d] as usize;
    let a = u64::from(POLY_A[d]);
    for (i, mi) in m.iter_mut().take(s).enumerate() {
        *mi = u64::from(M_INIT[*offset + i]);
    }
    *offset += s;
    // m_j = 2 a_1 m_(j-1) ^ 4 a_2 m_(j-2) ^ ... ^ 2^(s-1) a_(s-1) m_(j-s+1) ^ 2^s m_(j-s) ^ m_(j-s)
    for j in s..B {
        let mut new = m[j - s] ^ (m[j - s] << s);
        for k in 1..s {
            if (a >> (s - 1 - k)) & 1 == 1 {
                new ^= m[j - k] << k;
            }
        }
        m[j] = new;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_points_of_two_dimensions_match_scipy_docs() {
        // scipy.stats.qmc.Sobol(d=2, scramble=False).random_base2(m=3)
        let expect = [0.0, 0.0, 0.5, 0.5, 0.75, 0.25, 0.25, 0.75, 0.375, 0.375, 0.875, 0.875, 0.625, 0.125, 0.125, 0.625];
        let mut s = Sobol::new(2, false, 0).unwrap();
        assert_eq!(s.points(8), expect);
        let mut t = Sobol::new(2, false, 0).unwrap();
        t.fast_forward(4);
        assert_eq!(t.points(4), &expect[8..]);
    }

    #[test]
    fn direction_integers_follow_the_recurrence() {
        // Dimension 2 (x^2 + x + 1, m = 1, 3): m_3 = 2 m_2 ^ 4 m_1 ^ m_1 = 6 ^ 4 ^ 1 = 3,
        // m_4 = 2 m_3 ^ 4 m_2 ^ m_2 = 6 ^ 12 ^ 3 = 9.
        let mut off = 0;
        direction_integers(0, &mut off);
        direction_integers(1, &mut off);
        let m = direction_integers(2, &mut off);
        assert_eq!(&m[..4], &[1, 3, 3, 9]);
        for (j, mj) in m.iter().enumerate() {
            assert!(mj % 2 == 1 && *mj < 2u64 << j, "m_{} = {mj}", j + 1);
        }
    }

    #[test]
    fn sequential_and_direct_points_agree_across_fast_forward() {
        for scramble in [false, true] {
            let mut s = Sobol::new(7, scramble, 11).unwrap();
            let seq = s.points(300);
            let mut p = [0.0; 7];
            for k in [0usize, 1, 2, 3, 127, 128, 255, 299] {
                s.point_at(k as u64, &mut p);
                assert_eq!(&seq[k * 7..k * 7 + 7], &p);
            }
            let mut t = Sobol::new(7, scramble, 11).unwrap();
            t.fast_forward(100);
            t.fast_forward(0);
            assert_eq!(t.position(), 100);
            assert_eq!(t.points(200), &seq[700..]);
        }
    }

    #[test]
    fn dimensions_are_checked() {
        assert!(Sobol::new(SOBOL_MAX_DIM, false, 0).is_ok());
        let e = Sobol::new(SOBOL_MAX_DIM + 1, false, 0).unwrap_err().to_string();
        assert!(e.contains("1024") && e.contains("dim=1025"), "{e}");
        assert!(Sobol::new(0, false, 0).is_err());
    }

    /// Each of the first `2^m` points lies in its own elementary interval of length `2^-m`.
    fn one_per_interval(xs: impl Iterator<Item = f64>, m: u32) -> bool {
        let mut seen = vec![false; 1 << m];
        for x in xs {
            let i = (x * (1u64 << m) as f64) as usize;
            if seen[i] {
                return false;
            }
            seen[i] = true;
        }
        true
    }

    #[test]
    fn scrambled_points_keep_the_net_balance() {
        let dim = 20;
        for seed in [0u64, 1, 2] {
            let mut s = Sobol::new(dim, true, seed).unwrap();
            let pts = s.points(1 << 10);
            assert!(pts.iter().all(|x| (0.0..1.0).contains(x)));
            for m in 0..=10u32 {
                for d in 0..dim {
                    let col = (0..1usize << m).map(|k| pts[k * dim + d]);
                    assert!(one_per_interval(col, m), "seed {seed}, dim {d}, m {m}");
                }
                // Dimensions 0 and 1 form a (0, m, 2)-net: one point per box 2^-a x 2^-(m-a).
                for a in 0..=m {
                    let mut seen = vec![false; 1 << m];
                    for k in 0..1usize << m {
                        let i = (pts[k * dim] * (1u64 << a) as f64) as usize;
                        let j = (pts[k * dim + 1] * (1u64 << (m - a)) as f64) as usize;
                        assert!(!std::mem::replace(&mut seen[(i << (m - a)) | j], true), "seed {seed}, m {m}, a {a}");
                    }
                }
            }
        }
    }

    #[test]
    fn scrambling_depends_on_the_seed_only_per_dimension() {
        let a = Sobol::new(3, true, 7).unwrap().points(16);
        let b = Sobol::new(3, true, 7).unwrap().points(16);
        let c = Sobol::new(3, true, 8).unwrap().points(16);
        let wide = Sobol::new(5, true, 7).unwrap().points(16);
        assert_eq!(a, b);
        assert_ne!(a, c);
        for k in 0..16 {
            assert_eq!(&a[k * 3..k * 3 + 3], &wide[k * 5..k * 5 + 3]);
        }
        // a scrambled sequence does not start at zero
        assert!(a[..3].iter().all(|x| *x != 0.0));
    }

    #[test]
    fn period_wraps_without_panicking() {
        let mut s = Sobol::new(2, false, 0).unwrap();
        s.fast_forward(MASK);
        let mut p = [0.0; 2];
        s.next_point(&mut p);
        assert!(p.iter().all(|x| (0.0..1.0).contains(x)));
        assert_eq!(s.position(), 0);
        s.next_point(&mut p);
        assert_eq!(p, [0.0, 0.0]);
    }
}
