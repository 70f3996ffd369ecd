//! The registry of every code the checker emits: the lint rules of SPEC §7, whose levels the
//! config sets, and the folder codes the loader reports, whose levels are fixed. Ids are
//! stable: config files, `-- migrate:allow` lines and machine-readable output all use them.
//!
//! Each entry carries its documentation (why it matters, the safe recipe, an example that
//! fires); `docs/RULES.md` and `cargo migrate check --explain <id>` are made from it by
//! [`explain`] and [`catalogue`].

use std::fmt;
use std::str::FromStr;

use crate::Dialect;

/// How a finding of a rule is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Not reported.
    Allow,
    /// Reported; the build and `check` still pass.
    Warn,
    /// Fails the build and `check` (exit 3).
    Deny,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }
}

impl FromStr for Level {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "allow" => Ok(Level::Allow),
            "warn" => Ok(Level::Warn),
            "deny" => Ok(Level::Deny),
            _ => Err(()),
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which group a rule belongs to; the group decides when it is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleGroup {
    /// Syntax and structure: a migration that breaks these cannot be trusted to run.
    Structure,
    /// Statements that lock, rewrite or lose data on a live database.
    Safety,
    /// On only when `tenant-column` is configured.
    Tenant,
    /// What the loader reports about the folder's files. Not lint rules: their levels are
    /// fixed, and `-- migrate:allow` does not name them.
    Folder,
}

impl RuleGroup {
    fn title(self) -> &'static str {
        match self {
            RuleGroup::Structure => "Syntax and structure",
            RuleGroup::Safety => "Safety",
            RuleGroup::Tenant => "Multi-tenant (on when `tenant-column` is set)",
            RuleGroup::Folder => "Folder codes",
        }
    }
}

/// A folder that makes a rule fire: files (relative path, content) checked for a dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Example {
    pub dialect: Dialect,
    pub files: &'static [(&'static str, &'static str)],
}

/// One rule or code of the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub group: RuleGroup,
    /// The level when the config says nothing.
    pub default: Level,
    /// Whether the config may set it below `deny`. Some structural problems leave no way to
    /// order or run the folder, so they stay errors.
    pub lowerable: bool,
    /// The dialects it applies to; empty means all.
    pub dialects: &'static [Dialect],
    /// What it finds, in one sentence.
    pub summary: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// The safe recipe, or what to do.
    pub fix: &'static str,
    /// A folder that makes it fire; `None` where no text file can (an unreadable file).
    pub example: Option<Example>,
}

const PG: &[Dialect] = &[Dialect::Postgres];
const SQLITE: &[Dialect] = &[Dialect::Sqlite];
const PG_SQLITE: &[Dialect] = &[Dialect::Postgres, Dialect::Sqlite];
const ALL: &[Dialect] = &[];

use Level::{Allow, Deny, Warn};
use RuleGroup::{Folder, Safety, Structure, Tenant};

const fn ex(dialect: Dialect, files: &'static [(&'static str, &'static str)]) -> Option<Example> {
    Some(Example { dialect, files })
}

const fn pg(sql: &'static [(&'static str, &'static str)]) -> Option<Example> {
    ex(Dialect::Postgres, sql)
}

