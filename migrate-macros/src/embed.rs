//! `embed_migrations!`: resolve the folder and the config, load and check the folder with
//! `migrate-core`, and emit either the embedded migrations or every problem as a compile error.

use std::path::{Path, PathBuf};

use migrate_core::{Config, Diagnostic, Dialect, Level, MigrationSet, TableName, TransactionMode};
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token};

/// The macro's arguments: an optional folder, then `key = "value"` pairs.
#[derive(Default)]
#[allow(missing_debug_implementations)] // syn's literals implement Debug only with its "extra-traits"
pub(crate) struct Args {
    dir: Option<LitStr>,
    dialect: Option<LitStr>,
    table: Option<LitStr>,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Args::default();
        if input.peek(LitStr) {
            args.dir = Some(input.parse()?);
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            let value: LitStr = input.parse()?;
            let slot = match key.to_string().as_str() {
                "dialect" => &mut args.dialect,
                "table" => &mut args.table,
                other => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!(
                            "embed_migrations!: `{other}` is not an argument; write `embed_migrations!(\"dir\", dialect = \"postgres\", table = \"_migrations\")`"
                        ),
                    ));
                }
            };
            if slot.is_some() {
                return Err(syn::Error::new(
                    key.span(),
                    format!("embed_migrations!: `{key}` is given twice"),
                ));
            }
            *slot = Some(value);
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(args)
    }
}

/// Expands the macro. Never panics: every problem becomes a `compile_error!` next to a
/// placeholder `Migrator`, so the user sees the real errors and nothing else.
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let args = match syn::parse2::<Args>(input) {
        Ok(args) => args,
        Err(e) => return with_placeholder(e.to_compile_error()),
    };
    let Some(manifest_dir) = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from) else {
        let e = syn::Error::new(
            Span::call_site(),
            "embed_migrations!: CARGO_MANIFEST_DIR is not set; build the crate with cargo",
        );
        return with_placeholder(e.to_compile_error());
    };
    match embed(&args, &manifest_dir) {
        Ok(tokens) => tokens,
        Err(e) => with_placeholder(e.to_compile_error()),
    }
}

fn with_placeholder(errors: TokenStream) -> TokenStream {
    quote! {
        {
            #errors
            ::migrate_runtime::__private::Migrator::__embedded(
                &[],
                &[],
                "_migrations",
                ::migrate_runtime::__private::Level::Warn,
            )
        }
    }
}

/// The span to point errors at: the folder argument when given.
fn span(args: &Args) -> Span {
    args.dir.as_ref().map_or_else(Span::call_site, LitStr::span)
}

/// The dialect from the argument, the config, or the single backend feature.
fn dialect(args: &Args, config: &Config) -> syn::Result<Option<Dialect>> {
    if let Some(lit) = &args.dialect {
        return lit
            .value()
            .parse()
            .map(Some)
            .map_err(|e| syn::Error::new(lit.span(), format!("embed_migrations!: {e}")));
    }
    if config.dialect.is_some() {
        return Ok(config.dialect);
    }
    // `dialects = [...]`: the folder is checked for each; it is read as the first.
    if let Some(first) = config.dialects.first() {
        return Ok(Some(*first));
    }
    let enabled: Vec<Dialect> = [
        (cfg!(feature = "postgres"), Dialect::Postgres),
        (cfg!(feature = "mysql"), Dialect::Mysql),
        (cfg!(feature = "sqlite"), Dialect::Sqlite),
    ]
    .into_iter()
    .filter_map(|(on, d)| on.then_some(d))
    .collect();
    match enabled.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        several => {
            let names: Vec<&str> = several.iter().map(|d| d.as_str()).collect();
            Err(syn::Error::new(
                span(args),
                format!(
                    "embed_migrations!: migrate-runtime is built with several backends ({}), so the folder's dialect is not known and its SQL cannot be checked; set `dialect` in [package.metadata.migrate] or pass `dialect = \"{}\"` to the macro (in a workspace, Cargo builds the macro once with the features every member asks for)",
                    names.join(", "),
                    names[0]
                ),
            ))
        }
    }
}

