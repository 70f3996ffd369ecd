static MIGRATOR: migrate_runtime::Migrator =
    migrate_runtime::embed_migrations!("../../../../migrate-runtime/tests/embed/fixtures/invalid_utf8", dialect = "sqlite");

fn main() {
    let _ = &MIGRATOR;
}
