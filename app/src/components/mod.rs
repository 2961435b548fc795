//! Shared components, one per file.
pub mod error_notice;
pub mod header;
pub mod lang_switch;
