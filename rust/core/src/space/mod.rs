//! Search spaces: distributions, their validation, and the internal numeric representation.
//!
//! Internal representation (what the history stores, one `f64` per parameter):
//! float parameters keep their value, integer parameters their value as `f64`
//! (exact below 2^53, which validation enforces), categorical parameters the index of the choice.

mod choice;
mod distribution;
mod sampling;

pub use choice::{format_float, Choice};
pub use distribution::{Distribution, MAX_EXACT_INT};
pub use sampling::from_unit;
