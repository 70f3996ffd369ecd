//! Schema snapshots: a normalized, deterministic description of everything a migration can
//! change in a database, and the difference between two of them.
//!
//! Each dialect has one file here with the catalog query that reads its schema and the code
//! that turns the query's rows into a [`Snapshot`]: [`postgres`], [`mysql`], [`sqlite`]. The
//! runtime runs the query through the connection it already has (no external binary); this
//! module has no database of its own, so everything here is tested offline.
//!
//! ```
//! use migrate_core::snapshot::Snapshot;
//!
//! let mut before = Snapshot::default();
//! before.insert("column", "public.orders.total", Some("public.orders"), "type", "numeric(10,2)");
//! let mut after = before.clone();
//! after.insert("column", "public.orders.total", Some("public.orders"), "type", "numeric(12,2)");
//! after.insert("index", "public.orders_total_idx", Some("public.orders"), "definition",
//!              "CREATE INDEX orders_total_idx ON public.orders USING btree (total)");
//! let diff = before.diff(&after);
//! assert_eq!(diff.to_string(), "\
//! ~ column public.orders.total: numeric(10,2) → numeric(12,2)
//! + index public.orders_total_idx: CREATE INDEX orders_total_idx ON public.orders USING btree (total)
//! ");
//! ```
//!
//! A column's position is not part of a snapshot (a column a down adds back comes last), and
//! names the server makes up are replaced by what they name where the dialect's file can tell
//! them apart (MySQL's `<table>_ibfk_<n>`, SQLite's unnamed constraints).

use std::collections::BTreeMap;
use std::fmt;

use crate::Dialect;

pub mod mysql;
pub mod postgres;
pub mod sqlite;

/// Rows of text columns as a catalog query returns them, `None` for SQL `NULL`.
pub type Rows = Vec<Vec<Option<String>>>;

/// One row: owned (`Vec<Option<String>>`) or borrowed from a cache (`&Vec<…>`).
pub trait Row: AsRef<[Option<String>]> {}

impl<T: AsRef<[Option<String>]>> Row for T {}

/// Column `i` of a row, `None` when it is missing or `NULL`.
pub(crate) fn cell<R: Row>(row: &R, i: usize) -> Option<String> {
    row.as_ref().get(i).cloned().flatten()
}

/// What an object is and its name, the key two snapshots are compared by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey {
    /// `table`, `column`, `index`, `constraint`, `view`, `function`, …
    pub kind: String,
    /// The name, qualified by its table (columns, constraints, triggers) and, on PostgreSQL,
    /// its schema.
    pub name: String,
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.name)
    }
}

/// One object: the table it belongs to (if any) and its attributes by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Object {
    /// The table (or view) the object belongs to, or is.
    pub table: Option<String>,
    /// Attributes by name: `type`, `not null`, `default`, `definition`, `comment`, …
    pub attributes: BTreeMap<String, String>,
}

impl Object {
    /// The object in one line, for a diff: its definition or type first, then the other
    /// attributes in name order.
    pub fn summary(&self) -> String {
        const LEAD: [&str; 2] = ["definition", "type"];
        let mut parts = Vec::new();
        for name in LEAD {
            if let Some(value) = self.attributes.get(name).filter(|v| !v.is_empty()) {
                parts.push(one_line(value));
            }
        }
        for (name, value) in &self.attributes {
            if LEAD.contains(&name.as_str()) || value.is_empty() {
                continue;
            }
            if name == "not null" {
                parts.push(one_line(value));
            } else {
                parts.push(format!("{name} {}", one_line(value)));
            }
        }
        parts.join(" ")
    }
}

/// A database's schema, object by object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    objects: BTreeMap<ObjectKey, Object>,
}

impl Snapshot {
    /// Sets one attribute of an object, creating the object on first use. An empty value
    /// records only that the object exists.
    pub fn insert(&mut self, kind: &str, name: &str, table: Option<&str>, attr: &str, value: &str) {
        let object = self
            .objects
            .entry(ObjectKey {
                kind: kind.to_owned(),
                name: name.to_owned(),
            })
            .or_default();
        if object.table.is_none() {
            object.table = table.map(str::to_owned);
        }
        if !value.is_empty() || !object.attributes.contains_key(attr) {
            object.attributes.insert(attr.to_owned(), value.to_owned());
        }
    }

    /// Reads rows of `(kind, name, table, attribute, value)`, the shape every dialect's query
    /// returns (SQLite's after its file has parsed the definitions).
    pub fn from_rows<R: Row>(rows: &[R]) -> Snapshot {
        let mut snapshot = Snapshot::default();
        for row in rows {
            let text = |i: usize| cell(row, i);
            // A `NULL` value is an attribute the object does not have.
            let (Some(kind), Some(name), Some(attr), Some(value)) =
                (text(0), text(1), text(3), text(4))
            else {
                continue;
            };
            snapshot.insert(&kind, &name, text(2).as_deref(), &attr, &value);
        }
        snapshot
    }

