//! What a DDL statement does, read from its tokens: enough for the lint rules and the schema
//! model, in all three dialects. Statements it does not understand are `Other`.

use super::tokens::{Tok, Token};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Column {
    pub(crate) name: String,
    pub(crate) type_words: Vec<String>,
    pub(crate) not_null: bool,
    pub(crate) has_default: bool,
    pub(crate) volatile_default: Option<String>,
    pub(crate) primary_key: bool,
    pub(crate) unique: bool,
    pub(crate) references: Option<(String, Vec<String>)>,
    /// Whether deleting the referenced row changes this table's rows (`ON DELETE CASCADE`,
    /// `SET NULL`, `SET DEFAULT`).
    pub(crate) on_delete_changes_rows: bool,
    pub(crate) identity: bool,
    /// Offset of the column name in the statement.
    pub(crate) offset: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Constraint {
    PrimaryKey(Vec<String>),
    Unique(Vec<String>),
    ForeignKey {
        columns: Vec<String>,
        table: String,
        ref_columns: Vec<String>,
        /// `ON DELETE CASCADE`, `SET NULL` or `SET DEFAULT`.
        on_delete_changes_rows: bool,
    },
    Check,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    AddColumn(Column),
    DropColumn(String),
    AlterType(String),
    SetNotNull(String),
    AddConstraint {
        constraint: Constraint,
        not_valid: bool,
        using_index: bool,
    },
    RenameColumn,
    RenameTo(String),
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Statement {
    CreateTable {
        name: String,
        if_not_exists: bool,
        columns: Vec<Column>,
        constraints: Vec<Constraint>,
        /// `PARTITION BY …`: a partitioned table.
        partitioned: bool,
    },
    CreateIndex {
        table: String,
        columns: Vec<String>,
        unique: bool,
        concurrently: bool,
        if_not_exists: bool,
    },
    DropIndex {
        concurrently: bool,
    },
    DropTable {
        names: Vec<String>,
    },
    Truncate,
    /// `ALTER TABLE t …`, each action with its offset.
    AlterTable {
        table: String,
        actions: Vec<(Action, usize)>,
    },
    /// MySQL `RENAME TABLE a TO b`.
    RenameTable {
        from: String,
        to: String,
    },
    SetLockTimeout,
    Other,
}

/// Words after a column's type that start its constraints.
const COLUMN_STOP: &[&str] = &[
    "NOT",
    "NULL",
    "DEFAULT",
    "PRIMARY",
    "UNIQUE",
    "REFERENCES",
    "CHECK",
    "CONSTRAINT",
    "GENERATED",
    "COLLATE",
    "AUTO_INCREMENT",
    "AUTOINCREMENT",
    "COMMENT",
    "ON",
    "AS",
    "IDENTITY",
    "KEY",
];

/// Functions whose value differs per row: a default using one rewrites the table (PostgreSQL).
const VOLATILE: &[&str] = &[
    "RANDOM",
    "GEN_RANDOM_UUID",
    "UUID_GENERATE_V1",
    "UUID_GENERATE_V4",
    "CLOCK_TIMESTAMP",
    "TIMEOFDAY",
    "NEXTVAL",
    "UUIDV7",
    "UUID_GENERATE_V7",
];

struct Cursor<'a> {
    t: &'a [Token],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<&'a Token> {
        self.t.get(self.i)
    }
    fn at(&self, word: &str) -> bool {
        self.peek().is_some_and(|t| t.is(word))
    }
    fn eat(&mut self, word: &str) -> bool {
        if self.at(word) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn eat_all(&mut self, words: &[&str]) -> bool {
        let save = self.i;
        for w in words {
            if !self.eat(w) {
                self.i = save;
                return false;
            }
        }
        true
    }
    fn next(&mut self) -> Option<&'a Token> {
        let t = self.t.get(self.i);
        // Never past the end, so `&self.t[self.i..]` is always a slice.
        if t.is_some() {
            self.i += 1;
        }
        t
    }
    /// `a.b.c` → `c` (lower-cased unless quoted).
    fn name(&mut self) -> Option<String> {
        let mut last = self.next()?.ident()?;
        while self.peek().is_some_and(|t| t.is_punct(".")) {
            self.i += 1;
            last = self.next()?.ident()?;
        }
        Some(last)
    }
    /// The tokens inside the parenthesis group starting here, split at top-level commas.
    fn group(&mut self) -> Option<Vec<&'a [Token]>> {
        if !self.peek()?.is_punct("(") {
            return None;
        }
        self.i += 1;
        let mut depth = 1;
        let mut items = Vec::new();
        let mut start = self.i;
        while let Some(t) = self.peek() {
            if t.is_punct("(") {
                depth += 1;
            } else if t.is_punct(")") {
                depth -= 1;
                if depth == 0 {
                    items.push(&self.t[start..self.i]);
                    self.i += 1;
                    return Some(items);
                }
            } else if t.is_punct(",") && depth == 1 {
                items.push(&self.t[start..self.i]);
                start = self.i + 1;
            }
            self.i += 1;
        }
        items.push(&self.t[start..]);
        Some(items)
    }
}

