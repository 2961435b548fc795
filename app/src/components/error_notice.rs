//! An error as users see it: translated, announced to screen readers, with a way on.
use crate::error::AppError;
use crate::i18n::{Msg, use_locale};
use leptos::prelude::*;

#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    let locale = use_locale();
    let sign_in = matches!(error, AppError::Unauthenticated)
        .then(|| view! { " " <a href="/login">{locale.t(Msg::ErrorSignIn)}</a> });
    view! {
        <div class="notice error" role="alert">
            <p>{error.message(locale)} {sign_in}</p>
        </div>
    }
}
