//! Tests on real database files: two handles on one file stand for two processes (each has its
//! own connection), and a forked child opens its own.

use std::sync::atomic::Ordering;
use std::time::Duration;

use rusqlite::Connection;

use super::*;
use crate::history::{StudyDirection, TrialState};
use crate::storage::test_support::{
    claim_first_waiting, delete_then_work_without_rebuilds, dir, dump, float, is_param, new_trial, race_workers_against_stale_sweeper,
    study, wait_until,
};
use crate::storage::{read_with, AttrKind, Claim, Storage, TrialTemplate};

/// A deadline for an event another handle must see; generous, so a loaded machine cannot fail it.
const WAIT: Duration = Duration::from_secs(60);

fn open(p: &Path) -> SqliteStorage {
    SqliteStorage::open(p, false).unwrap()
}

/// A storage whose deferred records wait for a later write (the flusher's deadline is long).
fn open_patient(p: &Path) -> SqliteStorage {
    let url = SqliteUrl { path: p.to_path_buf(), fsync: false, timeout: SQLITE_TIMEOUT };
    SqliteStorage::open_with(url, Duration::from_secs(600)).unwrap()
}

/// The records in the database, decoded, in log order.
fn log_ops(p: &Path) -> Vec<Op> {
    let c = Connection::open(p).unwrap();
    let mut st = c.prepare("SELECT body FROM ferrotune_log ORDER BY seq").unwrap();
    let rows = st.query_map([], |r| r.get::<_, Vec<u8>>(0)).unwrap();
    rows.map(|b| Op::decode(&b.unwrap()).unwrap()).collect()
}

fn waiting(s: &SqliteStorage) -> usize {
    s.inner.replica.read().unwrap().deferred.len()
}

fn row_reads(s: &SqliteStorage) -> u64 {
    s.inner.row_reads.load(Ordering::Relaxed)
}

#[test]
fn persists_and_replays_across_handles() {
    let d = dir();
    let p = d.path().join("s.db");
    let a = open(&p);
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
    let b = open(&p);
    assert_eq!(dump(&a), dump(&b));
    // A write through b is seen by a's next read, without waiting.
    let t2 = new_trial(&b, b.study_id("s").unwrap());
    b.set_trial_state_values(t2.trial_id, TrialState::Pruned, None).unwrap();
    assert_eq!(a.study_info(id).unwrap().n_trials, 2);
    assert_eq!(dump(&a), dump(&b));
    drop((a, b));
    let c = open(&p);
    assert_eq!(c.studies().len(), 1);
    let version: String =
        Connection::open(&p).unwrap().query_row("SELECT value FROM ferrotune_meta WHERE key = 'schema_version'", [], |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION.to_string());
    let mode: String = Connection::open(&p).unwrap().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn reading_an_unchanged_log_reads_no_rows() {
    let d = dir();
    let p = d.path().join("r.db");
    let a = open(&p);
    let id = study(&a, "s");
    let t = new_trial(&a, id);
    a.set_trial_state_values(t.trial_id, TrialState::Complete, Some(&[1.0])).unwrap();
    let before = row_reads(&a);
    assert!(a.inner.wal.is_some(), "the wal-index header was not found");
    let heads = a.inner.head_reads.load(Ordering::Relaxed);
    for _ in 0..50 {
        assert_eq!(read_with(&a, id, |h| h.n_complete()).unwrap(), 1);
        a.study_info(id).unwrap();
    }
    assert_eq!(row_reads(&a), before, "an unchanged log was read again");
    assert_eq!(a.inner.head_reads.load(Ordering::Relaxed), heads, "reads of an unchanged log queried it");
    let b = open(&p);
    let t2 = new_trial(&b, b.study_id("s").unwrap());
    b.set_trial_state_values(t2.trial_id, TrialState::Complete, Some(&[2.0])).unwrap();
    assert_eq!(read_with(&a, id, |h| h.n_complete()).unwrap(), 2);
    assert_eq!(row_reads(&a), before + 1, "the new rows are read once");
    a.study_info(id).unwrap();
    assert_eq!(row_reads(&a), before + 1);
}

#[test]
fn every_read_sees_every_commit_that_returned_before_it() {
    let d = dir();
    let p = d.path().join("seen.db");
    let a = open(&p);
    study(&a, "s");
    let committed = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|sc| {
        for _ in 0..4 {
            let (p, committed) = (&p, &committed);
            sc.spawn(move || {
                let s = open(p);
                let sid = s.study_id("s").unwrap();
                for _ in 0..60 {
                    let before = committed.load(Ordering::SeqCst);
                    let seen = s.study_info(sid).unwrap().n_trials;
                    assert!(seen >= before, "a read saw {seen} trials after {before} were committed");
                    let t = new_trial(&s, sid);
                    committed.fetch_add(1, Ordering::SeqCst);
                    s.set_trial_state_values(t.trial_id, TrialState::Complete, Some(&[1.0])).unwrap();
                }
            });
        }
    });
    // Handles taking turns see each other's writes at once.
    let b = open(&p);
    let (ia, ib) = (a.study_id("s").unwrap(), b.study_id("s").unwrap());
    for i in 0..20 {
        new_trial(&a, ia);
        assert_eq!(b.study_info(ib).unwrap().n_trials, 240 + 2 * i + 1);
        new_trial(&b, ib);
        assert_eq!(a.study_info(ia).unwrap().n_trials, 240 + 2 * i + 2);
    }
}

