//! Every subcommand's `--help`, pinned with insta snapshots.

use crate::support::run_in;

#[test]
fn help_of_every_command() {
    let dir = std::env::temp_dir();
    let commands: &[&[&str]] = &[
        &[],
        &["init"],
        &["new"],
        &["check"],
        &["run"],
        &["down"],
        &["redo"],
        &["status"],
        &["baseline"],
        &["resolve"],
        &["repair"],
        &["adopt"],
        &["verify"],
        &["drift"],
        &["wait"],
        &["dump"],
        &["backup"],
        &["restore"],
        &["database"],
        &["database", "create"],
        &["database", "drop"],
        &["database", "reset"],
    ];
    for args in commands {
        let mut all = args.to_vec();
        all.push("--help");
        let run = run_in(&dir, &all, &[("COLUMNS", "100")]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let name = if args.is_empty() {
            "migrate".to_owned()
        } else {
            args.join("-")
        };
        insta::assert_snapshot!(format!("help-{name}"), run.stdout);
    }
}
