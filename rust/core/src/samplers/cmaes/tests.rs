use super::*;
use crate::engine::StudyEngine;
use crate::storage::{InMemoryStorage, Storage};

/// Fixed offsets for individual `k` of generation `g` (not drawn from the optimizer).
fn table(k: usize, n: usize, g: usize) -> Vec<f64> {
    (0..n).map(|i| (1.7 * k as f64 + 0.9 * i as f64 + 2.3 * g as f64).sin() * (1.0 + 0.3 * i as f64)).collect()
}

/// Three generations of six points m + sigma * table, scored by ||x - 0.3||^2.
fn three_generations(mut cma: Cma, mut margin: Option<Margin>) -> (Cma, Option<Margin>) {
    for g in 0..3 {
        let mut sols: Vec<(Vec<f64>, f64)> = (0..6)
            .map(|k| {
                let x: Vec<f64> = cma.mean.iter().zip(table(k, 3, g)).map(|(m, t)| m + cma.sigma * t).collect();
                let f = x.iter().map(|v| (v - 0.3) * (v - 0.3)).sum();
                (x, f)
            })
            .collect();
        cma.tell(&mut sols);
        if let Some(m) = margin.as_mut() {
            let diag: Vec<f64> = (0..3).map(|i| cma.c[i * 3 + i]).collect();
            m.correct(&mut cma.mean, cma.sigma, &diag);
        }
    }
    (cma, margin)
}

fn close(a: &[f64], b: &[f64], tol: f64) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() < tol, "{a:?} vs {b:?}");
    }
}

// Reference values computed once with the `cmaes` library 0.13 (CMA, SepCMA, CMA(lr_adapt=True),
// CMAwM) from the same start and the same points.
#[test]
fn full_update_matches_reference() {
    let (c, _) = three_generations(Cma::new(vec![0.5, 0.4, 0.6], 0.2, None, 6, false, false), None);
    close(&c.mean, &[0.4924041868745045, 0.24146807731825706, 0.3695809356393511], 1e-12);
    assert!((c.sigma - 0.18292670948669693).abs() < 1e-12);
    close(
        &c.c,
        &[
            0.916868186836093,
            0.11212280866658136,
            0.07257160272246986,
            0.11212280866658139,
            1.028600540355232,
            0.08623290085990334,
            0.07257160272246983,
            0.08623290085990332,
            0.8708316644743131,
        ],
        1e-12,
    );
    assert_eq!(c.g, 3);
}

#[test]
fn separable_update_matches_reference() {
    let (c, _) = three_generations(Cma::new(vec![0.5, 0.4, 0.6], 0.2, None, 6, true, false), None);
    close(&c.mean, &[0.5245396687834714, 0.2676687387230404, 0.3582542379499215], 1e-12);
    assert!((c.sigma - 0.19622562843925478).abs() < 1e-12);
    close(&c.c, &[0.7213639073260334, 1.025471788767637, 0.9370554854372277], 1e-12);
}

#[test]
fn learning_rate_adaptation_matches_reference() {
    let (c, _) = three_generations(Cma::new(vec![0.5, 0.4, 0.6], 0.2, None, 6, false, true), None);
    close(&c.mean, &[0.5152984285216926, 0.252888669543083, 0.3504249895466346], 1e-10);
    assert!((c.sigma - 0.24569103180998747).abs() < 1e-10);
    close(
        &c.c,
        &[
            0.9560833090489116,
            0.1059942091932061,
            0.0855924776436283,
            0.10599420919320612,
            1.1069096965733631,
            0.13443704380059388,
            0.0855924776436283,
            0.13443704380059393,
            0.976970325556528,
        ],
        1e-10,
    );
}

#[test]
fn margin_correction_matches_reference() {
    let margin = Margin::new(&[(0.0, 1.0); 3], &[0.25, 0.0, 0.0], 3, 6);
    let (c, m) = three_generations(Cma::new(vec![0.5, 0.4, 0.6], 0.02, None, 6, false, false), Some(margin));
    let m = m.unwrap();
    assert!((m.margin - 1.0 / 18.0).abs() < 1e-15);
    close(&c.mean, &[0.47804648347775547, 0.3374946048194742, 0.5397454482595605], 1e-9);
    assert!((c.sigma - 0.029423115439257463).abs() < 1e-12);
    close(&m.a, &[3.3737260398906344, 1.0, 1.0], 1e-8);
}

