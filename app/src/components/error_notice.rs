//! An error as users see it: translated, announced to screen readers, with a way on.
use crate::error::AppError;
use crate::i18n::{Msg, use_locale};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

/// The error a form post's redirect left in the URL (`?error=`, the error as JSON).
pub fn error_in(query: &ParamsMap) -> Option<AppError> {
    query
        .get("error")
        .and_then(|e| serde_json::from_str::<AppError>(&e).ok())
}

/// The error in the URL, if any, above the page.
#[component]
pub fn UrlError() -> impl IntoView {
    let query = use_query_map();
    let error = Memo::new(move |_| error_in(&query.read()));
    move || error.get().map(|error| view! { <ErrorNotice error /> })
}

#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    let locale = use_locale();
    let sign_in = matches!(error, AppError::Unauthenticated)
        .then(|| view! { " " <a href="/login">{locale.t(Msg::ErrorSignIn)}</a> });
    // The request that holds the account (issue 15, item 11), to open it.
    let pending = match &error {
        AppError::PendingFiling { id, number } => {
            let href = format!("/filings/{id}");
            let label = locale.tf(Msg::ErrorPendingFilingOpen, &[("number", number)]);
            Some(view! { " " <a href=href data-testid="pending-filing-link">{label}</a> })
        }
        _ => None,
    };
    // A field's problem names the field, for forms that do not mark it in place.
    let field = match &error {
        AppError::Invalid { field, .. } => {
            crate::labels::field_key(field).map(|label| match locale {
                crate::i18n::Locale::ZhCn => format!("{}：", locale.t(label)),
                crate::i18n::Locale::En => format!("{}: ", locale.t(label)),
            })
        }
        _ => None,
    };
    view! {
        <div class="notice error" role="alert">
            <p>{field}{error.message(locale)} {sign_in}{pending}</p>
        </div>
    }
}
