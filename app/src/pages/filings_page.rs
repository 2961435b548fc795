//! The filings a person works on: a unit's own filings, or the county office's queue, a page at a
//! time. The page is in the URL (`?page=2`), and the pager is plain links, so paging works
//! without JavaScript.
use crate::api::current_user;
use crate::components::deadline_badge::DeadlineBadge;
use crate::components::error_notice::{ErrorNotice, error_in};
use crate::components::loaded::Loaded;
use crate::components::pager::Pager;
use crate::domain::Role;
use crate::domain::registry::Paging;
use crate::error::AppError;
use crate::filing_api::list_filings;
use crate::i18n::{Msg, use_locale};
use crate::labels;
use crate::model::{FilingPage, FilingRow, SessionUser};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn FilingsPage() -> impl IntoView {
    let locale = use_locale();
    let query = leptos_router::hooks::use_query_map();
    // A step posted for a filing that does not exist comes back here with its error.
    let error = error_in(&query.read_untracked());
    let paging = Memo::new(move |_| {
        let params = query.read();
        Paging::from_params(|key| params.get(key))
    });
    view! {
        <Title text=format!("{} · {}", locale.t(Msg::FilingsTitle), locale.t(Msg::AppTitle)) />
        <h1>{locale.t(Msg::FilingsTitle)}</h1>
        {error.map(|error| view! { <ErrorNotice error /> })}
        <Loaded load=move || {
            let paging = paging.get();
            async move {
                let user = current_user().await?;
                let page = list_filings(Some(paging.page), Some(paging.per_page)).await?;
                Ok::<_, AppError>((user, page))
            }
        } show=move |(user, page): (Option<SessionUser>, FilingPage)| {
            let submitter = user.as_ref().is_some_and(|u| u.role == Role::Submitter);
            let total = page.total.to_string();
            let pager = view! { <FilingsPager page=page.clone() /> };
            view! {
                {submitter.then(|| view! {
                    <p><A href="/filings/new?kind=open" attr:class="button" attr:data-testid="new-open-filing">{locale.t(Msg::FilingsNewOpen)}</A></p>
                })}
                <p class="total" data-testid="filings-total" role="status">{locale.tf(Msg::FilingsTotal, &[("count", &total)])}</p>
                <FilingTable rows=page.rows />
                {pager}
            }
        } />
    }
}

#[component]
pub fn FilingTable(rows: Vec<FilingRow>) -> impl IntoView {
    let locale = use_locale();
    if rows.is_empty() {
        return view! { <p class="empty">{locale.t(Msg::FilingsEmpty)}</p> }.into_any();
    }
    view! {
        <table class="registry" data-testid="filings-table">
            <caption class="visually-hidden">{locale.t(Msg::FilingsTitle)}</caption>
            <thead>
                <tr>
                    <th scope="col">{locale.t(Msg::FilingsColNumber)}</th>
                    <th scope="col">{locale.t(Msg::FilingsColKind)}</th>
                    <th scope="col">{locale.t(Msg::FilingsColState)}</th>
                    <th scope="col">{locale.t(Msg::FilingsColUnit)}</th>
                    <th scope="col">{locale.t(Msg::FilingsColAccount)}</th>
                    <th scope="col">{locale.t(Msg::FilingsColReceived)}</th>
                    <th scope="col">{locale.t(Msg::FilingDueOn)}</th>
                    <th scope="col">{locale.t(Msg::DeadlineTitle)}</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|r| {
                    let href = format!("/filings/{}", r.id);
                    let platform = r.platform.as_ref().map(|p| format!("（{}）", p.in_locale(locale))).unwrap_or_default();
                    view! {
                        <tr>
                            <th scope="row"><A href=href attr:data-testid="filing-link">{r.number}</A></th>
                            <td>{locale.t(labels::kind(r.kind))}</td>
                            <td><span class=format!("state state-{}", r.state.as_str()) data-testid="filing-state">{locale.t(labels::state(r.state, r.awaiting_completion))}</span></td>
                            <td>{r.unit_name}</td>
                            <td>{r.account_name}{platform}</td>
                            <td>{r.received_at.map(|t| labels::china_time(&t)).unwrap_or_default()}</td>
                            <td>{r.due_on.map(|(d, p)| labels::due(&d, p, locale)).unwrap_or_default()}</td>
                            <td>{r.deadline.map(|status| view! { <DeadlineBadge status /> })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The page's place among the filings, at the page size it was asked for.
#[component]
fn FilingsPager(page: FilingPage) -> impl IntoView {
    let paging = Paging::new(Some(page.page), Some(page.per_page));
    let pages = paging.page_count(page.total);
    view! {
        <Pager page=page.page.min(pages) pages href=move |page| format!("/filings{}", paging.href_for_page(page))
            label=Msg::FilingsPagination testid_prefix="filings-" testid="filings-pager" />
    }
}
