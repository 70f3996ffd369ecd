//! PostgreSQL backups: `pg_dump --format=custom`, checked by reading the whole archive back
//! with `pg_restore`, and restored in one transaction.
//!
//! The restore streams `pg_restore --single-transaction` into `psql -v ON_ERROR_STOP=1`, and
//! puts the statements that clear the database right after the script's own `BEGIN`. So the
//! clearing, the archive's objects and its rows commit together at the script's final
//! `COMMIT`, or not at all: a bad archive, a failed statement or a kill at any moment leaves
//! the database as it was.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use super::{PG_TOOLS, tool};
use crate::child::{collected, drain};
use crate::context::Database;
use crate::failure::Failure;

/// Writes the archive of `db` to `path`; the tool, as it names itself.
pub(super) fn write(db: &Database, path: &Path) -> Result<String, Failure> {
    let dump = tool(&["pg_dump"], PG_TOOLS)?;
    let mut cmd = Command::new(&dump);
    cmd.arg("--format=custom")
        .arg(format!("--file={}", path.display()));
    crate::dump::postgres_env(&mut cmd, db)?;
    super::run(db, cmd, None)?;
    Ok(super::tool_version(&dump))
}

/// Reads the whole archive back, so that a truncated or damaged one is found now.
pub(super) fn verify(path: &Path) -> Result<(), String> {
    let restore = tool(&["pg_restore"], PG_TOOLS).map_err(|f| f.headline)?;
    let out = Command::new(restore)
        .arg("--file=/dev/null")
        .arg(path)
        .output()
        .map_err(|e| format!("pg_restore could not be started: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "pg_restore cannot read it: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The database an archive was taken from, as its table of contents says.
pub(super) fn archive_database(path: &Path) -> Option<String> {
    let restore = tool(&["pg_restore"], PG_TOOLS).ok()?;
    let out = Command::new(restore)
        .arg("--list")
        .arg(path)
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.trim_start_matches(';').trim().strip_prefix("dbname: "))
        .map(str::to_owned)
}

/// Replaces everything in the database with the archive's contents, in one transaction.
pub(super) fn restore(db: &Database, file: &Path) -> Result<(), Failure> {
    let restore = tool(&["pg_restore"], PG_TOOLS)?;
    let psql = tool(&["psql"], PG_TOOLS)?;
    let mut reader = Command::new(&restore)
        .args([
            "--single-transaction",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--file=-",
        ])
        .arg(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Failure::database("pg_restore could not be started").caused_by(&e))?;
    let mut writer_cmd = Command::new(&psql);
    writer_cmd
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    crate::dump::postgres_env(&mut writer_cmd, db)?;
    let mut writer = match writer_cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            let _ = reader.kill();
            let _ = reader.wait();
            return Err(Failure::database("psql could not be started").caused_by(&e));
        }
    };
    let reader_errors = drain(reader.stderr.take());
    let writer_errors = drain(writer.stderr.take());
    let streamed = stream(
        reader.stdout.take().map(BufReader::new),
        writer.stdin.take(),
    );
    let read = reader.wait();
    let read_ok = read.as_ref().is_ok_and(|s| s.success());
    if streamed.is_err() || !read_ok {
        // Nothing may commit: psql is stopped before it reads an end to the script, so its
        // transaction ends with its connection.
        let _ = writer.kill();
        let _ = writer.wait();
        let why = match streamed {
            Err(e) => e,
            Ok(()) => collected(reader_errors),
        };
        return Err(Failure::database(format!(
            "the archive {} could not be read to its end, so nothing was changed in {}",
            file.display(),
            db.shown()
        ))
        .with_cause(crate::output::redact(&why)));
    }
    let written = writer.wait();
    if !written.as_ref().is_ok_and(|s| s.success()) {
        return Err(Failure::database(format!(
            "restoring {} into {} failed and was rolled back, so nothing was changed; psql's message is below",
            file.display(),
            db.shown()
        ))
        .with_cause(crate::output::redact(&collected(writer_errors))));
    }
    Ok(())
}

/// Copies pg_restore's script into psql, with the clearing statements after its `BEGIN`.
fn stream(
    from: Option<BufReader<std::process::ChildStdout>>,
    to: Option<std::process::ChildStdin>,
) -> Result<(), String> {
    let (Some(mut from), Some(mut to)) = (from, to) else {
        return Err("the tools' pipes could not be opened".to_owned());
    };
    let mut line = Vec::new();
    let mut begun = false;
    loop {
        line.clear();
        let n = from
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("reading pg_restore's output: {e}"))?;
        if n == 0 {
            break;
        }
        if !begun {
            let text = String::from_utf8_lossy(&line);
            let trimmed = text.trim();
            if trimmed == "BEGIN;" {
                begun = true;
                to.write_all(&line)
                    .and_then(|()| to.write_all(CLEAR.as_bytes()))
                    .and_then(|()| to.write_all(b";\n"))
                    .map_err(|e| format!("writing to psql: {e}"))?;
                continue;
            }
            // Before its BEGIN the script holds only comments and psql's `\restrict`; any
            // statement there would run outside the transaction.
            if !(trimmed.is_empty()
                || trimmed.starts_with("--")
                || trimmed.starts_with("\\restrict"))
            {
                return Err(format!(
                    "pg_restore's script has `{trimmed}` before its BEGIN, so it cannot run in one transaction"
                ));
            }
        }
        to.write_all(&line)
            .map_err(|e| format!("writing to psql: {e}"))?;
    }
    if !begun {
        return Err("pg_restore's script has no BEGIN".to_owned());
    }
    Ok(())
}

/// Drops the extensions, the schemas but `public`, and everything in `public`, so that what a
/// half-applied migration made goes with the rest; the archive brings back what was there.
/// The `public` schema itself stays, as initdb made it (pg_dump leaves it out).
const CLEAR: &str = r#"DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT e.extname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
           WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') LOOP
    EXECUTE format('DROP EXTENSION IF EXISTS %I CASCADE', r.extname);
  END LOOP;
  FOR r IN SELECT nspname FROM pg_namespace
           WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'public') AND nspname NOT LIKE 'pg\_%' LOOP
    EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', r.nspname);
  END LOOP;
  FOR r IN SELECT c.relname, c.relkind FROM pg_class c
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') LOOP
    EXECUTE format('DROP %s IF EXISTS public.%I CASCADE',
                   CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                  WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
                   r.relname);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure::text AS signature, p.prokind FROM pg_proc p
           WHERE p.pronamespace = 'public'::regnamespace LOOP
    EXECUTE format('DROP %s IF EXISTS %s CASCADE',
                   CASE r.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
                   r.signature);
  END LOOP;
  FOR r IN SELECT t.typname, t.typtype FROM pg_type t
           WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd', 'r', 'c')
             AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c') LOOP
    EXECUTE format('DROP %s IF EXISTS public.%I CASCADE',
                   CASE r.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, r.typname);
  END LOOP;
END $$"#;
