static MIGRATOR: migrate_runtime::Migrator =
    migrate_runtime::embed_migrations!("../../../../migrate-runtime/tests/embed/fixtures/valid", dialect = "sqlite", table = "x; DROP TABLE users");

fn main() {
    let _ = &MIGRATOR;
}