#[test]
fn concurrent_handles_claim_each_waiting_trial_once() {
    let d = dir();
    let p = d.path().join("c.db");
    let a = open(&p);
    let id = study(&a, "s");
    for _ in 0..40 {
        a.create_trial(id, &mut |_| Ok(Claim::New(TrialTemplate { state: TrialState::Waiting, ..Default::default() }))).unwrap();
    }
    let claimed = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|sc| {
        for _ in 0..4 {
            sc.spawn(|| {
                let s = open(&p);
                let sid = s.study_id("s").unwrap();
                while let Some(t) = claim_first_waiting(&s, sid) {
                    s.set_trial_state_values(t.trial_id, TrialState::Complete, Some(&[1.0])).unwrap();
                    claimed.lock().unwrap().push(t.number);
                }
            });
        }
    });
    let mut c = claimed.into_inner().unwrap();
    c.sort();
    assert_eq!(c, (0..40).collect::<Vec<_>>());
    assert_eq!(read_with(&a, id, |h| h.n_complete()).unwrap(), 40);
}

#[test]
fn concurrent_writers_number_every_trial_once() {
    let d = dir();
    let p = d.path().join("n.db");
    let a = open(&p);
    study(&a, "s");
    std::thread::scope(|sc| {
        for w in 0..4 {
            let p = &p;
            sc.spawn(move || {
                let s = open(p);
                let sid = s.study_id("s").unwrap();
                for i in 0..50 {
                    let t = new_trial(&s, sid);
                    s.set_trial_param(t.trial_id, "x", (w * 50 + i) as f64 / 1000.0, &float()).unwrap();
                    s.set_trial_state_values(t.trial_id, TrialState::Complete, Some(&[1.0])).unwrap();
                }
            });
        }
    });
    let fresh = open(&p);
    let (ids, xs) = read_with(&fresh, fresh.study_id("s").unwrap(), |h| {
        let mut xs: Vec<u64> = (0..h.n_trials()).map(|r| (h.param(r, "x").unwrap().0 * 1000.0).round() as u64).collect();
        xs.sort();
        (h.meta.iter().map(|m| m.trial_id).collect::<std::collections::BTreeSet<_>>(), xs)
    })
    .unwrap();
    // Every trial once (numbers are rows: 0..200), each with its own id.
    assert_eq!(xs, (0..200).collect::<Vec<_>>());
    assert_eq!(ids.len(), 200);
    assert_eq!(dump(&a), dump(&fresh));
}

