//! The lint rules of SPEC §7, each saying why the statement is dangerous and the safe recipe.

use crate::Dialect;
use crate::config::LintConfig;
use crate::split::is_transaction_control;

use super::schema::Schema;
use super::statement::{Action, Column, Constraint, Statement, has_words};
use super::tokens::Token;
use super::{Context, Raw};

fn raw(
    ctx: &Context<'_>,
    rule: &'static str,
    at: usize,
    message: String,
    why: &str,
    fix: &str,
) -> Raw {
    Raw {
        rule,
        offset: ctx.start + at,
        statement: Some(ctx.text.to_owned()),
        message,
        why: why.to_owned(),
        fix: fix.to_owned(),
        cap: None,
    }
}

/// Rules that break the migration whatever the data: transaction control inside a migration
/// the runner wraps in a transaction, and statements PostgreSQL refuses there.
pub(crate) fn structural(ctx: &Context<'_>, toks: &[Token], schema: &Schema, out: &mut Vec<Raw>) {
    if !ctx.transactional {
        return;
    }
    if ctx.dialect == Some(Dialect::Sqlite) {
        sqlite_pragma(ctx, out);
    }
    // Judged by what each server does with it. MySQL runs a migration statement by statement
    // behind its `dirty` row, so its own transaction control splits nothing.
    if is_transaction_control(ctx.text) && ctx.dialect != Some(Dialect::Mysql) {
        let opens =
            ctx.text.split_whitespace().next().is_some_and(|w| {
                w.eq_ignore_ascii_case("BEGIN") || w.eq_ignore_ascii_case("START")
            });
        if opens && ctx.dialect == Some(Dialect::Postgres) {
            // PostgreSQL only warns ("there is already a transaction in progress") and goes on
            // in the runner's transaction, as it does for sqlx.
            let mut finding = raw(
                ctx,
                "transaction-nesting",
                0,
                format!(
                    "`{}` inside a migration that runs in a transaction",
                    first_words(ctx.text, 2)
                ),
                "PostgreSQL ignores it with a warning (\"there is already a transaction in progress\"): the migration still runs in the runner's transaction, with its history row",
                "remove the statement; mark the migration `-- migrate:up transaction:false` if it must manage its own transactions",
            );
            finding.cap = Some(crate::rules::Level::Warn);
            out.push(finding);
        } else {
            out.push(raw(
                ctx,
                "transaction-nesting",
                0,
                format!("`{}` inside a migration that runs in a transaction", first_words(ctx.text, 2)),
                "the runner already wraps the migration and its history row in one transaction; this ends it early (SQLite refuses a nested `BEGIN`), so the row and the SQL no longer commit together",
                "remove the statement, or mark the migration `-- migrate:up transaction:false` if it must manage its own transactions",
            ));
        }
    }
    // The other dialects' checks execute (SQLite) or leave it to the server (MySQL, where DDL
    // commits on its own anyway).
    if ctx.dialect.is_some_and(|d| d != Dialect::Postgres) {
        return;
    }
    let found = refused_in_transaction_block(toks).or_else(|| partitioned_target(toks, schema));
    if let Some((at, what)) = found {
        out.push(raw(
            ctx,
            "concurrent-in-transaction",
            at,
            format!("`{what}` in a migration that runs in a transaction"),
            &format!("PostgreSQL refuses `{what}` inside a transaction block (\"{what} cannot run inside a transaction block\"), so the migration fails"),
            "put the statement in its own migration marked `-- migrate:up transaction:false` (diesel: `run_in_transaction = false`; sqlx: `-- no-transaction`)",
        ));
    }
}

/// `REINDEX TABLE t` and `CLUSTER t`, which PostgreSQL refuses inside a transaction block when
/// `t` is partitioned (as the schema model knows from its `PARTITION BY`).
fn partitioned_target(toks: &[Token], schema: &Schema) -> Option<(usize, &'static str)> {
    let words: Vec<&str> = toks.iter().map(|t| t.word().unwrap_or("")).collect();
    let (table_at, what) = match words.as_slice() {
        ["REINDEX", "TABLE", ..] => (2, "REINDEX TABLE"),
        ["CLUSTER", ..] => (1 + usize::from(words.get(1) == Some(&"VERBOSE")), "CLUSTER"),
        _ => return None,
    };
    // The table name may be schema-qualified: the last identifier before `USING` or the end.
    let name = toks[table_at.min(toks.len())..]
        .iter()
        .take_while(|t| !t.is("USING"))
        .filter_map(Token::ident)
        .last()?;
    schema
        .table(&name)
        .is_some_and(|t| t.partitioned)
        .then_some((0, what))
}

