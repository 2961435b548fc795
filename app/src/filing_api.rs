//! Server functions for filings. Pages post to them with plain HTML forms, so every step works
//! without JavaScript: the answer is a redirect to the filing's page, carrying the error (if any)
//! for the page to show. Callers that are not forms get the error and its HTTP status instead.
use crate::domain::filing::{FilingForm, FilingKind};
use crate::error::AppError;
use crate::model::{FilingDetail, FilingPage};
use leptos::prelude::*;

/// One page of the filings the signed-in person may read that match the query (a tab, filters, a
/// search, a sort; issue 17, item 2), with their total and the count under each tab. The query is
/// held to its bounds like the registry's (issue 15, item 10: the cost of a request does not grow
/// with the number of filings).
#[server(endpoint = "filings")]
pub async fn list_filings(
    query: Option<crate::domain::queue::FilingQuery>,
) -> Result<FilingPage, AppError> {
    use crate::server::{context, filing_queue};
    // Optional, so a request without one is answered by who asks (sign-in, role) like any other.
    let query = query.unwrap_or_default();
    context::serve(|uc| async move { filing_queue::list(&uc, &query).await }).await
}

/// One filing with its history and the steps the viewer may take.
#[server(endpoint = "filing")]
pub async fn get_filing(id: i32) -> Result<FilingDetail, AppError> {
    use crate::server::{context, filing_views};
    context::serve(|uc| async move { filing_views::detail(&uc, id).await }).await
}

#[server(endpoint = "filing_new")]
pub async fn new_filing(
    kind: FilingKind,
    platform: Option<String>,
    account_id: Option<i32>,
    form: FilingForm,
    idempotency_key: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{context, filings};
    let new = filings::NewFiling {
        kind,
        account_id,
        platform,
        form,
        idempotency_key,
    };
    context::step_then(&new_filing_page(kind, account_id), |uc| async move {
        let created = filings::create_draft(&uc, new).await?;
        Ok(format!("/filings/{}", created.id))
    })
    .await
}

/// The new-filing form a failed draft goes back to, for the same kind and account.
#[cfg(feature = "ssr")]
fn new_filing_page(kind: FilingKind, account_id: Option<i32>) -> String {
    match account_id {
        Some(a) => format!("/filings/new?kind={}&account={a}", kind.as_str()),
        None => format!("/filings/new?kind={}", kind.as_str()),
    }
}

/// A step on the filing whose id a form posted, concluded on the filing's page, which then says
/// what was done (`done`, a code the page puts in words; issue 17, item 3). The id is taken as
/// text so that a forged, malformed one is answered like an unknown one (a translated "not found"
/// on the filings page), not with a decoding error.
#[cfg(feature = "ssr")]
async fn on_filing<F, Fut, T>(id: &str, done: &str, body: F) -> Result<(), AppError>
where
    F: FnOnce(crate::server::use_case::UseCase, i32) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    use crate::server::context;
    let Ok(id) = id.trim().parse::<i32>() else {
        return context::conclude("/filings", Err(AppError::NotFound));
    };
    let done = crate::model::Flash {
        error: None,
        done: Some(done.to_string()),
        ..Default::default()
    };
    context::step(&format!("/filings/{id}"), move |uc| async move {
        body(uc, id).await.map(|_| context::set_flash(&done))
    })
    .await
}

#[server(endpoint = "filing_save")]
pub async fn save_filing(
    id: String,
    platform: Option<String>,
    form: FilingForm,
) -> Result<(), AppError> {
    use crate::server::filings;
    on_filing(&id, "saved", |uc, id| async move {
        filings::update_draft(&uc, id, platform, form).await
    })
    .await
}

/// One review step on a filing. `note` is the return comment, the rejection or waiver reason, or
/// an optional approval note.
#[server(endpoint = "filing_step")]
pub async fn filing_step(id: String, step: String, note: Option<String>) -> Result<(), AppError> {
    use crate::server::filings;
    on_filing(&id, &step.clone(), |uc, id| async move {
        filings::take_step(&uc, id, &step, &note.unwrap_or_default()).await
    })
    .await
}

/// 报备: the upward report of an approved filing.
#[server(endpoint = "filing_report")]
pub async fn report_filing(
    id: String,
    reported_on: String,
    reported_to: String,
    reference: String,
) -> Result<(), AppError> {
    use crate::server::filings;
    let report = filings::UpwardReport {
        reported_on,
        reported_to,
        reference,
    };
    on_filing(&id, "reported", |uc, id| async move {
        filings::record_report(&uc, id, report).await
    })
    .await
}

/// 报备更正: corrects a recorded upward report, with the reason (issue 15, item 12).
#[server(endpoint = "filing_report_correct")]
pub async fn correct_report(
    id: String,
    reported_on: String,
    reported_to: String,
    reference: String,
    reason: String,
) -> Result<(), AppError> {
    use crate::server::filings;
    let report = filings::UpwardReport {
        reported_on,
        reported_to,
        reference,
    };
    let correction = filings::ReportCorrection { report, reason };
    on_filing(&id, "report_corrected", |uc, id| async move {
        filings::correct_report(&uc, id, correction).await
    })
    .await
}

/// Art. 12: the unit records completion on the platform and the public announcement.
#[server(endpoint = "filing_completion")]
pub async fn record_completion(
    id: String,
    platform_done_on: String,
    announcement_url: String,
) -> Result<(), AppError> {
    use crate::server::filings;
    let evidence = filings::CompletionEvidence {
        platform_done_on,
        announcement_url,
    };
    on_filing(&id, "completion_recorded", |uc, id| async move {
        filings::record_completion(&uc, id, evidence).await
    })
    .await
}

/// A fresh key for a new filing form, so that posting it twice creates one filing.
#[server(endpoint = "form_key")]
pub async fn form_key() -> Result<String, AppError> {
    use crate::server::context;
    // Only a unit's submitter files requests: the new-request page refuses everyone else.
    context::serve(|uc| async move {
        uc.require(crate::domain::Capability::FileRequests)?;
        Ok(uuid::Uuid::new_v4().to_string())
    })
    .await
}

/// 待办 (issue 17, item 1): what waits for the signed-in person, what was decided lately, and
/// their latest notices.
#[server(endpoint = "todo")]
pub async fn fetch_todo() -> Result<crate::model::TodoView, AppError> {
    use crate::server::{context, todo};
    context::serve(|uc| async move { todo::view(&uc).await }).await
}