#[test]
fn one_generation_by_hand() {
    // Hansen's tutorial, one step in 1-D with lambda = 2 (mu = 1, w = (1, negative)): the mean
    // moves to the better point, sigma follows exp(c_s / d_s (|p_s| / E|N| - 1)).
    let mut c = Cma::new(vec![0.0], 1.0, None, 2, false, false);
    let p = c.p.clone();
    assert_eq!(p.weights[0], 1.0);
    let mut sols = vec![(vec![0.5], 0.25), (vec![-1.0], 1.0)];
    c.tell(&mut sols);
    assert_eq!(c.mean, vec![0.5]);
    let ps = (p.c_sigma * (2.0 - p.c_sigma) * p.mu_eff).sqrt() * 0.5;
    assert!((c.p_sigma[0] - ps).abs() < 1e-15);
    let sigma = ((p.c_sigma / p.d_sigma) * (ps / p.chi_n - 1.0)).exp();
    assert!((c.sigma - sigma).abs() < 1e-15);
}

fn engine(st: Arc<InMemoryStorage>, sampler: Arc<dyn Sampler>, dir: StudyDirection) -> StudyEngine {
    let id = match st.study_id("s") {
        Ok(id) => id,
        Err(_) => st.create_study("s", &[dir]).unwrap(),
    };
    StudyEngine::new(st, id, Some(sampler))
}

fn sampler(cfg: CmaEsConfig) -> Arc<CmaEsSampler> {
    Arc::new(CmaEsSampler::new(cfg).unwrap())
}

fn seeded(seed: u64) -> CmaEsConfig {
    CmaEsConfig { seed: Some(seed), ..CmaEsConfig::default() }
}

fn float(low: f64, high: f64) -> Distribution {
    Distribution::Float { low, high, log: false, step: None }
}

/// Runs `n` sequential trials of `f` over `space`; returns every trial's values.
fn run(e: &StudyEngine, space: &[(&str, Distribution)], n: usize, f: impl Fn(&[f64]) -> f64) -> Vec<Vec<f64>> {
    (0..n)
        .map(|_| {
            let a = e.ask(false).unwrap().unwrap();
            let x: Vec<f64> = space.iter().map(|(name, d)| e.suggest(a.trial_id, name, d).unwrap()).collect();
            e.tell(a.trial_id, TrialState::Complete, Some(&[f(&x)])).unwrap();
            x
        })
        .collect()
}

fn sphere(x: &[f64]) -> f64 {
    x.iter().map(|v| (v - 1.0) * (v - 1.0)).sum()
}

#[test]
fn minimizes_a_sphere_and_tags_generations() {
    let space: Vec<(&str, Distribution)> = (0..4).map(|i| (["a", "b", "c", "d"][i], float(-5.0, 5.0))).collect();
    let e = engine(Arc::new(InMemoryStorage::new()), sampler(seeded(1)), StudyDirection::Minimize);
    let xs = run(&e, &space, 300, sphere);
    let best = xs.iter().map(|x| sphere(x)).fold(f64::INFINITY, f64::min);
    assert!(best < 1e-3, "best {best}");
    let gens: Vec<Option<u64>> =
        e.read(|h| (0..h.n_trials()).map(|r| h.meta[r].system_attrs.get("cma:generation").map(|s| s.parse().unwrap())).collect()).unwrap();
    assert_eq!(gens[0], None, "the start-up trial is independent");
    // popsize 8 for 4 dimensions: sequential trials fill generations of 8
    let mut expect = vec![Some(0); 8];
    expect.push(Some(1));
    assert_eq!(&gens[1..10], &expect[..]);
    let tell: Vec<usize> = e.read(|h| serde_json::from_str(&h.meta[9].system_attrs["cma:tell"]).unwrap()).unwrap();
    assert_eq!(tell, (1..9).collect::<Vec<_>>());
}