/// The statements PostgreSQL refuses inside a transaction block: every caller of
/// `PreventInTransactionBlock` in its source, each checked against PostgreSQL 15 by
/// `tests/tests/runtime/no_transaction.rs`. Returns where the statement is judged and the
/// name the server's message gives it. Refusals that depend on the objects (a partitioned
/// table for `REINDEX TABLE` and `CLUSTER`) are left to the server.
fn refused_in_transaction_block(toks: &[Token]) -> Option<(usize, &'static str)> {
    let words: Vec<&str> = toks.iter().map(|t| t.word().unwrap_or("")).collect();
    let first = |n: usize| words.get(..n).unwrap_or(&[]).to_vec();
    let at = |word: &str| toks.iter().find(|t| t.is(word)).map_or(0, |t| t.offset);
    // `CONCURRENTLY`, unless an option list turns it off: `(CONCURRENTLY false)`.
    let concurrently = words.iter().enumerate().any(|(i, w)| {
        *w == "CONCURRENTLY"
            && !matches!(words.get(i + 1), Some(&("FALSE" | "OFF")))
            && !toks
                .get(i + 1)
                .is_some_and(|t| t.tok == super::tokens::Tok::Number)
    });
    let found = match words.first().copied()? {
        "CREATE" if has_words(toks, &["INDEX"]) && concurrently => {
            (at("CONCURRENTLY"), "CREATE INDEX CONCURRENTLY")
        }
        "CREATE" if first(2) == ["CREATE", "DATABASE"] => (0, "CREATE DATABASE"),
        "CREATE" if first(2) == ["CREATE", "TABLESPACE"] => (0, "CREATE TABLESPACE"),
        "CREATE" if first(2) == ["CREATE", "SUBSCRIPTION"] => {
            // `WITH (create_slot = false)` (or `connect = false`, which implies it) may run.
            let no_slot = words.windows(3).any(|w| {
                matches!(w[0], "CREATE_SLOT" | "CONNECT") && w[1].is_empty() && w[2] == "FALSE"
            }) || words
                .windows(2)
                .any(|w| matches!(w[0], "CREATE_SLOT" | "CONNECT") && w[1] == "FALSE");
            if no_slot {
                return None;
            }
            (0, "CREATE SUBSCRIPTION ... WITH (create_slot = true)")
        }
        "DROP" if has_words(toks, &["INDEX"]) && concurrently => {
            (at("CONCURRENTLY"), "DROP INDEX CONCURRENTLY")
        }
        "DROP" if first(2) == ["DROP", "DATABASE"] => (0, "DROP DATABASE"),
        "DROP" if first(2) == ["DROP", "TABLESPACE"] => (0, "DROP TABLESPACE"),
        "DROP" if first(2) == ["DROP", "SUBSCRIPTION"] => (0, "DROP SUBSCRIPTION"),
        "REINDEX" if concurrently => (at("CONCURRENTLY"), "REINDEX CONCURRENTLY"),
        "REINDEX" if has_words(toks, &["SCHEMA"]) => (0, "REINDEX SCHEMA"),
        "REINDEX" if has_words(toks, &["SYSTEM"]) => (0, "REINDEX SYSTEM"),
        "REINDEX" if has_words(toks, &["DATABASE"]) => (0, "REINDEX DATABASE"),
        "VACUUM" => (0, "VACUUM"),
        // `CLUSTER` alone (or `CLUSTER VERBOSE`) reclusters every table.
        "CLUSTER" if words.iter().skip(1).all(|w| *w == "VERBOSE") => (0, "CLUSTER"),
        "ALTER" if first(2) == ["ALTER", "SYSTEM"] => (0, "ALTER SYSTEM"),
        "ALTER" if first(2) == ["ALTER", "DATABASE"] && has_words(toks, &["SET", "TABLESPACE"]) => {
            (0, "ALTER DATABASE SET TABLESPACE")
        }
        "ALTER"
            if first(2) == ["ALTER", "TABLE"]
                && has_words(toks, &["DETACH", "PARTITION"])
                && concurrently =>
        {
            (at("CONCURRENTLY"), "ALTER TABLE ... DETACH CONCURRENTLY")
        }
        "ALTER"
            if first(2) == ["ALTER", "SUBSCRIPTION"]
                && has_words(toks, &["REFRESH", "PUBLICATION"]) =>
        {
            (0, "ALTER SUBSCRIPTION ... REFRESH")
        }
        "ALTER"
            if first(2) == ["ALTER", "SUBSCRIPTION"]
                && words.iter().any(|w| matches!(*w, "SET" | "ADD" | "DROP"))
                && has_words(toks, &["PUBLICATION"]) =>
        {
            // `WITH (refresh = false)` may run.
            let no_refresh = words
                .windows(3)
                .any(|w| w[0] == "REFRESH" && w[2] == "FALSE")
                || words
                    .windows(2)
                    .any(|w| w[0] == "REFRESH" && w[1] == "FALSE");
            if no_refresh {
                return None;
            }
            (0, "ALTER SUBSCRIPTION with refresh")
        }
        "DISCARD" if first(2) == ["DISCARD", "ALL"] => (0, "DISCARD ALL"),
        "COMMIT" if first(2) == ["COMMIT", "PREPARED"] => (0, "COMMIT PREPARED"),
        "ROLLBACK" if first(2) == ["ROLLBACK", "PREPARED"] => (0, "ROLLBACK PREPARED"),
        _ => return None,
    };
    Some(found)
}

