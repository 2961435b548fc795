//! Starting a filing: an open request, or a change, suspension or deregistration of one of the
//! unit's accounts (the form starts from the account's registry entry).
use crate::api::fetch_account;
use crate::components::error_notice::FlashError;
use crate::components::filing_fields::FilingFields;
use crate::components::loaded::Loaded;
use crate::domain::filing::{FilingForm, FilingKind};
use crate::error::AppError;
use crate::filing_api::form_key;
use crate::i18n::{Msg, use_locale};
use crate::labels;
use crate::model::{CustodianView, PlatformName};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn NewFilingPage() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let kind = Memo::new(move |_| {
        query
            .read()
            .get("kind")
            .and_then(|k| FilingKind::parse(&k))
            .unwrap_or(FilingKind::Open)
    });
    let account = Memo::new(move |_| {
        query
            .read()
            .get("account")
            .and_then(|a| a.parse::<i32>().ok())
    });
    view! {
        <Title text=move || locale.tf(Msg::FilingNewTitle, &[("kind", locale.t(labels::kind(kind.get())))]) />
        <h1>{move || locale.tf(Msg::FilingNewTitle, &[("kind", locale.t(labels::kind(kind.get())))])}</h1>
        <FlashError />
        <Loaded load=move || load(kind.get(), account.get()) show=move |start| view! { <NewFiling start /> } />
    }
}

/// What the form starts from: the kind and the account it is for, a fresh idempotency key, the
/// form (filled from the account's registry entry for a change, suspension or deregistration) and,
/// for an open request, the platforms.
struct Start {
    kind: FilingKind,
    account: Option<i32>,
    key: String,
    form: FilingForm,
    platforms: Vec<PlatformName>,
}

#[component]
fn NewFiling(start: Start) -> impl IntoView {
    let locale = use_locale();
    let Start {
        kind,
        account,
        key,
        form,
        platforms,
    } = start;
    view! {
        <form method="post" action="/api/filing_new" class="card filing-form" data-testid="filing-form">
            <input type="hidden" name="kind" value=kind.as_str() />
            <input type="hidden" name="idempotency_key" value=key />
            {account.map(|a| view! { <input type="hidden" name="account_id" value=a.to_string() /> })}
            <FilingFields kind form issues=Vec::new() platforms selected_platform=None />
            <button type="submit" data-testid="create-filing">{locale.t(Msg::FilingCreate)}</button>
        </form>
    }
}

async fn load(kind: FilingKind, account: Option<i32>) -> Result<Start, AppError> {
    let key = form_key().await?;
    let (form, platforms) = match (kind.needs_account(), account) {
        (true, Some(id)) => {
            let a = fetch_account(id).await?;
            let (custodian_name, custodian_mobile) = match a.custodian {
                CustodianView::Shown {
                    name,
                    mobile,
                    masked: false,
                } => (name, mobile),
                _ => (String::new(), String::new()),
            };
            let form = FilingForm {
                account_name: a.name,
                platform_account_id: a.platform_account_id.unwrap_or_default(),
                verification_subject: a.verification_subject,
                operating_unit: a.operating_unit,
                outsourced: a.outsourced,
                purpose: a.purpose,
                custodian_name,
                custodian_mobile,
                ..Default::default()
            };
            (form, Vec::new())
        }
        (true, None) => return Err(AppError::NotFound),
        (false, _) => (FilingForm::default(), platform_catalogue().await?),
    };
    Ok(Start {
        kind,
        account,
        key,
        form,
        platforms,
    })
}

/// The platforms an open request may choose from (from the registry's filter choices).
async fn platform_catalogue() -> Result<Vec<PlatformName>, AppError> {
    let page = crate::api::fetch_registry(crate::domain::RegistryQuery {
        page: 1,
        per_page: 1,
        ..Default::default()
    })
    .await?;
    Ok(page.platforms)
}
