//! The README's first command: the quickstart applies its migrations to a new SQLite file,
//! says what it did, and queries the result; a second start finds nothing to do.

use std::process::Command;

#[test]
fn applies_then_finds_nothing_to_do() {
    let dir = std::env::temp_dir().join(format!("quickstart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let url = format!("sqlite://{}/app.db?mode=rwc", dir.display());
    let run = || {
        let out = Command::new(env!("CARGO_BIN_EXE_quickstart"))
            .env("DATABASE_URL", &url)
            .output()
            .expect("run the quickstart");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let first = run();
    assert!(
        first.contains("applied 20250101000000 create_todos"),
        "{first}"
    );
    assert!(
        first.contains("applied 20250102000000 add_due_date_to_todos"),
        "{first}"
    );
    assert!(
        first.contains("2 todos:\n  1. read the README\n  2. write a migration"),
        "{first}"
    );
    let second = run();
    assert!(
        second.contains("migrations: all 2 already applied"),
        "{second}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