/// Pragmas SQLite ignores (or refuses) inside a transaction, which every transactional
/// migration runs in. `foreign_keys` is honoured by the runner (see `crate::sqlite`), except
/// that it comes back on only after the migration.
const NO_EFFECT_IN_TRANSACTION: &[&str] = &[
    "journal_mode",
    "synchronous",
    "page_size",
    "auto_vacuum",
    "locking_mode",
    "encoding",
    "temp_store",
];

fn sqlite_pragma(ctx: &Context<'_>, out: &mut Vec<Raw>) {
    let Some(p) = crate::sqlite::pragma(ctx.text) else {
        return;
    };
    if p.value.is_none() {
        return;
    }
    if NO_EFFECT_IN_TRANSACTION.contains(&p.name.as_str()) {
        out.push(raw(
            ctx,
            "sqlite-pragma-in-transaction",
            0,
            format!("`PRAGMA {}` has no effect inside the run's transaction", p.name),
            "SQLite ignores this pragma inside a transaction (or refuses it), and the runner runs every transactional migration in one",
            "set it in the application's connection options, or move it into a migration marked `-- migrate:up transaction:false`",
        ));
    }
    let turns_on =
        p.name == "foreign_keys" && !p.value.as_deref().is_some_and(crate::sqlite::is_off);
    let sql_follows = crate::split::split(ctx.after, Dialect::Sqlite)
        .sql()
        .any(|s| crate::sqlite::pragma(s.text(ctx.after)).is_none());
    if turns_on && ctx.foreign_keys_off && sql_follows {
        out.push(raw(
            ctx,
            "sqlite-pragma-in-transaction",
            0,
            "`PRAGMA foreign_keys = ON` before the end of a migration that turned enforcement off".to_owned(),
            "the migration runs in one transaction with enforcement off, and SQLite cannot turn it back on inside it: the statements after this line run unchecked",
            "put the statements that need enforcement in the next migration; the runner turns foreign keys back on after this one commits",
        ));
    }
}

