//! Tests on a real Redis server, started for each test on a free port (`redis-server` must be
//! installed; without it the tests skip, unless FERROTUNE_REQUIRE_REDIS is set, as in CI).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::*;
use crate::history::{StudyDirection, TrialState};
use crate::storage::test_support::{
    dump, float, new_trial, race_workers_against_stale_sweeper, study, waiting_and_locked_choices_go_to_one_worker,
};
use crate::storage::{AttrKind, Storage};

struct Server {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn server() -> Option<Server> {
    if Command::new("redis-server").arg("--version").stdout(Stdio::null()).status().is_err() {
        assert!(std::env::var_os("FERROTUNE_REQUIRE_REDIS").is_none(), "redis-server is not installed");
        eprintln!("redis-server is not installed: skipped");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(dir.path())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("redis://127.0.0.1:{port}/0");
    let client = redis::Client::open(url.as_str()).unwrap();
    let start = Instant::now();
    loop {
        if let Ok(mut c) = client.get_connection() {
            if redis::cmd("PING").query::<String>(&mut c).is_ok() {
                break;
            }
        }
        assert!(start.elapsed() < Duration::from_secs(60), "redis-server did not start listening");
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(Server { child, url, _dir: dir })
}

fn open(s: &Server) -> RedisStorage {
    RedisStorage::open(&s.url, "").unwrap()
}

#[test]
fn persists_and_replays_across_handles() {
    let Some(srv) = server() else { return };
    let a = open(&srv);
    let id = study(&a, "s");
    a.set_study_attr(id, AttrKind::User, "k", "\"v\"").unwrap();
    let t = new_trial(&a, id);
    a.set_trial_param(t.trial_id, "x", 0.25, &float()).unwrap();
    assert!(a.set_trial_intermediate_value(t.trial_id, 3, 1.5).unwrap());
    assert!(!a.set_trial_intermediate_value(t.trial_id, 3, 9.0).unwrap());
    a.set_trial_attr(t.trial_id, AttrKind::System, "s", "1").unwrap();
    a.record_heartbeat(t.trial_id).unwrap();
    a.set_trial_state_values(t.trial_id, TrialState::Complete, Some(&[0.5])).unwrap();
    assert!(matches!(a.set_trial_state_values(t.trial_id, TrialState::Complete, Some(&[0.5])), Err(Error::UpdateFinishedTrial(_))));
    assert!(matches!(a.create_study("s", &[StudyDirection::Minimize]), Err(Error::DuplicatedStudy(_))));
    let b = open(&srv);
    assert_eq!(dump(&b), dump(&a));
    // A second prefix on the same server is another storage.
    let other = RedisStorage::open(&srv.url, "other:").unwrap();
    assert!(other.studies().is_empty());
    study(&other, "s");
    a.set_study_attr(id, AttrKind::User, "sync", "1").unwrap();
    assert_eq!(a.studies().len(), 1);
}

#[test]
fn workers_lose_nothing_against_a_stale_sweeper() {
    let Some(srv) = server() else { return };
    race_workers_against_stale_sweeper(|| open(&srv));
}

#[test]
fn each_waiting_trial_and_each_locked_choice_goes_to_one_worker() {
    let Some(srv) = server() else { return };
    waiting_and_locked_choices_go_to_one_worker(|| open(&srv));
}

#[test]
fn a_bad_url_and_a_missing_server_are_named_without_the_password() {
    let e = RedisStorage::open("redis://u:hunter2@127.0.0.1:1/0", "").err().unwrap();
    assert!(matches!(&e, Error::Storage(m) if m.contains("127.0.0.1:1") && !m.contains("hunter2")), "{e}");
    let e = RedisStorage::open("nonsense", "").err().unwrap();
    assert!(matches!(&e, Error::InvalidValue(_)), "{e}");
}
