//! `cargo migrate init`: the migration folder, the config section and the build.rs line.

use std::path::Path;

use crate::cli::Global;
use crate::context::Project;
use crate::failure::Failure;
use crate::output::Output;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

fn io_failure(what: &str, path: &Path, e: &std::io::Error) -> Failure {
    Failure::usage(format!(
        "cannot {what} {}; check the folder's permissions",
        path.display()
    ))
    .caused_by(e)
}

pub(crate) fn exec(global: &Global, _args: &Args, out: &Output) -> Result<u8, Failure> {
    let project = Project::resolve(global)?;
    let rel_dir = project.shown(&project.dir);

    if project.dir.is_dir() {
        out.say(&format!("{rel_dir}/ already exists"));
    } else {
        std::fs::create_dir_all(&project.dir)
            .map_err(|e| io_failure("create", &project.dir, &e))?;
        out.say(&format!("created {rel_dir}/"));
    }

    let Some(manifest) = &project.manifest else {
        out.say(
            "no Cargo package: configure with flags (--dialect, --database-url) or the environment",
        );
        return Ok(0);
    };
    let text = std::fs::read_to_string(manifest).map_err(|e| io_failure("read", manifest, &e))?;
    let workspace = project
        .config
        .sources
        .iter()
        .find(|s| s.section == "workspace.metadata.migrate");
    let dialect = project
        .config
        .dialect
        .or_else(|| {
            global
                .database_url
                .as_deref()
                .and_then(migrate_core::Dialect::from_url)
        })
        .or_else(|| {
            std::env::var("DATABASE_URL")
                .ok()
                .as_deref()
                .and_then(migrate_core::Dialect::from_url)
        });
    match add_metadata(&text, &rel_dir.replace('\\', "/"), dialect) {
        Err(e) => {
            return Err(Failure::usage(format!(
                "{} is not valid TOML, so init cannot add its section; fix the manifest (cargo reports the same error)",
                manifest.display()
            ))
            .caused_by(&e));
        }
        Ok(None) => out.say("Cargo.toml already has [package.metadata.migrate]"),
        Ok(Some(_)) if workspace.is_some() => out.say(&format!(
            "the package takes its settings from [workspace.metadata.migrate] in {}; Cargo.toml is left as it is",
            workspace.map_or_else(String::new, |w| w.path.display().to_string())
        )),
        Ok(Some(new_text)) => {
            std::fs::write(manifest, new_text).map_err(|e| io_failure("write", manifest, &e))?;
            out.say("added [package.metadata.migrate] to Cargo.toml");
        }
    }

    // The build.rs line that makes a new migration file trigger a rebuild.
    let line = format!(
        "println!(\"cargo:rerun-if-changed={}\");",
        rel_dir.replace('\\', "/")
    );
    let build = project.root.join("build.rs");
    if !build.exists() {
        let body = format!(
            "fn main() {{\n    // Rebuild when a migration is added, so embed_migrations! sees it.\n    {line}\n}}\n"
        );
        std::fs::write(&build, body).map_err(|e| io_failure("write", &build, &e))?;
        out.say("created build.rs, so a new migration file triggers a rebuild");
    } else {
        let text = std::fs::read_to_string(&build).map_err(|e| io_failure("read", &build, &e))?;
        if text.contains(&format!("rerun-if-changed={}", rel_dir.replace('\\', "/"))) {
            out.say("build.rs already tracks the migration folder");
        } else if let Some(at) = text.find("fn main() {").map(|i| i + "fn main() {".len()) {
            let mut new_text = text.clone();
            new_text.insert_str(at, &format!("\n    {line}"));
            std::fs::write(&build, new_text).map_err(|e| io_failure("write", &build, &e))?;
            out.say("added the rerun-if-changed line to build.rs, so a new migration file triggers a rebuild");
        } else {
            out.warn(&format!("build.rs has no `fn main() {{`; add `{line}` to it so a new migration file triggers a rebuild"));
        }
    }

    out.say(&format!(
        "\nnext steps:\n  cargo migrate new create_users_table     write a migration in {rel_dir}/\n  cargo migrate check                      check it offline\n  cargo migrate run                        apply it (DATABASE_URL, else {}.db)\n  static MIGRATOR: migrate_runtime::Migrator = migrate_runtime::embed_migrations!();\n                                           embed it and run it at start-up",
        project.name
    ));
    Ok(0)
}

