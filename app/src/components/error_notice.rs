//! An error as users see it: translated, announced to screen readers, with a way on.
use crate::error::AppError;
use crate::i18n::{Msg, use_locale};
use leptos::prelude::*;

/// The error the form post that led to this page handed over in its flash (issue 17, item 3):
/// read on the server as the page renders; the browser never sees it in the address.
pub fn flash_error() -> Option<AppError> {
    #[cfg(feature = "ssr")]
    {
        crate::server::context::flash()?.error
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// What the form post that led to this page did (its code), if it said.
pub fn flash_done() -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        crate::server::context::flash()?.done
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// What was typed into the field `name` of the refused form that led to this page, if it was kept
/// (issue 17, item 4).
pub fn flash_kept(name: &str) -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        crate::server::context::flash()?
            .kept(name)
            .map(str::to_string)
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = name;
        None
    }
}

/// The error a form post handed over, if any, above the page, taking the focus (the browser's
/// `autofocus`, so also without JavaScript) so that keyboard and screen-reader users start there.
#[component]
pub fn FlashError() -> impl IntoView {
    flash_error().map(|error| view! { <ErrorNotice error focus=true /> })
}

#[component]
pub fn ErrorNotice(
    error: AppError,
    /// Takes the focus when the page loads (the error a step was refused with).
    #[prop(optional)]
    focus: bool,
) -> impl IntoView {
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
        <div class="notice error" role="alert" tabindex=focus.then_some("-1") autofocus=focus>
            <p>{field}{error.message(locale)} {sign_in}{pending}</p>
        </div>
    }
}
