static MIGRATOR: migrate_runtime::Migrator =
    migrate_runtime::embed_migrations!("../../../../migrate-runtime/tests/embed/fixtures/duplicate", dialect = "sqlite");

fn main() {
    let _ = &MIGRATOR;
}