/// The manifest with `package.metadata.migrate` added, or `None` when it has one already, in
/// whatever form (a `[package.metadata.migrate]` table, dotted keys, an inline table). The
/// user's formatting and comments are kept: the document is edited, not rewritten.
fn add_metadata(
    text: &str,
    dir: &str,
    dialect: Option<migrate_core::Dialect>,
) -> Result<Option<String>, toml_edit::TomlError> {
    use toml_edit::{DocumentMut, Item, Table, value};

    let mut doc: DocumentMut = text.parse()?;
    // A new `[…]` table goes last, so the user's file only gains lines at its end.
    let last = last_position(doc.as_table());
    let mut section = Table::new();
    section.set_position(Some(last + 1));
    section.insert("dir", value(dir));
    if let Some(d) = dialect {
        section.insert("dialect", value(d.as_str()));
    }
    let Some(package) = doc.get_mut("package").and_then(Item::as_table_like_mut) else {
        return Ok(None);
    };
    if !package.contains_key("metadata") {
        // `[package.metadata.migrate]`, with no `[package.metadata]` header of its own.
        let mut metadata = Table::new();
        metadata.set_implicit(true);
        package.insert("metadata", Item::Table(metadata));
    }
    let Some(metadata) = package.get_mut("metadata") else {
        return Ok(None);
    };
    if metadata
        .as_table_like()
        .is_some_and(|m| m.contains_key("migrate"))
    {
        return Ok(None);
    }
    match metadata {
        // `metadata = { … }`: the section goes inside, as an inline table.
        Item::Value(toml_edit::Value::InlineTable(inline)) => {
            inline.insert(
                "migrate",
                toml_edit::Value::InlineTable(section.into_inline_table()),
            );
        }
        // `metadata.other = …` under `[package]`: dotted keys, like the user's.
        Item::Table(table) if table.is_dotted() => {
            section.set_dotted(true);
            table.insert("migrate", Item::Table(section));
        }
        Item::Table(table) => {
            table.insert("migrate", Item::Table(section));
        }
        _ => return Ok(None),
    }
    Ok(Some(doc.to_string()))
}

/// The largest document position of the tables under `table`.
fn last_position(table: &toml_edit::Table) -> isize {
    table
        .iter()
        .filter_map(|(_, item)| item.as_table())
        .map(|t| t.position().unwrap_or(0).max(last_position(t)))
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::add_metadata;
    use migrate_core::Dialect;

    fn added(manifest: &str) -> Option<String> {
        let text =
            add_metadata(manifest, "migrations", Some(Dialect::Postgres)).expect("valid TOML");
        if let Some(text) = &text {
            // What cargo would read: valid TOML with the section once.
            let doc: toml_edit::DocumentMut = text.parse().expect("still valid TOML");
            assert_eq!(
                doc["package"]["metadata"]["migrate"]["dir"].as_str(),
                Some("migrations"),
                "{text}"
            );
        }
        text
    }

    const PACKAGE: &str = "# the app\n[package]\nname = \"app\" # its name\nversion = \"0.1.0\"\n";

    #[test]
    fn the_new_table_comes_last() {
        let manifest = format!("{PACKAGE}\n[dependencies]\nserde = \"1\"\n\n[workspace]\n");
        let text = added(&manifest).expect("added");
        assert!(text.starts_with(&manifest), "{text}");
    }

    #[test]
    fn adds_a_table_and_keeps_comments() {
        let text = added(PACKAGE).expect("added");
        assert_eq!(
            text,
            format!(
                "{PACKAGE}\n[package.metadata.migrate]\ndir = \"migrations\"\ndialect = \"postgres\"\n"
            )
        );
    }

    #[test]
    fn finds_the_section_in_every_form() {
        for manifest in [
            format!("{PACKAGE}\n[package.metadata]\nmigrate.dir = \"db\"\n"),
            format!("{PACKAGE}\n[package.metadata.migrate]\ndir = \"db\"\n"),
            format!("{PACKAGE}metadata = {{ migrate = {{ dir = \"db\" }} }}\n"),
            format!("{PACKAGE}metadata.migrate.dir = \"db\"\n"),
        ] {
            assert_eq!(added(&manifest), None, "{manifest}");
        }
    }

    #[test]
    fn joins_the_metadata_the_user_has() {
        let dotted = added(&format!("{PACKAGE}metadata.docs = true\n")).expect("added");
        assert!(
            dotted.contains("metadata.migrate.dir = \"migrations\""),
            "{dotted}"
        );
        let inline = added(&format!("{PACKAGE}metadata = {{ docs = true }}\n")).expect("added");
        assert!(
            inline.contains("migrate = { dir = \"migrations\""),
            "{inline}"
        );
        let table = added(&format!("{PACKAGE}\n[package.metadata]\ndocs = true\n")).expect("added");
        assert!(table.ends_with("docs = true\n\n[package.metadata.migrate]\ndir = \"migrations\"\ndialect = \"postgres\"\n"), "{table}");
    }
}
