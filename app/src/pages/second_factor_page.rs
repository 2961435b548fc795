//! Two-step sign-in (issue 8; RFC 6238): where the person's TOTP second factor stands; setting it
//! up (a QR code and the key as text, confirmed with a first code), the recovery codes shown once
//! after, turning it off, and new recovery codes. The only page a person who must enrol first
//! (`TOTP_REQUIRED`) may use until they have. Plain form posts, so it works without JavaScript.
use crate::components::done_notice::DoneNotice;
use crate::components::error_notice::{ErrorNotice, flash_error};
use crate::components::loaded::Loaded;
use crate::components::post_button::PostButton;
use crate::components::revoke_tokens_offer::RevokeTokensOffer;
use crate::i18n::{Locale, Msg, use_locale};
use crate::labels;
use crate::totp_api::{PendingEnrolmentView, SecondFactorView, fetch_second_factor};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SecondFactorPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_query_map();
    let flag = |key: &str| params.read().get(key).is_some();
    let notice = if flag("enabled") {
        Some(Msg::TotpEnabled)
    } else if flag("regenerated") {
        Some(Msg::TotpRegenerated)
    } else if flag("disabled") {
        Some(Msg::TotpDisabled)
    } else {
        None
    };
    let error = flash_error();
    view! {
        <Title text=format!("{} · {}", locale.t(Msg::TotpTitle), locale.t(Msg::AppTitle)) />
        <h1>{locale.t(Msg::TotpTitle)}</h1>
        <p class="hint">{locale.t(Msg::TotpIntro)}</p>
        {notice.map(|msg| view! { <DoneNotice text=locale.t(msg) testid="totp-notice" /> })}
        {error.map(|error| view! { <ErrorNotice error focus=true /> })}
        <Loaded load=fetch_second_factor show=move |view| view! { <SecondFactor view locale /> } />
    }
}

/// A code field: six digits from the app (or a recovery code where one is accepted).
fn code_field(id: &'static str, label: Msg, locale: Locale) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{locale.t(label)}</label>
            <input id=id name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                pattern="[0-9 ]{6,7}" maxlength="7" size="8" required data-testid=id />
        </div>
    }
}

#[component]
fn SecondFactor(view: SecondFactorView, locale: Locale) -> impl IntoView {
    let SecondFactorView {
        username,
        enabled_at,
        pending,
        recovery_codes_left,
        required,
        enrolment_code_needed,
        fresh_codes,
    } = view;
    let required = required.then(|| {
        view! {
            <div class="notice error" role="alert" data-testid="totp-required">
                <p>{locale.t(Msg::TotpRequired)}</p>
            </div>
        }
    });
    let codes =
        (!fresh_codes.is_empty()).then(|| view! { <RecoveryCodes codes=fresh_codes locale /> });
    let body = match (enabled_at, pending) {
        (Some(since), _) => view! {
            <p data-testid="totp-status" data-enabled="true">
                {locale.tf(
                    Msg::TotpStatusOn,
                    &[("date", &labels::china_time(&since)), ("count", &recovery_codes_left.to_string())],
                )}
            </p>
            <Manage locale />
        }
        .into_any(),
        (None, Some(pending)) => view! {
            <p data-testid="totp-status" data-enabled="false">{locale.t(Msg::TotpStatusOff)}</p>
            <Enrol pending username enrolment_code_needed locale />
        }
        .into_any(),
        (None, None) => view! {
            <p data-testid="totp-status" data-enabled="false">{locale.t(Msg::TotpStatusOff)}</p>
            <section class="card" aria-labelledby="totp-begin-title">
                <h2 id="totp-begin-title" class="visually-hidden">{locale.t(Msg::TotpBegin)}</h2>
                <p class="hint">{locale.t(Msg::TotpBeginHint)}</p>
                <PostButton action="/api/second_factor_begin" label=Msg::TotpBegin testid="totp-begin" />
            </section>
        }
        .into_any(),
    };
    view! {
        {required}
        {codes}
        {body}
        <p class="hint">{locale.t(Msg::TotpLostPhone)}</p>
    }
}

