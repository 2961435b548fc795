//! Security administration, for the security administrator (issue 8, 三权分立: 安全管理员): the
//! password policy, and for each person their role (and a submitter's unit), a lock to lift, a
//! temporary password to have made and a lost second factor to reset, an enrolment code to issue,
//! and the requests on privileged accounts that a second person decides (issue 15). Nobody acts
//! on their own account here. Plain form posts, so all of it works without JavaScript.
use crate::components::done_notice::DoneNotice;
use crate::components::loaded::Loaded;
use crate::components::post_button::PostButton;
use crate::components::revoke_tokens_offer::RevokeTokensOffer;
use crate::domain::Role;
use crate::i18n::{Locale, Msg, use_locale};
use crate::labels;
use crate::model::{AccountRequestRow, FreshSecret, PeopleView, PersonRow, PolicyView, UnitOption};
use crate::pages::admin_users_page::{PersonOutcome, UnitSelect, state_label};
use crate::people_api::fetch_security;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SecurityPage() -> impl IntoView {
    let locale = use_locale();
    let policy = use_query_map()
        .read_untracked()
        .get("policy")
        .and_then(|p| match p.as_str() {
            "saved" => Some(Msg::SecurityPolicySaved),
            "configured" => Some(Msg::SecurityPolicyBack),
            _ => None,
        });
    view! {
        <Title text=format!("{} · {}", locale.t(Msg::SecurityTitle), locale.t(Msg::AppTitle)) />
        <h1>{locale.t(Msg::SecurityTitle)}</h1>
        <p class="hint">{locale.t(Msg::SecurityHint)}</p>
        {policy.map(|msg| view! { <DoneNotice text=locale.t(msg) testid="policy-saved" /> })}
        <PersonOutcome locale />
        <Loaded load=fetch_security show=move |people| view! { <Security people locale /> } />
    }
}

