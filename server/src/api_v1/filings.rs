//! `/api/v1/filings`: drafts, their form, and every step of the review (Art. 9–12), through the
//! same services as the pages, so the same rules, permissions, audit events and notices apply.
//! Each step answers with the filing as it now stands.
use super::dto::{
    ApproveRequest, CompletionRequest, CorrectReportRequest, Filing, FilingPatch, HistoryEvent,
    NewFilingRequest, ReasonRequest, ReportRequest, ReturnRequest,
};
use super::error::{ApiFailure, ApiResult, ErrorBody};
use super::extract::{ApiJson, ApiPath, Caller};
use crate::startup::AppState;
use app::server::filing_views;
use app::server::filings::{self, CompletionEvidence, NewFiling, ReportCorrection, UpwardReport};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The filing as the caller may see it.
async fn current(state: &AppState, caller: &Caller, id: i32) -> ApiResult<Json<Filing>> {
    let detail = filing_views::detail(&caller.use_case(state), id).await?;
    Ok(Json(detail.into()))
}

/// `Idempotency-Key`: posting the same key again returns the filing the first post created.
fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .map_err(|_| ApiFailure::BadIdempotencyKey)?
        .trim();
    if key.is_empty() || key.len() > 64 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiFailure::BadIdempotencyKey);
    }
    Ok(Some(key.to_string()))
}

/// Starts a draft for the caller's unit (submitters only). With an `Idempotency-Key`, a repeated
/// post returns the first draft instead of creating another.
#[utoipa::path(post, path = "/api/v1/filings", tag = "filings",
    params(("Idempotency-Key" = Option<String>, Header, description = "1 to 64 visible ASCII characters; the same key returns the same draft")),
    request_body = NewFilingRequest,
    responses(
        (status = 201, description = "The draft", body = Filing,
            headers(("Location" = String, description = "The filing's address"))),
        (status = 400, description = "Malformed JSON or Idempotency-Key", body = ErrorBody),
        (status = 401, description = "Not signed in, or the token is not valid", body = ErrorBody),
        (status = 403, description = "Only a unit's submitters file, and only for their own unit's accounts", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
        (status = 409, description = "The same Idempotency-Key raced with another post", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "A field is missing, unknown or too long, or the platform is unknown", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewFilingRequest>,
) -> ApiResult<Response> {
    let new = new_filing(body, idempotency_key(&headers)?);
    let created = filings::create_draft(&caller.use_case(&state), new).await?;
    let Json(filing) = current(&state, &caller, created.id).await?;
    created_at_its_address(filing)
}

/// The draft the body asks for, under its idempotency key.
fn new_filing(body: NewFilingRequest, idempotency_key: Option<String>) -> NewFiling {
    NewFiling {
        kind: body.kind,
        account_id: body.account_id,
        platform: body.platform,
        form: body.form,
        idempotency_key,
    }
}

/// `201 Created`, with the new filing and its address (`Location`).
fn created_at_its_address(filing: Filing) -> ApiResult<Response> {
    let location = HeaderValue::from_str(&format!("/api/v1/filings/{}", filing.id))
        .map_err(|e| ApiFailure::App(app::error::AppError::internal(e)))?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(filing),
    )
        .into_response())
}

/// A filing, with its form, its standing, its review periods and the steps the caller may take.
#[utoipa::path(get, path = "/api/v1/filings/{id}", tag = "filings",
    params(("id" = i32, Path, description = "The filing's id")),
    responses(
        (status = 200, description = "The filing", body = Filing),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 401, description = "Not signed in, or the token is not valid", body = ErrorBody),
        (status = 403, description = "Another unit's filing", body = ErrorBody),
        (status = 404, description = "No such filing", body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<Json<Filing>> {
    current(&state, &caller, id).await
}

/// Changes fields of a draft or returned filing; absent fields keep their value.
#[utoipa::path(patch, path = "/api/v1/filings/{id}", tag = "filings",
    params(("id" = i32, Path, description = "The filing's id")),
    request_body = FilingPatch,
    responses(
        (status = 200, description = "The filing, saved", body = Filing),
        (status = 400, description = "Malformed id or JSON", body = ErrorBody),
        (status = 401, description = "Not signed in, or the token is not valid", body = ErrorBody),
        (status = 403, description = "Not the filing unit's submitter", body = ErrorBody),
        (status = 404, description = "No such filing", body = ErrorBody),
        (status = 409, description = "Not a draft or returned filing, or changed meanwhile", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "An unknown field, a value too long, or an unknown platform", body = ErrorBody),
    ))]
pub async fn patch(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(patch): ApiJson<FilingPatch>,
) -> ApiResult<Json<Filing>> {
    // The form to merge into is read, not shown: the answer below is the view that is recorded.
    let uc = caller.use_case(&state);
    let form = filing_views::editable_form(&uc, id).await?;
    let platform = patch.platform.clone();
    let form = patch.apply(form);
    filings::update_draft(&uc, id, platform, form).await?;
    current(&state, &caller, id).await
}

/// The history of a filing: every audited step, oldest first.
#[utoipa::path(get, path = "/api/v1/filings/{id}/history", tag = "filings",
    params(("id" = i32, Path, description = "The filing's id")),
    responses(
        (status = 200, description = "The filing's audit events", body = [HistoryEvent]),
        (status = 400, description = "The id is not a number", body = ErrorBody),
        (status = 401, description = "Not signed in, or the token is not valid", body = ErrorBody),
        (status = 403, description = "Another unit's filing", body = ErrorBody),
        (status = 404, description = "No such filing", body = ErrorBody),
    ))]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<Json<Vec<HistoryEvent>>> {
    // Reading the filing first applies its read permission.
    let detail = filing_views::detail(&caller.use_case(&state), id).await?;
    Ok(Json(detail.history.into_iter().map(Into::into).collect()))
}

