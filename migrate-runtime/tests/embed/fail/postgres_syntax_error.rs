static MIGRATOR: migrate_runtime::Migrator =
    migrate_runtime::embed_migrations!("../../../../migrate-runtime/tests/embed/fixtures/postgres_syntax", dialect = "postgres");

fn main() {
    let _ = &MIGRATOR;
}