/// Column names of `(a, b DESC, lower(c))`: expressions give their first identifier.
fn column_list(items: &[&[Token]]) -> Vec<String> {
    items
        .iter()
        .filter_map(|item| item.iter().find_map(Token::ident))
        .collect()
}

/// Classifies one statement from its tokens.
pub(crate) fn classify(tokens: &[Token]) -> Statement {
    let mut c = Cursor { t: tokens, i: 0 };
    if c.eat("CREATE") {
        c.eat_all(&["OR", "REPLACE"]);
        let unique = c.eat("UNIQUE");
        for w in ["TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL"] {
            c.eat(w);
        }
        if c.eat("TABLE") {
            return create_table(&mut c);
        }
        if c.eat("INDEX") {
            return create_index(&mut c, unique);
        }
        return Statement::Other;
    }
    if c.eat("DROP") {
        if c.eat("INDEX") {
            return Statement::DropIndex {
                concurrently: c.eat("CONCURRENTLY"),
            };
        }
        if c.eat("TABLE") {
            c.eat_all(&["IF", "EXISTS"]);
            let mut names = Vec::new();
            while let Some(n) = c.name() {
                names.push(n);
                if !c.peek().is_some_and(|t| t.is_punct(",")) {
                    break;
                }
                c.i += 1;
            }
            return Statement::DropTable { names };
        }
        return Statement::Other;
    }
    if c.eat("TRUNCATE") {
        return Statement::Truncate;
    }
    if c.eat("RENAME") && c.eat("TABLE") {
        let from = c.name().unwrap_or_default();
        c.eat("TO");
        let to = c.name().unwrap_or_default();
        return Statement::RenameTable { from, to };
    }
    c.i = 0;
    if c.eat("SET") {
        c.eat("LOCAL");
        c.eat("SESSION");
        if c.at("LOCK_TIMEOUT") || c.at("INNODB_LOCK_WAIT_TIMEOUT") || c.at("LOCK_WAIT_TIMEOUT") {
            return Statement::SetLockTimeout;
        }
        return Statement::Other;
    }
    if c.eat("ALTER") && c.eat("TABLE") {
        return alter_table(&mut c);
    }
    Statement::Other
}

fn create_table(c: &mut Cursor<'_>) -> Statement {
    let if_not_exists = c.eat_all(&["IF", "NOT", "EXISTS"]);
    let Some(name) = c.name() else {
        return Statement::Other;
    };
    // `CREATE TABLE x AS SELECT …` and `PARTITION OF` have no column list here.
    let partitioned = |c: &Cursor<'_>| {
        let rest: Vec<&str> = c.t[c.i..].iter().filter_map(Token::word).collect();
        rest.windows(2).any(|w| w == ["PARTITION", "BY"])
    };
    let Some(items) = c.group() else {
        return Statement::CreateTable {
            name,
            if_not_exists,
            columns: Vec::new(),
            constraints: Vec::new(),
            partitioned: partitioned(c),
        };
    };
    let mut columns = Vec::new();
    let mut constraints = Vec::new();
    for item in items {
        if item.is_empty() {
            continue;
        }
        match table_constraint(item) {
            Some(constraint) => constraints.push(constraint),
            None => {
                if let Some(col) = column(item) {
                    columns.push(col);
                }
            }
        }
    }
    Statement::CreateTable {
        name,
        if_not_exists,
        columns,
        constraints,
        partitioned: partitioned(c),
    }
}

