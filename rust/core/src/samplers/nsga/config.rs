//! The sampler's arguments, checked once when it is built.

use super::crossover::Crossover;
use super::mutation::Mutation;
use crate::error::{Error, Result};

/// Which elite selection the sampler runs: crowding distance (NSGA-II) or reference-point
/// niching (NSGA-III).
#[derive(Debug, Clone, PartialEq)]
pub enum Survival {
    Crowding,
    /// `reference_points`: `None` for the default points (`dividing_parameter` divisions of
    /// each objective's axis, spread over the simplex).
    Niching {
        reference_points: Option<Vec<Vec<f64>>>,
        dividing_parameter: usize,
    },
}

impl Survival {
    /// The sampler's class name, which also prefixes its system attributes as in Optuna.
    pub fn class_name(&self) -> &'static str {
        match self {
            Survival::Crowding => "NSGAIISampler",
            Survival::Niching { .. } => "NSGAIIISampler",
        }
    }
}

/// How parents are chosen and children kept. `Optuna`: Optuna's binary tournament (the
/// dominating of two random parents, else the second) and duplicate children kept. `Pymoo`:
/// pymoo's mating: NSGA-II's tournament by domination, then the larger crowding distance;
/// NSGA-III's by violation, then at random; a child equal to a parent or to an earlier child
/// of its generation is made again (a bounded number of times).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Selection {
    #[default]
    Optuna,
    Pymoo,
}

impl Selection {
    /// The Python argument's value, checked here (the core is the only validator).
    pub fn parse(owner: &str, s: &str) -> Result<Self> {
        match s {
            "optuna" => Ok(Selection::Optuna),
            "pymoo" => Ok(Selection::Pymoo),
            _ => Err(Error::InvalidValue(format!(
                "{owner}: selection must be \"optuna\" (Optuna's tournament, duplicates kept; the default) or \"pymoo\" \
                 (pymoo's tournament and duplicate elimination), got {s:?}"
            ))),
        }
    }
}

#[derive(Debug, Clone)]
pub struct NsgaConfig {
    pub population_size: usize,
    pub crossover: Crossover,
    pub mutation: Option<Mutation>,
    /// `None`: `1 / (number of parameters)`, as in Optuna.
    pub mutation_prob: Option<f64>,
    pub crossover_prob: f64,
    pub swapping_prob: f64,
    pub survival: Survival,
    pub selection: Selection,
}

impl Default for NsgaConfig {
    fn default() -> Self {
        NsgaConfig {
            population_size: 50,
            crossover: Crossover::Uniform { swapping_prob: 0.5 },
            mutation: None,
            mutation_prob: None,
            crossover_prob: 0.9,
            swapping_prob: 0.5,
            survival: Survival::Crowding,
            selection: Selection::Optuna,
        }
    }
}

fn probability(owner: &str, name: &str, v: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&v) {
        return Err(Error::InvalidValue(format!("{owner}: {name} must be a probability in [0, 1], got {v}; pass a value between 0 and 1")));
    }
    Ok(())
}

impl NsgaConfig {
    /// Every rule Optuna applies to the arguments, with messages that name the argument.
    pub fn validate(&self) -> Result<()> {
        let owner = self.survival.class_name();
        if self.population_size < 2 {
            return Err(Error::InvalidValue(format!(
                "{owner}: population_size must be at least 2, got {}; pass population_size=2 or more (default 50)",
                self.population_size
            )));
        }
        let n_parents = self.crossover.n_parents();
        if self.population_size < n_parents {
            return Err(Error::InvalidValue(format!(
                "{owner}: {} takes {n_parents} parents, so population_size must be at least {n_parents}, got {}; \
                 raise population_size or choose a two-parent crossover",
                self.crossover.name(),
                self.population_size
            )));
        }
        if let Some(p) = self.mutation_prob {
            probability(owner, "mutation_prob", p)?;
        }
        probability(owner, "crossover_prob", self.crossover_prob)?;
        probability(owner, "swapping_prob", self.swapping_prob)?;
        self.crossover.validate()?;
        if let Some(m) = &self.mutation {
            m.validate()?;
        }
        if let Survival::Niching { reference_points, dividing_parameter } = &self.survival {
            if *dividing_parameter == 0 {
                return Err(Error::InvalidValue(
                    "NSGAIIISampler: dividing_parameter must be at least 1, got 0; pass a positive number of divisions (default 3)".into(),
                ));
            }
            if let Some(points) = reference_points {
                let dim = points.first().map_or(0, Vec::len);
                if points.is_empty() || dim == 0 {
                    return Err(Error::InvalidValue(
                        "NSGAIIISampler: reference_points must hold at least one point with one coordinate per objective; \
                         pass a list of points or None for the default ones"
                            .into(),
                    ));
                }
                for (i, p) in points.iter().enumerate() {
                    if p.len() != dim {
                        return Err(Error::InvalidValue(format!(
                            "NSGAIIISampler: reference_points[{i}] has {} coordinates but reference_points[0] has {dim}; \
                             give every point one coordinate per objective",
                            p.len()
                        )));
                    }
                    if p.iter().any(|x| !x.is_finite() || *x < 0.0) || p.iter().all(|x| *x == 0.0) {
                        return Err(Error::InvalidValue(format!(
                            "NSGAIIISampler: reference_points[{i}] = {p:?} is not a direction: coordinates must be finite, \
                             non-negative and not all zero"
                        )));
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(c: NsgaConfig) -> String {
        c.validate().unwrap_err().to_string()
    }

    #[test]
    fn bad_arguments_are_named() {
        assert!(err(NsgaConfig { population_size: 1, ..Default::default() }).contains("population_size"));
        let undx = Crossover::Undx { sigma_xi: 0.5, sigma_eta: None };
        assert!(err(NsgaConfig { population_size: 2, crossover: undx, ..Default::default() }).contains("UNDXCrossover"));
        assert!(err(NsgaConfig { mutation_prob: Some(1.5), ..Default::default() }).contains("mutation_prob"));
        assert!(err(NsgaConfig { crossover_prob: -0.1, ..Default::default() }).contains("crossover_prob"));
        assert!(err(NsgaConfig { swapping_prob: f64::NAN, ..Default::default() }).contains("swapping_prob"));
        let niching = |p: Vec<Vec<f64>>| Survival::Niching { reference_points: Some(p), dividing_parameter: 3 };
        assert!(
            err(NsgaConfig { survival: niching(vec![vec![1.0, 0.0], vec![1.0]]), ..Default::default() }).contains("reference_points[1]")
        );
        assert!(err(NsgaConfig { survival: niching(vec![vec![0.0, 0.0]]), ..Default::default() }).contains("reference_points[0]"));
        let zero = Survival::Niching { reference_points: None, dividing_parameter: 0 };
        assert!(err(NsgaConfig { survival: zero, ..Default::default() }).contains("dividing_parameter"));
        NsgaConfig::default().validate().unwrap();
    }

    #[test]
    fn selection_is_parsed_by_name() {
        assert_eq!(Selection::parse("NSGAIISampler", "optuna").unwrap(), Selection::Optuna);
        assert_eq!(Selection::parse("NSGAIISampler", "pymoo").unwrap(), Selection::Pymoo);
        let e = Selection::parse("NSGAIIISampler", "crowding").unwrap_err().to_string();
        assert!(e.contains("NSGAIIISampler: selection") && e.contains("\"crowding\""), "{e}");
    }
}
