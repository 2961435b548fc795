//! Extractors of the API: the caller (session cookie or bearer token, resolved by the session
//! layer), and JSON, path and query extractors whose rejections are API errors.
use super::error::ApiFailure;
use app::error::AppError;
use app::model::SessionUser;
use app::server::use_case::{RequestMeta, UseCase};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// Who is calling, and the request facts their audit events record.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: SessionUser,
    pub meta: RequestMeta,
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let user = parts
            .extensions
            .get::<SessionUser>()
            .cloned()
            .ok_or(ApiFailure::App(AppError::Unauthenticated))?;
        let meta = parts
            .extensions
            .get::<RequestMeta>()
            .cloned()
            .unwrap_or_default();
        Ok(Caller { user, meta })
    }
}

impl Caller {
    /// The use case this call acts out: the server's database and clock, the caller and request.
    pub fn use_case(&self, state: &crate::startup::AppState) -> UseCase {
        UseCase::new(
            state.db.clone(),
            self.user.clone(),
            self.meta.clone(),
            state.clock.now(),
        )
    }
}

/// A JSON body. Over the size limit: 413; not JSON: 415; broken JSON: 400; the wrong fields: 422.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiFailure;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(match rejection {
                JsonRejection::MissingJsonContentType(_) => ApiFailure::UnsupportedMediaType,
                JsonRejection::JsonSyntaxError(e) => ApiFailure::MalformedJson(e.body_text()),
                JsonRejection::JsonDataError(e) => ApiFailure::Unprocessable(e.body_text()),
                JsonRejection::BytesRejection(e)
                    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
                {
                    ApiFailure::BodyTooLarge {
                        limit: super::BODY_LIMIT,
                    }
                }
                other => ApiFailure::MalformedJson(other.body_text()),
            }),
        }
    }
}

/// Path parameters; a malformed id is a 400 that names it.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| ApiPath(value))
            .map_err(|e: PathRejection| ApiFailure::BadPath(e.body_text()))
    }
}

/// Query parameters; a malformed one is a 400 that names it.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| ApiQuery(value))
            .map_err(|e: QueryRejection| ApiFailure::BadQuery(e.body_text()))
    }
}