/// Every lint rule, in the order SPEC §7 lists them.
pub const RULES: &[Rule] = &[
    Rule {
        id: "syntax-error",
        group: Structure,
        default: Deny,
        lowerable: true,
        dialects: ALL,
        summary: "A statement the database would refuse: PostgreSQL's grammar (an exact parser), SQLite's own library (the folder is executed as the runtime runs it), MySQL's grammar (sqlparser, for the statements it models; routines, triggers and events are left to the server) and the syntax of the other dialects.",
        why: "The migration fails at deploy time, under the lock, after the migrations before it were applied.",
        fix: "Fix the statement. On SQLite an unknown table or column is found too, because the migrations run in order; functions the application registers are declared with `sqlite-functions`.",
        example: pg(&[(
            "0001_users.sql",
            "CREATE TABLE users (id BIGINT PRIMARY KEY,);\n",
        )]),
    },
    Rule {
        id: "duplicate-version",
        group: Structure,
        default: Deny,
        lowerable: false,
        dialects: ALL,
        summary: "Two migrations with the same version (`0001_a.sql` and `1_b.sql` are both version 1).",
        why: "The order of the two is undefined and the history table can record only one of them.",
        fix: "Give one of them a new version, for example with `cargo migrate new`.",
        example: pg(&[
            ("0001_a.sql", "CREATE TABLE a (id INT);\n"),
            ("1_b.sql", "CREATE TABLE b (id INT);\n"),
        ]),
    },
    Rule {
        id: "missing-pair",
        group: Structure,
        default: Warn,
        lowerable: true,
        dialects: ALL,
        summary: "One direction of a migration is missing: an `.up.sql` without its `.down.sql`, a lone `.down.sql`, a Flyway `U` file without its `V`.",
        why: "What it means follows the layout's tool. golang-migrate runs a missing direction as an empty migration, and so does a golang-migrate folder here: the version is applied or reverted and nothing runs. Elsewhere a missing down makes the migration irreversible, and a lone down file is not read.",
        fix: "Add the missing file if that direction should do something; raise the rule to `deny` to require both.",
        example: pg(&[("0001_users.up.sql", "CREATE TABLE users (id INT);\n")]),
    },
    Rule {
        id: "bad-directive",
        group: Structure,
        default: Deny,
        lowerable: false,
        dialects: ALL,
        summary: "An unknown or misplaced `-- migrate:` line, an unknown directive, or a `-- migrate:allow` that names no rule.",
        why: "A directive that is not understood would silently change how the migration runs.",
        fix: "The directives are `-- migrate:up`, `-- migrate:down` (each optionally followed by `transaction:false`) and `-- migrate:allow <rule-id>`.",
        example: pg(&[(
            "0001_users.sql",
            "-- migrate:up transaction:maybe\nCREATE TABLE users (id INT);\n",
        )]),
    },
    Rule {
        id: "empty-migration",
        group: Structure,
        default: Warn,
        lowerable: true,
        dialects: ALL,
        summary: "An up section with no statement in it (only comments or nothing). It is applied and recorded like any other, as diesel, dbmate, sqlx and Prisma do.",
        why: "Often a placeholder that keeps versions in step across dialects; sometimes a migration written in the wrong section or not written yet, which is then recorded as applied and never runs again.",
        fix: "Write the migration's SQL or delete the file; a deliberate placeholder sets the rule to `allow`, and a team that wants none sets it to `deny`.",
        example: pg(&[(
            "0001_users.sql",
            "-- migrate:up\n-- to do\n-- migrate:down\nDROP TABLE users;\n",
        )]),
    },
    Rule {
        id: "transaction-nesting",
        group: Structure,
        default: Deny,
        lowerable: true,
        dialects: ALL,
        summary: "`BEGIN`, `COMMIT` or `ROLLBACK` inside a migration that the runner wraps in a transaction.",
        why: "The runner commits each migration together with its history row; transaction control inside it ends that transaction early, so the SQL and the row no longer commit together.",
        fix: "Remove the statement, or mark the migration `-- migrate:up transaction:false` if it must manage its own transactions.",
        example: pg(&[("0001_users.sql", "CREATE TABLE users (id INT);\nCOMMIT;\n")]),
    },
    Rule {
        id: "concurrent-in-transaction",
        group: Structure,
        default: Deny,
        lowerable: true,
        dialects: PG_SQLITE,
        summary: "A statement the server refuses inside a transaction block, in a migration that runs in one: `CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`, `REINDEX … CONCURRENTLY` and the rest of PostgreSQL's list; `VACUUM` on SQLite.",
        why: "The migration fails at deploy time with \"cannot run inside a transaction block\" (SQLite: \"cannot VACUUM from within a transaction\").",
        fix: "Put the statement in a migration of its own marked `-- migrate:up transaction:false` (sqlx: `-- no-transaction`; diesel: `run_in_transaction = false`).",
        example: pg(&[(
            "0001_index.sql",
            "CREATE TABLE users (id INT, email TEXT);\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n",
        )]),
    },
    Rule {
        id: "foreign-key-check",
        group: Structure,
        default: Deny,
        lowerable: true,
        dialects: SQLITE,
        summary: "A SQLite migration run with `PRAGMA foreign_keys = OFF` leaves a row that refers to a row that does not exist.",
        why: "With enforcement off nothing stops a table rebuild from losing the rows other tables refer to. The runner runs `PRAGMA foreign_key_check` before the commit and fails the migration, as SQLite's documentation prescribes.",
        fix: "Copy every referenced row into the rebuilt table before the old one is dropped, or delete the rows that refer to nothing.",
        example: ex(
            Dialect::Sqlite,
            &[
                (
                    "0001_tables.sql",
                    "CREATE TABLE parent (id INTEGER PRIMARY KEY);\nCREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));\nINSERT INTO parent VALUES (1);\nINSERT INTO child VALUES (1, 1);\n",
                ),
                (
                    "0002_rebuild.sql",
                    "PRAGMA foreign_keys = OFF;\nCREATE TABLE parent_new (id INTEGER PRIMARY KEY);\nDROP TABLE parent;\nALTER TABLE parent_new RENAME TO parent;\nPRAGMA foreign_keys = ON;\n",
                ),
            ],
        ),
    },
    Rule {
        id: "drop-table-cascades",
        group: Structure,
        default: Deny,
        lowerable: true,
        dialects: SQLITE,
        summary: "A SQLite `DROP TABLE` of a table other tables refer to with `ON DELETE CASCADE` (or `SET NULL`, `SET DEFAULT`), in a migration that runs with foreign keys on.",
        why: "SQLite deletes a table's rows before it drops it, and each deleted row cascades: the table rebuild of SQLite's documentation, run with enforcement on, empties every table that referred to the old one.",
        fix: "Start the migration with `PRAGMA foreign_keys = OFF;`. The runner then runs it with enforcement off in a transaction of its own and runs `PRAGMA foreign_key_check` before the commit.",
        example: ex(
            Dialect::Sqlite,
            &[
                (
                    "0001_tables.sql",
                    "CREATE TABLE parent (id INTEGER PRIMARY KEY);\nCREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE);\n",
                ),
                (
                    "0002_rebuild.sql",
                    "CREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT);\nINSERT INTO parent_new (id) SELECT id FROM parent;\nDROP TABLE parent;\nALTER TABLE parent_new RENAME TO parent;\n",
                ),
            ],
        ),
    },
    Rule {
        id: "sqlite-pragma-in-transaction",
        group: Structure,
        default: Warn,
        lowerable: true,
        dialects: SQLITE,
        summary: "A SQLite pragma that has no effect inside the run's transaction (`journal_mode`, `synchronous`, `page_size`, `auto_vacuum`, …), or a `PRAGMA foreign_keys = ON` before the end of a migration that turned enforcement off.",
        why: "SQLite ignores these pragmas inside a transaction, silently: the migration runs as if the line were not there.",
        fix: "Set connection pragmas in the application's connection options, or put the pragma in a migration marked `-- migrate:up transaction:false`. The runner turns foreign keys back on after the migration by itself.",
        example: ex(
            Dialect::Sqlite,
            &[(
                "0001_wal.sql",
                "PRAGMA journal_mode = DELETE;\nCREATE TABLE a (id INTEGER);\n",
            )],
        ),
    },
    Rule {
        id: "index-not-concurrent",
        group: Safety,
        default: Warn,
        lowerable: true,
        dialects: PG,
        summary: "`CREATE INDEX` on an existing table without `CONCURRENTLY`.",
        why: "Building the index blocks every write to the table until it is done.",
        fix: "Use `CREATE INDEX CONCURRENTLY` in its own migration marked `-- migrate:up transaction:false`.",
        example: pg(&[
            (
                "0001_users.sql",
                "CREATE TABLE users (id INT, email TEXT);\n",
            ),
            (
                "0002_index.sql",
                "CREATE INDEX users_email ON users (email);\n",
            ),
        ]),
    },
    Rule {
        id: "drop-index-not-concurrent",
        group: Safety,
        default: Warn,
        lowerable: true,
        dialects: PG,
        summary: "`DROP INDEX` without `CONCURRENTLY`.",
        why: "Dropping the index takes an ACCESS EXCLUSIVE lock that blocks reads and writes of its table.",
        fix: "Use `DROP INDEX CONCURRENTLY` in a migration marked `-- migrate:up transaction:false`.",
        example: pg(&[("0001_drop.sql", "DROP INDEX users_email;\n")]),
    },
    Rule {
        id: "add-required-column",
        group: Safety,
        default: Warn,
        lowerable: true,
        dialects: ALL,
        summary: "A column added `NOT NULL` without a default.",
        why: "The statement fails on a table that has rows, and running code that inserts without the column fails too.",
        fix: "Add the column with a `DEFAULT`, or nullable; backfill it; then set it `NOT NULL`.",
        example: pg(&[
            ("0001_users.sql", "CREATE TABLE users (id INT);\n"),
            (
                "0002_name.sql",
                "ALTER TABLE users ADD COLUMN name TEXT NOT NULL;\n",
            ),
        ]),
    },
    Rule {
        id: "set-not-null",
        group: Safety,
        default: Warn,
        lowerable: true,
        dialects: ALL,
        summary: "`ALTER COLUMN … SET NOT NULL` on an existing table.",
        why: "The database scans the whole table under an exclusive lock to check every row.",
        fix: "Add `CHECK (c IS NOT NULL) NOT VALID`, `VALIDATE CONSTRAINT` it in a later migration, then `SET NOT NULL` (PostgreSQL 12+ skips the scan).",
        example: pg(&[
            (
                "0001_users.sql",
                "CREATE TABLE users (id INT, name TEXT);\n",
            ),
            (
                "0002_required.sql",
                "ALTER TABLE users ALTER COLUMN name SET NOT NULL;\n",
            ),
        ]),
    },
    Rule {
        id: "fk-validated-inline",
        group: Safety,
        default: Warn,
        lowerable: true,
        dialects: PG,
        summary: "A foreign key added to an existing table and validated in the same statement.",
        why: "Validating scans the table while blocking writes to both tables.",
        fix: "Add it with `NOT VALID`, then `ALTER TABLE … VALIDATE CONSTRAINT` in a later migration.",
        example: pg(&[
            (
                "0001_tables.sql",
                "CREATE TABLE users (id INT PRIMARY KEY);\nCREATE TABLE orders (id INT, user_id INT);\nCREATE INDEX orders_user ON orders (user_id);\n",
            ),
            (
                "0002_fk.sql",
                "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);\n",
            ),
        ]),
    },
    Rule {
        id: "check-validated-inline",
        group: Safety,
        default: Warn,
        lowerable: true,
        dialects: PG,
        summary: "A check constraint added to an existing table and validated in the same statement.",
        why: "Validating scans the whole table under an exclusive lock.",
        fix: "Add it with `NOT VALID`, then `ALTER TABLE … VALIDATE CONSTRAINT` in a later migration.",
        example: pg(&[
            (
                "0001_orders.sql",
                "CREATE TABLE orders (id INT, total INT);\n",
            ),
            (
                "0002_check.sql",
                "ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total > 0);\n",
            ),
        ]),
    },
    Rule {
        id: "unique-constraint-inline",
        group: Safety,
        default: Warn,
        lowerable: true,
        dialects: PG,
        summary: "A unique constraint added to an existing table, which builds its index in the statement.",
        why: "Building the index blocks writes to the table for the whole build.",
        fix: "`CREATE UNIQUE INDEX CONCURRENTLY` first, then `ADD CONSTRAINT … UNIQUE USING INDEX`.",
        example: pg(&[
            (
                "0001_users.sql",
                "CREATE TABLE users (id INT, email TEXT);\n",
            ),
            (
                "0002_unique.sql",
                "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);\n",
            ),
        ]),
    },
    Rule {
        id: "column-type-change",
        group: Safety,
        default: Warn,
        lowerable: true,
        dialects: ALL,
        summary: "A column's type changed on an existing table.",
        why: "Most type changes rewrite the whole table under an exclusive lock, and running code may not read the new type.",
        fix: "Add a column of the new type, backfill it in batches, switch the code, then drop the old column.",
        example: pg(&[
            ("0001_users.sql", "CREATE TABLE users (id INT, age INT);\n"),
            (
                "0002_type.sql",
                "ALTER TABLE users ALTER COLUMN age TYPE BIGINT;\n",
            ),
        ]),
    },
    Rule {
        id: "drop-table",
        group: Safety,
        default: Warn,
        lowerable: true,
        dialects: ALL,
        summary: "`DROP TABLE`.",
        why: "Running application versions that still read the table fail, and the data cannot be recovered by a revert.",
        fix: "First deploy code that no longer uses the table, back it up if needed, then drop it in a later migration.",
        example: pg(&[("0001_drop.sql", "DROP TABLE users;\n")]),
    },
    Rule {
        id: "drop-column",
        group: Safety,
        default: Warn,
        lowerable: true,
        dialects: ALL,
        summary: "`ALTER TABLE … DROP COLUMN`.",
        why: "Running application versions that read or write the column fail, and the data is lost.",
        fix: "First deploy code that no longer uses the column, then drop it in a later migration.",
        example: pg(&[("0001_drop.sql", "ALTER TABLE users DROP COLUMN name;\n")]),
    },
    Rule {
        id: "rename-table",
        group: Safety,
        default: Warn,
        lowerable: true,
        dialects: ALL,
        summary: "A table renamed.",
        why: "Application versions still running use the old name and fail until they are replaced.",
        fix: "Create the new table (or a view with the new name), move the code over, then drop the old name later.",
        example: pg(&[("0001_rename.sql", "ALTER TABLE users RENAME TO accounts;\n")]),
    },
    Rule {
        id: "rename-column",
        group: Safety,
        default: Warn,
        lowerable: true,
        dialects: ALL,
        summary: "A column renamed.",
        why: "Application versions still running use the old name and fail until they are replaced.",
        fix: "Add the new column, write to both, backfill, move the code over, then drop the old column.",
        example: pg(&[(
            "0001_rename.sql",
            "ALTER TABLE users RENAME COLUMN name TO full_name;\n",
        )]),
    },
    Rule {
        id: "truncate",
        group: Safety,
        default: Warn,
        lowerable: true,
        dialects: ALL,
        summary: "`TRUNCATE`.",
        why: "Every row is gone and a revert cannot bring them back; on PostgreSQL it also takes an ACCESS EXCLUSIVE lock.",
        fix: "Delete the rows you mean to delete with `DELETE … WHERE`, in batches on large tables.",
        example: pg(&[("0001_truncate.sql", "TRUNCATE users;\n")]),
    },
    Rule {
        id: "volatile-default",
        group: Safety,
        default: Warn,
        lowerable: true,
        dialects: PG,
        summary: "A column added to an existing table with a volatile default such as `random()` or `clock_timestamp()`.",
        why: "A volatile default rewrites the whole table under an exclusive lock.",
        fix: "Add the column without a default (or a constant one), backfill it in batches, then set the default.",
        example: pg(&[
            ("0001_users.sql", "CREATE TABLE users (id INT);\n"),
            (
                "0002_token.sql",
                "ALTER TABLE users ADD COLUMN token DOUBLE PRECISION DEFAULT random();\n",
            ),
        ]),
    },
    Rule {
        id: "lock-timeout-missing",
        group: Safety,
        default: Warn,
        lowerable: true,
        dialects: PG,
        summary: "A statement that takes an ACCESS EXCLUSIVE lock on an existing table, with no `SET lock_timeout` before it.",
        why: "If a long query holds the table, the statement waits, and every query behind it queues: the application stalls.",
        fix: "Start the migration with `SET lock_timeout = '5s';` and retry it when it times out.",
        example: pg(&[
            ("0001_users.sql", "CREATE TABLE users (id INT);\n"),
            (
                "0002_column.sql",
                "ALTER TABLE users ADD COLUMN name TEXT;\n",
            ),
        ]),
    },
    Rule {
        id: "fk-without-index",
        group: Safety,
        default: Warn,
        lowerable: true,
        dialects: ALL,
        summary: "A foreign key whose columns no index leads with.",
        why: "Deleting or updating a row of the referenced table scans the whole referencing table, and joins on the key are slow.",
        fix: "Add an index whose leading columns are the foreign key's.",
        example: pg(&[(
            "0001_tables.sql",
            "CREATE TABLE users (id INT PRIMARY KEY);\nCREATE TABLE orders (id INT PRIMARY KEY, user_id INT REFERENCES users (id));\n",
        )]),
    },
    Rule {
        id: "not-idempotent",
        group: Safety,
        default: Allow,
        lowerable: true,
        dialects: ALL,
        summary: "`CREATE TABLE` or `CREATE INDEX` without `IF NOT EXISTS` (opt-in).",
        why: "Running the migration again (after a manual repair, or on a database that already has the object) fails.",
        fix: "Write `CREATE … IF NOT EXISTS`.",
        example: pg(&[("0001_users.sql", "CREATE TABLE users (id INT);\n")]),
    },
    Rule {
        id: "irreversible",
        group: Safety,
        default: Allow,
        lowerable: true,
        dialects: ALL,
        summary: "A migration with no down section (opt-in).",
        why: "`cargo migrate down` refuses it, and a bad deploy cannot be rolled back.",
        fix: "Add a `-- migrate:down` section (or a `.down.sql` file) that undoes it.",
        example: pg(&[("0001_users.sql", "CREATE TABLE users (id INT);\n")]),
    },
    Rule {
        id: "sqlite-version-gated",
        group: Safety,
        default: Warn,
        lowerable: true,
        dialects: SQLITE,
        summary: "SQLite DDL that older system SQLite libraries reject: `DROP COLUMN` (3.35), `RENAME COLUMN` (3.25), generated columns (3.31), upsert (3.24).",
        why: "Applications that link an older system SQLite fail on the migration.",
        fix: "Require a recent enough SQLite (the one sqlx bundles is), or rebuild the table instead.",
        example: ex(
            Dialect::Sqlite,
            &[
                (
                    "0001_users.sql",
                    "CREATE TABLE users (id INTEGER, name TEXT);\n",
                ),
                ("0002_drop.sql", "ALTER TABLE users DROP COLUMN name;\n"),
            ],
        ),
    },
    Rule {
        id: "identifier-too-long",
        group: Safety,
        default: Warn,
        lowerable: true,
        dialects: ALL,
        summary: "A name longer than the database allows (PostgreSQL 63 bytes, MySQL 64).",
        why: "The database truncates or rejects it, so two long names can collide.",
        fix: "Choose a shorter name.",
        example: pg(&[(
            "0001_users.sql",
            "CREATE TABLE users_with_a_name_that_is_far_too_long_for_postgresql_to_keep_whole (id INT);\n",
        )]),
    },
    Rule {
        id: "tenant-column-missing",
        group: Tenant,
        default: Warn,
        lowerable: true,
        dialects: ALL,
        summary: "A table that is not in `global-tables` lacks the tenant column.",
        why: "Its rows belong to no tenant, so queries cannot be scoped and data can leak between tenants.",
        fix: "Add the tenant column, or list the table in `global-tables` if it is shared by all tenants.",
        example: pg(&[(
            "0001_notes.sql",
            "CREATE TABLE notes (id INT PRIMARY KEY);\n",
        )]),
    },
    Rule {
        id: "tenant-unique-unscoped",
        group: Tenant,
        default: Warn,
        lowerable: true,
        dialects: ALL,
        summary: "A primary key or unique constraint of a tenant table without the tenant column.",
        why: "The key is unique across all tenants: one tenant's row blocks another's, and a sharded deployment cannot enforce it.",
        fix: "Include the tenant column in the key, first.",
        example: pg(&[(
            "0001_users.sql",
            "CREATE TABLE users (tenant_id INT NOT NULL, email TEXT UNIQUE);\n",
        )]),
    },
    Rule {
        id: "tenant-index-order",
        group: Tenant,
        default: Warn,
        lowerable: true,
        dialects: ALL,
        summary: "A composite index on a tenant table that the tenant column does not lead.",
        why: "Every query is scoped by tenant, so an index led by another column cannot serve it well.",
        fix: "Put the tenant column first in the index.",
        example: pg(&[
            (
                "0001_users.sql",
                "CREATE TABLE users (tenant_id INT NOT NULL, email TEXT, PRIMARY KEY (tenant_id, email));\n",
            ),
            (
                "0002_index.sql",
                "CREATE INDEX users_email ON users (email, tenant_id);\n",
            ),
        ]),
    },
    Rule {
        id: "tenant-fk-unscoped",
        group: Tenant,
        default: Warn,
        lowerable: true,
        dialects: ALL,
        summary: "A foreign key between tenant tables that does not include the tenant column.",
        why: "A row can reference another tenant's row.",
        fix: "Make the key composite: `FOREIGN KEY (tenant_id, x_id) REFERENCES x (tenant_id, id)`.",
        example: pg(&[(
            "0001_tables.sql",
            "CREATE TABLE users (tenant_id INT NOT NULL, id INT, PRIMARY KEY (tenant_id, id));\nCREATE TABLE orders (tenant_id INT NOT NULL, id INT, user_id INT REFERENCES users (id), PRIMARY KEY (tenant_id, id));\nCREATE INDEX orders_user ON orders (tenant_id, user_id);\n",
        )]),
    },
];

