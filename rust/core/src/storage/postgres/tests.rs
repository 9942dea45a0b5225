//! Tests against a real server: `FERROTUNE_TEST_POSTGRES_URL` names a database whose user may
//! create databases (scripts/postgres-test-server starts one); each test makes its own database.
//! Without it the tests say so and pass, unless `FERROTUNE_REQUIRE_POSTGRES=1` (CI).

use super::*;
use crate::history::{StudyDirection, TrialState};
use crate::space::Distribution;
use crate::storage::test_support::{
    claim_first_waiting, delete_then_work_without_rebuilds, dump, float, is_param, new_trial, race_workers_against_stale_sweeper, study,
    wait_until,
};
use crate::storage::{read_with, AttrKind, Storage, TrialTemplate};

/// How long a record may take to reach another instance in these tests.
/// A deadline for an event another connection must see; generous, so a loaded machine cannot fail it.
const WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// A fresh database on the test server, or `None` (with the reason printed) when there is none.
fn fresh_db(tag: &str) -> Option<String> {
    let Ok(base) = std::env::var("FERROTUNE_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("FERROTUNE_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "FERROTUNE_REQUIRE_POSTGRES=1 but FERROTUNE_TEST_POSTGRES_URL is not set"
        );
        eprintln!("skipping PostgreSQL test {tag}: set FERROTUNE_TEST_POSTGRES_URL (scripts/postgres-test-server start DIR prints one)");
        return None;
    };
    let name = format!(
        "ft_rust_{tag}_{}_{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    );
    let mut c = postgres::Client::connect(&base, postgres::NoTls).expect("FERROTUNE_TEST_POSTGRES_URL must name a reachable database");
    c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let (head, _) = base.rsplit_once('/').unwrap();
    Some(format!("{head}/{name}"))
}

fn raw(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap()
}

#[test]
fn persists_across_connections_and_creates_schema_once() {
    let Some(url) = fresh_db("persist") else { return };
    let a = PostgresStorage::open(&url).unwrap();
    let id = study(&a, "s");
    a.set_study_attr(id, AttrKind::User, "k", "\"v\"").unwrap();
    let t = new_trial(&a, id);
    a.set_trial_param(t.trial_id, "x", 0.25, &float()).unwrap();
    assert!(a.set_trial_intermediate_value(t.trial_id, 3, 1.5).unwrap());
    assert!(!a.set_trial_intermediate_value(t.trial_id, 3, 9.0).unwrap());
    a.set_trial_attr(t.trial_id, AttrKind::System, "s", "1").unwrap();
    a.set_trial_state_values(t.trial_id, TrialState::Complete, Some(&[0.5])).unwrap();
    assert!(matches!(a.set_trial_state_values(t.trial_id, TrialState::Complete, Some(&[0.5])), Err(Error::UpdateFinishedTrial(_))));
    assert!(matches!(a.create_study("s", &[StudyDirection::Minimize]), Err(Error::DuplicatedStudy(_))));
    let b = PostgresStorage::open(&url).unwrap();
    assert_eq!(dump(&a), dump(&b));
    // A write through b reaches a through its notification.
    let bid = b.study_id("s").unwrap();
    let t2 = new_trial(&b, bid);
    b.set_trial_state_values(t2.trial_id, TrialState::Pruned, None).unwrap();
    let mut n = 0;
    while a.study_info(id).unwrap().n_trials != 2 && n < 200 {
        std::thread::sleep(std::time::Duration::from_millis(5));
        n += 1;
    }
    assert_eq!(dump(&a), dump(&b));
    let version: String = raw(&url).query_one("SELECT value FROM ferrotune_meta WHERE key = 'schema_version'", &[]).unwrap().get(0);
    assert_eq!(version, SCHEMA_VERSION.to_string());
}

