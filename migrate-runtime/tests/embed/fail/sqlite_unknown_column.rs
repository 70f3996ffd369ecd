static MIGRATOR: migrate_runtime::Migrator =
    migrate_runtime::embed_migrations!("../../../../migrate-runtime/tests/embed/fixtures/sqlite_unknown_column", dialect = "sqlite");

fn main() {
    let _ = &MIGRATOR;
}
