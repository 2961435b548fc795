//! Shared components, one per file.
pub mod deadline_badge;
pub mod error_notice;
pub mod filing_fields;
pub mod header;
pub mod history_table;
pub mod lang_switch;
