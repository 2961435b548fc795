//! Changing one's password (issue 8), and signing out everywhere. The page a person whose password
//! expired or was set by someone else is sent to after signing in, and the only one they may use
//! until they have chosen a new password. Plain form posts, so it works without JavaScript.
use crate::components::done_notice::DoneNotice;
use crate::components::error_notice::{ErrorNotice, flash_error};
use crate::components::loaded::Loaded;
use crate::components::post_button::PostButton;
use crate::components::revoke_tokens_offer::RevokeTokensOffer;
use crate::domain::password::ChangeReason;
use crate::error::AppError;
use crate::i18n::{Locale, Msg, use_locale};
use crate::labels;
use crate::password_api::{PasswordView, fetch_password_view};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The form's fields, as the server names them in its errors.
const FIELDS: [&str; 3] = ["current_password", "new_password", "repeat_password"];

#[component]
pub fn PasswordPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_query_map();
    let changed = params.read().get("changed").is_some();
    let error = flash_error();
    // A problem with one of the fields is shown at that field; anything else above the form.
    let (field_error, other_error) = match error {
        Some(AppError::Invalid { field, problem }) if FIELDS.contains(&field.as_str()) => {
            (Some((field, problem.message(locale))), None)
        }
        other => (None, other),
    };
    view! {
        <Title text=format!("{} · {}", locale.t(Msg::PasswordTitle), locale.t(Msg::AppTitle)) />
        <h1>{locale.t(Msg::PasswordTitle)}</h1>
        {changed.then(|| view! {
            <DoneNotice text=locale.t(Msg::PasswordChanged) testid="password-changed">
                <p><a href="/">{locale.t(Msg::PasswordContinue)}</a></p>
            </DoneNotice>
        })}
        {other_error.map(|error| view! { <ErrorNotice error focus=true /> })}
        <Loaded load=fetch_password_view show=move |view| {
            let field_error = field_error.clone();
            view! { <PasswordForms view field_error locale /> }
        } />
    }
}

#[component]
fn PasswordForms(
    view: PasswordView,
    field_error: Option<(String, String)>,
    locale: Locale,
) -> impl IntoView {
    let reason = view.reason.map(|reason| {
        let text = match reason {
            ChangeReason::SetBySomeoneElse => locale.t(Msg::PasswordReasonFirst).to_string(),
            ChangeReason::Expired => locale.tf(
                Msg::PasswordReasonExpired,
                &[("days", &view.max_age_days.unwrap_or_default().to_string())],
            ),
        };
        view! {
            <div class="notice error" role="alert" data-testid="password-change-required">
                <p>{text}</p>
            </div>
        }
    });
    let mut rules = locale.tf(
        Msg::PasswordRules,
        &[
            ("min", &view.min_length.to_string()),
            ("classes", &view.min_classes.to_string()),
            ("history", &view.history.to_string()),
        ],
    );
    if let Some(days) = view.max_age_days {
        let separator = if locale == Locale::En { " " } else { "" };
        rules.push_str(separator);
        rules.push_str(&locale.tf(Msg::PasswordRulesExpiry, &[("days", &days.to_string())]));
    }
    let last_changed = view.due_at.as_deref().map(|due| {
        locale.tf(
            Msg::PasswordLastChanged,
            &[
                ("date", &labels::china_time(&view.changed_at)),
                ("due", &labels::china_time(due)),
            ],
        )
    });
    let field = move |name: &'static str, label: Msg, autocomplete: &'static str| {
        let error = field_error
            .as_ref()
            .filter(|(field, _)| field == name)
            .map(|(_, message)| message.clone());
        let id = name.replace('_', "-");
        let error_id = format!("{id}-error");
        let has_error = error.is_some();
        let invalid = if has_error { "true" } else { "false" };
        let described = match (name == "new_password", has_error) {
            (true, true) => Some(format!("password-rules {error_id}")),
            (true, false) => Some("password-rules".to_string()),
            (false, true) => Some(error_id.clone()),
            (false, false) => None,
        };
        view! {
            <div class="field" class:invalid=has_error>
                <label for=id.clone()>{locale.t(label)}</label>
                <input id=id name=name type="password" autocomplete=autocomplete required
                    maxlength="128" aria-invalid=invalid aria-describedby=described />
                {error.map(|message| view! {
                    <p class="field-error" id=error_id role="alert" data-testid="password-error">{message}</p>
                })}
            </div>
        }
    };
    view! {
        {reason}
        <section class="card" aria-labelledby="password-form-title">
            <h2 id="password-form-title" class="visually-hidden">{locale.t(Msg::PasswordTitle)}</h2>
            <p class="hint" id="password-rules">{rules}</p>
            {last_changed.map(|text| view! { <p class="hint" data-testid="password-due">{text}</p> })}
            // `filing-form` for its field layout: label above input, a refused field outlined.
            <form method="post" action="/api/password_change" class="stacked filing-form" data-testid="password-form">
                // For password managers: which account the new password belongs to.
                <input type="text" value=view.username autocomplete="username" hidden readonly />
                {field("current_password", Msg::PasswordCurrent, "current-password")}
                {field("new_password", Msg::PasswordNew, "new-password")}
                {field("repeat_password", Msg::PasswordRepeat, "new-password")}
                <p class="hint">{locale.t(Msg::PasswordAfterChange)}</p>
                <button type="submit" data-testid="password-submit">{locale.t(Msg::PasswordSubmit)}</button>
            </form>
        </section>
        <section class="card" aria-labelledby="sessions-title">
            <h2 id="sessions-title">{locale.t(Msg::PasswordSessionsTitle)}</h2>
            <p class="hint">{locale.t(Msg::PasswordSessionsHint)}</p>
            <PostButton action="/api/sign_out_everywhere" label=Msg::PasswordSignOutEverywhere testid="sign-out-everywhere" secondary=true>
                <p><RevokeTokensOffer offer=Msg::TokensRevokeOfferOwn testid="sign-out-revoke-tokens" /></p>
            </PostButton>
        </section>
    }
}