#[test]
fn stale_writer_catches_up_and_retries() {
    let Some(url) = fresh_db("stale") else { return };
    let a = PostgresStorage::open(&url).unwrap();
    let id = study(&a, "s");
    // A record appended without a notification: `a` cannot know of it until its append loses.
    let mut body = Vec::new();
    Op::NewTrial { study: 0, time: 1.0, template: crate::storage::log::record::Template(TrialTemplate::default()) }.encode(&mut body);
    raw(&url).execute("INSERT INTO ferrotune_log (seq, body) VALUES (2, $1)", &[&body]).unwrap();
    assert_eq!(a.inner.write_replica().state.history(id).unwrap().n_trials(), 0);
    let ta = new_trial(&a, id);
    assert_eq!(ta.number, 1);
    a.set_trial_param(0, "x", 0.5, &float()).unwrap();
    let b = PostgresStorage::open(&url).unwrap();
    assert_eq!(dump(&a), dump(&b));
    // The same through the optimistic path: a parameter of the unseen trial, then ours.
    let mut body = Vec::new();
    Op::SetParam { trial: 0, name: "y".into(), value: 0.25, dist: float() }.encode(&mut body);
    raw(&url).execute("INSERT INTO ferrotune_log (seq, body) VALUES (5, $1)", &[&body]).unwrap();
    // A new column: sent at once (a parameter of an existing column would wait, see below).
    a.set_trial_param(ta.trial_id, "w", 0.75, &float()).unwrap();
    assert_eq!(read_with(&a, id, |h| h.param(0, "y").map(|p| p.0)).unwrap(), Some(0.25));
    assert_eq!(dump(&a), dump(&PostgresStorage::open(&url).unwrap()));
    // An unseen record failed our trial: the change lands after it, fails, and every reader skips it.
    let mut body = Vec::new();
    Op::SetState { trial: ta.trial_id, state: TrialState::Fail, values: None, time: 2.0 }.encode(&mut body);
    raw(&url).execute("INSERT INTO ferrotune_log (seq, body) VALUES (7, $1)", &[&body]).unwrap();
    assert!(matches!(a.set_trial_param(ta.trial_id, "z", 0.5, &float()), Err(Error::UpdateFinishedTrial(_))));
    assert!(matches!(a.set_trial_state_values(ta.trial_id, TrialState::Complete, Some(&[1.0])), Err(Error::UpdateFinishedTrial(_))));
    assert_eq!(read_with(&a, id, |h| h.states[1]).unwrap(), TrialState::Fail);
    let n: i64 = raw(&url).query_one("SELECT count(*) FROM ferrotune_log", &[]).unwrap().get(0);
    assert_eq!(n, 8, "the rejected parameter is in the log; the rejected result was caught before writing");
    assert_eq!(dump(&a), dump(&PostgresStorage::open(&url).unwrap()));
}

#[test]
fn concurrent_connections_claim_each_waiting_trial_once() {
    let Some(url) = fresh_db("claims") else { return };
    let a = PostgresStorage::open(&url).unwrap();
    let id = study(&a, "s");
    let waiting: Vec<TrialTemplate> = (0..60).map(|_| TrialTemplate { state: TrialState::Waiting, ..Default::default() }).collect();
    assert_eq!(a.import_trials(id, waiting).unwrap().len(), 60);
    let claimed = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|sc| {
        for w in 0..4 {
            let (url, claimed) = (&url, &claimed);
            sc.spawn(move || {
                let s = PostgresStorage::open(url).unwrap();
                let sid = s.study_id("s").unwrap();
                while let Some(t) = claim_first_waiting(&s, sid) {
                    s.set_trial_param(t.trial_id, "w", f64::from(w) / 4.0, &float()).unwrap();
                    s.set_trial_state_values(t.trial_id, TrialState::Complete, Some(&[1.0])).unwrap();
                    claimed.lock().unwrap().push(t.number);
                }
            });
        }
    });
    let mut c = claimed.into_inner().unwrap();
    c.sort();
    assert_eq!(c, (0..60).collect::<Vec<_>>());
    assert_eq!(read_with(&a, id, |h| h.n_complete()).unwrap(), 60);
    assert_eq!(dump(&a), dump(&PostgresStorage::open(&url).unwrap()));
}

