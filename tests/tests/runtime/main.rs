//! The runtime against real PostgreSQL and MariaDB servers and SQLite files.

mod support;

mod adopt;
mod concurrency;
mod crates_io;
mod failures;
mod health;
mod layouts;
mod lifecycle;
mod locks;
mod no_transaction;
mod noop;
mod repeatable;
mod schema;
mod sqlite_rebuild;
mod tenants;