/// A table-level constraint item, or `None` for a column definition.
fn table_constraint(item: &[Token]) -> Option<Constraint> {
    let mut c = Cursor { t: item, i: 0 };
    if c.eat("CONSTRAINT") {
        c.next();
    }
    let start = c.i;
    if c.eat_all(&["PRIMARY", "KEY"]) {
        return Some(Constraint::PrimaryKey(
            c.group().map(|g| column_list(&g)).unwrap_or_default(),
        ));
    }
    if c.eat("UNIQUE") {
        c.eat("KEY");
        c.eat("INDEX");
        if !c.peek().is_some_and(|t| t.is_punct("(")) {
            c.next();
        }
        return Some(Constraint::Unique(
            c.group().map(|g| column_list(&g)).unwrap_or_default(),
        ));
    }
    if c.eat_all(&["FOREIGN", "KEY"]) {
        if !c.peek().is_some_and(|t| t.is_punct("(")) {
            c.next();
        }
        let columns = c.group().map(|g| column_list(&g)).unwrap_or_default();
        c.eat("REFERENCES");
        let table = c.name().unwrap_or_default();
        let ref_columns = c.group().map(|g| column_list(&g)).unwrap_or_default();
        return Some(Constraint::ForeignKey {
            columns,
            table,
            ref_columns,
            on_delete_changes_rows: on_delete_changes_rows(c.t.get(c.i..).unwrap_or_default()),
        });
    }
    if c.eat("CHECK") {
        return Some(Constraint::Check);
    }
    c.i = start;
    if c.at("EXCLUDE") || c.at("KEY") || c.at("INDEX") || c.at("FULLTEXT") || c.at("SPATIAL") {
        return Some(Constraint::Other);
    }
    None
}

/// Whether the tokens after a `REFERENCES t (…)` say `ON DELETE CASCADE`, `SET NULL` or
/// `SET DEFAULT`.
fn on_delete_changes_rows(after: &[Token]) -> bool {
    let words: Vec<&str> = after.iter().map(|t| t.word().unwrap_or("")).collect();
    words
        .windows(3)
        .any(|w| w[0] == "ON" && w[1] == "DELETE" && (w[2] == "CASCADE" || w[2] == "SET"))
}

/// A column definition: name, type, then constraints.
fn column(item: &[Token]) -> Option<Column> {
    let mut c = Cursor { t: item, i: 0 };
    let first = c.peek()?;
    let offset = first.offset;
    let name = c.next()?.ident()?;
    let mut col = Column {
        name,
        type_words: Vec::new(),
        not_null: false,
        has_default: false,
        volatile_default: None,
        primary_key: false,
        unique: false,
        references: None,
        on_delete_changes_rows: false,
        identity: false,
        offset,
    };
    let mut depth = 0;
    while let Some(t) = c.peek() {
        if depth == 0 && t.word().is_some_and(|w| COLUMN_STOP.contains(&w)) {
            break;
        }
        if t.is_punct("(") {
            depth += 1;
        } else if t.is_punct(")") {
            depth -= 1;
        }
        if let Some(w) = t.word() {
            col.type_words.push(w.to_owned());
        }
        c.i += 1;
    }
    let type_text = col.type_words.join(" ");
    if type_text.contains("SERIAL") {
        col.not_null = true;
        col.has_default = true;
    }
    while let Some(t) = c.next() {
        match t.word() {
            Some("NOT") if c.eat("NULL") => col.not_null = true,
            Some("PRIMARY") if c.eat("KEY") => {
                col.primary_key = true;
                col.not_null = true;
            }
            Some("UNIQUE") => col.unique = true,
            Some("DEFAULT") => {
                col.has_default = true;
                let mut depth = 0;
                while let Some(d) = c.peek() {
                    if depth == 0
                        && d.word()
                            .is_some_and(|w| COLUMN_STOP.contains(&w) && w != "NULL")
                    {
                        break;
                    }
                    if d.is_punct("(") {
                        depth += 1;
                    } else if d.is_punct(")") {
                        depth -= 1;
                    }
                    if let Some(w) = d.word()
                        && VOLATILE.contains(&w)
                        && c.t.get(c.i + 1).is_some_and(|n| n.is_punct("("))
                    {
                        col.volatile_default = Some(w.to_lowercase());
                    }
                    c.i += 1;
                }
            }
            Some("REFERENCES") => {
                let table = c.name().unwrap_or_default();
                let cols = c.group().map(|g| column_list(&g)).unwrap_or_default();
                col.references = Some((table, cols));
                col.on_delete_changes_rows =
                    on_delete_changes_rows(c.t.get(c.i..).unwrap_or_default());
            }
            Some("GENERATED") => {
                col.identity = true;
                col.has_default = true;
            }
            Some("AUTO_INCREMENT" | "AUTOINCREMENT" | "IDENTITY") => {
                col.identity = true;
                col.has_default = true;
            }
            _ => {}
        }
    }
    Some(col)
}

