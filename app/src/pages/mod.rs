//! Pages, one per file, each named `*Page`.
//!
//! Each page awaits its server functions directly inside `Suspend::new` (which keeps the reactive
//! owner, so they still find their context), never a `Resource`: in Leptos 0.8.23 / reactive_graph
//! 0.2.16 an awaited `Resource` (AsyncDerived) can lose its wake-up during SSR and the response
//! never finishes (fixed upstream in leptos-rs/leptos 22be2a689, unreleased). Do not reintroduce
//! resources until a release has that fix.
pub mod account_page;
pub mod admin_calendar_page;
pub mod admin_import_page;
pub mod admin_outbox_page;
pub mod admin_users_page;
pub mod audit_page;
pub mod dashboard_page;
pub mod filing_page;
pub mod filing_print_page;
pub mod filings_page;
pub mod login_page;
pub mod monthly_report_page;
pub mod new_filing_page;
pub mod not_found_page;
pub mod password_page;
pub mod registry_page;
pub mod reminders_page;
pub mod second_factor_page;
pub mod second_factor_sign_in_page;
pub mod security_page;
pub mod todo_page;
pub mod tokens_page;
