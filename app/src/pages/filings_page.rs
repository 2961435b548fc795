//! The filings a person works on: a unit's own filings, or the county office's queue, a page at a
//! time. The page is in the URL (`?page=2`), and the pager is plain links, so paging works
//! without JavaScript.
use crate::api::current_user;
use crate::components::deadline_badge::DeadlineBadge;
use crate::components::error_notice::ErrorNotice;
use crate::domain::Role;
use crate::domain::registry::Paging;
use crate::filing_api::list_filings;
use crate::i18n::{Locale, Msg, use_locale};
use crate::labels;
use crate::model::{FilingPage, FilingRow};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn FilingsPage() -> impl IntoView {
    let locale = use_locale();
    let query = leptos_router::hooks::use_query_map();
    // A step posted for a filing that does not exist comes back here with its error.
    let error = query
        .read_untracked()
        .get("error")
        .and_then(|e| serde_json::from_str::<crate::error::AppError>(&e).ok());
    let paging = Memo::new(move |_| {
        let params = query.read();
        Paging::from_params(|key| params.get(key))
    });
    view! {
        <Title text=format!("{} · {}", locale.t(Msg::FilingsTitle), locale.t(Msg::AppTitle)) />
        <h1>{locale.t(Msg::FilingsTitle)}</h1>
        {error.map(|error| view! { <ErrorNotice error /> })}
        <Suspense fallback=move || view! { <p role="status">{locale.t(Msg::CommonLoading)}</p> }>
            {move || {
                let paging = paging.get();
                Suspend::new(async move {
                    let data = async {
                        let user = current_user().await?;
                        let page = list_filings(Some(paging.page), Some(paging.per_page)).await?;
                        Ok::<_, crate::error::AppError>((user, page))
                    };
                    match data.await {
                        Ok((user, page)) => {
                            let submitter = user.as_ref().is_some_and(|u| u.role == Role::Submitter);
                            let total = page.total.to_string();
                            let pager = view! { <Pager page=page.clone() locale /> };
                            view! {
                                {submitter.then(|| view! {
                                    <p><A href="/filings/new?kind=open" attr:class="button" attr:data-testid="new-open-filing">{locale.t(Msg::FilingsNewOpen)}</A></p>
                                })}
                                <p class="total" data-testid="filings-total" role="status">{locale.tf(Msg::FilingsTotal, &[("count", &total)])}</p>
                                <FilingTable rows=page.rows />
                                {pager}
                            }.into_any()
                        }
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
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

/// Links to the previous and next page (plain links: they work without JavaScript).
#[component]
fn Pager(page: FilingPage, locale: Locale) -> impl IntoView {
    let paging = Paging::new(Some(page.page), Some(page.per_page));
    let pages = paging.page_count(page.total);
    let current = page.page.min(pages);
    let prev = (current > 1).then(|| {
        let href = format!("/filings{}", paging.href_for_page(current - 1));
        view! { <A href=href attr:rel="prev" attr:data-testid="filings-page-prev">{locale.t(Msg::RegistryPrev)}</A> }
    });
    let next = (current < pages).then(|| {
        let href = format!("/filings{}", paging.href_for_page(current + 1));
        view! { <A href=href attr:rel="next" attr:data-testid="filings-page-next">{locale.t(Msg::RegistryNext)}</A> }
    });
    let label = locale.tf(
        Msg::RegistryPage,
        &[
            ("page", &current.to_string()),
            ("pages", &pages.to_string()),
        ],
    );
    view! {
        <nav class="pagination" aria-label=locale.t(Msg::FilingsPagination) data-testid="filings-pager">
            {prev}
            <span aria-current="page">{label}</span>
            {next}
        </nav>
    }
}
