//! Box-constrained limited-memory BFGS (a projected variant of L-BFGS-B).
//!
//! Used both to fit kernel hyperparameters (log scale, wide bounds) and to refine the
//! acquisition function inside the unit cube. Each iteration: variables held at a bound by their
//! gradient are frozen, the two-loop recursion gives a quasi-Newton direction over the free ones,
//! and a backtracking Armijo search walks the projected path `P(x + t d)`. Written here because
//! the Rust optimization crates offer L-BFGS without bounds, and the reference L-BFGS-B is
//! Fortran.

/// Step reductions tried before the line search gives up (the point is then optimal to
/// rounding along the search direction).
const MAX_BACKTRACKS: usize = 20;

/// Stopping rules (scipy's L-BFGS-B defaults where they apply).
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Stop when the largest projected-gradient component is below this.
    pub gtol: f64,
    /// Stop when `(f_old - f_new) <= ftol * max(|f_old|, |f_new|, 1)`.
    pub ftol: f64,
    pub max_iter: usize,
    /// Number of correction pairs kept.
    pub memory: usize,
    /// Stop when the quasi-Newton model (once it has curvature pairs) predicts a decrease
    /// `-0.5 d'g` of at most this along the full step: the rest is not worth an evaluation.
    pub min_predicted_decrease: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options { gtol: 1e-5, ftol: 2.220446049250313e-9, max_iter: 200, memory: 10, min_predicted_decrease: 0.0 }
    }
}

#[derive(Clone, Debug)]
pub struct Outcome {
    pub x: Vec<f64>,
    pub f: f64,
    pub iterations: usize,
    /// A stopping rule was met (as opposed to running out of iterations or of descent).
    pub converged: bool,
}

/// Minimizes `f` over `lower <= x <= upper`. `f(x, grad)` returns the value and writes the
/// gradient; a non-finite value is treated as "outside the domain" by the line search.
pub fn minimize(f: impl FnMut(&[f64], &mut [f64]) -> f64, x0: &[f64], lower: &[f64], upper: &[f64], opts: Options) -> Outcome {
    minimize_with_memory(f, x0, lower, upper, opts, &mut Memory::default())
}

/// The curvature pairs `(s, y)` L-BFGS keeps. Passing the memory of a previous run on a nearby
/// problem (the same hyperparameter fit with one more observation) lets the first step be a
/// quasi-Newton step instead of a steepest-descent guess.
#[derive(Clone, Debug, Default)]
pub struct Memory {
    s: Vec<Vec<f64>>,
    y: Vec<Vec<f64>>,
    rho: Vec<f64>,
}

