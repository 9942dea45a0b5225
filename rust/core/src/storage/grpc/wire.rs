//! The generated protocol (proto/log_proxy.proto) and ferrotune's errors carried across it:
//! each error travels as a status whose message starts with its kind, so the client raises the
//! same exception the server's storage did.

use crate::error::Error;

#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod pb {
    tonic::include_proto!("ferrotune.log_proxy.v1");
}

/// The protocol's version, checked by `Hello`.
pub const PROTOCOL: u32 = 1;

const KINDS: [&str; 8] = [
    "invalid_distribution",
    "invalid_value",
    "incompatible_param",
    "study_not_found",
    "duplicated_study",
    "trial_not_found",
    "update_finished_trial",
    "storage",
];

pub fn to_status(e: Error) -> tonic::Status {
    let kind = match &e {
        Error::InvalidDistribution(_) => 0,
        Error::InvalidValue(_) => 1,
        Error::IncompatibleParam(_) => 2,
        Error::StudyNotFound(_) => 3,
        Error::DuplicatedStudy(_) => 4,
        Error::TrialNotFound(_) => 5,
        Error::UpdateFinishedTrial(_) => 6,
        _ => 7,
    };
    tonic::Status::aborted(format!("{}:{e}", KINDS[kind]))
}

/// The error a status stands for; `target` names the server in transport failures.
pub fn from_status(s: &tonic::Status, target: &str) -> Error {
    if s.code() == tonic::Code::Aborted {
        if let Some((kind, msg)) = s.message().split_once(':') {
            let msg = msg.to_string();
            return match KINDS.iter().position(|k| *k == kind) {
                Some(0) => Error::InvalidDistribution(msg),
                Some(1) => Error::InvalidValue(msg),
                Some(2) => Error::IncompatibleParam(msg),
                Some(3) => Error::StudyNotFound(msg),
                Some(4) => Error::DuplicatedStudy(msg),
                Some(5) => Error::TrialNotFound(msg),
                Some(6) => Error::UpdateFinishedTrial(msg),
                _ => Error::Storage(msg),
            };
        }
    }
    let why = match s.code() {
        tonic::Code::Unavailable => format!("the server cannot be reached ({}); is run_grpc_proxy_server running there?", s.message()),
        tonic::Code::DeadlineExceeded => "the server did not answer in time".to_string(),
        _ => s.message().to_string(),
    };
    Error::Storage(format!("gRPC storage proxy {target}: {why}"))
}
