//! The second step of sign-in (issue 8; RFC 6238): after the right password, a person with
//! two-step sign-in gives the code their authenticator app shows, or a recovery code. A plain form
//! posted to `/login/second-factor`: it works the same with and without JavaScript, and every
//! refusal gets the same answer.
use crate::components::post_button::PostButton;
use crate::i18n::{Msg, use_locale};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SecondFactorSignInPage() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let failed = query.read().get("error").is_some();
    let next = query.read().get("next").unwrap_or_default();
    let described = if failed {
        "second-factor-intro second-factor-error"
    } else {
        "second-factor-intro"
    };
    view! {
        <Title text=format!("{} · {}", locale.t(Msg::LoginSecondFactorTitle), locale.t(Msg::AppTitle)) />
        <section class="login card">
            <h1>{locale.t(Msg::LoginSecondFactorTitle)}</h1>
            <p id="second-factor-intro">{locale.t(Msg::LoginSecondFactorIntro)}</p>
            {failed.then(|| view! {
                <p class="notice error" role="alert" id="second-factor-error" data-testid="second-factor-error">
                    {locale.t(Msg::LoginSecondFactorFailed)}
                </p>
            })}
            <form method="post" action="/login/second-factor" class="stacked" data-testid="second-factor-form">
                <input type="hidden" name="next" value=next />
                <label for="second-factor-code">{locale.t(Msg::LoginSecondFactorCode)}</label>
                // Six digits, or a recovery code (letters and digits), so no `pattern`.
                <input id="second-factor-code" name="code" type="text" inputmode="numeric"
                    autocomplete="one-time-code" required maxlength="20" autofocus
                    aria-describedby=described aria-invalid=if failed { "true" } else { "false" }
                    data-testid="second-factor-code" />
                <button type="submit" data-testid="second-factor-submit">{locale.t(Msg::LoginSecondFactorSubmit)}</button>
            </form>
            <PostButton action="/logout" label=Msg::LoginSecondFactorCancel testid="second-factor-cancel" secondary=true />
        </section>
    }
}
