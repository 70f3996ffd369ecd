//! The `embed_migrations!` macro of cargo-migrate. Depend on `migrate-runtime`, which
//! re-exports it; this crate only holds the macro.
//!
//! The macro reads the migration folder with `migrate-core` at compile time: a malformed
//! migration fails the build with `path:line:column` and the quoted line, and a valid folder is
//! embedded with its checksums, versions and transaction modes precomputed.

mod embed;

/// Embeds and checks a migration folder: `embed_migrations!()` for the configured folder
/// (`migrations` by default), or `embed_migrations!("db/migrations", dialect = "sqlite",
/// table = "_migrations")`. Paths are relative to the package root.
#[proc_macro]
pub fn embed_migrations(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    embed::expand(input.into()).into()
}
