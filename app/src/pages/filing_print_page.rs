//! The 备案表 for A4 print, with the principal leader's signature box and the unit's seal box
//! (Art. 9: the leader's consent; Art. 11: the form filed with the county office).
use crate::components::loaded::ById;
use crate::filing_api::get_filing;
use crate::i18n::{Locale, Msg, use_locale};
use crate::labels;
use crate::model::FilingDetail;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn FilingPrintPage() -> impl IntoView {
    let locale = use_locale();
    view! { <ById fetch=get_filing show=move |filing| view! { <PrintedForm filing locale /> } /> }
}

#[component]
fn PrintedForm(filing: FilingDetail, locale: Locale) -> impl IntoView {
    let f = filing.form.clone();
    let rows: Vec<(Msg, String)> = vec![
        (Msg::FilingsColNumber, filing.number.clone()),
        (Msg::FilingKind, locale.t(labels::kind(filing.kind)).into()),
        (Msg::FilingUnit, filing.unit_name.clone()),
        (
            Msg::AccountCreditCode,
            filing.unit_credit_code.clone().unwrap_or_default(),
        ),
        (Msg::FilingPlatform, filing.platform_name(locale)),
        (Msg::RegistryColName, f.account_name),
        (Msg::AccountPlatformAccountId, f.platform_account_id),
        (Msg::AccountVerificationSubject, f.verification_subject),
        (Msg::AccountOperatingUnit, f.operating_unit),
        (
            Msg::AccountOutsourced,
            locale.t(labels::yes_no(f.outsourced)).into(),
        ),
        (Msg::AccountPurpose, f.purpose),
        (Msg::AccountCustodianName, f.custodian_name),
        (Msg::AccountCustodianMobile, f.custodian_mobile),
        (Msg::FieldReason, f.reason),
        (Msg::FieldCollectiveDecisionOn, f.collective_decision_on),
        (Msg::FieldLeaderName, f.leader_name),
        (Msg::FieldLeaderConsentOn, f.leader_consent_on),
    ];
    view! {
        <Title text=format!("{} {}", locale.t(Msg::PrintTitle), filing.number) />
        <article class="print-form" data-testid="print-form">
            <h1>{locale.t(Msg::PrintTitle)}</h1>
            <table class="print-table">
                <tbody>
                    {rows.into_iter().map(|(k, v)| view! { <tr><th scope="row">{locale.t(k)}</th><td>{v}</td></tr> }).collect_view()}
                </tbody>
            </table>
            <div class="signatures">
                <div class="box"><p>{locale.t(Msg::PrintLeaderSignature)}</p><p class="date">{locale.t(Msg::PrintDate)}</p></div>
                <div class="box"><p>{locale.t(Msg::PrintUnitSeal)}</p><p class="date">{locale.t(Msg::PrintDate)}</p></div>
                <div class="box wide"><p>{locale.t(Msg::PrintOfficeOpinion)}</p><p class="date">{locale.t(Msg::PrintDate)}</p></div>
            </div>
        </article>
    }
}