/// [`minimize`], starting from (and leaving in) `memory`. Pairs of another dimension are dropped.
pub fn minimize_with_memory(
    mut f: impl FnMut(&[f64], &mut [f64]) -> f64,
    x0: &[f64],
    lower: &[f64],
    upper: &[f64],
    opts: Options,
    memory: &mut Memory,
) -> Outcome {
    let n = x0.len();
    let mut x: Vec<f64> = (0..n).map(|i| x0[i].clamp(lower[i], upper[i])).collect();
    let mut g = vec![0.0; n];
    let mut fx = f(&x, &mut g);
    if !fx.is_finite() || g.iter().any(|v| !v.is_finite()) {
        return Outcome { x, f: fx, iterations: 0, converged: false };
    }
    if memory.s.first().is_some_and(|v| v.len() != n) {
        *memory = Memory::default();
    }
    let Memory { s: s_hist, y: y_hist, rho } = memory;
    let (mut xn, mut gn, mut d) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let mut free = vec![true; n];
    for it in 0..opts.max_iter {
        if projected_grad_norm(&x, &g, lower, upper) <= opts.gtol {
            return Outcome { x, f: fx, iterations: it, converged: true };
        }
        for i in 0..n {
            free[i] = !((x[i] <= lower[i] && g[i] > 0.0) || (x[i] >= upper[i] && g[i] < 0.0));
        }
        two_loop(&g, &free, s_hist, y_hist, rho, &mut d);
        let mut slope: f64 = (0..n).map(|i| d[i] * g[i]).sum();
        if !s_hist.is_empty() && slope < 0.0 && -0.5 * slope <= opts.min_predicted_decrease {
            return Outcome { x, f: fx, iterations: it, converged: true };
        }
        if slope >= 0.0 || !slope.is_finite() {
            // Not a descent direction: drop the curvature memory and use steepest descent.
            s_hist.clear();
            y_hist.clear();
            rho.clear();
            for i in 0..n {
                d[i] = if free[i] { -g[i] } else { 0.0 };
            }
            slope = (0..n).map(|i| d[i] * g[i]).sum();
            if slope >= 0.0 {
                return Outcome { x, f: fx, iterations: it, converged: true };
            }
        }
        // First step of a fresh memory: a unit-length move, as the scale of g is unknown.
        let mut t = if s_hist.is_empty() { 1.0 / d.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-300) } else { 1.0 };
        t = t.min(1.0 / d.iter().map(|v| v.abs()).fold(0.0, f64::max).max(1e-300) * 1e6);
        let mut accepted = None;
        for _ in 0..MAX_BACKTRACKS {
            let mut moved = 0.0f64;
            for i in 0..n {
                xn[i] = (x[i] + t * d[i]).clamp(lower[i], upper[i]);
                moved = moved.max((xn[i] - x[i]).abs() / (1.0 + x[i].abs()));
            }
            if moved < 1e-15 {
                // The step no longer changes x: nothing left to gain along d.
                break;
            }
            let decrease: f64 = (0..n).map(|i| g[i] * (xn[i] - x[i])).sum();
            let fnew = f(&xn, &mut gn);
            if fnew.is_finite() && gn.iter().all(|v| v.is_finite()) && fnew <= fx + 1e-4 * decrease {
                accepted = Some(fnew);
                break;
            }
            // Minimizer of the quadratic through f(x), the slope and f(x + t d), kept within
            // [0.1 t, 0.5 t] (plain halving when f was not finite).
            let q = if fnew.is_finite() && decrease < 0.0 {
                let curv = fnew - fx - decrease;
                if curv > 0.0 {
                    (-decrease / (2.0 * curv)).clamp(0.1, 0.5)
                } else {
                    0.5
                }
            } else {
                0.5
            };
            t *= q;
        }
        let Some(fnew) = accepted else {
            return Outcome { x, f: fx, iterations: it, converged: false };
        };
        let s: Vec<f64> = (0..n).map(|i| xn[i] - x[i]).collect();
        let y: Vec<f64> = (0..n).map(|i| gn[i] - g[i]).collect();
        let sy: f64 = s.iter().zip(&y).map(|(a, b)| a * b).sum();
        let yy: f64 = y.iter().map(|v| v * v).sum();
        if sy > 1e-10 * yy && sy > 0.0 {
            if s_hist.len() == opts.memory {
                s_hist.remove(0);
                y_hist.remove(0);
                rho.remove(0);
            }
            s_hist.push(s);
            y_hist.push(y);
            rho.push(1.0 / sy);
        }
        let fold = fx;
        std::mem::swap(&mut x, &mut xn);
        std::mem::swap(&mut g, &mut gn);
        fx = fnew;
        if fold - fx <= opts.ftol * fold.abs().max(fx.abs()).max(1.0) {
            return Outcome { x, f: fx, iterations: it + 1, converged: true };
        }
    }
    Outcome { x, f: fx, iterations: opts.max_iter, converged: false }
}

fn projected_grad_norm(x: &[f64], g: &[f64], lower: &[f64], upper: &[f64]) -> f64 {
    (0..x.len()).map(|i| ((x[i] - g[i]).clamp(lower[i], upper[i]) - x[i]).abs()).fold(0.0, f64::max)
}