fn first_words(text: &str, n: usize) -> String {
    text.split_whitespace()
        .take(n)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A foreign key to judge once the whole migration's indexes are known.
pub(crate) struct PendingFk {
    pub(crate) table: String,
    pub(crate) columns: Vec<String>,
    pub(crate) raw: Raw,
}

/// Statements that lock, rewrite or lose data on a live database.
pub(crate) fn safety(
    ctx: &Context<'_>,
    toks: &[Token],
    st: &Statement,
    schema: &Schema,
    out: &mut Vec<Raw>,
    fks: &mut Vec<PendingFk>,
) {
    let existing = |table: &str| schema.existed_before(table, ctx.migration);
    let pg = ctx.dialect == Some(Dialect::Postgres);
    let mut takes_access_exclusive = false;
    match st {
        Statement::CreateTable {
            name,
            if_not_exists,
            columns,
            constraints,
            ..
        } => {
            if !if_not_exists {
                out.push(raw(ctx, "not-idempotent", 0, format!("`CREATE TABLE {name}` without `IF NOT EXISTS`"),
                    "running the migration again (after a manual repair, or on a database that already has the table) fails",
                    "write `CREATE TABLE IF NOT EXISTS`"));
            }
            identifiers(
                ctx,
                std::iter::once(name.as_str()).chain(columns.iter().map(|c| c.name.as_str())),
                out,
            );
            for c in columns {
                if let Some((target, ref_cols)) = &c.references {
                    fks.push(pending_fk(
                        ctx,
                        name,
                        vec![c.name.clone()],
                        target,
                        ref_cols,
                        c.offset,
                    ));
                }
            }
            for c in constraints {
                if let Constraint::ForeignKey {
                    columns,
                    table,
                    ref_columns,
                    ..
                } = c
                {
                    fks.push(pending_fk(
                        ctx,
                        name,
                        columns.clone(),
                        table,
                        ref_columns,
                        0,
                    ));
                }
            }
            if ctx.dialect == Some(Dialect::Sqlite) {
                sqlite_gated(ctx, toks, out);
            }
        }
        Statement::CreateIndex {
            table,
            concurrently,
            if_not_exists,
            ..
        } => {
            if pg && !concurrently && existing(table) {
                out.push(raw(ctx, "index-not-concurrent", 0, format!("`CREATE INDEX` on `{table}` without `CONCURRENTLY`"),
                    "building the index blocks every write to the table until it is done",
                    "use `CREATE INDEX CONCURRENTLY` in its own migration marked `-- migrate:up transaction:false`"));
            }
            if !if_not_exists {
                out.push(raw(
                    ctx,
                    "not-idempotent",
                    0,
                    "`CREATE INDEX` without `IF NOT EXISTS`".to_owned(),
                    "running the migration again fails on the existing index",
                    "write `CREATE INDEX IF NOT EXISTS`",
                ));
            }
        }
        Statement::DropIndex { concurrently } => {
            if pg && !concurrently {
                out.push(raw(ctx, "drop-index-not-concurrent", 0, "`DROP INDEX` without `CONCURRENTLY`".to_owned(),
                    "dropping the index takes an ACCESS EXCLUSIVE lock that blocks reads and writes of its table",
                    "use `DROP INDEX CONCURRENTLY` in a migration marked `-- migrate:up transaction:false`"));
            }
        }
        Statement::DropTable { names } => {
            takes_access_exclusive = true;
            out.push(raw(ctx, "drop-table", 0, format!("`DROP TABLE {}` loses the table and its data", names.join(", ")),
                "running application versions that still read the table fail, and the data cannot be recovered by a revert",
                "first deploy code that no longer uses the table, back it up if needed, then drop it in a later migration"));
            if ctx.dialect == Some(Dialect::Sqlite) && !ctx.foreign_keys_off {
                for parent in names {
                    let children = schema.changed_by_delete(parent);
                    if children.is_empty() {
                        continue;
                    }
                    let names: Vec<String> = children.iter().map(|c| format!("`{c}`")).collect();
                    out.push(raw(ctx, "drop-table-cascades", 0,
                        format!("`DROP TABLE {parent}` with foreign keys on deletes the rows of {} that refer to it (`ON DELETE CASCADE` or `SET NULL`)", names.join(", ")),
                        "SQLite empties a table before dropping it, and with enforcement on (sqlx turns it on) each deleted row cascades: a table rebuild that drops the old table loses every row that referred to it",
                        "start the migration with `PRAGMA foreign_keys = OFF;`: the runner then runs it with enforcement off in a transaction of its own and checks every reference before the commit"));
                }
            }
        }
        Statement::Truncate => {
            takes_access_exclusive = true;
            out.push(raw(ctx, "truncate", 0, "`TRUNCATE` deletes every row".to_owned(),
                "the data is gone and a revert cannot bring it back; it also takes an ACCESS EXCLUSIVE lock",
                "delete the rows you mean to delete with `DELETE … WHERE`, in batches on large tables"));
        }
        Statement::RenameTable { from, .. } => {
            out.push(raw(ctx, "rename-table", 0, format!("renaming the table `{from}`"),
                "application versions still running use the old name and fail until they are replaced",
                "create the new table (or a view with the new name), move the code over, then drop the old name later"));
        }
        Statement::AlterTable { table, actions } => {
            let existed = existing(table);
            for (action, at) in actions {
                let at = *at;
                match action {
                    Action::AddColumn(c) => {
                        identifiers(ctx, std::iter::once(c.name.as_str()), out);
                        if existed {
                            takes_access_exclusive = true;
                            add_column(ctx, table, c, at, pg, out);
                            if let Some((target, ref_cols)) = &c.references {
                                fks.push(pending_fk(
                                    ctx,
                                    table,
                                    vec![c.name.clone()],
                                    target,
                                    ref_cols,
                                    at,
                                ));
                            }
                        }
                    }
                    Action::DropColumn(c) => {
                        takes_access_exclusive = true;
                        out.push(raw(ctx, "drop-column", at, format!("dropping the column `{table}.{c}`"),
                            "running application versions that read or write the column fail, and the data is lost",
                            "first deploy code that no longer uses the column, then drop it in a later migration"));
                        if ctx.dialect == Some(Dialect::Sqlite) {
                            out.push(raw(ctx, "sqlite-version-gated", at, "`ALTER TABLE … DROP COLUMN` needs SQLite 3.35".to_owned(),
                                "older system SQLite libraries reject it",
                                "rebuild the table (create the new table, copy the rows, drop the old one, rename) or require SQLite 3.35+"));
                        }
                    }
                    Action::AlterType(c) if existed => {
                        takes_access_exclusive = true;
                        out.push(raw(ctx, "column-type-change", at, format!("changing the type of `{table}.{c}`"),
                            "most type changes rewrite the whole table under an exclusive lock, and running code may not read the new type",
                            "add a column of the new type, backfill it in batches, switch the code, then drop the old column"));
                    }
                    Action::SetNotNull(c) if existed => {
                        takes_access_exclusive = true;
                        out.push(raw(ctx, "set-not-null", at, format!("`SET NOT NULL` on `{table}.{c}`"),
                            "the database scans the whole table under an exclusive lock to check every row",
                            "add `CHECK ({c} IS NOT NULL) NOT VALID`, `VALIDATE CONSTRAINT` it in a later migration, then `SET NOT NULL` (PostgreSQL 12+ skips the scan)"));
                    }
                    Action::AddConstraint {
                        constraint,
                        not_valid,
                        using_index,
                    } if existed => {
                        takes_access_exclusive = true;
                        match constraint {
                            Constraint::ForeignKey {
                                columns,
                                table: target,
                                ref_columns,
                                ..
                            } => {
                                if pg && !not_valid {
                                    out.push(raw(ctx, "fk-validated-inline", at, format!("foreign key on `{table}` validated as it is added"),
                                        "validating scans the table while blocking writes to both tables",
                                        "add it with `NOT VALID`, then `ALTER TABLE … VALIDATE CONSTRAINT` in a later migration"));
                                }
                                fks.push(pending_fk(
                                    ctx,
                                    table,
                                    columns.clone(),
                                    target,
                                    ref_columns,
                                    at,
                                ));
                            }
                            Constraint::Check if pg && !not_valid => {
                                out.push(raw(ctx, "check-validated-inline", at, format!("check constraint on `{table}` validated as it is added"),
                                    "validating scans the whole table under an exclusive lock",
                                    "add it with `NOT VALID`, then `ALTER TABLE … VALIDATE CONSTRAINT` in a later migration"));
                            }
                            Constraint::Unique(_) | Constraint::PrimaryKey(_)
                                if pg && !using_index =>
                            {
                                out.push(raw(ctx, "unique-constraint-inline", at, format!("unique constraint on `{table}` built as it is added"),
                                    "building the index blocks writes to the table for the whole build",
                                    "`CREATE UNIQUE INDEX CONCURRENTLY` first, then `ADD CONSTRAINT … UNIQUE USING INDEX`"));
                            }
                            _ => {}
                        }
                    }
                    Action::RenameColumn => {
                        out.push(raw(ctx, "rename-column", at, format!("renaming a column of `{table}`"),
                            "application versions still running use the old name and fail until they are replaced",
                            "add the new column, write to both, backfill, move the code over, then drop the old column"));
                        if ctx.dialect == Some(Dialect::Sqlite) {
                            out.push(raw(
                                ctx,
                                "sqlite-version-gated",
                                at,
                                "`RENAME COLUMN` needs SQLite 3.25".to_owned(),
                                "older system SQLite libraries reject it",
                                "rebuild the table, or require SQLite 3.25+",
                            ));
                        }
                    }
                    Action::RenameTo(to) => {
                        out.push(raw(ctx, "rename-table", at, format!("renaming `{table}` to `{to}`"),
                            "application versions still running use the old name and fail until they are replaced",
                            "create the new table (or a view with the new name), move the code over, then drop the old name later"));
                    }
                    Action::AlterType(_)
                    | Action::SetNotNull(_)
                    | Action::AddConstraint { .. }
                    | Action::Other => {
                        takes_access_exclusive |= existed;
                    }
                }
            }
        }
        Statement::SetLockTimeout | Statement::Other => {
            if ctx.dialect == Some(Dialect::Sqlite) {
                sqlite_gated(ctx, toks, out);
            }
        }
    }
    if pg && takes_access_exclusive && !ctx.lock_timeout_set {
        out.push(raw(ctx, "lock-timeout-missing", 0, "an exclusive lock is taken with no `lock_timeout` set".to_owned(),
            "if a long query holds the table, this statement waits, and every query behind it queues: the application stalls",
            "start the migration with `SET lock_timeout = '5s';` and retry it when it times out"));
    }
}

fn add_column(ctx: &Context<'_>, table: &str, c: &Column, at: usize, pg: bool, out: &mut Vec<Raw>) {
    if c.not_null && !c.has_default && !c.identity {
        out.push(raw(ctx, "add-required-column", at, format!("`{table}.{}` is added `NOT NULL` without a default", c.name),
            "the statement fails on a table that has rows, and running code that inserts without the column fails too",
            "add the column with a `DEFAULT`, or nullable, backfill it, then set it `NOT NULL`"));
    }
    if pg && let Some(f) = &c.volatile_default {
        out.push(raw(ctx, "volatile-default", at, format!("`{table}.{}` is added with the volatile default `{f}()`", c.name),
            "a volatile default rewrites the whole table under an exclusive lock",
            "add the column without a default (or a constant one), backfill it in batches, then set the default"));
    }
}

fn pending_fk(
    ctx: &Context<'_>,
    table: &str,
    columns: Vec<String>,
    target: &str,
    ref_cols: &[String],
    at: usize,
) -> PendingFk {
    let _ = ref_cols;
    PendingFk {
        table: table.to_owned(),
        raw: raw(
            ctx,
            "fk-without-index",
            at,
            format!(
                "the foreign key `{table}({})` → `{target}` has no index on its columns",
                columns.join(", ")
            ),
            "deleting or updating a row of the referenced table scans the whole referencing table, and joins on the key are slow",
            "add an index whose leading columns are the foreign key's",
        ),
        columns,
    }
}

pub(crate) fn fk_without_index(fk: PendingFk, schema: &Schema, out: &mut Vec<Raw>) {
    if fk.columns.is_empty() || schema.has_index_on(&fk.table, &fk.columns) {
        return;
    }
    out.push(fk.raw);
}

fn identifiers<'a>(ctx: &Context<'_>, names: impl Iterator<Item = &'a str>, out: &mut Vec<Raw>) {
    let limit = match ctx.dialect {
        Some(Dialect::Postgres) => 63,
        Some(Dialect::Mysql) => 64,
        _ => return,
    };
    for name in names {
        if name.len() > limit {
            out.push(raw(
                ctx,
                "identifier-too-long",
                0,
                format!(
                    "`{name}` is {} bytes long; the limit is {limit}",
                    name.len()
                ),
                "the database truncates or rejects it, so two long names can collide",
                "choose a shorter name",
            ));
        }
    }
}

