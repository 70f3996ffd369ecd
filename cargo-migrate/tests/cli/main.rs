//! The `cargo migrate` binary, driven as a user drives it.

mod support;

mod newcomer;
