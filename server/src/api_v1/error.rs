//! The API's one error shape, `{ "error": { "code", "message", … } }`, with a status that fits.
//! Handlers and extractors fail with an [`ApiFailure`]; the response carries it untranslated and
//! [`render_errors`] writes the body in the caller's language (Accept-Language first, then the
//! language cookie), so every error of the API, extractor rejections included, looks the same.
use app::domain::filing::{Field, Issue, Refusal};
use app::error::{AppError, issue_msg};
use app::i18n::{Locale, Msg};
use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Why an API request failed.
#[derive(Debug, Clone)]
pub enum ApiFailure {
    /// A service's refusal or failure.
    App(AppError),
    BodyTooLarge {
        limit: usize,
    },
    UnsupportedMediaType,
    MalformedJson(String),
    Unprocessable(String),
    BadQuery(String),
    BadPath(String),
    BadIdempotencyKey,
    RateLimited {
        retry_after_seconds: u64,
    },
    NoRoute,
    MethodNotAllowed,
    CrossSite,
    /// A bearer token whose scope does not cover the endpoint (issue 15, item 6).
    InsufficientScope {
        needed: app::server::tokens::Scope,
    },
}

impl From<AppError> for ApiFailure {
    fn from(error: AppError) -> Self {
        ApiFailure::App(error)
    }
}

impl From<sea_orm::DbErr> for ApiFailure {
    fn from(error: sea_orm::DbErr) -> Self {
        ApiFailure::App(AppError::from(error))
    }
}

pub type ApiResult<T> = Result<T, ApiFailure>;

/// The error body.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable code to branch on: `unauthenticated`, `forbidden`, `not_found`, `invalid`,
    /// `incomplete`, `conflict`, `wrong_state`, `art9_duplicate`, `body_too_large`,
    /// `unsupported_media_type`, `malformed_json`, `unprocessable`, `bad_query`, `bad_path`,
    /// `rate_limited`, `busy`, `no_route`, `method_not_allowed`, `cross_site`,
    /// `insufficient_scope`, `internal`, …
    pub code: String,
    /// What went wrong, in the caller's language.
    pub message: String,
    /// The field at fault, for `invalid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What blocks submission, field by field, for `incomplete`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<FieldIssue>,
    /// The log reference of an internal error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldIssue {
    pub field: Field,
    pub issue: Issue,
    pub message: String,
}

fn app_code(error: &AppError) -> &'static str {
    match error {
        AppError::Unauthenticated => "unauthenticated",
        AppError::Forbidden | AppError::AttachmentWithheld => "forbidden",
        AppError::PasswordChangeRequired => "password_change_required",
        AppError::SecondFactorRequired => "second_factor_required",
        AppError::NotFound => "not_found",
        AppError::Invalid { .. } => "invalid",
        AppError::Conflict => "conflict",
        AppError::Refused(Refusal::WrongState) => "wrong_state",
        AppError::Refused(Refusal::CompletionNotApplicable) => "completion_not_applicable",
        AppError::Refused(Refusal::WrongRole) => "wrong_role",
        AppError::Refused(Refusal::OtherUnit) => "other_unit",
        AppError::Refused(Refusal::OwnFiling) => "own_filing",
        AppError::Incomplete(_) => "incomplete",
        AppError::Art9Duplicate { .. } => "art9_duplicate",
        AppError::Calendar { .. } => "invalid_calendar",
        AppError::Import(_) => "invalid_import",
        AppError::Internal { .. } | AppError::Transport(_) => "internal",
        AppError::Busy => "busy",
        AppError::Refused(Refusal::AccountDeregistered) => "account_deregistered",
        AppError::Refused(Refusal::AlreadyReported) => "already_reported",
        AppError::Refused(Refusal::NotReported) => "not_reported",
        AppError::PendingFiling { .. } => "pending_filing",
    }
}

