//! The registry's Leptos application: routes, pages and components, the server functions they call,
//! the pure domain, and (behind the `ssr` feature) the server-side entities and services.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod audit_api;
pub mod components;
pub mod deadline_api;
pub mod domain;
pub mod error;
pub mod filing_api;
pub mod i18n;
pub mod labels;
pub mod model;
pub mod outbox_api;
pub mod pages;
pub mod password_api;
pub mod people_api;
pub mod report_api;
pub mod token_api;
pub mod totp_api;

#[cfg(feature = "ssr")]
pub mod server;

/// The browser entry point: hydrates the islands of the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
