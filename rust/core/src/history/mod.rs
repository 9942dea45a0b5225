//! The columnar trial history of one study.
//!
//! Samplers and pruners read parameters, objective values and intermediate values as columns
//! (`Vec<f64>` with NaN for "absent"), never as per-trial objects. Per-trial bookkeeping that
//! samplers do not need (timestamps, attributes) lives in `TrialMeta` rows beside the columns.

mod columns;
pub mod constraints;
mod export;
mod frame;
mod scan;
mod table;
mod trial_state;

pub use columns::{ParamColumn, StepColumn};
pub use export::{ExportRow, TrialExport};
pub use frame::{FrameParam, FrameParts, StudyFrame};
pub use scan::{RowScan, Visit};
pub use table::{TrialHistory, TrialMeta};
pub use trial_state::{StudyDirection, TrialState};