fn app_status(error: &AppError) -> StatusCode {
    match error {
        // Well-formed JSON whose values a rule refuses: 422, as the API's clients expect; the
        // pages answer 400 for the same errors.
        AppError::Invalid { .. }
        | AppError::Incomplete(_)
        | AppError::Calendar { .. }
        | AppError::Import(_)
            if error.status() == 400 =>
        {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        _ => StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
    }
}

impl ApiFailure {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiFailure::App(error) => app_status(error),
            ApiFailure::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiFailure::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiFailure::MalformedJson(_)
            | ApiFailure::BadQuery(_)
            | ApiFailure::BadPath(_)
            | ApiFailure::BadIdempotencyKey => StatusCode::BAD_REQUEST,
            ApiFailure::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiFailure::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiFailure::NoRoute => StatusCode::NOT_FOUND,
            ApiFailure::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiFailure::CrossSite => StatusCode::FORBIDDEN,
            ApiFailure::InsufficientScope { .. } => StatusCode::FORBIDDEN,
        }
    }

    fn detail(&self, locale: Locale) -> ErrorDetail {
        let plain = |code: &str, message: String| ErrorDetail {
            code: code.to_string(),
            message,
            field: None,
            issues: Vec::new(),
            reference: None,
        };
        fn detail(text: &str) -> [(&'static str, &str); 1] {
            [("detail", text)]
        }
        match self {
            ApiFailure::App(error) => {
                let mut out = plain(app_code(error), error.message(locale));
                match error {
                    AppError::Invalid { field, .. } => out.field = Some(field.clone()),
                    AppError::Incomplete(issues) => {
                        out.issues = issues
                            .iter()
                            .map(|(field, issue)| FieldIssue {
                                field: *field,
                                issue: *issue,
                                message: locale.t(issue_msg(*issue)).to_string(),
                            })
                            .collect()
                    }
                    AppError::Internal { reference } => out.reference = Some(reference.clone()),
                    _ => {}
                }
                out
            }
            ApiFailure::BodyTooLarge { limit } => plain(
                "body_too_large",
                locale.tf(Msg::ApiBodyTooLarge, &[("limit", &limit.to_string())]),
            ),
            ApiFailure::UnsupportedMediaType => plain(
                "unsupported_media_type",
                locale.t(Msg::ApiUnsupportedMediaType).into(),
            ),
            ApiFailure::MalformedJson(text) => plain(
                "malformed_json",
                locale.tf(Msg::ApiMalformedJson, &detail(text)),
            ),
            ApiFailure::Unprocessable(text) => plain(
                "unprocessable",
                locale.tf(Msg::ApiUnprocessable, &detail(text)),
            ),
            ApiFailure::BadQuery(text) => {
                plain("bad_query", locale.tf(Msg::ApiBadQuery, &detail(text)))
            }
            ApiFailure::BadPath(text) => {
                plain("bad_path", locale.tf(Msg::ApiBadPath, &detail(text)))
            }
            ApiFailure::BadIdempotencyKey => plain(
                "bad_idempotency_key",
                locale.t(Msg::ApiIdempotencyKey).into(),
            ),
            ApiFailure::RateLimited {
                retry_after_seconds,
            } => plain(
                "rate_limited",
                locale.tf(
                    Msg::ApiRateLimited,
                    &[("seconds", &retry_after_seconds.to_string())],
                ),
            ),
            ApiFailure::NoRoute => plain("no_route", locale.t(Msg::ApiNoRoute).into()),
            ApiFailure::MethodNotAllowed => plain(
                "method_not_allowed",
                locale.t(Msg::ApiMethodNotAllowed).into(),
            ),
            ApiFailure::CrossSite => plain("cross_site", locale.t(Msg::ApiCrossSite).into()),
            ApiFailure::InsufficientScope { .. } => plain(
                "insufficient_scope",
                locale.t(Msg::TokensScopeRefused).into(),
            ),
        }
    }

    /// The response in `locale`.
    pub fn render(&self, locale: Locale) -> Response {
        let mut response = (
            self.status(),
            Json(ErrorBody {
                error: self.detail(locale),
            }),
        )
            .into_response();
        let headers = response.headers_mut();
        let retry_after = match self {
            ApiFailure::RateLimited {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            ApiFailure::App(error) => error.retry_after(),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if matches!(self, ApiFailure::App(AppError::Unauthenticated)) {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"registry\""),
            );
        }
        // RFC 6750 §3.1: which scope the request needs.
        if let ApiFailure::InsufficientScope { needed } = self
            && let Ok(value) = HeaderValue::from_str(&format!(
                "Bearer realm=\"registry\", error=\"insufficient_scope\", scope=\"{}\"",
                needed.as_str()
            ))
        {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        headers.insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(locale.tag()),
        );
        response
    }
}

impl IntoResponse for ApiFailure {
    /// Marks the response for [`render_errors`]; rendered in the default language if that layer
    /// is missing.
    fn into_response(self) -> Response {
        let mut response = self.render(Locale::default());
        response.extensions_mut().insert(self);
        response
    }
}

/// The API answers in the language the client asks for with Accept-Language; a browser's
/// language cookie counts when there is none.
pub fn api_locale(headers: &HeaderMap) -> Locale {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Locale::from_accept_language)
        .unwrap_or_else(|| Locale::from_headers(headers))
}

/// Writes every API error in the caller's language.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let locale = api_locale(req.headers());
    let mut response = next.run(req).await;
    match response.extensions_mut().remove::<ApiFailure>() {
        Some(failure) => {
            if let ApiFailure::App(AppError::Internal { reference }) = &failure {
                tracing::warn!(%reference, "API request failed with an internal error");
            }
            failure.render(locale)
        }
        None => response,
    }
}