    /// Reads a dialect's catalog rows, the rows of its file's [`query`], leaving out the
    /// history table `table` and its lock table (`<table>_lock`) (in `schema` on PostgreSQL, where a given schema also limits the
    /// snapshot to that schema).
    pub fn from_catalog(
        dialect: Dialect,
        rows: &[impl Row],
        schema: Option<&str>,
        table: &str,
    ) -> Snapshot {
        match dialect {
            Dialect::Postgres => postgres::snapshot(rows, schema, table),
            Dialect::Mysql => mysql::snapshot(rows, table),
            Dialect::Sqlite => sqlite::snapshot(rows, table),
        }
    }

    /// Rewrites the `definition` of every object of the given kinds.
    pub fn map_definitions(&mut self, kinds: &[&str], rewrite: impl Fn(&str) -> String) {
        for (key, object) in self.objects.iter_mut() {
            if kinds.contains(&key.kind.as_str())
                && let Some(d) = object.attributes.get_mut("definition")
            {
                *d = rewrite(d);
            }
        }
    }

    /// The objects, to rewrite: for the dialects' files.
    pub(crate) fn objects_mut(&mut self) -> &mut BTreeMap<ObjectKey, Object> {
        &mut self.objects
    }

    /// Keeps the objects `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&ObjectKey, &Object) -> bool) {
        self.objects.retain(|k, o| keep(k, o));
    }

    /// The objects, in key order.
    pub fn objects(&self) -> impl Iterator<Item = (&ObjectKey, &Object)> {
        self.objects.iter()
    }

    /// The number of objects.
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// Whether the snapshot has no object.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// What changes from `self` to `after`, object by object, in key order.
    pub fn diff(&self, after: &Snapshot) -> Diff {
        let mut changes = Vec::new();
        let mut before = self.objects.iter().peekable();
        let mut later = after.objects.iter().peekable();
        loop {
            match (before.peek(), later.peek()) {
                (None, None) => break,
                (Some((key, object)), None) => {
                    changes.push(Change::removed(key, object));
                    before.next();
                }
                (None, Some((key, object))) => {
                    changes.push(Change::added(key, object));
                    later.next();
                }
                (Some((bk, bo)), Some((ak, ao))) => match bk.cmp(ak) {
                    std::cmp::Ordering::Less => {
                        changes.push(Change::removed(bk, bo));
                        before.next();
                    }
                    std::cmp::Ordering::Greater => {
                        changes.push(Change::added(ak, ao));
                        later.next();
                    }
                    std::cmp::Ordering::Equal => {
                        changes.extend(Change::changed(bk, bo, ao));
                        before.next();
                        later.next();
                    }
                },
            }
        }
        Diff { changes }
    }
}

/// What kind of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// The object is only in the later snapshot.
    Added,
    /// The object is only in the earlier snapshot.
    Removed,
    /// One attribute of the object differs.
    Changed,
}

impl ChangeKind {
    /// `added`, `removed` or `changed`, as JSON output spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        }
    }
}

/// One difference between two snapshots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    pub object: ObjectKey,
    /// The attribute that differs (`Changed`), or `None`.
    pub attribute: Option<String>,
    /// The value before (`Removed`: the object's summary), or `None`.
    pub before: Option<String>,
    /// The value after (`Added`: the object's summary), or `None`.
    pub after: Option<String>,
}

impl Change {
    fn added(key: &ObjectKey, object: &Object) -> Change {
        Change {
            kind: ChangeKind::Added,
            object: key.clone(),
            attribute: None,
            before: None,
            after: Some(object.summary()),
        }
    }

    fn removed(key: &ObjectKey, object: &Object) -> Change {
        Change {
            kind: ChangeKind::Removed,
            object: key.clone(),
            attribute: None,
            before: Some(object.summary()),
            after: None,
        }
    }

    fn changed(key: &ObjectKey, before: &Object, after: &Object) -> Vec<Change> {
        let mut names: Vec<&String> = before
            .attributes
            .keys()
            .chain(after.attributes.keys())
            .collect();
        names.sort();
        names.dedup();
        names
            .into_iter()
            .filter_map(|name| {
                let b = before.attributes.get(name);
                let a = after.attributes.get(name);
                (b != a).then(|| Change {
                    kind: ChangeKind::Changed,
                    object: key.clone(),
                    attribute: Some(name.clone()),
                    before: b.cloned(),
                    after: a.cloned(),
                })
            })
            .collect()
    }
}

