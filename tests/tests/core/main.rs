//! Tests of `migrate-core` against real migration sets and awkward inputs.

mod check;
mod checksums;
mod corpus;
mod malformed;
mod props;
mod rules_doc;
mod split;
mod support;
mod syntax;
