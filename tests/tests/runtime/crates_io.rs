//! The registry web app's 285 diesel migrations on PostgreSQL: all apply in one run, and a full
//! revert stops exactly at the two down files tests/corpus/README.md names as broken.

use std::path::Path;

use migrate_core::{Config, Dialect, MigrationSet};
use migrate_runtime::{Error, FailedState, Migrator, State, Version};
use migrate_tests::TestDb;
use sqlx::postgres::PgPoolOptions;

fn corpus_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/rust-lang__crates-io/migrations")
}

/// A new PostgreSQL database and the corpus's migrator; `None` when the server's URL is unset.
async fn corpus_on_a_new_database() -> Option<(TestDb, Migrator, sqlx::PgPool)> {
    let dir = corpus_dir();
    let db = TestDb::create(Dialect::Postgres).await?;
    let mut config = Config::default();
    config.dialect = Some(Dialect::Postgres);
    let set = MigrationSet::load(&dir, &config).expect("the corpus loads");
    let m = Migrator::from_set(&set, &config, &dir);
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect(&db.url)
        .await
        .expect("connect");
    Some((db, m, pool))
}

fn expect_failure(err: &Error, version: &str, file_end: &str, expected: FailedState) -> String {
    let Error::Migration(failure) = err else {
        panic!("expected a migration failure at {version}, got: {err}");
    };
    let (v, path, state, message) = (
        &failure.version,
        &failure.path,
        &failure.state,
        &failure.message,
    );
    assert_eq!(v, version, "{err}");
    assert!(path.ends_with(file_end), "{path}");
    assert_eq!(*state, expected, "{err}");
    message.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applies_all_and_reverts_until_the_broken_downs() {
    let Some((db, m, pool)) = corpus_on_a_new_database().await else {
        return;
    };

    let report = m.run(&pool).await.expect("all 285 apply");
    assert_eq!(report.applied.len(), 285);

    // Newest first: the first broken down is 2024-10-25-112826 (it drops a constraint where
    // its up created an index). It is `run_in_transaction = false`, so it is left dirty.
    let err = m.revert_all(&pool).await.expect_err("the revert stops");
    let message = expect_failure(
        &err,
        "20241025112826",
        "2024-10-25-112826_make-unique-version-unique/down.sql",
        FailedState::Dirty,
    );
    assert!(message.contains("does not exist"), "{message}");
    let status = m.status(&pool).await.expect("status");
    let position = status
        .iter()
        .position(|s| s.version == "20241025112826")
        .expect("listed");
    assert_eq!(status[position].state, State::Dirty);
    assert!(
        status[..position].iter().all(|s| s.state == State::Applied),
        "older ones intact"
    );
    assert!(
        status[position + 1..]
            .iter()
            .all(|s| s.state == State::Pending),
        "newer ones reverted"
    );

    // Repair it by hand as an operator would (drop the index its up created), mark it rolled
    // back, and go on.
    sqlx::raw_sql("DROP INDEX versions_crate_id_num_no_build_uindex")
        .execute(&pool)
        .await
        .expect("manual repair");
    let v = Version::parse("20241025112826").expect("version");
    m.resolve_rolled_back(&pool, &v).await.expect("resolve");

    // The second: 2024-04-12-144536 uses CONCURRENTLY inside a transaction.
    let err = m
        .revert_all(&pool)
        .await
        .expect_err("the revert stops again");
    let message = expect_failure(
        &err,
        "20240412144536",
        "2024-04-12-144536_remove-downloads-column/down.sql",
        FailedState::RolledBack,
    );
    assert!(message.contains("transaction block"), "{message}");
    let status = m.status(&pool).await.expect("status");
    let position = status
        .iter()
        .position(|s| s.version == "20240412144536")
        .expect("listed");
    assert!(
        status[..=position]
            .iter()
            .all(|s| s.state == State::Applied),
        "the failed one and older intact"
    );
    pool.close().await;
    db.drop().await;
}

/// Every migration whose down `verify` reports, each looked at by hand (docs/VERIFY.md says
/// what each down forgets): the snapshot is pinned by this list. Nine more have an empty or
/// comment-only down, and are listed as irreversible.
const NOT_ROUND_TRIPPING: &[&str] = &[
    "20140926130046",
    "20140930082104",
    "20170308191449",
    "20170315133901",
    "20170318181441",
    "20170322130523",
    "20170502181306",
    "20170923182408",
    "20170923210614",
    "20171016200404",
    "20180118172821",
    "20190322170700",
    "20190918233204",
    "20200214183929",
    "20200714113112",
    "20240412144536",
    "20240614084455",
    "20241025112826",
    "20250211163554",
    "20250716170846",
    "20260617105325.0",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_names_the_two_broken_downs_and_every_down_that_does_not_restore() {
    use migrate_runtime::{Outcome, VerifyOptions};
    let Some((db, m, pool)) = corpus_on_a_new_database().await else {
        return;
    };
    let report = m.verify_beside(&pool, &VerifyOptions::default()).await;
    let report = report.expect("verify runs to the end");
    assert_eq!(report.migrations.len(), 285);
    let cause = |version: &str| match &report
        .migrations
        .iter()
        .find(|m| m.version == version)
        .expect("the migration is in the report")
        .outcome
    {
        Outcome::DownFailed {
            error: Error::Migration(f),
        } => (f.path.clone(), f.line, f.message.clone()),
        other => panic!("{version}: expected a failed down, got {other:?}"),
    };
    // Its down drops a constraint where its up created a unique index.
    let (path, line, message) = cause("20241025112826");
    assert!(path.ends_with("2024-10-25-112826_make-unique-version-unique/down.sql"));
    assert_eq!(line, 1);
    assert!(
        message.contains("constraint") && message.contains("does not exist"),
        "{message}"
    );
    // Its down runs CREATE INDEX CONCURRENTLY inside a transaction.
    let (path, line, message) = cause("20240412144536");
    assert!(path.ends_with("2024-04-12-144536_remove-downloads-column/down.sql"));
    assert_eq!(line, 4);
    assert!(
        message.contains("cannot run inside a transaction block"),
        "{message}"
    );
    // Nothing stopped the verification, and what it reports is exactly the list above.
    assert!(
        !report
            .migrations
            .iter()
            .any(|m| matches!(m.outcome, Outcome::NotReached | Outcome::UpFailed { .. })),
        "{report:?}"
    );
    let reported: Vec<&str> = report.problems().map(|m| m.version.as_str()).collect();
    assert_eq!(reported, NOT_ROUND_TRIPPING);
    // The snapshots read only what each step changed, and a full one at the end agrees.
    assert!(report.untracked.is_none(), "{:?}", report.untracked);
    let irreversible: Vec<&str> = report
        .migrations
        .iter()
        .filter(|m| matches!(m.outcome, Outcome::Irreversible))
        .map(|m| m.version.as_str())
        .collect();
    assert_eq!(
        irreversible,
        [
            "20140925132250",
            "20140925132253",
            "20140925132254",
            "20140925161625",
            "20141112082527",
            "20170728002039",
            "20170926200549",
            "20171006234455",
            "20191111162609",
        ]
    );
    pool.close().await;
    db.drop().await;
}