/// An enrolment begun: the QR code, the key as text, and the field for the first code.
#[component]
fn Enrol(
    pending: PendingEnrolmentView,
    username: String,
    enrolment_code_needed: bool,
    locale: Locale,
) -> impl IntoView {
    // Issue 15 item 7: where the role must have a second factor, the password alone does not enrol.
    let enrolment_code = enrolment_code_needed.then(|| {
        view! {
            <div class="field">
                <label for="totp-enrolment-code">{locale.t(Msg::SecondFactorEnrolmentCode)}</label>
                <input id="totp-enrolment-code" name="enrolment_code" type="text" required
                    autocomplete="off" maxlength="32" size="20" spellcheck="false"
                    aria-describedby="totp-enrolment-code-hint" data-testid="totp-enrolment-code" />
                <p id="totp-enrolment-code-hint" class="hint">{locale.t(Msg::SecondFactorEnrolmentCodeHint)}</p>
            </div>
        }
    });
    // The key in groups of four, as apps show keys, for typing by hand.
    let grouped = pending
        .secret
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <section class="card" aria-labelledby="totp-setup-title" data-testid="totp-setup">
            <h2 id="totp-setup-title">{locale.t(Msg::TotpSetupTitle)}</h2>
            <p>{locale.t(Msg::TotpScan)}</p>
            // Drawn by the server from the otpauth:// URI; inline SVG, as the CSP allows no data: images.
            <div class="totp-qr" role="img" aria-label=locale.t(Msg::TotpQrLabel)
                data-testid="totp-qr" inner_html=pending.qr_svg></div>
            <p id="totp-manual">{locale.t(Msg::TotpManual)}</p>
            <p>
                <span>{locale.t(Msg::TotpSecret)}": "</span>
                <code class="token-secret" data-testid="totp-secret" data-secret=pending.secret.clone()
                    aria-describedby="totp-manual">{grouped}</code>
            </p>
            <p class="hint">{username}</p>
            <form method="post" action="/api/second_factor_confirm" class="stacked filing-form" data-testid="totp-confirm-form">
                <p>{locale.t(Msg::TotpConfirmHint)}</p>
                {enrolment_code}
                {code_field("totp-confirm-code", Msg::TotpCode, locale)}
                <p><RevokeTokensOffer offer=Msg::TokensRevokeOfferOwn testid="totp-revoke-tokens" /></p>
                <button type="submit" data-testid="totp-confirm">{locale.t(Msg::TotpConfirm)}</button>
            </form>
            <PostButton action="/api/second_factor_begin" label=Msg::TotpRestart testid="totp-restart" secondary=true />
        </section>
    }
}

/// A second factor in force: turning it off, new recovery codes.
#[component]
fn Manage(locale: Locale) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="totp-regenerate-title">
            <h2 id="totp-regenerate-title">{locale.t(Msg::TotpRegenerateTitle)}</h2>
            <p class="hint">{locale.t(Msg::TotpRegenerateHint)}</p>
            <form method="post" action="/api/second_factor_recovery_codes" class="stacked filing-form" data-testid="totp-regenerate-form">
                {code_field("totp-regenerate-code", Msg::TotpCode, locale)}
                <button type="submit" data-testid="totp-regenerate">{locale.t(Msg::TotpRegenerate)}</button>
            </form>
        </section>
        <section class="card" aria-labelledby="totp-disable-title">
            <h2 id="totp-disable-title">{locale.t(Msg::TotpDisableTitle)}</h2>
            <p class="hint" id="totp-disable-hint">{locale.t(Msg::TotpDisableHint)}</p>
            <form method="post" action="/api/second_factor_disable" class="stacked filing-form" data-testid="totp-disable-form">
                <div class="field">
                    <label for="totp-disable-code">{locale.t(Msg::TotpDisableCode)}</label>
                    <input id="totp-disable-code" name="code" type="text" inputmode="numeric"
                        autocomplete="one-time-code" maxlength="7" size="8"
                        aria-describedby="totp-disable-hint" data-testid="totp-disable-code" />
                </div>
                <div class="field">
                    <label for="totp-disable-password">{locale.t(Msg::TotpDisablePassword)}</label>
                    <input id="totp-disable-password" name="password" type="password"
                        autocomplete="current-password" maxlength="256" data-testid="totp-disable-password" />
                </div>
                <button type="submit" class="secondary" data-testid="totp-disable">{locale.t(Msg::TotpDisable)}</button>
            </form>
        </section>
    }
}

/// Recovery codes just made, shown this once.
#[component]
fn RecoveryCodes(codes: Vec<String>, locale: Locale) -> impl IntoView {
    view! {
        <section class="notice success" aria-labelledby="totp-codes-title" data-testid="totp-recovery-codes">
            <h2 id="totp-codes-title">{locale.t(Msg::TotpCodesTitle)}</h2>
            <p>{locale.t(Msg::TotpCodesHint)}</p>
            <ol aria-label=locale.t(Msg::TotpCodesCaption) class="recovery-codes">
                {codes.into_iter().map(|code| view! {
                    <li><code data-testid="totp-recovery-code">{code}</code></li>
                }).collect_view()}
            </ol>
        </section>
    }
}
