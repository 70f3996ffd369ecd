static MIGRATOR: migrate_runtime::Migrator =
    migrate_runtime::embed_migrations!("../../../../migrate-runtime/tests/embed/fixtures/stray_down", dialect = "sqlite");

fn main() {
    let _ = &MIGRATOR;
}