/// SQLite syntax that older system libraries reject.
fn sqlite_gated(ctx: &Context<'_>, toks: &[Token], out: &mut Vec<Raw>) {
    let gated: &[(&[&str], &str)] = &[
        (&["RETURNING"], "`RETURNING` needs SQLite 3.35"),
        (&["STRICT"], "`STRICT` tables need SQLite 3.37"),
        (
            &["GENERATED", "ALWAYS"],
            "generated columns need SQLite 3.31",
        ),
        (
            &["DO", "UPDATE"],
            "upsert (`ON CONFLICT … DO UPDATE`) needs SQLite 3.24",
        ),
        (
            &["DO", "NOTHING"],
            "upsert (`ON CONFLICT … DO NOTHING`) needs SQLite 3.24",
        ),
    ];
    for (words, what) in gated {
        if has_words(toks, words) {
            let at = toks.iter().find(|t| t.is(words[0])).map_or(0, |t| t.offset);
            out.push(raw(ctx, "sqlite-version-gated", at, (*what).to_owned(),
                "applications that link an older system SQLite fail on this migration",
                "require a recent enough SQLite (the bundled one in sqlx is), or write it without the feature"));
        }
    }
}

/// The multi-tenant rules, on when `tenant-column` is set.
pub(crate) fn tenant(
    ctx: &Context<'_>,
    st: &Statement,
    schema: &Schema,
    lint: &LintConfig,
    out: &mut Vec<Raw>,
) {
    let Some(tenant) = lint.tenant_column.as_deref() else {
        return;
    };
    let global = |t: &str| lint.global_tables.iter().any(|g| g.eq_ignore_ascii_case(t));
    let unscoped = |table: &str, cols: &[String], at: usize, out: &mut Vec<Raw>| {
        if !cols.iter().any(|c| c == tenant) {
            out.push(raw(ctx, "tenant-unique-unscoped", at, format!("uniqueness on `{table}({})` does not include `{tenant}`", cols.join(", ")),
                "the key is unique across all tenants: one tenant's row blocks another's, and a sharded deployment cannot enforce it",
                &format!("include `{tenant}` in the key: `UNIQUE ({tenant}, {})`", cols.join(", "))));
        }
    };
    let fk_unscoped = |table: &str,
                       cols: &[String],
                       target: &str,
                       at: usize,
                       out: &mut Vec<Raw>| {
        if !global(target) && !cols.iter().any(|c| c == tenant) {
            out.push(raw(ctx, "tenant-fk-unscoped", at, format!("the foreign key `{table}({})` → `{target}` does not include `{tenant}`", cols.join(", ")),
                "a row can reference another tenant's row",
                &format!("reference `({tenant}, …)` on both sides, with a unique key on `{target}({tenant}, …)`")));
        }
    };
    match st {
        Statement::CreateTable {
            name,
            columns,
            constraints,
            ..
        } if !global(name) => {
            if !columns.is_empty() && !columns.iter().any(|c| c.name == tenant) {
                out.push(raw(ctx, "tenant-column-missing", 0, format!("the table `{name}` has no `{tenant}` column"),
                    "its rows belong to no tenant, so queries cannot be scoped and data can leak between tenants",
                    &format!("add `{tenant}` (NOT NULL, referencing the tenants table), or list `{name}` in `global-tables`")));
            }
            for c in columns {
                if c.primary_key || c.unique {
                    unscoped(name, std::slice::from_ref(&c.name), c.offset, out);
                }
                if let Some((target, _)) = &c.references {
                    fk_unscoped(name, std::slice::from_ref(&c.name), target, c.offset, out);
                }
            }
            for c in constraints {
                match c {
                    Constraint::PrimaryKey(cols) | Constraint::Unique(cols) => {
                        unscoped(name, cols, 0, out)
                    }
                    Constraint::ForeignKey { columns, table, .. } => {
                        fk_unscoped(name, columns, table, 0, out)
                    }
                    _ => {}
                }
            }
        }
        Statement::CreateIndex {
            table,
            columns,
            unique,
            ..
        } if !global(table) && is_tenant_table(schema, table, tenant) => {
            if *unique {
                unscoped(table, columns, 0, out);
            } else if columns.len() >= 2 && columns[0] != tenant {
                out.push(raw(ctx, "tenant-index-order", 0, format!("the index on `{table}({})` is not led by `{tenant}`", columns.join(", ")),
                    "every query is scoped by tenant, so an index led by another column cannot serve it well",
                    &format!("put `{tenant}` first: `({tenant}, {})`", columns.join(", "))));
            }
        }
        Statement::AlterTable { table, actions } if !global(table) => {
            for (action, at) in actions {
                if let Action::AddConstraint { constraint, .. } = action {
                    match constraint {
                        Constraint::PrimaryKey(cols) | Constraint::Unique(cols) => {
                            unscoped(table, cols, *at, out)
                        }
                        Constraint::ForeignKey {
                            columns,
                            table: target,
                            ..
                        } => fk_unscoped(table, columns, target, *at, out),
                        _ => {}
                    }
                }
            }
        }
        _ => {}
    }
}

fn is_tenant_table(schema: &Schema, table: &str, tenant: &str) -> bool {
    schema
        .table(table)
        .is_none_or(|t| t.columns.iter().any(|c| c == tenant) || t.columns.is_empty())
}
