static MIGRATOR: migrate_runtime::Migrator =
    migrate_runtime::embed_migrations!("../../../../migrate-runtime/tests/embed/fixtures/valid", dialect = "oracle");

fn main() {
    let _ = &MIGRATOR;
}
