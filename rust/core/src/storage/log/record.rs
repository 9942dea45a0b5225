//! Log records: one storage mutation each, the same in a journal file and in PostgreSQL.
//! Studies are named by their index in the log (the order of their `CreateStudy` records) and
//! trials by their log-wide creation order, so every process that replays the log resolves
//! them the same way.

use std::collections::BTreeMap;

use super::codec::{DResult, DecodeError, Reader, Writer};
use crate::history::{StudyDirection, TrialState};
use crate::space::Distribution;
use crate::storage::{AttrKind, TrialTemplate};

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    CreateStudy { name: String, directions: Vec<StudyDirection> },
    DeleteStudy { study: u32 },
    SetStudyAttr { study: u32, user: bool, key: String, json: String },
    NewTrial { study: u32, time: f64, template: Template },
    ClaimWaiting { study: u32, row: u32, system_attrs: BTreeMap<String, String>, time: f64 },
    SetParam { trial: u64, name: String, value: f64, dist: Distribution },
    SetState { trial: u64, state: TrialState, values: Option<Vec<f64>>, time: f64 },
    SetIntermediate { trial: u64, step: i64, value: f64 },
    SetTrialAttr { trial: u64, user: bool, key: String, json: String },
    Heartbeat { trial: u64, time: f64 },
}

/// `TrialTemplate` with equality, for tests comparing decoded records.
#[derive(Debug, Clone)]
pub struct Template(pub TrialTemplate);

impl PartialEq for Template {
    fn eq(&self, o: &Self) -> bool {
        let (a, b) = (&self.0, &o.0);
        let bits = |v: &Option<Vec<f64>>| v.as_ref().map(|v| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
        a.state == b.state
            && bits(&a.values) == bits(&b.values)
            && a.params.len() == b.params.len()
            && a.params.iter().zip(&b.params).all(|(x, y)| x.0 == y.0 && x.1.to_bits() == y.1.to_bits() && x.2 == y.2)
            && a.intermediate.iter().map(|e| (e.0, e.1.to_bits())).eq(b.intermediate.iter().map(|e| (e.0, e.1.to_bits())))
            && a.user_attrs == b.user_attrs
            && a.system_attrs == b.system_attrs
            && a.fixed_params == b.fixed_params
            && a.datetime_start.map(f64::to_bits) == b.datetime_start.map(f64::to_bits)
            && a.datetime_complete.map(f64::to_bits) == b.datetime_complete.map(f64::to_bits)
    }
}

pub fn kind(user: bool) -> AttrKind {
    if user {
        AttrKind::User
    } else {
        AttrKind::System
    }
}

impl Op {
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = Writer(out);
        match self {
            Op::CreateStudy { name, directions } => {
                w.u8(1);
                w.str(name);
                w.directions(directions);
            }
            Op::DeleteStudy { study } => {
                w.u8(2);
                w.uvar(u64::from(*study));
            }
            Op::SetStudyAttr { study, user, key, json } => {
                w.u8(3);
                w.uvar(u64::from(*study));
                w.u8(*user as u8);
                w.str(key);
                w.str(json);
            }
            Op::NewTrial { study, time, template } => {
                let t = &template.0;
                w.u8(4);
                w.uvar(u64::from(*study));
                w.f64(*time);
                w.state(t.state);
                w.opt_f64s(t.values.as_deref());
                w.uvar(t.params.len() as u64);
                for (n, v, d) in &t.params {
                    w.str(n);
                    w.f64(*v);
                    w.dist(d);
                }
                w.uvar(t.intermediate.len() as u64);
                for (s, v) in &t.intermediate {
                    w.ivar(*s);
                    w.f64(*v);
                }
                w.map(&t.user_attrs);
                w.map(&t.system_attrs);
                w.uvar(t.fixed_params.len() as u64);
                for (n, c) in &t.fixed_params {
                    w.str(n);
                    w.choice(c);
                }
                w.opt_f64(t.datetime_start);
                w.opt_f64(t.datetime_complete);
            }
            Op::ClaimWaiting { study, row, system_attrs, time } => {
                w.u8(5);
                w.uvar(u64::from(*study));
                w.uvar(u64::from(*row));
                w.map(system_attrs);
                w.f64(*time);
            }
            Op::SetParam { trial, name, value, dist } => {
                w.u8(6);
                w.uvar(*trial);
                w.str(name);
                w.f64(*value);
                w.dist(dist);
            }
            Op::SetState { trial, state, values, time } => {
                w.u8(7);
                w.uvar(*trial);
                w.state(*state);
                w.opt_f64s(values.as_deref());
                w.f64(*time);
            }
            Op::SetIntermediate { trial, step, value } => {
                w.u8(8);
                w.uvar(*trial);
                w.ivar(*step);
                w.f64(*value);
            }
            Op::SetTrialAttr { trial, user, key, json } => {
                w.u8(9);
                w.uvar(*trial);
                w.u8(*user as u8);
                w.str(key);
                w.str(json);
            }
            Op::Heartbeat { trial, time } => {
                w.u8(10);
                w.uvar(*trial);
                w.f64(*time);
            }
        }
    }

    /// Decodes one record body; the whole body must be used.
    pub fn decode(body: &[u8]) -> DResult<Op> {
        let mut r = Reader::new(body);
        let op = match r.u8()? {
            1 => Op::CreateStudy { name: r.string()?, directions: r.directions()? },
            2 => Op::DeleteStudy { study: r.u32()? },
            3 => Op::SetStudyAttr { study: r.u32()?, user: r.bool()?, key: r.string()?, json: r.string()? },
            4 => {
                let study = r.u32()?;
                let time = r.f64()?;
                let state = r.state()?;
                let values = r.opt_f64s()?;
                let n = r.len(10)?;
                let params = (0..n).map(|_| Ok((r.string()?, r.f64()?, r.dist()?))).collect::<DResult<Vec<_>>>()?;
                let n = r.len(9)?;
                let intermediate = (0..n).map(|_| Ok((r.ivar()?, r.f64()?))).collect::<DResult<Vec<_>>>()?;
                let user_attrs = r.map()?;
                let system_attrs = r.map()?;
                let n = r.len(2)?;
                let fixed_params = (0..n).map(|_| Ok((r.string()?, r.choice()?))).collect::<DResult<Vec<_>>>()?;
                let datetime_start = r.opt_f64()?;
                let datetime_complete = r.opt_f64()?;
                let template = TrialTemplate {
                    state,
                    values,
                    params,
                    intermediate,
                    user_attrs,
                    system_attrs,
                    fixed_params,
                    datetime_start,
                    datetime_complete,
                };
                Op::NewTrial { study, time, template: Template(template) }
            }
            5 => Op::ClaimWaiting { study: r.u32()?, row: r.u32()?, system_attrs: r.map()?, time: r.f64()? },
            6 => Op::SetParam { trial: r.uvar()?, name: r.string()?, value: r.f64()?, dist: r.dist()? },
            7 => Op::SetState { trial: r.uvar()?, state: r.state()?, values: r.opt_f64s()?, time: r.f64()? },
            8 => Op::SetIntermediate { trial: r.uvar()?, step: r.ivar()?, value: r.f64()? },
            10 => Op::Heartbeat { trial: r.uvar()?, time: r.f64()? },
            9 => Op::SetTrialAttr { trial: r.uvar()?, user: r.bool()?, key: r.string()?, json: r.string()? },
            _ => return Err(DecodeError("unknown record type")),
        };
        if !r.is_empty() {
            return Err(DecodeError("trailing bytes after the record"));
        }
        Ok(op)
    }
}
