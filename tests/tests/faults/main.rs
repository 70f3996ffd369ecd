//! The fault harness: SPEC §5's guarantees tried against real PostgreSQL, MariaDB and SQLite.
//!
//! - `stampede`: many processes, half `cargo migrate run` and half an embedded `Migrator`, start
//!   at once on 200 pending migrations.
//! - `kill`: an apply of 200 migrations is sent SIGKILL at a random moment; the database must
//!   hold each migration whole or not at all.
//! - `restart`: the connection is cut (light) or the server restarted (heavy) mid-run.
//! - `bad_input`: every kind of bad input, each with the error it must get.
//! - `table_lock`: the table lock's stampede, and its takeover after the holder is killed.
//! - `clusters`: the same through PgBouncer in transaction mode, and on a three-node Galera
//!   cluster, each started by its script in `tests/cluster/`.
//!
//! Every process's output is searched for the password its URL carries.
//!
//! The light versions run in the normal suite. The heavy ones (32 processes, 50 kill trials per
//! database, real server restarts) are ignored by default and run by `bash tests/reliability.sh`,
//! which writes their tables under `target/tmp/reliability/`.

mod bad_input;
mod clusters;
mod kill;
mod restart;
mod stampede;
mod support;
mod table_lock;
