//! The 备案表's input fields, with each field's problems shown beside it (computed by the server from
//! the saved draft, so they appear with or without JavaScript).
use crate::domain::filing::{Field, FilingForm, FilingKind, Issue};
use crate::error::issue_msg;
use crate::i18n::{Locale, Msg, use_locale};
use crate::labels;
use crate::model::PlatformName;
use leptos::prelude::*;

fn problems(issues: &[(Field, Issue)], field: Field, locale: Locale) -> Option<String> {
    let texts: Vec<&str> = issues
        .iter()
        .filter(|(f, _)| *f == field)
        .map(|(_, i)| locale.t(issue_msg(*i)))
        .collect();
    (!texts.is_empty()).then(|| texts.join(" "))
}

/// One labelled input with its problems announced (`aria-invalid`, `aria-describedby`).
#[component]
fn Input(
    field: Field,
    name: &'static str,
    label: Msg,
    value: String,
    issues: Vec<(Field, Issue)>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = false)] long: bool,
) -> impl IntoView {
    let locale = use_locale();
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let problem = problems(&issues, field, locale);
    let has_problem = problem.is_some();
    let invalid = if has_problem { "true" } else { "false" };
    let described = problem.as_ref().map(|_| error_id.clone());
    let input_name = format!("form[{name}]");
    view! {
        <div class="field" class:invalid=has_problem>
            <label for=id.clone()>{locale.t(label)}</label>
            {if long {
                view! { <textarea id=id.clone() name=input_name rows="3" aria-invalid=invalid aria-describedby=described.clone()>{value}</textarea> }.into_any()
            } else {
                view! { <input id=id.clone() name=input_name type=kind value=value aria-invalid=invalid aria-describedby=described.clone() /> }.into_any()
            }}
            {problem.map(|p| view! { <p class="field-error" id=error_id>{p}</p> })}
        </div>
    }
}

#[component]
pub fn FilingFields(
    kind: FilingKind,
    form: FilingForm,
    issues: Vec<(Field, Issue)>,
    /// For open requests: the platforms to choose from and the one chosen.
    platforms: Vec<PlatformName>,
    selected_platform: Option<String>,
) -> impl IntoView {
    let locale = use_locale();
    let describes_account = kind.describes_account();
    let platform_problem = problems(&issues, Field::Platform, locale);
    let general: Vec<String> = issues
        .iter()
        .filter(|(f, _)| matches!(f, Field::Account | Field::Attachments))
        .map(|(f, i)| {
            format!(
                "{}：{}",
                locale.t(labels::field(*f)),
                locale.t(issue_msg(*i))
            )
        })
        .collect();
    let i = move || issues.clone();
    view! {
        {(!general.is_empty()).then(|| view! {
            <ul class="notice error">{general.into_iter().map(|g| view! { <li>{g}</li> }).collect_view()}</ul>
        })}
        {(kind == FilingKind::Open).then(|| {
            let selected = selected_platform.clone().unwrap_or_default();
            let has_problem = platform_problem.is_some();
            let invalid = if has_problem { "true" } else { "false" };
            view! {
                <div class="field" class:invalid=has_problem>
                    <label for="field-platform">{locale.t(Msg::FilingPlatform)}</label>
                    <select id="field-platform" name="platform" aria-invalid=invalid aria-describedby=platform_problem.as_ref().map(|_| "field-platform-error")>
                        <option value="">{locale.t(Msg::FilingChoose)}</option>
                        {platforms.into_iter().map(|p| {
                            let is = p.code == selected;
                            let name = p.in_locale(locale).to_string();
                            view! { <option value=p.code selected=is>{name}</option> }
                        }).collect_view()}
                    </select>
                    {platform_problem.clone().map(|p| view! { <p class="field-error" id="field-platform-error">{p}</p> })}
                </div>
            }
        })}
        {describes_account.then(|| view! {
            <Input field=Field::AccountName name="account_name" label=Msg::RegistryColName value=form.account_name.clone() issues=i() />
            <Input field=Field::PlatformAccountId name="platform_account_id" label=Msg::AccountPlatformAccountId value=form.platform_account_id.clone() issues=i() />
            <Input field=Field::VerificationSubject name="verification_subject" label=Msg::AccountVerificationSubject value=form.verification_subject.clone() issues=i() />
            <Input field=Field::OperatingUnit name="operating_unit" label=Msg::AccountOperatingUnit value=form.operating_unit.clone() issues=i() />
            <div class="field checkbox">
                <input id="field-outsourced" name="form[outsourced]" type="checkbox" value="true" checked=form.outsourced />
                <label for="field-outsourced">{locale.t(Msg::FilingOutsourcedYes)}</label>
            </div>
            <Input field=Field::Purpose name="purpose" label=Msg::AccountPurpose value=form.purpose.clone() issues=i() long=true />
            <Input field=Field::CustodianName name="custodian_name" label=Msg::AccountCustodianName value=form.custodian_name.clone() issues=i() />
            <Input field=Field::CustodianMobile name="custodian_mobile" label=Msg::AccountCustodianMobile value=form.custodian_mobile.clone() issues=i() kind="tel" />
        })}
        {(!describes_account).then(|| view! {
            <Input field=Field::Reason name="reason" label=Msg::FieldReason value=form.reason.clone() issues=i() long=true />
        })}
        <Input field=Field::LeaderName name="leader_name" label=Msg::FieldLeaderName value=form.leader_name.clone() issues=i() />
        <Input field=Field::LeaderConsentOn name="leader_consent_on" label=Msg::FieldLeaderConsentOn value=form.leader_consent_on.clone() issues=i() kind="date" />
        {(kind == FilingKind::Open).then(|| view! {
            <Input field=Field::CollectiveDecisionOn name="collective_decision_on" label=Msg::FieldCollectiveDecisionOn value=form.collective_decision_on.clone() issues=i() kind="date" />
        })}
    }
}
