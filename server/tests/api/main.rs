//! The integration suite: the real application on a real database (a fresh SQLite file per test, or a
//! fresh PostgreSQL database per test when TEST_DATABASE_URL is set), driven over HTTP.
mod arrange;
mod helpers;

mod api_v1;
mod audit_key;
mod audit_trail;
mod auth;
mod authz_matrix;
mod cli;
mod csrf;
mod deadlines;
mod exports;
mod feedback;
mod filing_integrity;
mod filing_pages;
mod filings;
mod headers;
mod histories;
mod i18n;
mod import;
mod mail;
mod operations;
mod passwords;
mod people;
mod personal_data;
mod proxy;
mod queue;
mod registry;
mod reports;
mod schema;
mod shutdown;
mod smtp;
mod timeouts;
// issue 15: tokens
mod todo;
mod tokens;
mod totp;
mod units;
