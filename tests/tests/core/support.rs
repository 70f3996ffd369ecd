//! Helpers shared by the core tests: where the corpus is, and temporary folders.

use std::path::{Path, PathBuf};

use migrate_core::{Config, Dialect, LoadError, MigrationSet};

/// The real migration sets vendored in `tests/corpus`, each with its provenance and licence.
pub(crate) fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

pub(crate) fn config(dialect: Option<Dialect>) -> Config {
    let mut config = Config::default();
    config.dialect = dialect;
    config
}

pub(crate) fn load(dir: &Path, config: &Config) -> Result<MigrationSet, LoadError> {
    MigrationSet::load(dir, config)
}

/// A fresh, empty folder under the system temp dir, removed when dropped.
pub(crate) struct TempDir(pub PathBuf);

impl TempDir {
    pub(crate) fn new(name: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "migrate-tests-{name}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    /// Writes `bytes` to `rel`, creating folders.
    pub(crate) fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, bytes).expect("write");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
