static MIGRATOR: migrate_runtime::Migrator =
    migrate_runtime::embed_migrations!("../../../../migrate-runtime/tests/embed/fixtures/deny_lint", dialect = "postgres");

fn main() {
    let _ = &MIGRATOR;
}
