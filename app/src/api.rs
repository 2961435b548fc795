//! Server functions: thin adapters that authenticate, authorise, call one service and map the result.
//! Each is a public endpoint and checks permissions itself. Endpoints are named so that tests and
//! scripts can call them.
use crate::domain::RegistryQuery;
use crate::error::AppError;
use crate::model::{AccountDetail, CustodianView, RegistryView, SessionUser};
use leptos::prelude::*;

/// The signed-in person, or `None`.
#[server(endpoint = "me")]
pub async fn current_user() -> Result<Option<SessionUser>, AppError> {
    Ok(crate::server::context::session_user())
}

/// One page of the registry. Any signed-in role may read the registry; custodians are not part of it.
#[server(endpoint = "registry")]
pub async fn fetch_registry(query: RegistryQuery) -> Result<RegistryView, AppError> {
    use crate::server::{context, registry};
    context::serve(|uc| async move { registry::page(&uc, &query).await }).await
}

/// An account's registry entry, with its custodian as far as the viewer may see it.
#[server(endpoint = "account")]
pub async fn fetch_account(id: i32) -> Result<AccountDetail, AppError> {
    use crate::server::{account_entry, context};
    context::serve(|uc| async move { account_entry::detail(&uc, id).await }).await
}

/// An account's custodian alone. Refused (403) to a submitter of another unit.
#[server(endpoint = "account_custodian")]
pub async fn fetch_custodian(id: i32) -> Result<CustodianView, AppError> {
    use crate::server::{account_entry, context};
    context::serve(|uc| async move { account_entry::custodian(&uc, id).await }).await
}