#[test]
fn stale_trials_fail_once_across_connections() {
    let Some(url) = fresh_db("hb") else { return };
    let a = PostgresStorage::open(&url).unwrap();
    let id = study(&a, "s");
    let t = new_trial(&a, id);
    a.record_heartbeat(t.trial_id).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let b = PostgresStorage::open(&url).unwrap();
    let failed = std::thread::scope(|sc| {
        let ha = sc.spawn(|| a.fail_stale_trials(id, 0.01).unwrap());
        let hb = sc.spawn(|| b.fail_stale_trials(b.study_id("s").unwrap(), 0.01).unwrap());
        let mut v = ha.join().unwrap();
        v.extend(hb.join().unwrap());
        v
    });
    assert_eq!(failed, vec![t.trial_id]);
    assert!(a.record_heartbeat(t.trial_id).is_err());
    assert_eq!(dump(&a), dump(&b));
}

#[test]
fn bad_rows_newer_schemas_and_bad_urls_fail_cleanly() {
    let Some(url) = fresh_db("bad") else { return };
    let a = PostgresStorage::open(&url).unwrap();
    let id = study(&a, "s");
    let mut c = raw(&url);
    c.execute("INSERT INTO ferrotune_log (seq, body) VALUES (2, '\\xff00'::bytea)", &[]).unwrap();
    let t = new_trial(&a, id);
    assert_eq!(t.number, 0);
    let w = a.take_warnings();
    assert!(w.iter().any(|m| m.contains("record 2")), "{w:?}");
    let b = PostgresStorage::open(&url).unwrap();
    assert_eq!(dump(&a), dump(&b));
    c.execute("UPDATE ferrotune_meta SET value = '99' WHERE key = 'schema_version'", &[]).unwrap();
    let e = PostgresStorage::open(&url).err().unwrap().to_string();
    assert!(e.contains("newer ferrotune"), "{e}");
    assert!(matches!(PostgresStorage::open("mysql://x@y/z"), Err(Error::InvalidValue(_))));
    assert!(matches!(PostgresStorage::open("postgresql://u@127.0.0.1:1"), Err(Error::InvalidValue(_))));
    let e = PostgresStorage::open("postgresql://u:secret@127.0.0.1:1/db").err().unwrap().to_string();
    assert!(e.contains("127.0.0.1:1/db") && !e.contains("secret"), "{e}");
}

/// The records in the log, decoded.
fn log_ops(url: &str) -> Vec<Op> {
    let rows = raw(url).query("SELECT body FROM ferrotune_log ORDER BY seq", &[]).unwrap();
    rows.iter().map(|r| Op::decode(r.get::<_, &[u8]>(0)).unwrap()).collect()
}

/// A storage whose deferred records wait for a later write (the flusher's deadline is long).
fn open_patient(url: &str) -> PostgresStorage {
    PostgresStorage::open_with(url, std::time::Duration::from_secs(600)).unwrap()
}

#[test]
fn parameters_of_known_columns_ride_on_the_next_write() {
    let Some(url) = fresh_db("ride") else { return };
    let a = open_patient(&url);
    let id = study(&a, "s");
    let t0 = new_trial(&a, id);
    // New columns are sent at once.
    a.set_trial_param(t0.trial_id, "x", 0.5, &float()).unwrap();
    a.set_trial_param(t0.trial_id, "y", 0.5, &float()).unwrap();
    a.set_trial_state_values(t0.trial_id, TrialState::Complete, Some(&[1.0])).unwrap();
    let n = log_ops(&url).len();
    let t1 = new_trial(&a, id);
    a.set_trial_param(t1.trial_id, "y", 0.25, &float()).unwrap();
    a.set_trial_param(t1.trial_id, "x", 0.75, &float()).unwrap();
    assert_eq!(log_ops(&url).len(), n + 1, "the parameters wait");
    assert_eq!(read_with(&a, id, |h| h.params_of(t1.number).iter().map(|p| p.1).collect::<Vec<_>>()).unwrap(), [0.25, 0.75]);
    // The next trial carries them, before it.
    let t2 = new_trial(&a, id);
    let ops = log_ops(&url);
    assert_eq!(ops.len(), n + 4);
    assert!(is_param(&ops[n + 1], t1.trial_id) && is_param(&ops[n + 2], t1.trial_id) && matches!(ops[n + 3], Op::NewTrial { .. }));
    // A new distribution of a known column is sent at once.
    let other = Distribution::Float { low: 0.0, high: 2.0, log: false, step: None };
    a.set_trial_param(t2.trial_id, "x", 1.5, &other).unwrap();
    assert_eq!(log_ops(&url).len(), n + 5);
    // The result carries the waiting parameter in its transaction, before it.
    a.set_trial_param(t1.trial_id, "z", 1.0, &float()).unwrap();
    a.set_trial_param(t2.trial_id, "y", 1.0, &float()).unwrap();
    a.set_trial_state_values(t2.trial_id, TrialState::Complete, Some(&[2.0])).unwrap();
    let ops = log_ops(&url);
    assert!(is_param(&ops[ops.len() - 2], t2.trial_id) && matches!(ops[ops.len() - 1], Op::SetState { .. }));
    assert_eq!(dump(&a), dump(&PostgresStorage::open(&url).unwrap()));
    // Dropping the storage sends what waits.
    let t3 = new_trial(&a, id);
    a.set_trial_param(t3.trial_id, "x", 0.5, &other).unwrap();
    a.set_trial_param(t3.trial_id, "y", 0.5, &float()).unwrap();
    let live = dump(&a);
    drop(a);
    assert_eq!(live, dump(&PostgresStorage::open(&url).unwrap()));
}