#[test]
fn same_seed_same_trials_and_a_second_sampler_derives_the_same_state() {
    let space = [
        ("x", float(-3.0, 3.0)),
        ("n", Distribution::Int { low: -10, high: 10, log: false, step: 2 }),
        ("lr", Distribution::Float { low: 1e-4, high: 1.0, log: true, step: None }),
    ];
    let f = |x: &[f64]| x[0] * x[0] + (x[1] - 4.0).abs() + x[2].ln().abs();
    let go = |seed| run(&engine(Arc::new(InMemoryStorage::new()), sampler(seeded(seed)), StudyDirection::Minimize), &space, 60, f);
    assert_eq!(go(5), go(5));
    assert_ne!(go(5), go(6));
    // two samplers (two processes) alternate on one storage: each derives the same generations
    let st = Arc::new(InMemoryStorage::new());
    let a = engine(st.clone(), sampler(seeded(5)), StudyDirection::Minimize);
    let b = engine(st.clone(), sampler(seeded(5)), StudyDirection::Minimize);
    let mut shared = Vec::new();
    for k in 0..60 {
        shared.extend(run(if k % 2 == 0 { &a } else { &b }, &space, 1, f));
    }
    assert_eq!(shared, go(5));
    for x in &shared {
        for ((_, d), v) in space.iter().zip(x) {
            assert!(d.contains(*v), "{v} not in {d:?}");
        }
    }
}

#[test]
fn trials_asked_before_an_update_use_their_own_generation() {
    let space = [("x", float(-3.0, 3.0)), ("y", float(-3.0, 3.0))];
    let st = Arc::new(InMemoryStorage::new());
    let e = engine(st.clone(), sampler(seeded(2)), StudyDirection::Minimize);
    run(&e, &space, 1, sphere);
    // 6 individuals per generation in 2-D; ask 9 at once (the last 3 wait in generation 0 too)
    let asked: Vec<_> = (0..9).map(|_| e.ask(false).unwrap().unwrap()).collect();
    let xs: Vec<Vec<f64>> = asked.iter().map(|a| space.iter().map(|(n, d)| e.suggest(a.trial_id, n, d).unwrap()).collect()).collect();
    for (a, x) in asked.iter().zip(&xs).take(7) {
        e.tell(a.trial_id, TrialState::Complete, Some(&[sphere(x)])).unwrap();
    }
    // the next trial opens generation 1 with the first 6 complete of generation 0
    let next = e.ask(false).unwrap().unwrap();
    let attrs = e.read(|h| h.meta[next.number].system_attrs.clone()).unwrap();
    assert_eq!(attrs["cma:generation"], "1");
    assert_eq!(attrs["cma:tell"], "[1,2,3,4,5,6]");
    // a fresh sampler over the stored history proposes what the first does for a late row
    let late = asked[8].number;
    let fresh = sampler(seeded(2));
    let again = e.read(|h| fresh.sample_relative(0, h, late).unwrap()).unwrap();
    assert_eq!(again.iter().map(|p| p.1).collect::<Vec<_>>(), xs[8]);
}

#[test]
fn categorical_parameters_are_independent_with_optunas_warning() {
    let e = engine(Arc::new(InMemoryStorage::new()), sampler(seeded(3)), StudyDirection::Minimize);
    let cat = Distribution::Categorical { choices: vec![crate::space::Choice::Int(1), crate::space::Choice::Int(2)] };
    let space = [("x", float(0.0, 1.0)), ("y", float(0.0, 1.0)), ("c", cat)];
    run(&e, &space, 3, |x| x[0]);
    let w = e.take_warnings();
    assert!(w.iter().any(|m| m.contains("`c` in Trial#1") && m.contains("`RandomSampler` instead of `CmaEsSampler`")), "{w:?}");
    assert!(!w.iter().any(|m| m.contains("`x`")));
    let quiet = sampler(CmaEsConfig { warn_independent_sampling: false, ..seeded(3) });
    let e = engine(Arc::new(InMemoryStorage::new()), quiet, StudyDirection::Minimize);
    run(&e, &space, 3, |x| x[0]);
    assert!(e.take_warnings().is_empty());
}