fn embed(args: &Args, manifest_dir: &Path) -> syn::Result<TokenStream> {
    let at = span(args);
    let manifest = manifest_dir.join("Cargo.toml");
    let mut config = Config::from_manifest(&manifest)
        .map_err(|e| syn::Error::new(at, format!("embed_migrations!: {e}")))?;
    config.dialect = dialect(args, &config)?;
    if args.dialect.is_some() {
        // The macro's argument names the one dialect to check.
        config.dialects.clear();
    }
    if config.checked_dialects().contains(&Dialect::Sqlite)
        && !migrate_core::check::SQLITE_EXECUTION
    {
        return Err(syn::Error::new(
            at,
            "embed_migrations!: the dialect is sqlite, but migrate-runtime's `sqlite` feature is off, so neither the SQLite check nor the SQLite backend is built; add `features = [\"sqlite\"]` to the migrate-runtime dependency",
        ));
    }
    if let Some(lit) = &args.table {
        config.table = TableName::parse(&lit.value())
            .map_err(|e| syn::Error::new(lit.span(), format!("embed_migrations!: {e}")))?;
    }
    let dir = manifest_dir.join(
        args.dir
            .as_ref()
            .map_or_else(|| config.dir.clone(), |d| PathBuf::from(d.value())),
    );
    let set = match MigrationSet::load(&dir, &config) {
        Ok(set) => set,
        Err(e) => {
            let mut combined: Option<syn::Error> = None;
            for d in e.errors() {
                let error = syn::Error::new(at, render(d, manifest_dir));
                match &mut combined {
                    Some(all) => all.combine(error),
                    None => combined = Some(error),
                }
            }
            let fallback = syn::Error::new(at, format!("embed_migrations!: {e}"));
            return Err(combined.unwrap_or(fallback));
        }
    };

    // Syntax and lint rules at `deny` fail the build. Of the warnings, the build shows the
    // loader's (ignored files), unused allows and structural rules lowered to `warn`; the
    // safety warnings are left to `cargo migrate check`, so builds stay quiet.
    // The check is a pure function of the files, the config and this macro's version: a
    // result that passed is cached, so a rebuild after touching other code does not pay for it.
    let manifests = manifests(&manifest, &config);
    let key = check_key(args, &dir, &config, &manifests);
    let untracked = untracked_folder(manifest_dir, &dir);
    if let Some(cached) = cached_warnings(&key) {
        let mut warnings: Vec<TokenStream> = cached.iter().map(|w| warning(w)).collect();
        warnings.extend(untracked.as_deref().map(warning));
        return Ok(expansion(&set, &config, manifest_dir, &manifests, warnings));
    }
    let report = migrate_core::check(&set, &config);
    let mut combined: Option<syn::Error> = None;
    for f in report.errors() {
        // rustc writes `error:` before the message; ours starts with the rule.
        let text = migrate_core::check::render::finding(f, manifest_dir);
        let text = text.strip_prefix("error").unwrap_or(&text);
        let error = syn::Error::new(at, text.trim_end());
        match &mut combined {
            Some(all) => all.combine(error),
            None => combined = Some(error),
        }
    }
    if let Some(errors) = combined {
        return Err(errors);
    }
    let texts: Vec<String> = report
        .findings
        .iter()
        .filter(|f| {
            f.rule == "unused-allow"
                || migrate_core::rules::find(f.rule)
                    .is_none_or(|r| r.group == migrate_core::rules::RuleGroup::Structure)
        })
        .map(|f| {
            migrate_core::check::render::finding(f, manifest_dir)
                .trim_end()
                .to_owned()
        })
        .collect();
    store_warnings(&key, &texts);
    let mut warnings: Vec<TokenStream> = texts.iter().map(|w| warning(w)).collect();
    warnings.extend(untracked.as_deref().map(warning));
    Ok(expansion(&set, &config, manifest_dir, &manifests, warnings))
}

/// The manifests the config was read from, and the package's own (where a section may be
/// added): the macro tracks them, so editing a lint level or the dialect re-runs it.
fn manifests(package: &Path, config: &Config) -> Vec<PathBuf> {
    let mut out = vec![package.to_owned()];
    for source in &config.sources {
        if !out.contains(&source.path) {
            out.push(source.path.clone());
        }
    }
    out
}

