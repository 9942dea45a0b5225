//! Compact binary encoding of record bodies: LEB128 varints, little-endian f64, length-prefixed
//! UTF-8. The reader checks every length against the bytes left, so arbitrary input can make it
//! fail but never panic or allocate more than the record holds.

use std::collections::BTreeMap;

use crate::history::{StudyDirection, TrialState};
use crate::space::{Choice, Distribution};

/// Why a body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub &'static str);

pub type DResult<T> = std::result::Result<T, DecodeError>;

pub struct Writer<'a>(pub &'a mut Vec<u8>);

impl Writer<'_> {
    pub fn u8(&mut self, v: u8) {
        self.0.push(v);
    }

    pub fn uvar(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    pub fn ivar(&mut self, v: i64) {
        self.uvar(((v << 1) ^ (v >> 63)) as u64);
    }

    pub fn f64(&mut self, v: f64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    pub fn opt_f64(&mut self, v: Option<f64>) {
        match v {
            None => self.u8(0),
            Some(x) => {
                self.u8(1);
                self.f64(x);
            }
        }
    }

    pub fn str(&mut self, s: &str) {
        self.uvar(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }

    pub fn f64s(&mut self, v: &[f64]) {
        self.uvar(v.len() as u64);
        for x in v {
            self.f64(*x);
        }
    }

    pub fn opt_f64s(&mut self, v: Option<&[f64]>) {
        match v {
            None => self.u8(0),
            Some(x) => {
                self.u8(1);
                self.f64s(x);
            }
        }
    }

    pub fn map(&mut self, m: &BTreeMap<String, String>) {
        self.uvar(m.len() as u64);
        for (k, v) in m {
            self.str(k);
            self.str(v);
        }
    }

    pub fn choice(&mut self, c: &Choice) {
        match c {
            Choice::None => self.u8(0),
            Choice::Bool(b) => {
                self.u8(1);
                self.u8(*b as u8);
            }
            Choice::Int(i) => {
                self.u8(2);
                self.ivar(*i);
            }
            Choice::Float(f) => {
                self.u8(3);
                self.f64(*f);
            }
            Choice::Str(s) => {
                self.u8(4);
                self.str(s);
            }
        }
    }

    pub fn dist(&mut self, d: &Distribution) {
        match d {
            Distribution::Float { low, high, log, step } => {
                self.u8(0);
                self.f64(*low);
                self.f64(*high);
                self.u8(*log as u8);
                self.opt_f64(*step);
            }
            Distribution::Int { low, high, log, step } => {
                self.u8(1);
                self.ivar(*low);
                self.ivar(*high);
                self.u8(*log as u8);
                self.ivar(*step);
            }
            Distribution::Categorical { choices } => {
                self.u8(2);
                self.uvar(choices.len() as u64);
                for c in choices {
                    self.choice(c);
                }
            }
        }
    }

    pub fn state(&mut self, s: TrialState) {
        self.u8(s as u8);
    }

    pub fn directions(&mut self, d: &[StudyDirection]) {
        self.uvar(d.len() as u64);
        for x in d {
            self.u8(*x as u8);
        }
    }
}

pub struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    fn take(&mut self, n: usize) -> DResult<&'a [u8]> {
        if n > self.buf.len() {
            return Err(DecodeError("record ends early"));
        }
        let (a, b) = self.buf.split_at(n);
        self.buf = b;
        Ok(a)
    }

    pub fn u8(&mut self) -> DResult<u8> {
        Ok(self.take(1)?[0])
    }

    pub fn bool(&mut self) -> DResult<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(DecodeError("bad boolean")),
        }
    }

    pub fn uvar(&mut self) -> DResult<u64> {
        let mut v = 0u64;
        for i in 0..10 {
            let b = self.u8()?;
            if i == 9 && b > 1 {
                return Err(DecodeError("varint overflows 64 bits"));
            }
            v |= u64::from(b & 0x7f) << (7 * i);
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(DecodeError("varint too long"))
    }

    pub fn ivar(&mut self) -> DResult<i64> {
        let u = self.uvar()?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    pub fn u32(&mut self) -> DResult<u32> {
        u32::try_from(self.uvar()?).map_err(|_| DecodeError("index out of range"))
    }

    /// A count of items each taking at least `min_size` bytes, checked against what is left.
    pub fn len(&mut self, min_size: usize) -> DResult<usize> {
        let n = self.uvar()?;
        if n > (self.buf.len() / min_size.max(1)) as u64 {
            return Err(DecodeError("length exceeds the record"));
        }
        Ok(n as usize)
    }

    pub fn f64(&mut self) -> DResult<f64> {
        let b = self.take(8)?;
        Ok(f64::from_le_bytes(b.try_into().map_err(|_| DecodeError("short float"))?))
    }

    pub fn opt_f64(&mut self) -> DResult<Option<f64>> {
        Ok(if self.bool()? { Some(self.f64()?) } else { None })
    }

    pub fn string(&mut self) -> DResult<String> {
        let n = self.len(1)?;
        let b = self.take(n)?;
        std::str::from_utf8(b).map(str::to_string).map_err(|_| DecodeError("string is not UTF-8"))
    }

    pub fn f64s(&mut self) -> DResult<Vec<f64>> {
        let n = self.len(8)?;
        (0..n).map(|_| self.f64()).collect()
    }

    pub fn opt_f64s(&mut self) -> DResult<Option<Vec<f64>>> {
        Ok(if self.bool()? { Some(self.f64s()?) } else { None })
    }

    pub fn map(&mut self) -> DResult<BTreeMap<String, String>> {
        let n = self.len(2)?;
        let mut m = BTreeMap::new();
        for _ in 0..n {
            let k = self.string()?;
            m.insert(k, self.string()?);
        }
        Ok(m)
    }

    pub fn choice(&mut self) -> DResult<Choice> {
        Ok(match self.u8()? {
            0 => Choice::None,
            1 => Choice::Bool(self.bool()?),
            2 => Choice::Int(self.ivar()?),
            3 => Choice::Float(self.f64()?),
            4 => Choice::Str(self.string()?),
            _ => return Err(DecodeError("unknown choice type")),
        })
    }

    /// A distribution; only well-formed ones are accepted, so replay never stores a broken one.
    pub fn dist(&mut self) -> DResult<Distribution> {
        let d = match self.u8()? {
            0 => Distribution::Float { low: self.f64()?, high: self.f64()?, log: self.bool()?, step: self.opt_f64()? },
            1 => Distribution::Int { low: self.ivar()?, high: self.ivar()?, log: self.bool()?, step: self.ivar()? },
            2 => {
                let n = self.len(1)?;
                Distribution::Categorical { choices: (0..n).map(|_| self.choice()).collect::<DResult<_>>()? }
            }
            _ => return Err(DecodeError("unknown distribution type")),
        };
        d.validate("").map_err(|_| DecodeError("invalid distribution"))?;
        Ok(d)
    }

    pub fn state(&mut self) -> DResult<TrialState> {
        TrialState::from_code(self.u8()?).ok_or(DecodeError("unknown trial state"))
    }

    pub fn directions(&mut self) -> DResult<Vec<StudyDirection>> {
        let n = self.len(1)?;
        (0..n).map(|_| StudyDirection::from_code(self.u8()?).ok_or(DecodeError("unknown direction"))).collect()
    }
}
