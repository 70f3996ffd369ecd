//! MySQL and MariaDB: one query over `information_schema` (`mysql.sql`) for the current
//! database: tables (engine, collation, comment), columns (`COLUMN_TYPE`, nullability,
//! default, generation expression, `EXTRA`, collation, comment), indexes, foreign keys, CHECK
//! constraints, views, triggers, functions and procedures. The `AUTO_INCREMENT` counter and
//! row counts are not part of a schema and are left out.
//!
//! Names the server makes up are replaced by what they name: InnoDB names an unnamed foreign
//! key `<table>_ibfk_<n>` and MySQL an unnamed CHECK `<table>_chk_<n>` (MariaDB
//! `CONSTRAINT_<n>`), numbered in creation order, so the same key added back by a down gets
//! another number. The server writes the database's name into view definitions
//! (`` `app`.`users`.`id` ``); it is taken out, so a scratch database compares with the real
//! one.

use super::{Row, Rows, Snapshot, cell};

/// The catalog query for MariaDB, whose `CHECK_CONSTRAINTS` has the table's name.
pub const MARIADB_QUERY: &str = concat!(
    include_str!("mysql.sql"),
    "SELECT 'check', CONCAT(TABLE_NAME, '.', CONSTRAINT_NAME), TABLE_NAME, 'definition', CHECK_CLAUSE
FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()"
);

/// The catalog query for MySQL 8, whose `CHECK_CONSTRAINTS` has no table name: it comes from
/// `TABLE_CONSTRAINTS` (CHECK names are unique in a MySQL database).
pub const MYSQL_QUERY: &str = concat!(
    include_str!("mysql.sql"),
    "SELECT 'check', CONCAT(tc.TABLE_NAME, '.', cc.CONSTRAINT_NAME), tc.TABLE_NAME, 'definition', cc.CHECK_CLAUSE
FROM information_schema.CHECK_CONSTRAINTS cc
JOIN information_schema.TABLE_CONSTRAINTS tc ON tc.CONSTRAINT_SCHEMA = cc.CONSTRAINT_SCHEMA
  AND tc.CONSTRAINT_NAME = cc.CONSTRAINT_NAME AND tc.CONSTRAINT_TYPE = 'CHECK'
WHERE cc.CONSTRAINT_SCHEMA = DATABASE()"
);

/// The snapshot of the query's rows, without the history table `table`.
pub fn snapshot<R: Row>(rows: &[R], table: &str) -> Snapshot {
    let database = rows
        .iter()
        .find(|r| r.as_ref().first().and_then(Option::as_deref) == Some("database"))
        .and_then(|r| cell(r, 1))
        .unwrap_or_default();
    let prefix = format!("`{}`.", database.replace('`', "``"));
    let mut out: Rows = Vec::with_capacity(rows.len());
    for row in rows {
        let text = |i: usize| cell(row, i);
        let (Some(kind), Some(mut name), table, Some(attr), Some(mut value)) =
            (text(0), text(1), text(2), text(3), text(4))
        else {
            continue;
        };
        match kind.as_str() {
            "database" => continue,
            "view" if !database.is_empty() => value = value.replace(&prefix, ""),
            "foreign key" | "check" => {
                if let Some(table) = &table
                    && is_generated_name(&kind, table, &name[table.len() + 1..])
                {
                    name = format!("{table}.{value}");
                    value = String::new();
                }
            }
            _ => {}
        }
        out.push(vec![Some(kind), Some(name), table, Some(attr), Some(value)]);
    }
    let mut snapshot = Snapshot::from_rows(&out);
    let lock = format!("{table}_lock");
    snapshot.retain(|_, object| {
        object.table.as_deref() != Some(table) && object.table.as_deref() != Some(lock.as_str())
    });
    snapshot
}

/// Whether `name` is one the server made up for an unnamed constraint of `table`.
fn is_generated_name(kind: &str, table: &str, name: &str) -> bool {
    let numbered = |prefix: &str| {
        name.strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    match kind {
        "foreign key" => numbered(&format!("{table}_ibfk_")),
        _ => numbered(&format!("{table}_chk_")) || numbered("CONSTRAINT_"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(items: [&str; 5]) -> Vec<Option<String>> {
        items.iter().map(|s| Some((*s).to_owned())).collect()
    }

    #[test]
    fn generated_names_give_way_to_what_they_name() {
        let rows = vec![
            row(["database", "app", "", "", ""]),
            row([
                "foreign key",
                "o.o_ibfk_3",
                "o",
                "definition",
                "(u_id) REFERENCES u (id)",
            ]),
            row([
                "foreign key",
                "o.fk_user",
                "o",
                "definition",
                "(u_id) REFERENCES u (id)",
            ]),
            row(["check", "o.CONSTRAINT_1", "o", "definition", "`a` > 0"]),
            row([
                "view",
                "v",
                "v",
                "definition",
                "select `app`.`u`.`id` AS `id` from `app`.`u`",
            ]),
        ];
        let names: Vec<String> = snapshot(&rows, "_migrations")
            .objects()
            .map(|(k, o)| format!("{k} {}", o.summary()))
            .collect();
        assert_eq!(
            names,
            [
                "check o.`a` > 0 ",
                "foreign key o.(u_id) REFERENCES u (id) ",
                "foreign key o.fk_user (u_id) REFERENCES u (id)",
                "view v select `u`.`id` AS `id` from `u`",
            ]
        );
    }
}