/// A warning when no build script makes cargo look at the folder, so a new migration file
/// would not rebuild the crate: there is no build script (no `OUT_DIR`), or it names files to
/// watch (`rerun-if-changed`) and not the folder. A build script that names none makes cargo
/// watch the whole package, folder included.
fn untracked_folder(manifest_dir: &Path, dir: &Path) -> Option<String> {
    let relative = dir
        .strip_prefix(manifest_dir)
        .unwrap_or(dir)
        .display()
        .to_string()
        .replace('\\', "/");
    let line = format!("println!(\"cargo:rerun-if-changed={relative}\");");
    if std::env::var_os("OUT_DIR").is_none() {
        return Some(format!(
            "embed_migrations!: this crate has no build script, so cargo does not rebuild it when a migration file is added to {relative}/ and the build keeps the old migrations; add a build.rs with `fn main() {{ {line} }}` (`cargo migrate init` writes it)"
        ));
    }
    let build = std::fs::read_to_string(manifest_dir.join("build.rs")).ok()?;
    let watched: Vec<&str> = build
        .split("rerun-if-changed=")
        .skip(1)
        .map(|rest| {
            let end = rest.find(['"', ')', '\n']).unwrap_or(rest.len());
            rest[..end].trim().trim_end_matches('/')
        })
        .collect();
    // The folder, or a folder above it (cargo watches a folder's whole tree), or a path built
    // at run time, which cannot be told here.
    let watches_folder = build.contains("build::track(")
        || watched.iter().any(|w| {
            w.contains('{')
                || w.is_empty()
                || *w == "."
                || relative == *w
                || relative.starts_with(&format!("{w}/"))
        });
    (!watched.is_empty() && !watches_folder).then(|| {
        format!(
            "embed_migrations!: build.rs tells cargo which files to watch and {relative}/ is not one of them, so a new migration file does not rebuild the crate; add `{line}` to its main"
        )
    })
}

