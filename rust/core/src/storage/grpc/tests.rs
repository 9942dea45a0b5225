//! The proxy over real backends: a server in this process, clients standing for workers.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::error::Error;
use crate::history::{StudyDirection, TrialState};
use crate::storage::test_support::{
    dir, dump, float, new_trial, race_workers_against_stale_sweeper_counting, study, waiting_and_locked_choices_go_to_one_worker,
};
use crate::storage::{AttrKind, JournalStorage, SqliteStorage, Storage};

const WAIT: Duration = Duration::from_secs(60);

fn serve(storage: Arc<dyn Storage>) -> ProxyServer {
    ProxyServer::start(storage, "127.0.0.1", 0).unwrap()
}

fn client(server: &ProxyServer) -> GrpcProxyStorage {
    let c = GrpcProxyStorage::connect("127.0.0.1", server.addr().port(), Some(WAIT)).unwrap();
    c.wait_ready(WAIT).unwrap();
    c
}

#[test]
fn a_client_sees_and_writes_what_the_backend_holds() {
    let d = dir();
    let p = d.path().join("s.db");
    let direct = SqliteStorage::open(&p, false).unwrap();
    let id = study(&direct, "before");
    new_trial(&direct, id);
    let server = serve(Arc::new(SqliteStorage::open(&p, false).unwrap()));
    let c = client(&server);
    assert!(c.wait_ready(WAIT).unwrap().starts_with("SQLite storage"));
    // What was there before the server started.
    let cid = c.study_id("before").unwrap();
    assert_eq!(c.study_info(cid).unwrap().n_trials, 1);
    // Every kind of write, through the proxy.
    let s = c.create_study("s", &[StudyDirection::Maximize]).unwrap();
    c.set_study_attr(s, AttrKind::User, "k", "\"v\"").unwrap();
    let t = new_trial(&c, s);
    c.set_trial_param(t.trial_id, "x", 0.25, &float()).unwrap();
    assert!(c.set_trial_intermediate_value(t.trial_id, 3, 1.5).unwrap());
    assert!(!c.set_trial_intermediate_value(t.trial_id, 3, 9.0).unwrap());
    c.set_trial_attr(t.trial_id, AttrKind::System, "a", "1").unwrap();
    c.record_heartbeat(t.trial_id).unwrap();
    c.set_trial_state_values(t.trial_id, TrialState::Complete, Some(&[0.5])).unwrap();
    // Errors keep their kind across the wire.
    assert!(matches!(c.set_trial_state_values(t.trial_id, TrialState::Complete, Some(&[0.5])), Err(Error::UpdateFinishedTrial(_))));
    assert!(matches!(c.create_study("s", &[StudyDirection::Minimize]), Err(Error::DuplicatedStudy(_))));
    assert!(matches!(c.study_id("nope"), Err(Error::StudyNotFound(_))));
    // The database holds it all, as a direct handle and a fresh client read it.
    direct.set_study_attr(direct.study_id("s").unwrap(), AttrKind::User, "sync", "1").unwrap();
    c.set_study_attr(s, AttrKind::User, "sync", "1").unwrap();
    assert_eq!(dump(&c), dump(&direct));
    assert_eq!(dump(&client(&server)), dump(&direct));
}

#[test]
fn workers_through_one_proxy_lose_nothing_against_a_stale_sweeper() {
    for backend in ["sqlite", "journal"] {
        let d = dir();
        let storage: Arc<dyn Storage> = match backend {
            "sqlite" => Arc::new(SqliteStorage::open(d.path().join("s.db"), false).unwrap()),
            _ => Arc::new(JournalStorage::open(d.path().join("s.log"), false).unwrap()),
        };
        let server = serve(storage);
        // Whether the sweeper landed a sweep depends on timing here (see the helper); what is
        // checked is that every client ends with the server's state. Failing stale trials
        // through the proxy is checked below.
        race_workers_against_stale_sweeper_counting(|| client(&server));
    }
}

#[test]
fn a_stale_trial_is_failed_once_by_sweepers_racing_through_the_proxy() {
    let d = dir();
    let server = serve(Arc::new(SqliteStorage::open(d.path().join("s.db"), false).unwrap()));
    let a = client(&server);
    let id = study(&a, "s");
    let t = new_trial(&a, id);
    a.record_heartbeat(t.trial_id).unwrap();
    let live = new_trial(&a, id);
    let sweepers: Vec<_> = (0..4).map(|_| client(&server)).collect();
    // Wait until the first trial's heartbeat is older than the grace (the second has none).
    crate::storage::test_support::wait_until("the heartbeat to age", WAIT, || a.stale_trials(id, 0.05).unwrap() == vec![t.trial_id]);
    let failed: Vec<u64> = std::thread::scope(|sc| {
        let hs: Vec<_> = sweepers.iter().map(|s| sc.spawn(move || s.fail_stale_trials(s.study_id("s").unwrap(), 0.05).unwrap())).collect();
        hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(failed, vec![t.trial_id], "exactly one sweeper fails the stale trial");
    crate::storage::test_support::wait_until("the state to reach the client", WAIT, || a.stale_trials(id, 0.05).unwrap().is_empty());
    assert!(a.record_heartbeat(live.trial_id).is_ok(), "the trial with no heartbeat is left running");
}

#[test]
fn each_waiting_trial_and_each_locked_choice_goes_to_one_worker() {
    let d = dir();
    let server = serve(Arc::new(JournalStorage::open(d.path().join("s.log"), false).unwrap()));
    waiting_and_locked_choices_go_to_one_worker(|| client(&server));
}

#[test]
fn an_in_memory_storage_is_refused_and_a_dead_server_is_named() {
    let e = ProxyServer::start(Arc::new(crate::storage::InMemoryStorage::new()), "127.0.0.1", 0).err().unwrap();
    assert!(e.to_string().contains("in-memory"), "{e}");
    let d = dir();
    let mut server = serve(Arc::new(SqliteStorage::open(d.path().join("s.db"), false).unwrap()));
    let port = server.addr().port();
    server.stop();
    assert!(server.wait(WAIT).unwrap().is_ok());
    let c = GrpcProxyStorage::connect("127.0.0.1", port, Some(Duration::from_secs(5))).unwrap();
    let e = c.create_study("s", &[StudyDirection::Minimize]).unwrap_err();
    assert!(matches!(&e, Error::Storage(m) if m.contains(&format!("127.0.0.1:{port}"))), "{e}");
}
