//! Parameter importances of a study (Optuna's `optuna.importance`), computed from the columnar
//! history in one read: which trials count and what they score (`select.rs`), the Parzen
//! estimator on a parameter's grid (`grid.rs`) and PED-ANOVA itself (`ped_anova.rs`).

mod fanova;
mod forest;
mod grid;
mod ped_anova;
mod select;
mod trees;

pub use ped_anova::PedAnova;
pub use trees::{ForestImportance, Method};

/// Importances in Optuna's order (descending, ties in reverse order of assessment) and the
/// warnings Optuna gives for the same study, for the caller to show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Importances {
    pub values: Vec<(String, f64)>,
    pub warnings: Vec<String>,
}

/// Sorts descending the way Optuna's `_sort_dict_by_importance` does (a stable ascending sort,
/// reversed), so ties come out in the same order.
fn sort_descending(values: &mut [(String, f64)]) {
    values.sort_by(|a, b| a.1.total_cmp(&b.1));
    values.reverse();
}
