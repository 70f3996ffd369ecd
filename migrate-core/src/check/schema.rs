//! The schema as the migrations build it: tables, columns and indexes, updated statement by
//! statement, so rules can ask what existed before the current migration.

use std::collections::HashMap;

use super::statement::{Action, Constraint, Statement};

#[derive(Debug, Clone, Default)]
pub(crate) struct TableInfo {
    pub(crate) columns: Vec<String>,
    /// Column lists of indexes, primary keys and unique constraints.
    pub(crate) indexes: Vec<Vec<String>>,
    /// The index of the migration that created the table.
    pub(crate) created_in: usize,
    /// The tables its foreign keys refer to, each with whether deleting a referenced row
    /// changes this table's rows (`ON DELETE CASCADE`, `SET NULL`, `SET DEFAULT`).
    pub(crate) references: Vec<(String, bool)>,
    /// Created with `PARTITION BY`.
    pub(crate) partitioned: bool,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Schema {
    tables: HashMap<String, TableInfo>,
}

impl Schema {
    pub(crate) fn table(&self, name: &str) -> Option<&TableInfo> {
        self.tables.get(name)
    }

    /// Whether the table existed before migration `current` (so it may hold data and be in use).
    /// A table the migrations never created is assumed to exist.
    pub(crate) fn existed_before(&self, name: &str, current: usize) -> bool {
        self.tables.get(name).is_none_or(|t| t.created_in < current)
    }

    /// Whether some index's leading columns are exactly `columns` (in any order).
    pub(crate) fn has_index_on(&self, table: &str, columns: &[String]) -> bool {
        self.tables.get(table).is_some_and(|t| {
            t.indexes.iter().any(|idx| {
                idx.len() >= columns.len() && {
                    let mut lead: Vec<&String> = idx[..columns.len()].iter().collect();
                    let mut want: Vec<&String> = columns.iter().collect();
                    lead.sort();
                    want.sort();
                    lead == want
                }
            })
        })
    }

    /// The tables whose rows change when a row of `parent` is deleted, in name order.
    pub(crate) fn changed_by_delete(&self, parent: &str) -> Vec<&str> {
        let mut children: Vec<&str> = self
            .tables
            .iter()
            .filter(|(name, t)| {
                name.as_str() != parent
                    && t.references
                        .iter()
                        .any(|(p, changes)| p == parent && *changes)
            })
            .map(|(name, _)| name.as_str())
            .collect();
        children.sort_unstable();
        children
    }

    pub(crate) fn apply(&mut self, statement: &Statement, migration: usize) {
        match statement {
            Statement::CreateTable {
                name,
                columns,
                constraints,
                partitioned,
                ..
            } => {
                let mut info = TableInfo {
                    columns: columns.iter().map(|c| c.name.clone()).collect(),
                    indexes: Vec::new(),
                    created_in: migration,
                    references: Vec::new(),
                    partitioned: *partitioned,
                };
                for c in columns {
                    if c.primary_key || c.unique {
                        info.indexes.push(vec![c.name.clone()]);
                    }
                    if let Some((parent, _)) = &c.references {
                        info.references
                            .push((parent.clone(), c.on_delete_changes_rows));
                    }
                }
                for c in constraints {
                    match c {
                        Constraint::PrimaryKey(cols) | Constraint::Unique(cols) => {
                            info.indexes.push(cols.clone());
                        }
                        Constraint::ForeignKey {
                            table,
                            on_delete_changes_rows,
                            ..
                        } => info
                            .references
                            .push((table.clone(), *on_delete_changes_rows)),
                        _ => {}
                    }
                }
                // `CREATE TABLE IF NOT EXISTS` of a known table keeps what is known.
                self.tables.entry(name.clone()).or_insert(info);
            }
            Statement::CreateIndex { table, columns, .. } => {
                self.tables
                    .entry(table.clone())
                    .or_default()
                    .indexes
                    .push(columns.clone());
            }
            Statement::DropTable { names } => {
                for n in names {
                    self.tables.remove(n);
                }
            }
            Statement::RenameTable { from, to } => {
                if let Some(t) = self.tables.remove(from) {
                    self.tables.insert(to.clone(), t);
                }
            }
            Statement::AlterTable { table, actions } => {
                let mut rename = None;
                let entry = self.tables.entry(table.clone()).or_default();
                for (action, _) in actions {
                    match action {
                        Action::AddColumn(c) => {
                            entry.columns.push(c.name.clone());
                            if c.primary_key || c.unique {
                                entry.indexes.push(vec![c.name.clone()]);
                            }
                            if let Some((parent, _)) = &c.references {
                                entry
                                    .references
                                    .push((parent.clone(), c.on_delete_changes_rows));
                            }
                        }
                        Action::AddConstraint {
                            constraint:
                                Constraint::ForeignKey {
                                    table,
                                    on_delete_changes_rows,
                                    ..
                                },
                            ..
                        } => entry
                            .references
                            .push((table.clone(), *on_delete_changes_rows)),
                        Action::DropColumn(c) => entry.columns.retain(|x| x != c),
                        Action::AddConstraint {
                            constraint: Constraint::PrimaryKey(cols) | Constraint::Unique(cols),
                            ..
                        } => entry.indexes.push(cols.clone()),
                        Action::RenameTo(to) => rename = Some(to.clone()),
                        _ => {}
                    }
                }
                if let Some(to) = rename
                    && let Some(t) = self.tables.remove(table)
                {
                    self.tables.insert(to, t);
                }
            }
            _ => {}
        }
    }
}
