use crate::i18n::{Msg, use_locale};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    let locale = use_locale();
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text=locale.t(Msg::NotfoundTitle) />
        <h1>{locale.t(Msg::NotfoundTitle)}</h1>
        <p><a href="/">{locale.t(Msg::NotfoundBack)}</a></p>
    }
}
