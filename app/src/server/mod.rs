//! Server-only code: entities, services and the glue server functions use. Compiled with `ssr` only.
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod context;
pub mod db;
pub mod deadlines;
pub mod demo;
pub mod entities;
pub mod export;
pub mod filing_views;
pub mod filings;
pub mod notices;
pub mod outbox;
pub mod registry;
pub mod reminders;
pub mod units;
