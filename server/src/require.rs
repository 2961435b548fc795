//! `Require<C>`: the extractor of the download routes (and [`Acting`], of the routes that answer
//! a refusal their own way). It resolves the signed-in person the session
//! layer put into the request (as the API's `Caller` does) and lets the handler run only when
//! their role holds the capability `C` ([`app::domain::Role::may`], the one table of access
//! rules). Signed out or refused, the route answers as every download does: a translated page
//! with 401 or 403 ([`crate::downloads::refused`]), in the file's language if one was asked for.
use crate::downloads::refused;
use crate::startup::AppState;
use app::domain::Capability;
use app::error::AppError;
use app::model::SessionUser;
use app::server::use_case::{RequestMeta, UseCase};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Response;
use std::collections::HashMap;
use std::marker::PhantomData;

/// A capability named as a type, so that a route says what it needs in its signature.
pub trait CapabilityMarker {
    const CAPABILITY: Capability;
}

macro_rules! markers {
    ($($name:ident),* $(,)?) => {$(
        #[doc = concat!("[`Capability::", stringify!($name), "`] as a type.")]
        pub struct $name;
        impl CapabilityMarker for $name {
            const CAPABILITY: Capability = Capability::$name;
        }
    )*};
}

markers!(ReadRegistry, ReadFilings, ReadReports);

/// The use case of a signed-in person whose role holds `C`.
pub struct Require<C: CapabilityMarker> {
    pub uc: UseCase,
    capability: PhantomData<C>,
}

/// The use case of the person the session layer signed in, or `Unauthenticated`: for the routes
/// that answer a refusal their own way (back to the page the form was on, with the error).
pub struct Acting(pub Result<UseCase, AppError>);

impl FromRequestParts<AppState> for Acting {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(user) = parts.extensions.get::<SessionUser>().cloned() else {
            return Ok(Acting(Err(AppError::Unauthenticated)));
        };
        let meta = parts
            .extensions
            .get::<RequestMeta>()
            .cloned()
            .unwrap_or_default();
        Ok(Acting(Ok(UseCase::new(
            state.db.clone(),
            user,
            meta,
            state.clock.now(),
        ))))
    }
}

/// The query's parameters, for the refusal's language (`lang`).
fn query_params(parts: &Parts) -> HashMap<String, String> {
    axum::extract::Query::try_from_uri(&parts.uri)
        .map(|axum::extract::Query(params)| params)
        .unwrap_or_default()
}

impl<C: CapabilityMarker> FromRequestParts<AppState> for Require<C> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let refuse = |error: AppError| refused(&error, &query_params(parts), &parts.headers);
        let user = parts.extensions.get::<SessionUser>().cloned();
        let Some(user) = user else {
            return Err(refuse(AppError::Unauthenticated));
        };
        if !user.role.may(C::CAPABILITY) {
            return Err(refuse(AppError::Forbidden));
        }
        let meta = parts
            .extensions
            .get::<RequestMeta>()
            .cloned()
            .unwrap_or_default();
        let uc = UseCase::new(state.db.clone(), user, meta, state.clock.now());
        Ok(Require {
            uc,
            capability: PhantomData,
        })
    }
}
