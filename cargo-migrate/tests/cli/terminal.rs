//! On a terminal, `run` and `down` draw a progress bar and print each migration with its time;
//! off a terminal they print plain lines only. `script` gives the binary a pseudo-terminal.

use std::process::Command;

use crate::support::{Package, expect};

fn package() -> Package {
    let p = Package::new(
        "terminal",
        "\n[package.metadata.migrate]\ndialect = \"sqlite\"\n",
    );
    std::fs::create_dir_all(p.path("migrations")).expect("mkdir");
    for i in 1..=3 {
        std::fs::write(
            p.path(&format!("migrations/{i:04}_t{i}.sql")),
            format!("-- migrate:up\nCREATE TABLE t{i} (id INTEGER);\n-- migrate:down\nDROP TABLE t{i};\n"),
        )
        .expect("write migration");
    }
    p
}

/// Runs `cargo-migrate migrate <args>` on a pseudo-terminal, returning everything it drew.
fn on_terminal(p: &Package, args: &str) -> String {
    let command = format!("{} migrate {args}", env!("CARGO_BIN_EXE_cargo-migrate"));
    let out = Command::new("script")
        .args(["--quiet", "--return", "--command", &command, "/dev/null"])
        .current_dir(&p.root)
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .output()
        .expect("`script` (util-linux) runs the binary on a pseudo-terminal");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{text}");
    text
}

#[test]
fn run_and_down_draw_a_bar_on_a_terminal() {
    let p = package();
    let run = on_terminal(&p, "run");
    assert!(run.contains('█') && run.contains("3/3"), "no bar: {run:?}");
    for i in 1..=3 {
        assert!(run.contains(&format!("applied {i} t{i} (")), "{run:?}");
    }
    // The bar is cleared before the summary, which starts a line of its own.
    let summary = run
        .rfind("applied 3 migrations in ")
        .expect("a summary line");
    let before = &run[..summary];
    assert!(
        before.ends_with('\n') || before.ends_with("\x1b[2K"),
        "the summary shares a line with the bar: {run:?}"
    );

    let down = on_terminal(&p, "down --all");
    assert!(
        down.contains('█') && down.contains("3/3"),
        "no bar: {down:?}"
    );
    for i in 1..=3 {
        assert!(down.contains(&format!("reverted {i} t{i} (")), "{down:?}");
    }
    assert!(down.contains("reverted 3 migrations in "), "{down:?}");
}

#[test]
fn plain_lines_off_a_terminal() {
    let p = package();
    let run = expect(p.run(&["run"], &[]), 0);
    assert!(
        !run.all().contains('█') && !run.all().contains('\x1b'),
        "{run:?}"
    );
    // Status lines go to stderr; stdout, the data, is empty for a run.
    assert_eq!(run.stdout, "", "{run:?}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 5, "{}", run.stderr);
    assert!(
        lines[0].starts_with("database: sqlite://"),
        "{}",
        run.stderr
    );
    assert!(lines[1].starts_with("applied 1 t1 ("), "{}", run.stderr);
    assert!(
        lines[4].starts_with("applied 3 migrations in "),
        "{}",
        run.stderr
    );
    let down = expect(p.run(&["down", "--all"], &[]), 0);
    assert!(
        down.stderr
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("reverted 3 t3 (")),
        "{}",
        down.stderr
    );
}