#[test]
fn heartbeats_replay_and_stale_trials_fail_once() {
    let d = dir();
    let p = d.path().join("h.db");
    let a = open(&p);
    let id = study(&a, "s");
    let beating = new_trial(&a, id);
    a.record_heartbeat(beating.trial_id).unwrap();
    assert!(a.last_heartbeat(beating.trial_id).unwrap().is_some());
    assert_eq!(dump(&a), dump(&open(&p)));
    let b = open(&p);
    wait_until("the heartbeat to be older than 10 ms", WAIT, || !a.stale_trials(id, 0.01).unwrap().is_empty());
    let failed = std::thread::scope(|sc| {
        let ha = sc.spawn(|| a.fail_stale_trials(id, 0.01).unwrap());
        let hb = sc.spawn(|| b.fail_stale_trials(b.study_id("s").unwrap(), 0.01).unwrap());
        let mut v = ha.join().unwrap();
        v.extend(hb.join().unwrap());
        v
    });
    assert_eq!(failed, vec![beating.trial_id]);
    assert!(a.record_heartbeat(beating.trial_id).is_err());
    assert_eq!(dump(&a), dump(&open(&p)));
}

#[test]
fn writers_whose_trials_are_failed_as_stale_replay_exactly() {
    let d = dir();
    let p = d.path().join("race.db");
    race_workers_against_stale_sweeper(|| open(&p));
}

#[test]
fn a_deleted_study_costs_no_rebuild_of_later_calls() {
    let d = dir();
    let a = open(&d.path().join("del.db"));
    delete_then_work_without_rebuilds(&a, &|| a.inner.replica.read().unwrap().rebuilds);
}

#[test]
fn parameters_of_known_columns_ride_on_the_next_write() {
    let d = dir();
    let p = d.path().join("ride.db");
    let a = open_patient(&p);
    let id = study(&a, "s");
    let t0 = new_trial(&a, id);
    a.set_trial_param(t0.trial_id, "x", 0.5, &float()).unwrap();
    a.set_trial_state_values(t0.trial_id, TrialState::Complete, Some(&[1.0])).unwrap();
    let n = log_ops(&p).len();
    let t1 = new_trial(&a, id);
    a.set_trial_param(t1.trial_id, "x", 0.75, &float()).unwrap();
    assert_eq!(log_ops(&p).len(), n + 1, "the parameter waits");
    assert_eq!(waiting(&a), 1);
    assert_eq!(read_with(&a, id, |h| h.param(t1.number, "x").map(|p| p.0)).unwrap(), Some(0.75));
    // The result carries it, before the result.
    a.set_trial_state_values(t1.trial_id, TrialState::Complete, Some(&[2.0])).unwrap();
    let ops = log_ops(&p);
    assert_eq!(ops.len(), n + 3);
    assert!(is_param(&ops[n + 1], t1.trial_id) && matches!(ops[n + 2], Op::SetState { .. }));
    assert_eq!(waiting(&a), 0);
    // Dropping the storage writes what waits.
    let t2 = new_trial(&a, id);
    a.set_trial_param(t2.trial_id, "x", 0.125, &float()).unwrap();
    assert_eq!(waiting(&a), 1);
    let live = dump(&a);
    drop(a);
    assert_eq!(live, dump(&open(&p)));
}

#[test]
fn waiting_parameters_reach_the_database_without_another_write() {
    let d = dir();
    let p = d.path().join("flush.db");
    let a = open(&p);
    let id = study(&a, "s");
    let t0 = new_trial(&a, id);
    a.set_trial_param(t0.trial_id, "x", 0.5, &float()).unwrap();
    let t1 = new_trial(&a, id);
    a.set_trial_param(t1.trial_id, "x", 0.25, &float()).unwrap();
    let b = open(&p);
    let bid = b.study_id("s").unwrap();
    wait_until("the parameter reaches b", WAIT, || read_with(&b, bid, |h| h.param(t1.number, "x").map(|p| p.0)).unwrap() == Some(0.25));
    assert_eq!(waiting(&a), 0);
    assert_eq!(dump(&a), dump(&b));
}

#[test]
fn a_newer_schema_is_refused() {
    let d = dir();
    let p = d.path().join("new.db");
    drop(open(&p));
    Connection::open(&p).unwrap().execute("UPDATE ferrotune_meta SET value = '99' WHERE key = 'schema_version'", []).unwrap();
    let e = SqliteStorage::open(&p, false).err().unwrap().to_string();
    assert!(e.contains("schema version 99") && e.contains("upgrade ferrotune"), "{e}");
}

