//! Loading and checking a one-migration folder never panics, whatever the file holds, in every
//! dialect: the splitter, the section parser, the syntax checks and the lint rules together.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use migrate_core::{Config, Dialect, MigrationSet};

fn folder() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("migrate-fuzz-check-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the fuzz folder");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, text)) = data.split_first() else {
        return;
    };
    let dialect = match selector % 3 {
        0 => Dialect::Postgres,
        1 => Dialect::Mysql,
        _ => Dialect::Sqlite,
    };
    let dir = folder();
    std::fs::write(dir.join("1_fuzz.sql"), text).expect("write the migration");
    let mut config = Config::default();
    config.dialect = Some(dialect);
    if let Ok(set) = MigrationSet::load(dir, &config) {
        let _ = migrate_core::check(&set, &config);
    }
});
