//! Pages, one per file, each named `*Page`.
pub mod account_page;
pub mod admin_calendar_page;
pub mod admin_import_page;
pub mod admin_outbox_page;
pub mod dashboard_page;
pub mod filing_page;
pub mod filing_print_page;
pub mod filings_page;
pub mod login_page;
pub mod monthly_report_page;
pub mod new_filing_page;
pub mod not_found_page;
pub mod registry_page;
pub mod reminders_page;
