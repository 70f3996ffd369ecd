static MIGRATOR: migrate_runtime::Migrator =
    migrate_runtime::embed_migrations!("../../../../migrate-runtime/tests/embed/fixtures/valid", colour = "red");

fn main() {
    let _ = &MIGRATOR;
}