/// An Optuna database as Optuna's RDBStorage lays it out (the tables that matter here).
fn optuna_database(p: &Path) {
    let c = Connection::open(p).unwrap();
    c.execute_batch(
        "CREATE TABLE studies (study_id INTEGER PRIMARY KEY, study_name VARCHAR(512) NOT NULL UNIQUE);
         CREATE TABLE trials (trial_id INTEGER PRIMARY KEY, number INTEGER, study_id INTEGER, state VARCHAR(8));
         CREATE TABLE version_info (version_info_id INTEGER PRIMARY KEY, schema_version INTEGER, library_version VARCHAR(256));
         CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);
         INSERT INTO studies VALUES (1, 'optuna-study');
         INSERT INTO trials VALUES (1, 0, 1, 'COMPLETE');",
    )
    .unwrap();
}

#[test]
fn an_optuna_database_is_refused_and_left_as_it_is() {
    let d = dir();
    let p = d.path().join("optuna.db");
    optuna_database(&p);
    let bytes = std::fs::read(&p).unwrap();
    let files = || std::fs::read_dir(d.path()).unwrap().map(|e| e.unwrap().file_name()).collect::<Vec<_>>();
    let before = files();
    let e = SqliteStorage::open(&p, false).err().unwrap();
    assert!(matches!(e, Error::InvalidValue(_)), "{e}");
    assert!(e.to_string().contains("Optuna database"), "{e}");
    assert_eq!(std::fs::read(&p).unwrap(), bytes);
    assert_eq!(files(), before, "no -wal or -shm file was made");
}

#[test]
fn other_files_and_places_are_refused_clearly() {
    let d = dir();
    let journal = d.path().join("study.log");
    drop(crate::storage::JournalStorage::open(&journal, false).unwrap());
    let e = SqliteStorage::open(&journal, false).err().unwrap().to_string();
    assert!(e.contains("not a SQLite database") || e.contains("not a database"), "{e}");
    let e = SqliteStorage::open(d.path().join("no/such/dir/x.db"), false).err().unwrap().to_string();
    assert!(e.contains("does its directory exist"), "{e}");
    let e = SqliteStorage::open_url("sqlite:///:memory:").err().unwrap().to_string();
    assert!(e.contains("in memory"), "{e}");
}

#[test]
fn urls_name_the_file() {
    let d = dir();
    let p = d.path().join("u.db");
    let s = SqliteStorage::open_url(&format!("sqlite:///{}?synchronous=full&timeout=5", p.display())).unwrap();
    assert_eq!(s.path(), p);
    let sync = |s: &SqliteStorage| s.inner.db.lock().unwrap().conn.query_row("PRAGMA synchronous", [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(sync(&s), 2, "synchronous=full waits for the disk on every commit");
    assert_eq!(sync(&open(&p)), 1, "the default is NORMAL");
    study(&s, "s");
    assert_eq!(open(&p).studies().len(), 1);
}

#[cfg(unix)]
#[test]
fn a_forked_child_opens_its_own_connection() {
    let d = dir();
    let p = d.path().join("fork.db");
    let a = open_patient(&p);
    let id = study(&a, "s");
    let t0 = new_trial(&a, id);
    a.set_trial_param(t0.trial_id, "x", 0.5, &float()).unwrap();
    let t1 = new_trial(&a, id);
    // Waits in the parent when the child is forked: the parent writes it, not the child.
    a.set_trial_param(t1.trial_id, "x", 0.25, &float()).unwrap();
    assert_eq!(waiting(&a), 1);
    // SAFETY: the child only uses the storage (its own connection) and leaves with `_exit`.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let t = new_trial(&a, id);
            a.set_trial_state_values(t.trial_id, TrialState::Complete, Some(&[3.0])).is_ok() && waiting(&a) == 0
        }));
        unsafe { libc::_exit(if matches!(ok, Ok(true)) { 0 } else { 1 }) };
    }
    let mut status = 0;
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert_eq!(status, 0, "the child failed");
    a.set_trial_state_values(t1.trial_id, TrialState::Complete, Some(&[1.0])).unwrap();
    let fresh = open(&p);
    assert_eq!(dump(&a), dump(&fresh));
    let states = read_with(&fresh, fresh.study_id("s").unwrap(), |h| h.states.clone()).unwrap();
    assert_eq!(states, [TrialState::Running, TrialState::Complete, TrialState::Complete]);
    // The parameter reached the log once, from the parent.
    assert_eq!(log_ops(&p).iter().filter(|op| is_param(op, t1.trial_id)).count(), 1);
}

