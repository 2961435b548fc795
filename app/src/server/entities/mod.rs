//! sea-orm entities, one per table, mirroring the migrations. Codes (roles, kinds, statuses) are
//! stored as text and read as their enums (`codes`).
pub mod account;
pub mod account_request;
pub mod api_token;
pub mod audit_event;
pub mod calendar_day;
pub mod calendar_year;
mod codes;
pub mod enrolment_code;
pub mod filing;
pub mod filing_attachment;
pub mod outbox_message;
pub mod password_history;
pub mod platform;
pub mod recovery_code;
pub mod reminder;
pub mod review_period;
pub mod session;
pub mod setting;
pub mod unit;
pub mod user;
