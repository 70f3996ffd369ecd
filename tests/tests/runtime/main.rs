//! The runtime against real PostgreSQL and MariaDB servers and SQLite files.

mod support;

mod failures;
mod lifecycle;
