//! Server functions of the e-mail outbox page, for administrators: the queued, sent and failed
//! notices, and sending a failed one again. The retry is a plain form post (see
//! [`crate::server::context::conclude`]), so it works without JavaScript.
use crate::error::AppError;
use crate::model::OutboxView;
use leptos::prelude::*;

/// One page of the outbox, newest first, optionally of one status (`queued`, `sending`, `sent`,
/// `failed`; anything else means all). Administrators only.
#[server(endpoint = "outbox")]
pub async fn fetch_outbox(
    status: Option<String>,
    page: Option<u64>,
) -> Result<OutboxView, AppError> {
    use crate::server::{context, outbox};
    let page = page.unwrap_or(1);
    context::serve(|uc| async move { outbox::list(&uc, status.as_deref(), page).await }).await
}

/// An administrator sends a failed message again (audited). The page comes back with the status
/// filter it was posted from, and on success the message's id for the page to confirm.
#[server(endpoint = "outbox_retry")]
pub async fn retry_outbox_message(id: String, status: Option<String>) -> Result<(), AppError> {
    use crate::server::{context, outbox};
    // Taken as text: a malformed id from a forged form names no message, and says so on the
    // page instead of failing to decode.
    let id = id.trim().to_string();
    let back = outbox::page_address(status.as_deref());
    let separator = if back.contains('?') { '&' } else { '?' };
    let done = format!("{back}{separator}retried={id}");
    context::step_to(&done, &back, |uc| async move {
        outbox::retry(&uc, id.parse::<i64>().map_err(|_| AppError::NotFound)?).await
    })
    .await
}
