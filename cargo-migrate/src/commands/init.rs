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
    if text.contains("[package.metadata.migrate]") {
        out.say("Cargo.toml already has [package.metadata.migrate]");
    } else {
        let mut section = format!(
            "\n[package.metadata.migrate]\ndir = \"{}\"\n",
            rel_dir.replace('\\', "/")
        );
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
        if let Some(d) = dialect {
            section.push_str(&format!("dialect = \"{d}\"\n"));
        }
        let mut new_text = text.clone();
        if !new_text.ends_with('\n') {
            new_text.push('\n');
        }
        new_text.push_str(&section);
        std::fs::write(manifest, new_text).map_err(|e| io_failure("write", manifest, &e))?;
        out.say("added [package.metadata.migrate] to Cargo.toml");
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
