//! The registry's server: configuration, startup, the session, CSRF and sign-in layers, the routes
//! that are not Leptos pages (sign-in, sign-out, language, operations), the outbox worker and the
//! command line.
pub mod admin_routes;
pub mod api_v1;
pub mod attachment_routes;
pub mod audit_routes;
pub mod cli;
pub mod client_addr;
pub mod config;
pub mod db_roles;
pub mod downloads;
pub mod export_routes;
pub mod import_routes;
pub mod local_path;
pub mod mail;
pub mod middleware;
pub mod rate_limit;
pub mod report_routes;
pub mod require;
pub mod routes;
pub mod security_headers;
pub mod signing;
pub mod startup;
pub mod telemetry;