#[cfg(unix)]
#[test]
fn a_forked_child_keeps_writing_after_its_parent_closes_the_database() {
    let d = dir();
    let p = d.path().join("orphan.db");
    let (ready, closed) = (d.path().join("ready"), d.path().join("closed"));
    let a = open(&p);
    let id = study(&a, "s");
    // SAFETY: the child only uses the storage and the file system, and leaves with `_exit`.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            new_trial(&a, id);
            std::fs::write(&ready, "").unwrap();
            wait_until("the parent to close the database", WAIT, || closed.exists());
            for _ in 0..10 {
                let t = new_trial(&a, id);
                a.set_trial_state_values(t.trial_id, TrialState::Complete, Some(&[1.0])).unwrap();
            }
        }));
        unsafe { libc::_exit(if ok.is_ok() { 0 } else { 1 }) };
    }
    wait_until("the child to write", WAIT, || ready.exists());
    // The parent's last connection closes while the child still uses the database.
    drop(a);
    std::fs::write(&closed, "").unwrap();
    let mut status = 0;
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert_eq!(status, 0, "the child failed");
    let fresh = open(&p);
    assert_eq!(fresh.study_info(fresh.study_id("s").unwrap()).unwrap().n_trials, 11, "the child's trials were lost");
}

#[cfg(unix)]
#[test]
fn a_forked_child_opening_the_database_after_its_parent_closed_it_keeps_its_trials() {
    let d = dir();
    let p = d.path().join("late.db");
    let closed = d.path().join("closed");
    let a = open(&p);
    study(&a, "s");
    // SAFETY: as above.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            wait_until("the parent to close the database", WAIT, || closed.exists());
            // A storage of its own, as a pickled one is opened again.
            let b = open(&p);
            let id = b.study_id("s").unwrap();
            for _ in 0..5 {
                let t = new_trial(&b, id);
                b.set_trial_state_values(t.trial_id, TrialState::Complete, Some(&[1.0])).unwrap();
            }
            std::mem::forget(b);
        }));
        unsafe { libc::_exit(if ok.is_ok() { 0 } else { 1 }) };
    }
    drop(a);
    std::fs::write(&closed, "").unwrap();
    let mut status = 0;
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert_eq!(status, 0, "the child failed");
    let fresh = open(&p);
    assert_eq!(fresh.study_info(fresh.study_id("s").unwrap()).unwrap().n_trials, 5, "the child's trials were lost");
}

/// The pages in the write-ahead log now, from the storage's view of the wal-index header.
fn log_pages_now(s: &SqliteStorage) -> u32 {
    db::log_pages(&s.inner.mark().expect("the wal-index header is mapped"))
}

#[test]
fn the_log_is_checkpointed_past_its_threshold_and_starts_over() {
    let d = dir();
    let p = d.path().join("ck.db");
    let a = open(&p);
    let auto = a.inner.db.lock().unwrap().conn.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(auto, db::WAL_PAGES);
    let id = study(&a, "s");
    let limit = db::WAL_PAGES as u32;
    // Write until the log has passed the threshold and started over; it never grows far past it.
    let (mut longest, mut restarted, mut n) = (0, false, 0);
    while !restarted {
        let t = new_trial(&a, id);
        a.set_trial_state_values(t.trial_id, TrialState::Complete, Some(&[n as f64])).unwrap();
        let now = log_pages_now(&a);
        restarted = longest > limit && now < limit / 2;
        longest = longest.max(now);
        n += 1;
        assert!(n < 20 * limit, "the log never started over ({longest} pages at most)");
    }
    assert!(longest < limit + 16, "the log grew to {longest} pages, past the threshold of {limit}");
    let n_trials = a.study_info(id).unwrap().n_trials;
    drop(a);
    let b = open(&p);
    assert_eq!(b.study_info(b.study_id("s").unwrap()).unwrap().n_trials, n_trials, "a trial was lost");
}

