//! The pure domain: the registry's rules over plain types. No Leptos, no database, no clock, no I/O;
//! compiled for the server and the browser alike.
pub mod access;
pub mod audit_action;
pub mod calendar;
pub mod capability;
pub mod credit_code;
pub mod csv_cell;
pub mod deadline;
pub mod filing;
pub mod import;
mod list_query;
pub mod mobile;
pub mod password;
pub mod queue;
pub mod registry;
pub mod report;
pub mod todo;
pub mod totp;
pub mod types;

pub use access::{CustodianAccess, Viewer};
pub use audit_action::AuditAction;
pub use capability::Capability;
pub use credit_code::{CreditCode, CreditCodeError};
pub use mobile::{Mobile, MobileError};
pub use registry::{DEFAULT_PER_PAGE, MAX_PER_PAGE, RegistryQuery};
pub use types::{AccountStatus, RequestKind, Role, UnitKind};
