static MIGRATOR: migrate_runtime::Migrator =
    migrate_runtime::embed_migrations!("../../../../migrate-runtime/tests/embed/fixtures/empty_up", dialect = "sqlite");

fn main() {
    let _ = &MIGRATOR;
}