#[test]
fn waiting_parameters_reach_the_server_without_another_write() {
    let Some(url) = fresh_db("flush") else { return };
    let a = PostgresStorage::open(&url).unwrap();
    let id = study(&a, "s");
    let t0 = new_trial(&a, id);
    a.set_trial_param(t0.trial_id, "x", 0.5, &float()).unwrap();
    let t1 = new_trial(&a, id);
    a.set_trial_param(t1.trial_id, "x", 0.25, &float()).unwrap();
    let b = PostgresStorage::open(&url).unwrap();
    let bid = b.study_id("s").unwrap();
    wait_until("the parameter reaches b", WAIT, || read_with(&b, bid, |h| h.param(t1.number, "x").map(|p| p.0)).unwrap() == Some(0.25));
    assert!(a.inner.replica.read().unwrap().deferred.is_empty());
    // The flusher runs again for the next one.
    a.set_trial_param(t0.trial_id, "x", 0.125, &float()).unwrap();
    wait_until("the second parameter reaches b", WAIT, || {
        read_with(&b, bid, |h| h.param(t0.number, "x").map(|p| p.0)).unwrap() == Some(0.125)
    });
    assert_eq!(dump(&a), dump(&b));
}

/// Connection `a` defers a parameter of `t`; `b` changes `t` before `a` sends it.
fn deferred_then_changed_elsewhere(tag: &str, change: impl FnOnce(&PostgresStorage, u64)) -> Option<(String, PostgresStorage, u64)> {
    let url = fresh_db(tag)?;
    let a = open_patient(&url);
    let id = study(&a, "s");
    let t0 = new_trial(&a, id);
    a.set_trial_param(t0.trial_id, "x", 0.5, &float()).unwrap();
    a.set_trial_state_values(t0.trial_id, TrialState::Complete, Some(&[1.0])).unwrap();
    let t = new_trial(&a, id);
    a.record_heartbeat(t.trial_id).unwrap();
    a.set_trial_param(t.trial_id, "x", 0.25, &float()).unwrap();
    assert_eq!(a.inner.replica.read().unwrap().deferred.len(), 1);
    let b = PostgresStorage::open(&url).unwrap();
    change(&b, t.trial_id);
    Some((url, a, t.trial_id))
}

#[test]
fn a_trial_failed_elsewhere_drops_its_waiting_parameters_on_read() {
    let Some((url, a, t)) = deferred_then_changed_elsewhere("conflict_read", |b, t| {
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(b.fail_stale_trials(b.study_id("s").unwrap(), 0.01).unwrap(), vec![t]);
    }) else {
        return;
    };
    let id = a.study_id("s").unwrap();
    wait_until("a reads the failure", WAIT, || read_with(&a, id, |h| h.states[1]).unwrap() == TrialState::Fail);
    assert!(a.inner.replica.read().unwrap().deferred.is_empty(), "every reader would skip it");
    assert_eq!(dump(&a), dump(&PostgresStorage::open(&url).unwrap()));
    assert!(matches!(a.set_trial_param(t, "x", 0.5, &float()), Err(Error::UpdateFinishedTrial(_))));
    assert!(matches!(a.set_trial_state_values(t, TrialState::Complete, Some(&[1.0])), Err(Error::UpdateFinishedTrial(_))));
    assert_eq!(dump(&a), dump(&PostgresStorage::open(&url).unwrap()));
}