/// The codes the loader reports about the folder's files, whose levels are fixed.
pub const FOLDER_CODES: &[Rule] = &[
    Rule {
        id: "missing-folder",
        group: Folder,
        default: Deny,
        lowerable: false,
        dialects: ALL,
        summary: "The migration folder does not exist, or is not a folder.",
        why: "There is nothing to check, embed or apply.",
        fix: "Create it with `cargo migrate init`, or point `dir` (or `--dir`) at the right folder.",
        example: None,
    },
    Rule {
        id: "unreadable",
        group: Folder,
        default: Deny,
        lowerable: false,
        dialects: ALL,
        summary: "A file or folder that cannot be read (permissions, a broken link).",
        why: "A migration that cannot be read cannot be checked or applied, and skipping it would apply the folder out of order.",
        fix: "Make the file readable, or remove it.",
        example: None,
    },
    Rule {
        id: "bad-name",
        group: Folder,
        default: Deny,
        lowerable: false,
        dialects: ALL,
        summary: "A file or folder that starts like a migration but whose name does not parse.",
        why: "Skipping it silently would leave a migration unapplied.",
        fix: "Rename it to `<version>_<name>.sql` (or the folder's own layout), or move it out of the migration folder.",
        example: pg(&[("2024create_users.sql", "CREATE TABLE users (id INT);\n")]),
    },
    Rule {
        id: "invalid-utf8",
        group: Folder,
        default: Deny,
        lowerable: false,
        dialects: ALL,
        summary: "A migration file that is not valid UTF-8.",
        why: "The SQL cannot be read reliably, and its checksum would depend on the bytes of an encoding.",
        fix: "Save the file as UTF-8.",
        example: None,
    },
    Rule {
        id: "misplaced-file",
        group: Folder,
        default: Deny,
        lowerable: false,
        dialects: ALL,
        summary: "A migration file where its layout does not read it: `up.sql` outside a diesel folder, a migration in a subfolder of a layout that reads none.",
        why: "Its tool would not run it either; it looks applied and never is.",
        fix: "Move it where its layout expects it, or out of the migration folder.",
        example: pg(&[("up.sql", "CREATE TABLE a (id INT);\n")]),
    },
    Rule {
        id: "unknown-layout",
        group: Folder,
        default: Deny,
        lowerable: false,
        dialects: ALL,
        summary: "A folder whose `.sql` files are named as no known layout names a migration: one error, naming the layouts tried and the first file.",
        why: "Nothing in it would run, so it is probably not a migration folder, or its files are named in a layout this tool does not read.",
        fix: "Name the files as one of the layouts does, starting with a version (`0001_create_users.sql`), or point `dir` at the migration folder.",
        example: pg(&[
            (
                "create_users.sql",
                "CREATE TABLE users (id INT);
",
            ),
            (
                "add_email.sql",
                "ALTER TABLE users ADD COLUMN email TEXT;
",
            ),
        ]),
    },
    Rule {
        id: "ignored-file",
        group: Folder,
        default: Warn,
        lowerable: false,
        dialects: ALL,
        summary: "A `.sql` file (or a file named like a migration) that is not read as a migration.",
        why: "If it was meant as a migration, it never runs.",
        fix: "Rename it to `<version>_<name>.sql` if it is a migration, or move it out of the migration folder.",
        example: pg(&[
            ("0001_users.sql", "CREATE TABLE users (id INT);\n"),
            ("seed.sql", "INSERT INTO users VALUES (1);\n"),
        ]),
    },
    Rule {
        id: "unused-allow",
        group: Folder,
        default: Warn,
        lowerable: false,
        dialects: ALL,
        summary: "A `-- migrate:allow` line that silences nothing.",
        why: "A stale allow hides the rule from the next statement written below it.",
        fix: "Remove the line, or move it above the statement it is meant for.",
        example: pg(&[(
            "0001_users.sql",
            "-- migrate:up\n-- migrate:allow drop-table\nCREATE TABLE users (id INT);\n",
        )]),
    },
];

