//! One account's registry entry, with its custodian as far as the viewer may see it.
use crate::api::fetch_account;
use crate::components::error_notice::FlashError;
use crate::components::history_table::HistoryTable;
use crate::components::loaded::ById;
use crate::i18n::{Locale, Msg, use_locale};
use crate::labels;
use crate::model::{AccountDetail, CustodianView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn AccountPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <p class="back"><A href="/">{locale.t(Msg::AccountBack)}</A></p>
        <FlashError />
        <ById fetch=fetch_account show=move |account| view! { <Account account locale /> } />
    }
}

#[component]
fn Account(account: AccountDetail, locale: Locale) -> impl IntoView {
    let none = || locale.t(Msg::CommonNone).to_string();
    let rows: Vec<(Msg, String)> = vec![
        (Msg::AccountUnit, account.unit_name.clone()),
        (
            Msg::AccountUnitKind,
            locale.t(labels::unit_kind(account.unit_kind)).into(),
        ),
        (
            Msg::AccountCreditCode,
            account.unit_credit_code.clone().unwrap_or_else(none),
        ),
        (
            Msg::AccountPlatform,
            account.platform.in_locale(locale).into(),
        ),
        (
            Msg::AccountPlatformAccountId,
            account.platform_account_id.clone().unwrap_or_else(none),
        ),
        (
            Msg::AccountVerificationSubject,
            account.verification_subject.clone(),
        ),
        (Msg::AccountOperatingUnit, account.operating_unit.clone()),
        (
            Msg::AccountOutsourced,
            locale.t(labels::yes_no(account.outsourced)).into(),
        ),
        (Msg::AccountPurpose, account.purpose.clone()),
        (Msg::AccountOpenedOn, account.opened_on.to_string()),
        (
            Msg::AccountStatus,
            locale.t(labels::status(account.status)).into(),
        ),
        (
            Msg::AccountInNationalSystem,
            locale.t(labels::yes_no(account.in_national_system)).into(),
        ),
        (
            Msg::AccountPasswordRotatedOn,
            account
                .password_rotated_on
                .map(|d| d.to_string())
                .unwrap_or_else(none),
        ),
    ];
    let custodian = match account.custodian {
        CustodianView::Shown {
            name,
            mobile,
            masked,
        } => view! {
            <dl>
                <div><dt>{locale.t(Msg::AccountCustodianName)}</dt><dd>{name}</dd></div>
                <div><dt>{locale.t(Msg::AccountCustodianMobile)}</dt><dd>{mobile}</dd></div>
            </dl>
            {masked.then(|| view! { <p class="hint">{locale.t(Msg::AccountCustodianMasked)}</p> })}
        }
        .into_any(),
        CustodianView::Withheld => {
            view! { <p class="hint">{locale.t(Msg::AccountCustodianWithheld)}</p> }.into_any()
        }
    };
    view! {
        <Title text=format!("{} · {}", account.name, locale.t(Msg::AppTitle)) />
        <h1>{account.name.clone()} <span class="subtitle">{account.platform.in_locale(locale).to_string()}</span></h1>
        <section aria-labelledby="account-details" class="card">
            <h2 id="account-details">{locale.t(Msg::AccountDetails)}</h2>
            <dl class="details">
                {rows.into_iter().map(|(label, value)| view! {
                    <div><dt>{locale.t(label)}</dt><dd>{value}</dd></div>
                }).collect_view()}
            </dl>
        </section>
        <section aria-labelledby="account-custodian" class="card" data-testid="custodian">
            <h2 id="account-custodian">{locale.t(Msg::AccountCustodian)}</h2>
            {custodian}
            {account.rotation_overdue.then(|| view! {
                <p class="flag flag-rotation" data-testid="rotation-flag">{locale.t(Msg::RotationOverdueNotice)}</p>
            })}
            {account.may_record_rotation.then(|| {
                let id = account.id;
                view! {
                    // Art. 29: the date of the change is recorded, never the password.
                    <form method="post" action="/api/rotation_record" class="inline-actions" data-testid="rotation-form">
                        <input type="hidden" name="id" value=id.to_string() />
                        <label for="rotated-on">{locale.t(Msg::RotationRecordDate)}</label>
                        <input id="rotated-on" name="rotated_on" type="date" required />
                        <button type="submit" class="secondary" data-testid="record-rotation">{locale.t(Msg::RotationRecord)}</button>
                    </form>
                }
            })}
        </section>
        {account.pending_filing.clone().map(|(id, number)| {
            let href = format!("/filings/{id}");
            view! {
                <p class="notice" data-testid="pending-filing">
                    {locale.t(Msg::AccountPendingFiling)}" "
                    <A href=href>{locale.tf(Msg::ErrorPendingFilingOpen, &[("number", &number)])}</A>
                </p>
            }
        })}
        {account.may_file.then(|| {
            let id = account.id;
            view! {
                <p class="inline-actions" data-testid="file-for-account">
                    <A href=format!("/filings/new?kind=change&account={id}") attr:class="button secondary">{locale.t(Msg::AccountFileChange)}</A>
                    <A href=format!("/filings/new?kind=suspend&account={id}") attr:class="button secondary">{locale.t(Msg::AccountFileSuspend)}</A>
                    <A href=format!("/filings/new?kind=deregister&account={id}") attr:class="button secondary" attr:data-testid="file-deregister">{locale.t(Msg::AccountFileDeregister)}</A>
                </p>
            }
        })}
        <HistoryTable entries=account.history.clone() title=Msg::AccountHistory />
    }
}