#[test]
fn new_files_get_small_pages_and_older_files_keep_theirs() {
    let d = dir();
    let p = d.path().join("pages.db");
    let a = open(&p);
    study(&a, "s");
    let size = |p: &Path| Connection::open(p).unwrap().query_row("PRAGMA page_size", [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(size(&p), schema::PAGE_SIZE);
    // A file made with 4 KiB pages (as before) is read and written as it is.
    let q = d.path().join("old.db");
    {
        let c = Connection::open(&q).unwrap();
        c.pragma_update(None, "page_size", 4096).unwrap();
        c.pragma_update(None, "journal_mode", "WAL").unwrap();
    }
    let b = open(&q);
    let id = study(&b, "s");
    let t = new_trial(&b, id);
    b.set_trial_state_values(t.trial_id, TrialState::Complete, Some(&[1.0])).unwrap();
    drop(b);
    assert_eq!(size(&q), 4096);
    let c = open(&q);
    assert_eq!(c.study_info(c.study_id("s").unwrap()).unwrap().n_trials, 1);
}

#[test]
fn a_writer_waits_for_another_process_lock_then_commits_or_times_out() {
    let d = dir();
    let p = d.path().join("busy.db");
    let a = open(&p);
    let id = study(&a, "s");
    // Another "process" holds the write lock until told to let go.
    let (go, release) = std::sync::mpsc::channel::<()>();
    let (held, is_held) = std::sync::mpsc::channel::<()>();
    let holder = {
        let p = p.clone();
        std::thread::spawn(move || {
            let c = Connection::open(&p).unwrap();
            c.execute_batch("BEGIN IMMEDIATE").unwrap();
            held.send(()).unwrap();
            release.recv().unwrap();
            c.execute_batch("COMMIT").unwrap();
        })
    };
    is_held.recv().unwrap();
    let writer = {
        let a = &a;
        std::thread::scope(|sc| {
            let before = busy::WAITS.load(Ordering::Relaxed);
            let w = sc.spawn(move || new_trial(a, id));
            // Once the writer waits on the lock (it cannot have committed), let the holder go.
            wait_until("the writer waits for the lock", WAIT, || busy::WAITS.load(Ordering::Relaxed) > before);
            go.send(()).unwrap();
            w.join().unwrap()
        })
    };
    holder.join().unwrap();
    assert_eq!(writer.number, 0);
    // With the lock held past the timeout, the write fails and says why.
    let url = SqliteUrl { path: p.clone(), fsync: false, timeout: Duration::from_millis(100) };
    let short = SqliteStorage::open_with(url, flusher::DEADLINE).unwrap();
    let id = short.study_id("s").unwrap();
    let c = Connection::open(&p).unwrap();
    c.execute_batch("BEGIN IMMEDIATE").unwrap();
    let e = short.create_trial(id, &mut |_| Ok(Claim::New(TrialTemplate::default()))).err().unwrap().to_string();
    assert!(e.contains("longer than the timeout"), "{e}");
    c.execute_batch("COMMIT").unwrap();
    assert_eq!(new_trial(&short, id).number, 1, "the failed write left nothing behind");
}

#[test]
fn writers_queue_at_the_turnstile_and_still_number_every_trial_once() {
    let d = dir();
    let p = d.path().join("turn.db");
    let a = open(&p);
    assert!(a.inner.db.lock().unwrap().turnstile.is_some(), "the write-ahead log could not be opened as the turnstile");
    let id = study(&a, "s");
    // A writer holding the turnstile holds up the others until it lets go, with no error.
    let held = a.inner.db.lock().unwrap();
    let pass = held.turnstile.as_ref().unwrap().pass().expect("flock works here");
    std::thread::scope(|sc| {
        let w = sc.spawn(|| {
            let b = open(&p);
            let t = new_trial(&b, b.study_id("s").unwrap());
            b.set_trial_state_values(t.trial_id, TrialState::Complete, Some(&[1.0])).unwrap();
            t.number
        });
        drop(pass);
        assert_eq!(w.join().unwrap(), 0);
    });
    drop(held);
    assert_eq!(read_with(&a, id, |h| h.n_complete()).unwrap(), 1);
}