#[test]
fn margin_keeps_integer_parameters_moving() {
    // the optimum sits between grid values of a coarse integer: without the margin the
    // distribution collapses onto one value and the other integers are never tried again
    let space = [("i", Distribution::Int { low: 0, high: 4, log: false, step: 1 }), ("x", float(-2.0, 2.0))];
    let f = |x: &[f64]| (x[0] - 2.4).powi(2) * 0.01 + x[1] * x[1];
    for seed in 0..3 {
        let e =
            engine(Arc::new(InMemoryStorage::new()), sampler(CmaEsConfig { with_margin: true, ..seeded(seed) }), StudyDirection::Minimize);
        let xs = run(&e, &space, 400, f);
        let late: HashSet<i64> = xs[300..].iter().map(|x| x[0] as i64).collect();
        assert!(late.len() >= 2, "seed {seed}: integers tried late {late:?}");
        let keys = e.read(|h| h.meta[5].system_attrs.contains_key("cmawm:generation")).unwrap();
        assert!(keys);
    }
}

#[test]
fn restarts_grow_the_population() {
    let space = [("x", float(-5.0, 5.0)), ("y", float(-5.0, 5.0))];
    let e = engine(
        Arc::new(InMemoryStorage::new()),
        sampler(CmaEsConfig { restart_strategy: Some("ipop".into()), ..seeded(4) }),
        StudyDirection::Minimize,
    );
    // a flat objective stalls at once: the run restarts with popsize 12, then 24, ...
    run(&e, &space, 200, |_| 1.0);
    let model = e.read(|h| {
        let s = sampler(CmaEsConfig { restart_strategy: Some("ipop".into()), ..seeded(4) });
        s.with_state(0, h, |st| st.kept.back().map(|o| (o.cma.popsize(), o.restarts.as_ref().unwrap().count)))
    });
    let (popsize, count) = model.unwrap().unwrap();
    assert!(count >= 1 && popsize == 6 * 2usize.pow(count), "{popsize} after {count} restarts");
}

#[test]
fn warm_start_starts_near_the_source_optimum() {
    // a 7 x 7 grid over [-4, 4]^2 of a related task with its optimum at (2, 2)
    let sources: Vec<SourceTrial> = (0..49)
        .map(|k| {
            let x = -4.0 + 8.0 * (k % 7) as f64 / 6.0;
            let y = -4.0 + 8.0 * (k / 7) as f64 / 6.0;
            SourceTrial {
                state: TrialState::Complete,
                value: Some((x - 2.0).powi(2) + (y - 2.0).powi(2)),
                names: vec!["x".into(), "y".into()],
                values: vec![("x".into(), x), ("y".into(), y)],
            }
        })
        .collect();
    let cfg = CmaEsConfig { source_trials: Some(sources), ..seeded(1) };
    let e = engine(Arc::new(InMemoryStorage::new()), sampler(cfg), StudyDirection::Minimize);
    let space = [("x", float(-5.0, 5.0)), ("y", float(-5.0, 5.0))];
    let xs = run(&e, &space, 13, |x| (x[0] - 2.0).powi(2) + (x[1] - 2.0).powi(2));
    // the first generation already samples around (2, 2)
    let mean: Vec<f64> = (0..2).map(|i| xs[1..7].iter().map(|x| x[i]).sum::<f64>() / 6.0).collect();
    assert!(mean.iter().all(|m| (m - 2.0).abs() < 1.2), "{mean:?}");
    // a study whose space the sources do not match fails the ask clearly
    let bad = CmaEsConfig { source_trials: Some(vec![]), ..seeded(1) };
    let e = engine(Arc::new(InMemoryStorage::new()), sampler(bad), StudyDirection::Minimize);
    run(&e, &space, 1, |_| 0.0);
    let err = e.ask(false).unwrap_err().to_string();
    assert!(err.contains("source_trials") && err.contains("compatible"), "{err}");
}

