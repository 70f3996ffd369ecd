// `VACUUM` in a migration that runs in a transaction fails the build, as it would fail at run
// time; the same statement in a `transaction:false` migration (3) passes.
static MIGRATOR: migrate_runtime::Migrator =
    migrate_runtime::embed_migrations!("../../../../migrate-runtime/tests/embed/fixtures/sqlite_vacuum", dialect = "sqlite");

fn main() {
    let _ = &MIGRATOR;
}