/// The embedded `Migrator`, with the build-time warnings.
fn expansion(
    set: &MigrationSet,
    config: &Config,
    manifest_dir: &Path,
    manifests: &[PathBuf],
    mut warnings: Vec<TokenStream>,
) -> TokenStream {
    let relative = |p: &Path| {
        p.strip_prefix(manifest_dir)
            .unwrap_or(p)
            .display()
            .to_string()
    };
    if config.dialect.is_none() {
        warnings.push(warning(
            "embed_migrations!: no dialect is known, so the SQL is not checked for a database; set `dialect` in [package.metadata.migrate], pass `dialect = \"postgres\"` (or mysql, sqlite), or enable exactly one backend feature of migrate-runtime",
        ));
    }

    let mut tracked: Vec<PathBuf> = manifests.to_vec();
    let mut migrations = Vec::new();
    for m in &set.migrations {
        let mut files = vec![m.up.path.clone()];
        if let Some(down) = &m.down {
            files.push(down.path.clone());
        }
        let metadata = m.path.join("metadata.toml");
        if metadata.is_file() {
            files.push(metadata);
        }
        for f in files {
            // golang-migrate's missing direction has a path but no file.
            if f.is_file() && !tracked.contains(&f) {
                tracked.push(f);
            }
        }
        let version = m.version.to_string();
        let parts = m.version.parts();
        let name = &m.name;
        let up = &m.up.sql;
        let down = match &m.down {
            Some(d) => {
                let sql = &d.sql;
                quote!(::core::option::Option::Some(#sql))
            }
            None => quote!(::core::option::Option::None),
        };
        let checksum = m.checksum.to_string();
        let up_mode = mode(m.up.transaction);
        let down_mode = mode(
            m.down
                .as_ref()
                .map_or(TransactionMode::Transaction, |d| d.transaction),
        );
        let path = relative(&m.up.path);
        let down_path = relative(m.down.as_ref().map_or(&m.up.path, |d| &d.path));
        let up_line = m.up.start.line;
        let down_line = m.down.as_ref().map_or(1, |d| d.start.line);
        migrations.push(quote! {
            ::migrate_runtime::__private::embedded(
                #version, &[#(#parts),*], #name, #up, #down, #checksum,
                #up_mode, #down_mode, #path, #down_path, #up_line, #down_line, false,
            )
        });
    }
    // Repeatable migrations (`R__name.sql`): version `R__<name>`, run after the versioned ones.
    let mut repeatable = Vec::new();
    for r in &set.repeatable {
        if !tracked.contains(&r.up.path) {
            tracked.push(r.up.path.clone());
        }
        let version = format!("R__{}", r.name);
        let name = &r.name;
        let up = &r.up.sql;
        let checksum = r.checksum.to_string();
        let up_mode = mode(r.up.transaction);
        let down_mode = mode(TransactionMode::Transaction);
        let path = relative(&r.up.path);
        let up_line = r.up.start.line;
        repeatable.push(quote! {
            ::migrate_runtime::__private::embedded(
                #version, &[], #name, #up, ::core::option::Option::None, #checksum,
                #up_mode, #down_mode, #path, #path, #up_line, 1u32, true,
            )
        });
    }
    let includes = tracked.iter().map(|p| {
        let text = p.display().to_string();
        quote!(
            const _: &[u8] = include_bytes!(#text);
        )
    });
    let table = config.table.to_string();
    let out_of_order = level(config.out_of_order);
    let lock = match config.lock {
        Some(lock) => {
            let variant = quote::format_ident!(
                "{}",
                match lock {
                    migrate_core::config::LockStrategy::Session => "Session",
                    migrate_core::config::LockStrategy::Table => "Table",
                    migrate_core::config::LockStrategy::None => "None",
                }
            );
            quote!(::core::option::Option::Some(::migrate_runtime::__private::LockStrategy::#variant))
        }
        None => quote!(::core::option::Option::None),
    };
    let lease = match config.lock_lease {
        Some(lease) => {
            let ms = lease.as_millis() as u64;
            quote!(::core::option::Option::Some(::core::time::Duration::from_millis(#ms)))
        }
        None => quote!(::core::option::Option::None),
    };
    quote! {
        {
            #(#includes)*
            #(#warnings)*
            static MIGRATIONS: &[::migrate_runtime::__private::Migration] = &[#(#migrations),*];
            static REPEATABLE: &[::migrate_runtime::__private::Migration] = &[#(#repeatable),*];
            ::migrate_runtime::__private::Migrator::__embedded(MIGRATIONS, REPEATABLE, #table, #out_of_order)
                .__lock(#lock, #lease)
        }
    }
}

/// What the check's result depends on: this macro's build (and the core's), the macro's
/// arguments, the resolved config, the bytes of every manifest it was read from, and the name
/// and bytes of every file under the folder (directives and allow lines included).
fn check_key(args: &Args, dir: &Path, config: &Config, manifests: &[PathBuf]) -> String {
    let mut bytes = format!(
        "{}\n{}\n{:?} {:?} {:?}\n{config:?}\n",
        env!("MIGRATE_MACROS_BUILD_ID"),
        migrate_core::check::SQLITE_EXECUTION,
        args.dir.as_ref().map(LitStr::value),
        args.dialect.as_ref().map(LitStr::value),
        args.table.as_ref().map(LitStr::value),
    )
    .into_bytes();
    for manifest in manifests {
        bytes.extend(manifest.display().to_string().as_bytes());
        bytes.push(0);
        bytes.extend(std::fs::read(manifest).unwrap_or_default());
        bytes.push(0);
    }
    let mut files = Vec::new();
    folder_files(dir, &mut files);
    files.sort();
    for file in files {
        bytes.extend(
            file.strip_prefix(dir)
                .unwrap_or(&file)
                .display()
                .to_string()
                .as_bytes(),
        );
        bytes.push(0);
        bytes.extend(std::fs::read(&file).unwrap_or_default());
        bytes.push(0);
    }
    migrate_core::Checksum::of_bytes(&bytes).to_string()
}

/// Every file under `dir`, following links as the loader does.
fn folder_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            folder_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Where passing check results are kept: the crate's `OUT_DIR` when it has a build script
/// (`cargo migrate init` writes one), else `CARGO_TARGET_DIR` when it is set. Nowhere else:
/// a shared folder could be written by another user. Without either, every build checks.
fn cache_file(key: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("OUT_DIR").map(PathBuf::from).or_else(|| {
        std::env::var_os("CARGO_TARGET_DIR").map(|t| PathBuf::from(t).join("cargo-migrate-checks"))
    })?;
    Some(dir.join(format!("migrate-check-{key}")))
}

/// The build-time warnings of a cached passing check, if there is one.
fn cached_warnings(key: &str) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(cache_file(key)?).ok()?;
    Some(
        text.split('\u{1e}')
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

/// Records a passing check. Failing to write only costs the next build the check again.
fn store_warnings(key: &str, warnings: &[String]) {
    let Some(path) = cache_file(key) else {
        return;
    };
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = std::fs::write(path, warnings.join("\u{1e}"));
}

fn mode(mode: TransactionMode) -> TokenStream {
    match mode {
        TransactionMode::Transaction => {
            quote!(::migrate_runtime::__private::TransactionMode::Transaction)
        }
        TransactionMode::NoTransaction => {
            quote!(::migrate_runtime::__private::TransactionMode::NoTransaction)
        }
        TransactionMode::Script => quote!(::migrate_runtime::__private::TransactionMode::Script),
    }
}

fn level(level: Level) -> TokenStream {
    match level {
        Level::Allow => quote!(::migrate_runtime::__private::Level::Allow),
        Level::Warn => quote!(::migrate_runtime::__private::Level::Warn),
        Level::Deny => quote!(::migrate_runtime::__private::Level::Deny),
    }
}

/// A diagnostic as rustc-like text, with the path relative to the package.
fn render(d: &Diagnostic, manifest_dir: &Path) -> String {
    let mut shown = d.clone();
    if let Ok(rel) = d.path.strip_prefix(manifest_dir) {
        shown.path = rel.to_owned();
    }
    let text = shown.render();
    // rustc writes `error:` before the message; ours starts with the code.
    text.strip_prefix("error")
        .unwrap_or(&text)
        .trim_end()
        .to_owned()
}

/// A compile-time warning. Stable Rust gives a proc-macro no warning API, so this uses a
/// deprecated item whose note is the message.
fn warning(message: &str) -> TokenStream {
    quote! {
        const _: () = {
            #[deprecated(note = #message)]
            #[allow(non_camel_case_types)]
            struct embed_migrations_warning;
            let _ = embed_migrations_warning;
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(tokens: TokenStream) -> syn::Result<Args> {
        syn::parse2(tokens)
    }

    #[test]
    fn parses_arguments() {
        let a = args(quote!(
            "db/migrations",
            dialect = "sqlite",
            table = "app._m"
        ))
        .expect("valid");
        assert_eq!(a.dir.map(|d| d.value()).as_deref(), Some("db/migrations"));
        assert_eq!(a.dialect.map(|d| d.value()).as_deref(), Some("sqlite"));
        assert_eq!(a.table.map(|d| d.value()).as_deref(), Some("app._m"));
        assert!(args(quote!()).is_ok());
        assert!(args(quote!(dialect = "mysql")).is_ok());
    }

    #[test]
    fn rejects_unknown_and_repeated_arguments() {
        let e = args(quote!("m", colour = "red"))
            .err()
            .map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("`colour` is not an argument")));
        let e = args(quote!(dialect = "a", dialect = "b"))
            .err()
            .map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("given twice")));
    }

    #[test]
    fn errors_become_compile_errors_with_a_placeholder() {
        let dir = std::env::temp_dir().join(format!("migrate-macros-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("migrations")).expect("mkdir");
        std::fs::write(
            dir.join("Cargo.toml"),
            "[package]\nname = \"x\"\n\n[package.metadata.migrate]\ndialect = \"postgres\"\n",
        )
        .expect("write");
        std::fs::write(
            dir.join("migrations/1_a.sql"),
            "-- migrate:up transaction:maybe\nSELECT 1;\n",
        )
        .expect("write");
        std::fs::write(dir.join("migrations/2x.sql"), "SELECT 2;\n").expect("write");
        let e = embed(&Args::default(), &dir).expect_err("two problems");
        let text: Vec<String> = e.into_iter().map(|e| e.to_string()).collect();
        assert_eq!(text.len(), 2, "{text:?}");
        assert!(
            text[0].contains("--> migrations/1_a.sql:1:15"),
            "{}",
            text[0]
        );
        assert!(
            text[0].contains("1 | -- migrate:up transaction:maybe"),
            "{}",
            text[0]
        );
        assert!(text[1].contains("migrations/2x.sql"), "{}", text[1]);
        std::fs::write(dir.join("migrations/2x.sql"), "").expect("write");
        std::fs::remove_file(dir.join("migrations/2x.sql")).expect("remove");
        std::fs::write(dir.join("migrations/1_a.sql"), "SELECT 1;\n").expect("write");
        let tokens = embed(&Args::default(), &dir)
            .expect("valid folder")
            .to_string();
        assert!(tokens.contains("include_bytes"), "{tokens}");
        assert!(
            tokens.contains(":: migrate_runtime :: __private :: embedded"),
            "{tokens}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