/// A step of the review: the same documented answers for each.
macro_rules! step {
    ($doc:literal, $path:literal, $body:ident,
     $name:ident($uc:ident, $id:ident, $req:ident) $block:block) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "filings",
            params(("id" = i32, Path, description = "The filing's id")),
            request_body = $body,
            responses(
                (status = 200, description = "The filing after the step", body = Filing),
                (status = 400, description = "Malformed id or JSON", body = ErrorBody),
                (status = 401, description = "Not signed in, or the token is not valid", body = ErrorBody),
                (status = 403, description = "This role, unit or person may not take the step", body = ErrorBody),
                (status = 404, description = "No such filing", body = ErrorBody),
                (status = 409, description = "Not in a state that allows the step, changed meanwhile, or (Art. 9) the unit already has an account on the platform", body = ErrorBody),
                (status = 413, description = "The body is too large", body = ErrorBody),
                (status = 415, description = "The body is not JSON", body = ErrorBody),
                (status = 422, description = "A required value is missing or malformed, or the form has problems that block the step", body = ErrorBody),
            ))]
        pub async fn $name(
            State(state): State<AppState>,
            caller: Caller,
            ApiPath($id): ApiPath<i32>,
            ApiJson($req): ApiJson<$body>,
        ) -> ApiResult<Json<Filing>> {
            let $uc = caller.use_case(&state);
            let stepped = $block;
            stepped?;
            current(&state, &caller, $id).await
        }
    };
    ($doc:literal, $path:literal, $name:ident($uc:ident, $id:ident) $block:block) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "filings",
            params(("id" = i32, Path, description = "The filing's id")),
            responses(
                (status = 200, description = "The filing after the step", body = Filing),
                (status = 400, description = "Malformed id", body = ErrorBody),
                (status = 401, description = "Not signed in, or the token is not valid", body = ErrorBody),
                (status = 403, description = "This role, unit or person may not take the step", body = ErrorBody),
                (status = 404, description = "No such filing", body = ErrorBody),
                (status = 409, description = "Not in a state that allows the step, changed meanwhile, or (Art. 9) the unit already has an account on the platform", body = ErrorBody),
                (status = 422, description = "The form has problems that block the step", body = ErrorBody),
            ))]
        pub async fn $name(
            State(state): State<AppState>,
            caller: Caller,
            ApiPath($id): ApiPath<i32>,
        ) -> ApiResult<Json<Filing>> {
            let $uc = caller.use_case(&state);
            let stepped = $block;
            stepped?;
            current(&state, &caller, $id).await
        }
    };
}

step!("Submits (or resubmits) a filing whose form passes every rule; the Art. 11 period starts.",
"/api/v1/filings/{id}/submit", submit(uc, id) {
    filings::submit(&uc, id).await
});

step!("Withdraws a draft or returned filing.",
"/api/v1/filings/{id}/withdraw", withdraw(uc, id) {
    filings::withdraw(&uc, id).await
});

step!("Approves a submitted filing (county office); the rules and Art. 9 are checked again.",
"/api/v1/filings/{id}/approve", ApproveRequest, approve(uc, id, body) {
    filings::approve(&uc, id, &body.note).await
});

step!("Returns a submitted filing for correction, with what to correct; the clock stops.",
"/api/v1/filings/{id}/return", ReturnRequest, return_for_correction(uc, id, body) {
    filings::return_for_correction(&uc, id, &body.comment).await
});

step!("Rejects a submitted filing, with the reason.",
"/api/v1/filings/{id}/reject", ReasonRequest, reject(uc, id, body) {
    filings::reject(&uc, id, &body.reason).await
});

step!("Grants an Art. 9 waiver to an open request (county office), with the reason.",
"/api/v1/filings/{id}/grant-waiver", ReasonRequest, grant_waiver(uc, id, body) {
    filings::grant_waiver(&uc, id, &body.reason).await
});

step!("Records that the decision was reported to the upper level (Art. 11), once: the date lies \
   between the decision and today (China time); a recorded report is changed only by \
   `correct-report`.",
"/api/v1/filings/{id}/report-upstream", ReportRequest, report_upstream(uc, id, body) {
    let report = UpwardReport {
        reported_on: body.reported_on,
        reported_to: body.reported_to,
        reference: body.reference,
    };
    filings::record_report(&uc, id, report).await
});

step!("Corrects a recorded upward report, with the reason: audited as a correction, and one \
   correction notice (not a second report) goes to the upper level.",
"/api/v1/filings/{id}/correct-report", CorrectReportRequest, correct_report(uc, id, body) {
    let correction = ReportCorrection {
        report: UpwardReport {
            reported_on: body.reported_on,
            reported_to: body.reported_to,
            reference: body.reference,
        },
        reason: body.reason,
    };
    filings::correct_report(&uc, id, correction).await
});

step!("The unit's evidence that the platform carried out an approved step (Art. 12); the \
   announcement's screenshot must be attached first.",
"/api/v1/filings/{id}/complete", CompletionRequest, complete(uc, id, body) {
    let evidence = CompletionEvidence {
        platform_done_on: body.platform_done_on,
        announcement_url: body.announcement_url,
    };
    filings::record_completion(&uc, id, evidence).await
});

step!("Confirms the unit's completion evidence (county office); the registry changes now (Art. 12).",
"/api/v1/filings/{id}/confirm-completion", confirm_completion(uc, id) {
    filings::confirm_completion(&uc, id).await
});