fn create_index(c: &mut Cursor<'_>, unique: bool) -> Statement {
    let concurrently = c.eat("CONCURRENTLY");
    let if_not_exists = c.eat_all(&["IF", "NOT", "EXISTS"]);
    // The index name is optional in PostgreSQL.
    if !c.at("ON") {
        c.name();
    }
    if !c.eat("ON") {
        return Statement::Other;
    }
    c.eat("ONLY");
    let table = c.name().unwrap_or_default();
    if c.eat("USING") {
        c.next();
    }
    let columns = c.group().map(|g| column_list(&g)).unwrap_or_default();
    Statement::CreateIndex {
        table,
        columns,
        unique,
        concurrently,
        if_not_exists,
    }
}

fn alter_table(c: &mut Cursor<'_>) -> Statement {
    c.eat_all(&["IF", "EXISTS"]);
    c.eat("ONLY");
    let Some(table) = c.name() else {
        return Statement::Other;
    };
    let mut actions = Vec::new();
    // Actions are separated by top-level commas.
    let rest = &c.t[c.i..];
    let mut start = 0;
    let mut depth = 0;
    for (i, t) in rest.iter().enumerate() {
        if t.is_punct("(") {
            depth += 1;
        } else if t.is_punct(")") {
            depth -= 1;
        } else if t.is_punct(",") && depth == 0 {
            if let Some(a) = action(&rest[start..i]) {
                actions.push(a);
            }
            start = i + 1;
        }
    }
    if let Some(a) = action(&rest[start..]) {
        actions.push(a);
    }
    Statement::AlterTable { table, actions }
}

fn action(item: &[Token]) -> Option<(Action, usize)> {
    let offset = item.first()?.offset;
    let mut c = Cursor { t: item, i: 0 };
    let action = if c.eat("ADD") {
        let constraint_start = c.i;
        if c.eat("CONSTRAINT") {
            c.next();
        }
        if c.at("PRIMARY") || c.at("UNIQUE") || c.at("FOREIGN") || c.at("CHECK") || c.at("EXCLUDE")
        {
            let constraint = table_constraint(&c.t[c.i..]).unwrap_or(Constraint::Other);
            let words: Vec<&str> = c.t[c.i..].iter().filter_map(Token::word).collect();
            let not_valid = words.windows(2).any(|w| w == ["NOT", "VALID"]);
            let using_index = words.windows(2).any(|w| w == ["USING", "INDEX"]);
            Action::AddConstraint {
                constraint,
                not_valid,
                using_index,
            }
        } else {
            c.i = constraint_start;
            c.eat("COLUMN");
            c.eat_all(&["IF", "NOT", "EXISTS"]);
            if c.at("INDEX") || c.at("KEY") || c.at("FULLTEXT") || c.at("SPATIAL") {
                Action::Other
            } else {
                match column(&c.t[c.i..]) {
                    Some(col) => Action::AddColumn(col),
                    None => Action::Other,
                }
            }
        }
    } else if c.eat("DROP") {
        if c.eat("COLUMN")
            || !(c.at("CONSTRAINT")
                || c.at("INDEX")
                || c.at("KEY")
                || c.at("PRIMARY")
                || c.at("FOREIGN")
                || c.at("CHECK")
                || c.at("DEFAULT")
                || c.at("PARTITION"))
        {
            c.eat_all(&["IF", "EXISTS"]);
            Action::DropColumn(c.name().unwrap_or_default())
        } else {
            Action::Other
        }
    } else if c.eat("ALTER") {
        c.eat("COLUMN");
        let col = c.name().unwrap_or_default();
        if c.eat("TYPE") || c.eat_all(&["SET", "DATA", "TYPE"]) {
            Action::AlterType(col)
        } else if c.eat_all(&["SET", "NOT", "NULL"]) {
            Action::SetNotNull(col)
        } else {
            Action::Other
        }
    } else if c.eat("MODIFY") || c.eat("CHANGE") {
        // MySQL: `MODIFY [COLUMN] c type`, `CHANGE [COLUMN] old new type`.
        c.eat("COLUMN");
        Action::AlterType(c.name().unwrap_or_default())
    } else if c.eat("RENAME") {
        if c.eat("TO") || c.eat("AS") {
            Action::RenameTo(c.name().unwrap_or_default())
        } else if c.eat("COLUMN") || !(c.at("CONSTRAINT") || c.at("INDEX") || c.at("KEY")) {
            Action::RenameColumn
        } else {
            Action::Other
        }
    } else {
        Action::Other
    };
    Some((action, offset))
}

