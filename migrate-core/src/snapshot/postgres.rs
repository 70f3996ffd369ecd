//! PostgreSQL: one catalog query (`postgres.sql`) over `pg_catalog`, whose rows are the
//! snapshot as they are. Definitions are printed by the server (`pg_get_indexdef`,
//! `pg_get_constraintdef`, `pg_get_viewdef`, `pg_get_functiondef`, `pg_get_triggerdef`,
//! `format_type`), so two objects are the same when the server prints them the same way.
//! Objects an extension owns are left out (the extension itself is listed with its version),
//! and so are the `pg_*` and `information_schema` schemas.
//!
//! A function's body is kept as written, so its lines are compared trimmed: the same function
//! indented differently is the same function.
//!
//! Three spellings of the transaction's start time as a column default, `now()`,
//! `CURRENT_TIMESTAMP` and `transaction_timestamp()`, are stored as different expressions and
//! printed as written; they give the same value, so they compare as `now()`.
//! (`CURRENT_TIMESTAMP(3)` rounds, and stays as it is.)
//!
//! A sequence a column owns (`serial`, identity) is named by its column, since the server
//! names it and adds a digit when the name is taken.
//!
//! Constraint and index names are kept as they are: PostgreSQL derives the names it makes up
//! from the table and columns (`users_email_key`, `orders_user_id_fkey`), so the same DDL gives
//! the same name again.

use super::{ObjectKey, Row, Snapshot, cell};

/// A function's definition with each line trimmed and blank lines dropped: the server keeps
/// a body as it was written, so the same function written again with other indentation is
/// the same function.
fn body_lines(definition: &str) -> String {
    definition
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A sequence owned by a column (`serial`, identity) gets its name from the server, which
/// adds a digit when the name is taken (`users_id_seq1`): it is named by its column instead
/// (`sequence for public.users.id`), and the column's `nextval('users_id_seq1'::regclass)`
/// default becomes `nextval(its sequence)`.
fn name_owned_sequences(snapshot: &mut Snapshot) {
    let objects = snapshot.objects_mut();
    let owned: Vec<(ObjectKey, String, String)> = objects
        .iter()
        .filter(|(k, _)| k.kind == "sequence")
        .filter_map(|(k, o)| {
            let owner = o.attributes.get("owned by")?;
            let (schema, bare) = k.name.split_once('.')?;
            Some((k.clone(), format!("{schema}.{owner}"), bare.to_owned()))
        })
        .collect();
    for (key, column, bare) in owned {
        if let Some(mut sequence) = objects.remove(&key) {
            sequence.attributes.remove("owned by");
            objects.insert(
                ObjectKey {
                    kind: "sequence".to_owned(),
                    name: format!("for {column}"),
                },
                sequence,
            );
        }
        let column_key = ObjectKey {
            kind: "column".to_owned(),
            name: column,
        };
        if let Some(default) = objects
            .get_mut(&column_key)
            .and_then(|c| c.attributes.get_mut("default"))
            && nextval_target(default).is_some_and(|target| target == bare.replace('"', ""))
        {
            *default = "nextval(its sequence)".to_owned();
        }
    }
}

/// The sequence's bare name in `nextval('schema.name'::regclass)`, unquoted.
fn nextval_target(default: &str) -> Option<String> {
    let inner = default
        .strip_prefix("nextval('")?
        .strip_suffix("'::regclass)")?
        .replace('"', "");
    Some(inner.rsplit('.').next().unwrap_or(&inner).to_owned())
}

/// The catalog query: rows of `(kind, name, table, attribute, value)`, all text.
pub const QUERY: &str = include_str!("postgres.sql");

/// The snapshot of the query's rows, without the history table `table` and its lock table
/// (in `schema`, or the current schema) and, when `schema` is given, without every other schema: a tenant's
/// migrations are compared in its own schema.
pub fn snapshot<R: Row>(rows: &[R], schema: Option<&str>, table: &str) -> Snapshot {
    let current = rows
        .iter()
        .find(|r| r.as_ref().first().and_then(Option::as_deref) == Some("current schema"))
        .and_then(|r| cell(r, 1))
        .unwrap_or_else(|| "public".to_owned());
    let history = format!("{}.{table}", schema.unwrap_or(&current));
    let lock = format!("{history}_lock");
    let mut snapshot = Snapshot::from_rows(rows);
    snapshot.map_definitions(&["function", "procedure"], body_lines);
    name_owned_sequences(&mut snapshot);
    for (key, object) in snapshot.objects_mut().iter_mut() {
        if key.kind == "column"
            && let Some(default) = object.attributes.get_mut("default")
            && matches!(
                default.as_str(),
                "CURRENT_TIMESTAMP" | "transaction_timestamp()"
            )
        {
            *default = "now()".to_owned();
        }
    }
    snapshot.retain(|key, object| {
        let unquoted = |s: &str| s.replace('"', "");
        if key.kind == "current schema" {
            return false;
        }
        let owner = object.table.as_deref().map(unquoted);
        if owner.as_deref() == Some(history.as_str()) || owner.as_deref() == Some(lock.as_str()) {
            return false;
        }
        match schema {
            Some(schema) => {
                let name = unquoted(&key.name);
                name == schema || name.starts_with(&format!("{schema}."))
            }
            None => true,
        }
    });
    snapshot
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(items: [Option<&str>; 5]) -> Vec<Option<String>> {
        items.iter().map(|s| s.map(str::to_owned)).collect()
    }

    #[test]
    fn owned_sequences_are_named_by_their_column() {
        let snapshot_with = |seq: &str| {
            let rows = vec![
                row([
                    Some("current schema"),
                    Some("public"),
                    None,
                    Some(""),
                    Some(""),
                ]),
                row([
                    Some("column"),
                    Some("public.t.id"),
                    Some("public.t"),
                    Some("default"),
                    Some(&format!("nextval('{seq}'::regclass)")),
                ]),
                row([
                    Some("sequence"),
                    Some(&format!("public.{seq}")),
                    None,
                    Some("definition"),
                    Some("AS integer"),
                ]),
                row([
                    Some("sequence"),
                    Some(&format!("public.{seq}")),
                    None,
                    Some("owned by"),
                    Some("t.id"),
                ]),
            ];
            snapshot(&rows, None, "_migrations")
        };
        let a = snapshot_with("t_id_seq");
        let b = snapshot_with("t_id_seq1");
        assert!(a.diff(&b).is_empty(), "{}", a.diff(&b));
        let names: Vec<String> = a
            .objects()
            .map(|(k, o)| format!("{k}: {}", o.summary()))
            .collect();
        assert_eq!(
            names,
            [
                "column public.t.id: default nextval(its sequence)",
                "sequence for public.t.id: AS integer"
            ]
        );
    }
}
