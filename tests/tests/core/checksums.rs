//! SPEC §2.3 on the sqlx `ignored-chars` fixtures: LF, CRLF and BOM agree; tabs do not.

use migrate_core::{Checksum, Dialect, MigrationSet};

use crate::support::{TempDir, config, corpus};

fn checksums(dir: &std::path::Path) -> Vec<Checksum> {
    MigrationSet::load(dir, &config(Some(Dialect::Sqlite)))
        .expect("loads")
        .migrations
        .iter()
        .map(|m| m.checksum)
        .collect()
}

#[test]
fn line_endings_and_bom_give_the_same_checksums() {
    let root = corpus();
    let base = root.join("sqlx-fixtures/sqlx-cli/tests/ignored-chars");
    let lf = checksums(&base.join("LF"));
    assert_eq!(lf.len(), 3);

    // The stored CRLF files are LF (git's eol attribute is not applied here): make real CRLF.
    let crlf_dir = TempDir::new("crlf");
    for entry in std::fs::read_dir(base.join("CRLF")).expect("read CRLF") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "sql") {
            let text = std::fs::read_to_string(&path).expect("read");
            let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
            assert!(crlf.contains("\r\n"));
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            crlf_dir.write(&name, crlf);
        }
    }
    assert_eq!(checksums(&crlf_dir.0), lf, "CRLF and LF must agree");

    let bom_raw = std::fs::read(base.join("BOM/1_user.sql")).expect("read BOM");
    assert!(
        bom_raw.starts_with(b"\xEF\xBB\xBF"),
        "the BOM fixture starts with a BOM"
    );
    assert_eq!(checksums(&base.join("BOM")), lf, "BOM and LF must agree");

    // Tabs are content: the checksum changes, and equals the SHA-256 of the file as it is.
    let tabs_dir = base.join("oops-all-tabs");
    let tabs = checksums(&tabs_dir);
    for (tab, plain) in tabs.iter().zip(&lf) {
        assert_ne!(tab, plain);
    }
    let text = std::fs::read_to_string(tabs_dir.join("1_user.sql")).expect("read");
    assert_eq!(tabs[0], Checksum::of(&text));
}

#[test]
fn checksum_covers_only_the_up_section() {
    let dir = TempDir::new("sections");
    dir.write(
        "1_a.sql",
        "-- migrate:up\nCREATE TABLE a (x int);\n-- migrate:down\nDROP TABLE a;\n",
    );
    let first = checksums(&dir.0);
    dir.write(
        "1_a.sql",
        "-- migrate:up\nCREATE TABLE a (x int);\n-- migrate:down\nDROP TABLE a CASCADE;\n",
    );
    assert_eq!(
        checksums(&dir.0),
        first,
        "editing the down section keeps the checksum"
    );
    dir.write(
        "1_a.sql",
        "-- migrate:up\nCREATE TABLE a (x bigint);\n-- migrate:down\nDROP TABLE a;\n",
    );
    assert_ne!(
        checksums(&dir.0),
        first,
        "editing the up section changes it"
    );
    assert_eq!(first[0], Checksum::of("CREATE TABLE a (x int);\n"));
}