#[test]
fn a_trial_finished_elsewhere_fails_the_write_that_carries_its_parameters() {
    let Some((url, a, t)) = deferred_then_changed_elsewhere("conflict_push", |b, t| {
        b.set_trial_state_values(t, TrialState::Fail, None).unwrap();
    }) else {
        return;
    };
    assert!(matches!(a.set_trial_state_values(t, TrialState::Complete, Some(&[1.0])), Err(Error::UpdateFinishedTrial(_))));
    let ops = log_ops(&url);
    let n = ops.len();
    assert!(matches!(ops[n - 3], Op::SetState { state: TrialState::Fail, .. }));
    assert!(is_param(&ops[n - 2], t), "the parameter landed after the failure, where readers skip it");
    assert_eq!(dump(&a), dump(&PostgresStorage::open(&url).unwrap()));
    assert!(matches!(a.set_trial_param(t, "x", 0.5, &float()), Err(Error::UpdateFinishedTrial(_))));
}

#[test]
fn a_parameter_set_elsewhere_keeps_the_log_order() {
    // b sets another parameter of the same trial: the log has b's first, then a's.
    let Some((url, a, t)) = deferred_then_changed_elsewhere("conflict_order", |b, t| {
        b.set_trial_param(t, "y", 0.75, &float()).unwrap();
    }) else {
        return;
    };
    let id = a.study_id("s").unwrap();
    wait_until("a reads b's parameter", WAIT, || read_with(&a, id, |h| h.param(1, "y").is_some()).unwrap());
    assert_eq!(a.inner.replica.read().unwrap().deferred.len(), 1, "still valid: it waits, applied after the log");
    let names = read_with(&a, id, |h| h.params_of(1).iter().map(|p| p.0.to_string()).collect::<Vec<_>>()).unwrap();
    assert_eq!(names, ["y", "x"]);
    a.set_trial_state_values(t, TrialState::Complete, Some(&[1.0])).unwrap();
    assert_eq!(dump(&a), dump(&PostgresStorage::open(&url).unwrap()));
    // The same when b's record comes back with a's append.
    let t2 = new_trial(&a, id);
    a.set_trial_param(t2.trial_id, "x", 0.5, &float()).unwrap();
    let b = PostgresStorage::open(&url).unwrap();
    b.set_trial_param(t2.trial_id, "y", 0.5, &float()).unwrap();
    drop(b);
    a.set_trial_state_values(t2.trial_id, TrialState::Complete, Some(&[1.0])).unwrap();
    assert_eq!(dump(&a), dump(&PostgresStorage::open(&url).unwrap()));
}

#[test]
fn a_failed_background_send_is_retried_reported_and_surfaced() {
    let Some(url) = fresh_db("flush_fail") else { return };
    let a = PostgresStorage::open(&url).unwrap();
    let id = study(&a, "s");
    let t0 = new_trial(&a, id);
    a.set_trial_param(t0.trial_id, "x", 0.5, &float()).unwrap();
    let t1 = new_trial(&a, id);
    // The server refuses every further record.
    let n = log_ops(&url).len();
    raw(&url).batch_execute(&format!("ALTER TABLE ferrotune_log ADD CONSTRAINT full_up CHECK (seq <= {n})")).unwrap();
    a.set_trial_param(t1.trial_id, "x", 0.25, &float()).unwrap();
    let mut warnings = Vec::new();
    wait_until("a warning", WAIT, || {
        warnings.extend(a.take_warnings());
        !warnings.is_empty()
    });
    assert!(warnings[0].contains("could not be sent") && warnings[0].contains("full_up"), "{warnings:?}");
    // The next call tries itself, and says why it fails.
    let e = a.study_info(id).unwrap_err().to_string();
    assert!(e.contains("full_up"), "{e}");
    assert!(a.set_trial_param(t1.trial_id, "x", 0.75, &float()).unwrap_err().to_string().contains("full_up"));
    raw(&url).batch_execute("ALTER TABLE ferrotune_log DROP CONSTRAINT full_up").unwrap();
    a.set_trial_state_values(t1.trial_id, TrialState::Complete, Some(&[1.0])).unwrap();
    assert_eq!(read_with(&a, id, |h| h.param(t1.number, "x").map(|p| p.0)).unwrap(), Some(0.25));
    assert_eq!(dump(&a), dump(&PostgresStorage::open(&url).unwrap()));
}