#[component]
fn Security(people: PeopleView, locale: Locale) -> impl IntoView {
    let PeopleView {
        rows,
        units,
        policy,
        viewer_id,
        requests,
        fresh_password,
        fresh_enrolment_code,
    } = people;
    view! {
        {fresh_password.map(|secret| view! {
            <Shown secret msg=Msg::SecurityTempPasswordShown testid="temp-password" locale />
        })}
        {fresh_enrolment_code.map(|secret| view! {
            <Shown secret msg=Msg::SecurityEnrolmentCodeShown testid="enrolment-code" locale />
        })}
        <AccountRequests requests locale />
        <PolicyForm policy locale />
        <section aria-labelledby="security-people-title">
            <h2 id="security-people-title">{locale.t(Msg::SecurityPeopleTitle)}</h2>
            <table class="registry people" data-testid="security-table">
                <caption class="visually-hidden">{locale.t(Msg::PeopleCaption)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{locale.t(Msg::PeopleUsername)}</th>
                        <th scope="col">{locale.t(Msg::PeopleState)}</th>
                        <th scope="col">{locale.t(Msg::SecurityColPassword)}</th>
                        <th scope="col">{locale.t(Msg::SecurityColFactor)}</th>
                        <th scope="col">{locale.t(Msg::SecurityColRole)}</th>
                        <th scope="col">{locale.t(Msg::PeopleAction)}</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|p| {
                        let own = p.id == viewer_id;
                        view! { <PersonRowView person=p own units=units.clone() locale /> }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

// issue 15: people
/// A secret made for a person, shown this once to the security administrator to hand over.
#[component]
fn Shown(secret: FreshSecret, msg: Msg, testid: &'static str, locale: Locale) -> impl IntoView {
    view! {
        <DoneNotice text=locale.tf(msg, &[("username", &secret.username)])>
            <p><code class="token-secret" data-testid=testid data-username=secret.username.clone()>{secret.value}</code></p>
        </DoneNotice>
    }
}

/// The requests on accounts awaiting a second person (issue 15 item 3), on the security
/// administrator's page and the system administrator's: confirm or refuse another's request,
/// withdraw one's own. Plain forms.
#[component]
pub(crate) fn AccountRequests(requests: Vec<AccountRequestRow>, locale: Locale) -> impl IntoView {
    let body = if requests.is_empty() {
        view! { <p class="hint" data-testid="requests-none">{locale.t(Msg::SecurityRequestsNone)}</p> }
            .into_any()
    } else {
        view! {
            <table class="registry people" data-testid="requests-table">
                <caption class="visually-hidden">{locale.t(Msg::SecurityRequestsCaption)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{locale.t(Msg::SecurityRequestColAccount)}</th>
                        <th scope="col">{locale.t(Msg::SecurityRequestColWhat)}</th>
                        <th scope="col">{locale.t(Msg::SecurityRequestColBy)}</th>
                        <th scope="col">{locale.t(Msg::SecurityRequestColAt)}</th>
                        <th scope="col">{locale.t(Msg::PeopleAction)}</th>
                    </tr>
                </thead>
                <tbody>
                    {requests.into_iter().map(|r| view! { <RequestRow request=r locale /> }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section aria-labelledby="requests-title" class="card" data-testid="requests">
            <h2 id="requests-title">{locale.t(Msg::SecurityRequestsTitle)}</h2>
            <p class="hint">{locale.t(Msg::SecurityRequestsHint)}</p>
            {body}
        </section>
    }
}

#[component]
fn RequestRow(request: AccountRequestRow, locale: Locale) -> impl IntoView {
    let r = request;
    let which = locale.tf(Msg::PeopleWhich, &[("username", &r.username)]);
    let what = match r.kind.as_str() {
        "password_reset" => locale.t(Msg::SecurityRequestKindPasswordReset).to_string(),
        "second_factor_reset" => locale
            .t(Msg::SecurityRequestKindSecondFactorReset)
            .to_string(),
        _ => {
            let role = r
                .role
                .map(|role| locale.t(labels::role(role)))
                .unwrap_or_default();
            let mut text = locale.tf(Msg::SecurityRequestKindRoleChange, &[("role", role)]);
            if let Some(unit) = &r.unit_code {
                text.push_str(&format!(" ({unit})"));
            }
            text
        }
    };
    let id = r.id.to_string();
    let actions = if r.about_viewer {
        view! { <span class="hint">{locale.t(Msg::PeopleOwn)}</span> }.into_any()
    } else if r.own {
        view! {
            <PostButton action="/api/account_request_refuse" id=id.clone() label=Msg::SecurityRequestWithdraw
                which=which.clone() secondary=true testid="request-withdraw" />
        }
        .into_any()
    } else {
        view! {
            <PostButton action="/api/account_request_confirm" id=id.clone() label=Msg::SecurityRequestConfirm
                which=which.clone() testid="request-confirm" />
            <PostButton action="/api/account_request_refuse" id=id.clone() label=Msg::SecurityRequestRefuse
                which=which.clone() secondary=true testid="request-refuse" />
        }
        .into_any()
    };
    view! {
        <tr data-testid="request-row" data-username=r.username.clone() data-kind=r.kind.clone()>
            <th scope="row">{r.username.clone()}</th>
            <td>{what}</td>
            <td>{r.requested_by.clone()}</td>
            <td>{labels::china_time(&r.requested_at)}</td>
            <td>{actions}</td>
        </tr>
    }
}

#[component]
fn PolicyForm(policy: PolicyView, locale: Locale) -> impl IntoView {
    let source = if policy.set_here {
        Msg::SecurityPolicySetHere
    } else {
        Msg::SecurityPolicyConfigured
    };
    let field = move |id: &'static str, label: Msg, value: u32, min: u32, max: u32| {
        view! {
            <div class="field">
                <label for=format!("policy-{id}")>{locale.t(label)}</label>
                <input id=format!("policy-{id}") name=id type="number" required
                    min=min.to_string() max=max.to_string() value=value.to_string() />
            </div>
        }
    };
    view! {
        <section aria-labelledby="policy-title" class="card">
            <h2 id="policy-title">{locale.t(Msg::SecurityPolicyTitle)}</h2>
            <p class="hint" data-testid="policy-source">{locale.t(source)}</p>
            <form method="post" action="/api/policy_save" class="filters" data-testid="policy-form">
                {field("min_length", Msg::SecurityMinLength, policy.min_length, 8, 128)}
                {field("min_classes", Msg::SecurityMinClasses, policy.min_classes, 1, 4)}
                {field("max_age_days", Msg::SecurityMaxAge, policy.max_age_days, 0, 3650)}
                {field("history", Msg::SecurityHistory, policy.history, 0, 24)}
                {field("lockout_threshold", Msg::SecurityLockoutThreshold, policy.lockout_threshold, 1, 100)}
                {field("lockout_minutes", Msg::SecurityLockoutMinutes, policy.lockout_minutes, 1, 1440)}
                <div class="actions">
                    <button type="submit" data-testid="policy-save">{locale.t(Msg::SecurityPolicySave)}</button>
                </div>
            </form>
            {policy.set_here.then(|| view! {
                <PostButton action="/api/policy_reset" label=Msg::SecurityPolicyReset secondary=true testid="policy-reset" />
            })}
        </section>
    }
}

#[component]
fn PersonRowView(
    person: PersonRow,
    own: bool,
    units: Vec<UnitOption>,
    locale: Locale,
) -> impl IntoView {
    let p = person;
    let which = locale.tf(Msg::PeopleWhich, &[("username", &p.username)]);
    let id = p.id.to_string();
    let password = if p.must_change_password {
        format!(
            "{} ({})",
            labels::china_time(&p.password_changed_at),
            locale.t(Msg::SecurityMustChange)
        )
    } else {
        labels::china_time(&p.password_changed_at)
    };
    let factor = locale.t(if p.second_factor {
        Msg::SecurityFactorOn
    } else {
        Msg::SecurityFactorOff
    });
    let role_cell = if own {
        view! { {locale.t(labels::role(p.role))} }.into_any()
    } else {
        let role_id = format!("role-{}", p.id);
        let unit_label = format!("{} · {}", locale.t(Msg::SecurityUnit), which);
        view! {
            <form method="post" action="/api/role_change" class="inline" data-testid="role-form">
                <input type="hidden" name="id" value=id.clone() />
                <label for=role_id.clone() class="visually-hidden">{format!("{} · {}", locale.t(Msg::SecurityColRole), which)}</label>
                <select id=role_id name="role" data-testid="role-select">
                    {Role::ALL.iter().map(|r| view! {
                        <option value=r.as_str() selected=*r == p.role>{locale.t(labels::role(*r))}</option>
                    }).collect_view()}
                </select>
                <UnitSelect id=format!("unit-{}", p.id) units selected=p.unit_code.clone() required=false locale label=unit_label />
                <button type="submit" class="secondary" data-testid="role-change">
                    {locale.t(Msg::SecurityChangeRole)}
                    <span class="visually-hidden">" "{which.clone()}</span>
                </button>
            </form>
        }.into_any()
    };
    let actions = if own {
        view! { <span class="hint">{locale.t(Msg::PeopleOwn)}</span> }.into_any()
    } else {
        let enrolment = p.enrolment_code_needed.then(|| {
            view! {
                <PostButton action="/api/enrolment_code_issue" id=id.clone() label=Msg::SecurityEnrolmentCode
                    which=which.clone() secondary=true testid="enrolment-code-issue" />
            }
        });
        let unlock = (p.locked_until.is_some() || p.failed_sign_ins > 0).then(|| {
            view! {
                <PostButton action="/api/person_unlock" id=id.clone() label=Msg::SecurityUnlock
                    which=which.clone() secondary=true testid="person-unlock" />
            }
        });
        let factor_reset = p.second_factor.then(|| {
            view! {
                <PostButton action="/api/second_factor_reset" id=id.clone() label=Msg::SecurityResetFactor
                    which=which.clone() secondary=true testid="factor-reset">
                    <RevokeTokensOffer offer=Msg::TokensRevokeOfferOther testid="factor-reset-revoke-tokens" />
                    " "
                </PostButton>
            }
        });
        view! {
            {unlock}
            {factor_reset}
            {enrolment}
            // The system makes the temporary password (issue 15 item 3); nobody chooses it.
            <PostButton action="/api/person_password_reset" id=id.clone() label=Msg::SecurityResetPassword
                which=which.clone() secondary=true testid="password-reset" form_testid="reset-form" />
        }
        .into_any()
    };
    view! {
        <tr data-testid="security-row" data-username=p.username.clone()>
            <th scope="row">{p.username.clone()}" "<span class="hint">{p.display_name.clone()}</span></th>
            <td data-testid="person-state">{state_label(&p, locale)}</td>
            <td>{password}</td>
            <td data-testid="person-factor">{factor}</td>
            <td>{role_cell}</td>
            <td>{actions}</td>
        </tr>
    }
}