#[test]
fn maximization_and_multi_objective() {
    let space = [("x", float(-3.0, 3.0)), ("y", float(-3.0, 3.0))];
    let e = engine(Arc::new(InMemoryStorage::new()), sampler(seeded(9)), StudyDirection::Maximize);
    let xs = run(&e, &space, 150, |x| -sphere(x));
    assert!(xs.iter().map(|x| sphere(x)).fold(f64::INFINITY, f64::min) < 1e-2);
    let st = Arc::new(InMemoryStorage::new());
    let id = st.create_study("m", &[StudyDirection::Minimize, StudyDirection::Minimize]).unwrap();
    let e = StudyEngine::new(st, id, Some(sampler(seeded(1)) as Arc<dyn Sampler>));
    let err = e.ask(false).unwrap_err().to_string();
    assert!(err.contains("multi-objective"), "{err}");
}

#[test]
fn bad_arguments_name_themselves() {
    let err = |cfg: CmaEsConfig| CmaEsSampler::new(cfg).err().expect("must fail").to_string();
    assert!(err(CmaEsConfig { sigma0: Some(-1.0), ..Default::default() }).contains("sigma0"));
    assert!(err(CmaEsConfig { popsize: Some(1), ..Default::default() }).contains("popsize"));
    assert!(err(CmaEsConfig { restart_strategy: Some("x".into()), ..Default::default() }).contains("restart_strategy"));
    assert!(err(CmaEsConfig { inc_popsize: 0, ..Default::default() }).contains("inc_popsize"));
    assert!(err(CmaEsConfig { lr_adapt: true, with_margin: true, ..Default::default() }).contains("lr_adapt"));
    assert!(err(CmaEsConfig { use_separable_cma: true, with_margin: true, ..Default::default() }).contains("with_margin"));
    assert!(err(CmaEsConfig { source_trials: Some(vec![]), sigma0: Some(0.1), ..Default::default() }).contains("source_trials"));
    assert!(err(CmaEsConfig { source_trials: Some(vec![]), use_separable_cma: true, ..Default::default() }).contains("separable"));
    assert!(err(CmaEsConfig { x0: Some(vec![("x".into(), f64::NAN)]), ..Default::default() }).contains("x0['x']"));
}

#[test]
fn constraints_are_ignored_with_optunas_warning() {
    let e = engine(Arc::new(InMemoryStorage::new()), sampler(seeded(1)), StudyDirection::Minimize);
    let a = e.ask(false).unwrap().unwrap();
    e.suggest(a.trial_id, "x", &float(0.0, 1.0)).unwrap();
    e.set_trial_attr(a.trial_id, crate::storage::AttrKind::System, "constraints", "[1.0]").unwrap();
    e.tell(a.trial_id, TrialState::Complete, Some(&[0.0])).unwrap();
    let w = e.take_warnings();
    assert!(w.iter().any(|m| m.contains("will not use them")), "{w:?}");
}

#[test]
fn work_per_trial_does_not_grow_with_the_history() {
    let space: Vec<(&str, Distribution)> = vec![("a", float(-5.0, 5.0)), ("b", float(-5.0, 5.0)), ("c", float(-5.0, 5.0))];
    let s = sampler(seeded(1));
    let e = engine(Arc::new(InMemoryStorage::new()), s.clone(), StudyDirection::Minimize);
    let counts = |s: &CmaEsSampler| {
        let st = s.state.lock().unwrap();
        let st = st.values().next().unwrap();
        (st.visits, st.rebuilds)
    };
    run(&e, &space, 500, sphere);
    let (v500, _) = counts(&s);
    run(&e, &space, 500, sphere);
    let (v1000, rebuilds) = counts(&s);
    // each trial's row is visited a bounded number of times (new, while running, once more
    // when it finishes), so the second 500 trials cost what the first did
    assert!(v500 <= 4 * 500 && v1000 - v500 <= v500, "{v500} then {v1000}");
    assert_eq!(rebuilds, 0, "sequential trials sample from kept generations");
}