impl fmt::Display for Change {
    /// `+ index …: definition`, `- column …: type …`, `~ column …: before → after`; a
    /// definition of several lines that changed is shown line by line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ChangeKind::Added => write_summary(f, '+', &self.object, self.after.as_deref()),
            ChangeKind::Removed => write_summary(f, '-', &self.object, self.before.as_deref()),
            ChangeKind::Changed => {
                let attr = self.attribute.as_deref().unwrap_or_default();
                let label = match attr {
                    "type" | "definition" => String::new(),
                    other => format!(" {other}"),
                };
                let show = |v: &Option<String>| match v.as_deref() {
                    None => "(none)".to_owned(),
                    Some("") => "(yes)".to_owned(),
                    Some(v) => v.to_owned(),
                };
                let (b, a) = (show(&self.before), show(&self.after));
                if b.contains('\n') || a.contains('\n') {
                    writeln!(f, "~ {}{label}:", self.object)?;
                    for line in line_diff(&b, &a) {
                        writeln!(f, "    {line}")?;
                    }
                    Ok(())
                } else {
                    writeln!(f, "~ {}{label}: {b} → {a}", self.object)
                }
            }
        }
    }
}

fn write_summary(
    f: &mut fmt::Formatter<'_>,
    sign: char,
    key: &ObjectKey,
    summary: Option<&str>,
) -> fmt::Result {
    match summary.filter(|s| !s.is_empty()) {
        Some(s) => writeln!(f, "{sign} {key}: {s}"),
        None => writeln!(f, "{sign} {key}"),
    }
}

/// The lines of `before` and `after` with `-`, `+` or two spaces in front: a longest common
/// subsequence, which is plenty for the few dozen lines of a view or function.
fn line_diff(before: &str, after: &str) -> Vec<String> {
    let b: Vec<&str> = before.lines().collect();
    let a: Vec<&str> = after.lines().collect();
    let mut lcs = vec![vec![0usize; a.len() + 1]; b.len() + 1];
    for i in (0..b.len()).rev() {
        for j in (0..a.len()).rev() {
            lcs[i][j] = if b[i] == a[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < b.len() || j < a.len() {
        if i < b.len() && j < a.len() && b[i] == a[j] {
            out.push(format!("  {}", b[i]));
            i += 1;
            j += 1;
        } else if j < a.len() && (i == b.len() || lcs[i][j + 1] > lcs[i + 1][j]) {
            out.push(format!("+ {}", a[j]));
            j += 1;
        } else {
            out.push(format!("- {}", b[i]));
            i += 1;
        }
    }
    out
}

/// A value on one line: runs of white space become one space.
fn one_line(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every difference between two snapshots.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    pub changes: Vec<Change>,
}

impl Diff {
    /// Whether the two snapshots are the same.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for change in &self.changes {
            write!(f, "{change}")?;
        }
        Ok(())
    }
}

/// The catalog query of a dialect, whose rows go to [`Snapshot::from_catalog`]. `mariadb`
/// says which of the two MySQL servers it is (their catalogs differ for CHECK constraints).
pub fn query(dialect: Dialect, mariadb: bool) -> &'static str {
    match dialect {
        Dialect::Postgres => postgres::QUERY,
        Dialect::Mysql if mariadb => mysql::MARIADB_QUERY,
        Dialect::Mysql => mysql::MYSQL_QUERY,
        Dialect::Sqlite => sqlite::QUERY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(items: &[(&str, &str, &str, &str)]) -> Snapshot {
        let mut s = Snapshot::default();
        for (kind, name, attr, value) in items {
            s.insert(kind, name, Some("t"), attr, value);
        }
        s
    }

    #[test]
    fn equal_snapshots_have_no_diff() {
        let a = snap(&[("column", "t.a", "type", "integer")]);
        assert!(a.diff(&a.clone()).is_empty());
    }

    #[test]
    fn added_removed_and_changed_objects_are_listed_in_key_order() {
        let before = snap(&[
            ("column", "t.a", "type", "integer"),
            ("column", "t.b", "type", "text"),
            ("column", "t.b", "not null", "not null"),
        ]);
        let after = snap(&[
            ("column", "t.a", "type", "bigint"),
            ("column", "t.c", "type", "text"),
        ]);
        assert_eq!(
            before.diff(&after).to_string(),
            "~ column t.a: integer → bigint\n- column t.b: text not null\n+ column t.c: text\n"
        );
    }

    #[test]
    fn an_attribute_that_appears_or_goes_is_a_change() {
        let before = snap(&[("column", "t.a", "type", "text")]);
        let after = snap(&[
            ("column", "t.a", "type", "text"),
            ("column", "t.a", "default", "'x'::text"),
        ]);
        assert_eq!(
            before.diff(&after).to_string(),
            "~ column t.a default: (none) → 'x'::text\n"
        );
    }

    #[test]
    fn multi_line_definitions_are_shown_line_by_line() {
        let before = snap(&[("view", "v", "definition", "SELECT a,\n  b\nFROM t")]);
        let after = snap(&[("view", "v", "definition", "SELECT a,\n  c\nFROM t")]);
        assert_eq!(
            before.diff(&after).to_string(),
            "~ view v:\n      SELECT a,\n    -   b\n    +   c\n      FROM t\n"
        );
    }
}