/// The lint rule with this id (the ids the config and `-- migrate:allow` accept).
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// Any code of the registry, lint rule or folder code.
pub fn find_code(id: &str) -> Option<&'static Rule> {
    all().find(|r| r.id == id)
}

/// Every entry: the lint rules, then the folder codes.
pub fn all() -> impl Iterator<Item = &'static Rule> {
    RULES.iter().chain(FOLDER_CODES)
}

/// The documentation of one entry, as `docs/RULES.md` and `check --explain` show it.
pub fn explain(rule: &Rule) -> String {
    let mut out = format!("## `{}`\n\n{}\n\n", rule.id, rule.summary);
    let dialects = if rule.dialects.is_empty() {
        "all".to_owned()
    } else {
        rule.dialects
            .iter()
            .map(|d| d.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let level = match (rule.group, rule.default) {
        (RuleGroup::Tenant, _) => "`warn` once `tenant-column` is set, off before".to_owned(),
        (_, Level::Allow) => "`allow` (opt-in: set a level to turn it on)".to_owned(),
        (_, level) => format!("`{level}`"),
    };
    let lowering = match (rule.group, rule.lowerable) {
        (RuleGroup::Folder, _) => "no: the level of a folder code is fixed",
        (_, true) => {
            "yes (`[package.metadata.migrate.lint]`, `[lint]` in `migrate.toml`, `-A/-W/-D` on the command line, or `-- migrate:allow` for one statement or file)"
        }
        (_, false) => "no: the folder cannot be run with it",
    };
    out.push_str(&format!(
        "- default level: {level}\n- can be lowered: {lowering}\n- dialects: {dialects}\n\n"
    ));
    out.push_str(&format!("**Why it matters.** {}\n\n", rule.why));
    out.push_str(&format!("**What to do.** {}\n\n", rule.fix));
    match &rule.example {
        Some(example) => {
            out.push_str(&format!(
                "**Example that fires** ({}):\n\n",
                example.dialect.as_str()
            ));
            for (path, text) in example.files {
                out.push_str(&format!(
                    "`{path}`:\n\n```sql\n{}\n```\n\n",
                    text.trim_end()
                ));
            }
        }
        None => out.push_str("**Example.** Not one a text file can show.\n\n"),
    }
    out
}

/// `docs/RULES.md`: every entry of the registry, grouped.
pub fn catalogue() -> String {
    let mut out = String::from(
        "# Rules and codes\n\n\
         Every code `cargo migrate check` and `embed_migrations!` can report. Generated from the\n\
         registry in `migrate-core/src/rules.rs` (a test fails when this file is out of date;\n\
         `MIGRATE_BLESS=1 cargo test -p migrate-tests --test core rules_md` rewrites it).\n\
         `cargo migrate check --explain <id>` prints one entry.\n\n\
         Levels are set per rule under `[package.metadata.migrate.lint]` (or `[lint]` in a\n\
         `migrate.toml`), and over the config with `-A/-W/-D <id>` on the command line;\n\
         `-- migrate:allow <id>` silences one statement, or a whole file from its top. The levels\n\
         of folder codes are fixed.\n\n",
    );
    out.push_str("| id | group | default | can be lowered |\n|---|---|---|---|\n");
    for r in all() {
        out.push_str(&format!(
            "| [`{id}`](#{id}) | {} | {} | {} |\n",
            r.group.title(),
            if r.group == RuleGroup::Tenant {
                "warn, once `tenant-column` is set".to_owned()
            } else {
                r.default.to_string()
            },
            if r.lowerable { "yes" } else { "no" },
            id = r.id,
        ));
    }
    let mut group = None;
    for r in all() {
        if group != Some(r.group) {
            group = Some(r.group);
            out.push_str(&format!("\n# {}\n\n", r.group.title()));
        }
        out.push_str(&explain(r));
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_kebab_case() {
        let all: Vec<&Rule> = all().collect();
        for (i, a) in all.iter().enumerate() {
            assert!(
                a.id.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                a.id
            );
            assert!(all[i + 1..].iter().all(|b| b.id != a.id), "{}", a.id);
        }
        assert_eq!(find("missing-pair").map(|r| r.default), Some(Level::Warn));
        assert!(find("no-such-rule").is_none());
        assert!(
            find("bad-name").is_none(),
            "folder codes are not lint rules"
        );
        assert!(find_code("bad-name").is_some());
    }

    /// Every code the sources emit is in the registry: the loader's codes, and every
    /// `rule: "…"` and `raw(ctx, "…"` of the checker.
    #[test]
    fn every_emitted_code_is_registered() {
        let sources = [
            include_str!("diagnostic.rs"),
            include_str!("check/mod.rs"),
            include_str!("check/rules.rs"),
            include_str!("check/syntax.rs"),
            include_str!("check/sqlite.rs"),
        ];
        let mut seen = 0;
        for source in sources {
            let compact: String = source.split_whitespace().collect();
            for marker in ["=>\"", "rule:\"", "raw(ctx,\""] {
                for (at, _) in compact.match_indices(marker) {
                    let rest = &compact[at + marker.len()..];
                    let id = &rest[..rest.find('"').unwrap_or(0)];
                    let kebab = id
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                    if !id.contains('-') || !kebab {
                        continue;
                    }
                    seen += 1;
                    assert!(
                        find_code(id).is_some(),
                        "`{id}` is emitted but not registered"
                    );
                }
            }
        }
        assert!(
            seen > 30,
            "only {seen} codes found: the markers no longer match the sources"
        );
    }
}
