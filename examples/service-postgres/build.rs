fn main() {
    // Rebuild when a migration is added, so embed_migrations! sees it.
    println!("cargo:rerun-if-changed=migrations");
}