/// `d = -H g` restricted to the free variables, with the usual initial scaling `s'y / y'y`.
fn two_loop(g: &[f64], free: &[bool], s_hist: &[Vec<f64>], y_hist: &[Vec<f64>], rho: &[f64], d: &mut [f64]) {
    let n = g.len();
    let dotf = |a: &[f64], b: &[f64]| -> f64 { (0..n).filter(|&i| free[i]).map(|i| a[i] * b[i]).sum() };
    for i in 0..n {
        d[i] = if free[i] { g[i] } else { 0.0 };
    }
    let k = s_hist.len();
    let mut a = vec![0.0; k];
    for j in (0..k).rev() {
        a[j] = rho[j] * dotf(&s_hist[j], d);
        for i in 0..n {
            if free[i] {
                d[i] -= a[j] * y_hist[j][i];
            }
        }
    }
    if k > 0 {
        let (sy, yy) = (dotf(&s_hist[k - 1], &y_hist[k - 1]), dotf(&y_hist[k - 1], &y_hist[k - 1]));
        let gamma = if yy > 0.0 && sy > 0.0 { sy / yy } else { 1.0 };
        for v in d.iter_mut() {
            *v *= gamma;
        }
    }
    for j in 0..k {
        let b = rho[j] * dotf(&y_hist[j], d);
        for i in 0..n {
            if free[i] {
                d[i] += s_hist[j][i] * (a[j] - b);
            }
        }
    }
    for v in d.iter_mut() {
        *v = -*v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rosenbrock(x: &[f64], g: &mut [f64]) -> f64 {
        let (a, b) = (x[0], x[1]);
        g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
        g[1] = 200.0 * (b - a * a);
        (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
    }

    #[test]
    fn finds_the_unconstrained_minimum() {
        let o = minimize(rosenbrock, &[-1.2, 1.0], &[-5.0, -5.0], &[5.0, 5.0], Options::default());
        assert!(o.converged);
        assert!((o.x[0] - 1.0).abs() < 1e-3 && (o.x[1] - 1.0).abs() < 1e-3, "{:?}", o.x);
    }

    #[test]
    fn stops_on_active_bounds() {
        // Minimum of the bowl at (2, -3) lies outside the box [0,1]^2: answer is the corner (1, 0).
        let f = |x: &[f64], g: &mut [f64]| {
            g[0] = 2.0 * (x[0] - 2.0);
            g[1] = 2.0 * (x[1] + 3.0);
            (x[0] - 2.0).powi(2) + (x[1] + 3.0).powi(2)
        };
        let o = minimize(f, &[0.5, 0.5], &[0.0, 0.0], &[1.0, 1.0], Options::default());
        assert_eq!(o.x, vec![1.0, 0.0]);
        assert!(o.converged);
        // A bound on one variable only: (x0 in [0,1], x1 free in [-10, 10]).
        let o = minimize(f, &[0.5, 0.5], &[0.0, -10.0], &[1.0, 10.0], Options::default());
        assert!((o.x[0] - 1.0).abs() < 1e-12 && (o.x[1] + 3.0).abs() < 1e-6, "{:?}", o.x);
    }

    #[test]
    fn memory_of_a_nearby_problem_saves_iterations() {
        // An ill-conditioned quadratic, then the same with its minimum moved a little: the
        // curvature pairs of the first run make the second converge in fewer iterations.
        let quad = |c: f64| {
            move |x: &[f64], g: &mut [f64]| {
                let h = [1.0, 30.0, 300.0];
                let mut f = 0.0;
                for i in 0..3 {
                    let t = x[i] - c * (i as f64 + 1.0);
                    f += 0.5 * h[i] * t * t;
                    g[i] = h[i] * t;
                }
                f
            }
        };
        let (lo, hi) = (vec![-10.0; 3], vec![10.0; 3]);
        let opts = Options { gtol: 1e-8, ..Options::default() };
        let mut mem = Memory::default();
        let first = minimize_with_memory(quad(1.0), &[0.0; 3], &lo, &hi, opts, &mut mem);
        assert!(first.converged);
        let cold = minimize(quad(1.05), &first.x, &lo, &hi, opts);
        let warm = minimize_with_memory(quad(1.05), &first.x, &lo, &hi, opts, &mut mem);
        assert!(warm.converged && cold.converged);
        assert!(warm.iterations < cold.iterations, "warm {} vs cold {}", warm.iterations, cold.iterations);
        for i in 0..3 {
            assert!((warm.x[i] - 1.05 * (i as f64 + 1.0)).abs() < 1e-6);
        }
        // A memory of another dimension is ignored.
        let mut other = mem.clone();
        let o = minimize_with_memory(
            |x: &[f64], g: &mut [f64]| {
                g[0] = 2.0 * (x[0] - 0.5);
                (x[0] - 0.5).powi(2)
            },
            &[0.0],
            &[-1.0],
            &[1.0],
            opts,
            &mut other,
        );
        assert!((o.x[0] - 0.5).abs() < 1e-8);
    }

    #[test]
    fn non_finite_regions_are_avoided() {
        // log barrier: infinite for x <= 0; minimum of x - ln x at x = 1.
        let f = |x: &[f64], g: &mut [f64]| {
            if x[0] <= 0.0 {
                return f64::INFINITY;
            }
            g[0] = 1.0 - 1.0 / x[0];
            x[0] - x[0].ln()
        };
        let o = minimize(f, &[5.0], &[-10.0], &[10.0], Options::default());
        assert!((o.x[0] - 1.0).abs() < 1e-4, "{:?}", o);
    }
}
