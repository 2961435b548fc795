//! Server functions for filings. Pages post to them with plain HTML forms, so every step works
//! without JavaScript: the answer is a redirect to the filing's page, carrying the error (if any)
//! for the page to show. Callers that are not forms get the error and its HTTP status instead.
use crate::domain::filing::{FilingForm, FilingKind};
use crate::error::AppError;
use crate::model::{FilingDetail, FilingPage};
use leptos::prelude::*;

/// One page of the filings the signed-in person may read (for reviewers: the queue first), with
/// their total. `page` and `per_page` are clamped like the registry's (issue 15, item 10: the
/// cost of a request does not grow with the number of filings).
#[server(endpoint = "filings")]
pub async fn list_filings(
    page: Option<u64>,
    per_page: Option<u64>,
) -> Result<FilingPage, AppError> {
    use crate::server::{context, filing_views};
    context::respond(async {
        let user = context::require_user()?;
        let paging = crate::domain::registry::Paging::new(page, per_page);
        filing_views::list(&context::db()?, &user, paging, context::now()).await
    })
    .await
}

/// One filing with its history and the steps the viewer may take.
#[server(endpoint = "filing")]
pub async fn get_filing(id: i32) -> Result<FilingDetail, AppError> {
    use crate::server::{context, filing_views};
    context::respond(async {
        let user = context::require_user()?;
        filing_views::detail(
            &context::db()?,
            &user,
            &context::request_meta(),
            id,
            context::now(),
        )
        .await
    })
    .await
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
    let uc = context::use_case()?;
    let new = filings::NewFiling {
        kind,
        account_id,
        platform,
        form,
        idempotency_key,
    };
    let created = filings::create_draft(&uc, new).await;
    let back = match account_id {
        Some(a) => format!("/filings/new?kind={}&account={a}", kind.as_str()),
        None => format!("/filings/new?kind={}", kind.as_str()),
    };
    match created {
        Ok(created) => context::conclude(&format!("/filings/{}", created.id), Ok(())),
        Err(error) => context::conclude(&back, Err(error)),
    }
}

/// A filing's id as a form posts it. Taken as text so that a forged, malformed one is answered
/// like an unknown one (a translated "not found" on the filings page), not with a decoding error.
#[cfg(feature = "ssr")]
fn filing_id(id: &str) -> Result<i32, ()> {
    id.trim().parse::<i32>().map_err(|_| ())
}

#[server(endpoint = "filing_save")]
pub async fn save_filing(
    id: String,
    platform: Option<String>,
    form: FilingForm,
) -> Result<(), AppError> {
    use crate::server::{context, filings};
    let Ok(id) = filing_id(&id) else {
        return context::conclude("/filings", Err(AppError::NotFound));
    };
    context::step(&format!("/filings/{id}"), |uc| async move {
        filings::update_draft(&uc, id, platform, form)
            .await
            .map(|_| ())
    })
    .await
}

/// One review step on a filing. `note` is the return comment, the rejection or waiver reason, or
/// an optional approval note.
#[server(endpoint = "filing_step")]
pub async fn filing_step(id: String, step: String, note: Option<String>) -> Result<(), AppError> {
    use crate::server::{context, filings};
    let Ok(id) = filing_id(&id) else {
        return context::conclude("/filings", Err(AppError::NotFound));
    };
    context::step(&format!("/filings/{id}"), |uc| async move {
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
    use crate::server::{context, filings};
    let Ok(id) = filing_id(&id) else {
        return context::conclude("/filings", Err(AppError::NotFound));
    };
    let report = filings::UpwardReport {
        reported_on,
        reported_to,
        reference,
    };
    context::step(&format!("/filings/{id}"), |uc| async move {
        filings::record_report(&uc, id, report).await.map(|_| ())
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
    use crate::server::{context, filings};
    let Ok(id) = filing_id(&id) else {
        return context::conclude("/filings", Err(AppError::NotFound));
    };
    let report = filings::UpwardReport {
        reported_on,
        reported_to,
        reference,
    };
    let correction = filings::ReportCorrection { report, reason };
    context::step(&format!("/filings/{id}"), |uc| async move {
        filings::correct_report(&uc, id, correction)
            .await
            .map(|_| ())
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
    use crate::server::{context, filings};
    let Ok(id) = filing_id(&id) else {
        return context::conclude("/filings", Err(AppError::NotFound));
    };
    let evidence = filings::CompletionEvidence {
        platform_done_on,
        announcement_url,
    };
    context::step(&format!("/filings/{id}"), |uc| async move {
        filings::record_completion(&uc, id, evidence)
            .await
            .map(|_| ())
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
