//! Apply, status, revert and redo end to end; revert after the file is gone.

use migrate_runtime::State;
use migrate_tests::{TestDb, migrator, write_migrations};
use sqlx::Pool;

use crate::support::{Probe, each_db, table_exists};

const FILES: &[(&str, &str)] = &[
    (
        "20240101000000_create_users.sql",
        "-- migrate:up\nCREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL);\nINSERT INTO users VALUES (1, 'it''s; a $$ test');\n\n-- migrate:down\n-- quotes ' \" `, backslashes \\ \\', dollars $$ $tag$, E'x'\nDROP TABLE users;\n",
    ),
    (
        "20240102000000_create_posts.up.sql",
        "CREATE TABLE posts (id INT PRIMARY KEY, user_id INT NOT NULL);\n",
    ),
    (
        "20240102000000_create_posts.down.sql",
        "DROP TABLE posts;\n",
    ),
    (
        "20240103000000_create_tags.sql",
        "-- migrate:up\nCREATE TABLE tags (id INT PRIMARY KEY);\n-- migrate:down\nDROP TABLE tags;\n",
    ),
];

async fn lifecycle<DB: Probe>(db: &TestDb, pool: Pool<DB>) {
    let dir = db.dir().join("migrations");
    write_migrations(&dir, FILES);
    let m = migrator(&dir, db.dialect);

    let report = m.run(&pool).await.expect("first run applies everything");
    let applied: Vec<_> = report.applied.iter().map(|r| r.version.as_str()).collect();
    assert_eq!(
        applied,
        ["20240101000000", "20240102000000", "20240103000000"]
    );
    assert!(table_exists(&pool, "tags").await);
    assert_eq!(
        DB::int(
            &pool,
            "SELECT count(*) FROM _migrations WHERE status = 'applied'"
        )
        .await,
        3
    );
    let name = DB::text(&pool, "SELECT name FROM users WHERE id = 1").await;
    assert_eq!(name, "it's; a $$ test");
    // The history row keeps the down SQL exactly: quotes, backslashes and dollar signs.
    let stored = DB::text(
        &pool,
        "SELECT down_sql FROM _migrations WHERE version = '20240101000000'",
    )
    .await;
    assert_eq!(Some(stored.as_str()), m.migrations()[0].down_sql());
    assert!(
        stored.contains("backslashes \\ \\', dollars $$ $tag$, E'x'"),
        "{stored}"
    );

    let status = m.status(&pool).await.expect("status");
    assert!(
        status.iter().all(|s| s.state == State::Applied),
        "{status:?}"
    );
    assert!(status.iter().all(|s| s.applied_at.is_some()));

    // Nothing pending: nothing applied.
    assert!(m.run(&pool).await.expect("no-op run").applied.is_empty());

    // Revert the last one, then redo it.
    let reverted = m.revert_last(&pool, 1).await.expect("revert");
    assert_eq!(reverted.reverted.len(), 1);
    assert!(!table_exists(&pool, "tags").await);
    let status = m.status(&pool).await.expect("status");
    assert_eq!(status.last().map(|s| s.state), Some(State::Pending));
    let redo = m.run(&pool).await.expect("redo");
    assert_eq!(redo.applied.len(), 1);
    assert!(table_exists(&pool, "tags").await);

    // Delete the last file: revert still works from the stored down SQL.
    std::fs::remove_file(dir.join("20240103000000_create_tags.sql")).expect("remove");
    let without = migrator(&dir, db.dialect);
    let status = without.status(&pool).await.expect("status");
    assert_eq!(status.last().map(|s| s.state), Some(State::Missing));
    assert!(
        without.run(&pool).await.is_err(),
        "a missing migration stops run by default"
    );
    let reverted = without
        .revert_last(&pool, 1)
        .await
        .expect("revert from stored SQL");
    assert_eq!(reverted.reverted[0].version, "20240103000000");
    assert!(!table_exists(&pool, "tags").await);

    // Revert everything.
    let all = without.revert_all(&pool).await.expect("revert all");
    assert_eq!(all.reverted.len(), 2);
    assert!(!table_exists(&pool, "users").await);
    assert_eq!(DB::int(&pool, "SELECT count(*) FROM _migrations").await, 0);
}

each_db!(lifecycle);
