//! Flyway's repeatable migrations (`R__name.sql`), applied as Flyway applies them: after the
//! versioned ones, in name order, again whenever their checksum changes, each recorded in the
//! history table. On every database.

use migrate_runtime::State;
use migrate_tests::{TestDb, migrator, write_migrations};
use sqlx::Pool;

use crate::support::{Probe, each_db};

const VIEW_V1: &str = "DROP VIEW IF EXISTS names;\nCREATE VIEW names AS SELECT name FROM b;\n";
const VIEW_V2: &str = "DROP VIEW IF EXISTS names;\nCREATE VIEW names AS SELECT name, id FROM b;\n";

fn files(view: &str) -> Vec<(&'static str, String)> {
    vec![
        (
            "V1__a.sql",
            "CREATE TABLE a (id INT PRIMARY KEY);\n".to_owned(),
        ),
        // The view needs table b: the repeatable migration must run after V2.
        (
            "V2__b.sql",
            "CREATE TABLE b (id INT PRIMARY KEY, name VARCHAR(20));\n".to_owned(),
        ),
        (
            "U2__b.sql",
            "DROP VIEW IF EXISTS names;\nDROP TABLE b;\n".to_owned(),
        ),
        ("R__names_view.sql", view.to_owned()),
        (
            "R__a_seed.sql",
            "DELETE FROM a;\nINSERT INTO a (id) VALUES (1);\n".to_owned(),
        ),
    ]
}

fn write(db: &TestDb, view: &str) -> std::path::PathBuf {
    let dir = db.dir().join("migrations");
    let files = files(view);
    let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (*a, b.as_str())).collect();
    write_migrations(&dir, &refs);
    dir
}

async fn repeatables_run_after_and_again_when_changed<DB: Probe>(db: &TestDb, pool: Pool<DB>) {
    let dir = write(db, VIEW_V1);
    let report = migrator(&dir, db.dialect)
        .run(&pool)
        .await
        .expect("first run");
    let ran: Vec<&str> = report.applied.iter().map(|r| r.version.as_str()).collect();
    assert_eq!(
        ran,
        ["1", "2", "R__a_seed", "R__names_view"],
        "versioned first, then by name"
    );
    assert_eq!(DB::int(&pool, "SELECT count(*) FROM names").await, 0);
    assert_eq!(
        DB::int(
            &pool,
            "SELECT count(*) FROM _migrations WHERE version IN ('R__a_seed', 'R__names_view')"
        )
        .await,
        2,
        "each recorded"
    );
    // Unchanged: nothing to do.
    let again = migrator(&dir, db.dialect)
        .run(&pool)
        .await
        .expect("second run");
    assert!(again.applied.is_empty(), "{again:?}");
    // Edited: it runs again, alone, and its row is replaced.
    let dir = write(db, VIEW_V2);
    let m = migrator(&dir, db.dialect);
    let status = m.status(&pool).await.expect("status");
    let view = status
        .iter()
        .find(|s| s.version == "R__names_view")
        .expect("listed");
    assert_eq!(view.state, State::Pending, "{status:?}");
    let edited = m.run(&pool).await.expect("run after the edit");
    let ran: Vec<&str> = edited.applied.iter().map(|r| r.version.as_str()).collect();
    assert_eq!(ran, ["R__names_view"]);
    assert_eq!(
        DB::int(
            &pool,
            "SELECT count(*) FROM _migrations WHERE version = 'R__names_view'"
        )
        .await,
        1
    );
    let recorded = DB::text(
        &pool,
        "SELECT checksum FROM _migrations WHERE version = 'R__names_view'",
    )
    .await;
    let expected = m
        .repeatable()
        .iter()
        .find(|r| r.version() == "R__names_view")
        .map(|r| r.checksum().to_owned());
    assert_eq!(Some(recorded), expected);
    // Reverting leaves them alone: only versioned migrations are undone.
    let reverted = m.revert_last(&pool, 1).await.expect("revert");
    let ran: Vec<&str> = reverted
        .reverted
        .iter()
        .map(|r| r.version.as_str())
        .collect();
    assert_eq!(ran, ["2"]);
}

each_db!(repeatables_run_after_and_again_when_changed);
