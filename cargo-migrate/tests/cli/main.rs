//! The `cargo migrate` binary, driven as a user drives it.

mod support;

mod adopt;
mod cases;
mod codes;
mod deploy;
mod fleet;
mod health;
mod help;
mod init;
mod layouts;
mod levels;
mod newcomer;
mod paths;
mod refusals;
mod repair;
mod restore;
mod sarif;
mod sqlite;
mod standby;
mod terminal;