/// Whether the statement's tokens hold the word sequence.
pub(crate) fn has_words(tokens: &[Token], words: &[&str]) -> bool {
    let w: Vec<&str> = tokens
        .iter()
        .map(|t| match &t.tok {
            Tok::Word { upper, .. } => upper.as_str(),
            _ => "",
        })
        .collect();
    w.windows(words.len()).any(|win| win == words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dialect;
    use crate::check::tokens::tokens;

    fn st(sql: &str) -> Statement {
        classify(&tokens(sql, Dialect::Postgres))
    }

    #[test]
    fn create_table_columns_and_constraints() {
        let Statement::CreateTable {
            name,
            columns,
            constraints,
            ..
        } = st(
            "CREATE TABLE IF NOT EXISTS app.orders (id BIGSERIAL PRIMARY KEY, tenant_id BIGINT NOT NULL REFERENCES tenants (id), code TEXT UNIQUE, token UUID DEFAULT gen_random_uuid(), CONSTRAINT u UNIQUE (tenant_id, code), FOREIGN KEY (tenant_id) REFERENCES tenants (id))",
        )
        else {
            panic!("not a create table");
        };
        assert_eq!(name, "orders");
        assert_eq!(columns.len(), 4);
        assert!(columns[0].primary_key && columns[0].has_default);
        assert_eq!(
            columns[1].references,
            Some(("tenants".into(), vec!["id".into()]))
        );
        assert!(columns[2].unique);
        assert_eq!(
            columns[3].volatile_default.as_deref(),
            Some("gen_random_uuid")
        );
        assert_eq!(constraints.len(), 2);
    }

    #[test]
    fn create_index_and_alter_table() {
        assert_eq!(
            st(
                "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON ONLY t USING btree (a, lower(b))"
            ),
            Statement::CreateIndex {
                table: "t".into(),
                columns: vec!["a".into(), "lower".into()],
                unique: true,
                concurrently: true,
                if_not_exists: true
            }
        );
        let Statement::AlterTable { table, actions } = st(
            "ALTER TABLE t ADD COLUMN x INT NOT NULL, ALTER COLUMN y TYPE bigint, ALTER COLUMN z SET NOT NULL, DROP COLUMN w, ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES b (id) NOT VALID, RENAME COLUMN a TO b",
        ) else {
            panic!("not an alter table");
        };
        assert_eq!(table, "t");
        let kinds: Vec<_> = actions
            .iter()
            .map(|(a, _)| std::mem::discriminant(a))
            .collect();
        assert_eq!(kinds.len(), 6);
        assert!(matches!(&actions[0].0, Action::AddColumn(c) if c.not_null && !c.has_default));
        assert!(matches!(&actions[1].0, Action::AlterType(c) if c == "y"));
        assert!(matches!(&actions[2].0, Action::SetNotNull(c) if c == "z"));
        assert!(matches!(&actions[3].0, Action::DropColumn(c) if c == "w"));
        assert!(matches!(
            &actions[4].0,
            Action::AddConstraint {
                not_valid: true,
                ..
            }
        ));
        assert!(matches!(&actions[5].0, Action::RenameColumn));
    }
}