#[test]
fn writers_whose_trials_are_failed_as_stale_replay_exactly() {
    // Workers defer parameters while another connection fails their trials as stale at random
    // moments: afterwards every connection's state is the log's.
    let Some(url) = fresh_db("stale_race") else { return };
    race_workers_against_stale_sweeper(|| PostgresStorage::open(&url).unwrap());
}

#[test]
fn a_deleted_study_costs_no_rebuild_of_later_calls() {
    let Some(url) = fresh_db("deleted") else { return };
    let a = PostgresStorage::open(&url).unwrap();
    let rebuilds = |s: &PostgresStorage| s.inner.replica.read().unwrap().rebuilds;
    delete_then_work_without_rebuilds(&a, &|| rebuilds(&a));
    let b = PostgresStorage::open(&url).unwrap();
    let before = rebuilds(&b);
    let id = b.study_id("kept").unwrap();
    new_trial(&b, id);
    new_trial(&a, a.study_id("kept").unwrap());
    wait_until("b sees a's trial", WAIT, || b.study_info(id).unwrap().n_trials == 26);
    assert_eq!(rebuilds(&b), before);
    // An undecodable record is reported once, however many calls read past it.
    raw(&url).execute("INSERT INTO ferrotune_log (seq, body) SELECT max(seq) + 1, '\\xff00'::bytea FROM ferrotune_log", &[]).unwrap();
    let mut warnings = Vec::new();
    for _ in 0..10 {
        for s in [&a, &b] {
            let t = new_trial(s, s.study_id("kept").unwrap());
            s.set_trial_state_values(t.trial_id, TrialState::Complete, Some(&[1.0])).unwrap();
            warnings.extend(s.take_warnings());
        }
    }
    assert_eq!(warnings.len(), 2, "{warnings:?}");
}

#[test]
fn an_unencoded_at_sign_stays_in_the_password() {
    // Port 1 refuses connections: the message names the host the URL was read to have.
    let e = PostgresStorage::open("postgresql://u:pa@s3cret@127.0.0.1:1/db").err().unwrap().to_string();
    assert!(e.contains("127.0.0.1:1/db") && !e.contains("s3cret") && !e.contains("pa@"), "{e}");
    let e = PostgresStorage::open("postgresql://u:p/a@s3cret@127.0.0.1:1/db").err().unwrap().to_string();
    assert!(e.contains("127.0.0.1:1/db") && !e.contains("s3cret"), "{e}");
    // The password reaches the server as written (conn.rs checks what the driver is given;
    // here a server that checks passwords lets a user whose password holds @ and / in).
    let Some(url) = fresh_db("at_sign") else { return };
    let mut c = raw(&url);
    c.batch_execute("DROP ROLE IF EXISTS ferrotune_at_sign; CREATE ROLE ferrotune_at_sign LOGIN PASSWORD 'p@ss/w:rd'").unwrap();
    let parts = crate::storage::url::split(&url).unwrap();
    let with_user = format!("{}://ferrotune_at_sign:p@ss/w:rd@{}", parts.scheme, parts.rest);
    match PostgresStorage::open(&with_user) {
        Ok(s) => drop(s),
        // The role may lack rights on the test database's schema: it connected all the same.
        Err(e) => assert!(!e.to_string().contains("password authentication failed") && !e.to_string().contains("p@ss"), "{e}"),
    }
}
