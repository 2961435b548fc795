//! Sign-in. A plain form posted to `/login`: it works the same with and without JavaScript, and the
//! server answers a wrong password and an unknown user alike.
use crate::components::error_notice::flash_kept;
use crate::i18n::{Msg, use_locale};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let failed = move || query.read().get("error").is_some();
    let signed_out = move || query.read().get("signed_out").is_some();
    let next = move || query.read().get("next").unwrap_or_default();
    // Issue 17, item 4: a failed sign-in keeps the username, and the password field takes the focus.
    let username = flash_kept("username");
    let again = username.is_some();

    view! {
        <Title text=format!("{} · {}", locale.t(Msg::LoginTitle), locale.t(Msg::AppTitle)) />
        <section class="login card">
            <h1>{locale.t(Msg::LoginTitle)}</h1>
            <p>{locale.t(Msg::LoginIntro)}</p>
            <Show when=failed>
                <p class="notice error" role="alert" data-testid="login-error">{locale.t(Msg::LoginFailed)}</p>
            </Show>
            <Show when=signed_out>
                <p class="notice" role="status">{locale.t(Msg::LoginSignedOut)}</p>
            </Show>
            <form method="post" action="/login" class="stacked">
                <input type="hidden" name="next" value=next />
                <label for="username">{locale.t(Msg::LoginUsername)}</label>
                <input id="username" name="username" type="text" autocomplete="username" required maxlength="64" value=username />
                <label for="password">{locale.t(Msg::LoginPassword)}</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256" autofocus=again />
                <button type="submit" data-testid="sign-in">{locale.t(Msg::LoginSubmit)}</button>
            </form>
        </section>
    }
}
