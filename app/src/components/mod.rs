//! Shared components, one per file.
pub mod change_list;
pub mod confirm_step;
pub mod deadline_badge;
pub mod done_notice;
pub mod error_notice;
pub mod field;
pub mod filing_fields;
pub mod filter_choice;
pub mod header;
pub mod history_table;
pub mod lang_switch;
pub mod loaded;
pub mod pager;
pub mod post_button;
pub mod revoke_tokens_offer;
pub mod sort_header;
