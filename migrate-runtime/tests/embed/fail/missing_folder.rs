static MIGRATOR: migrate_runtime::Migrator =
    migrate_runtime::embed_migrations!("../../../../migrate-runtime/tests/embed/fixtures/no_such_folder", dialect = "sqlite");

fn main() {
    let _ = &MIGRATOR;
}
