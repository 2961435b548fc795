//! The filings a person works on: a unit's own filings, or the county office's queue, a page at a
//! time, by tab (where they stand), filtered, searched and sorted (issue 17, item 2). The whole
//! query is in the URL (`?tab=waiting&q=...&sort=due&page=2`); tabs, sort headers and the pager
//! are plain links and the filters a GET form, so all of it works without JavaScript.
use crate::api::current_user;
use crate::components::deadline_badge::DeadlineBadge;
use crate::components::error_notice::{ErrorNotice, flash_error};
use crate::components::filter_choice::FilterChoice;
use crate::components::loaded::Loaded;
use crate::components::pager::Pager;
use crate::components::sort_header::SortHeader;
use crate::domain::Role;
use crate::domain::filing::FilingKind;
use crate::domain::queue::{DueFilter, FilingQuery, QueueSort, QueueTab};
use crate::error::AppError;
use crate::filing_api::list_filings;
use crate::i18n::{Msg, use_locale};
use crate::labels;
use crate::model::{FilingPage, FilingRow, SessionUser};
use crate::pages::registry_page::platform_choices;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn FilingsPage() -> impl IntoView {
    let locale = use_locale();
    let params = leptos_router::hooks::use_query_map();
    // A step posted for a filing that does not exist comes back here with its error.
    let error = flash_error();
    let query = Memo::new(move |_| {
        let params = params.read();
        FilingQuery::from_params(|key| params.get(key))
    });
    view! {
        <Title text=format!("{} · {}", locale.t(Msg::FilingsTitle), locale.t(Msg::AppTitle)) />
        <h1>{locale.t(Msg::FilingsTitle)}</h1>
        {error.map(|error| view! { <ErrorNotice error focus=true /> })}
        <Loaded load=move || {
            let query = query.get();
            async move {
                let user = current_user().await?;
                let page = list_filings(Some(query.clone())).await?;
                Ok::<_, AppError>((user, page, query))
            }
        } show=move |(user, page, query): (Option<SessionUser>, FilingPage, FilingQuery)| {
            let submitter = user.as_ref().is_some_and(|u| u.role == Role::Submitter);
            let total = page.total.to_string();
            let pages = query.page_count(page.total);
            let pager_query = query.clone();
            let empty = if query.is_filtered() { Msg::FilingsNoMatch } else { Msg::FilingsEmpty };
            view! {
                {submitter.then(|| view! {
                    <p><A href="/filings/new?kind=open" attr:class="button" attr:data-testid="new-open-filing">{locale.t(Msg::FilingsNewOpen)}</A></p>
                })}
                <QueueTabs tabs=page.tabs.clone() query=query.clone() />
                <QueueFilters page=page.clone() query=query.clone() />
                <p class="total" data-testid="filings-total" role="status">{locale.tf(Msg::FilingsTotal, &[("count", &total)])}</p>
                <FilingTable rows=page.rows sorting=query.clone() empty />
                <Pager page=query.page.min(pages) pages href=move |n| format!("/filings{}", pager_query.href_for_page(n))
                    label=Msg::FilingsPagination testid_prefix="filings-" testid="filings-pager" />
            }
        } />
    }
}

/// The tabs by where filings stand, each with its count under the current filters. Plain links,
/// so they work without JavaScript; the current one is marked for screen readers.
#[component]
fn QueueTabs(tabs: Vec<(QueueTab, u64)>, query: FilingQuery) -> impl IntoView {
    let locale = use_locale();
    let all: u64 = tabs.iter().map(|(_, n)| n).sum();
    let entries = std::iter::once((None, Msg::FilingsTabAll, all))
        .chain(
            tabs.into_iter()
                .map(|(tab, n)| (Some(tab), labels::queue_tab(tab), n)),
        )
        .map(|(tab, label, count)| {
            let href = format!("/filings{}", query.on_tab(tab).href_for_page(1));
            let current = (query.tab == tab).then_some("page");
            let testid = format!("tab-{}", tab.map_or("all", |t| t.as_str()));
            view! {
                <li>
                    <a href=href aria-current=current data-testid=testid>
                        {locale.t(label)}" "<span class="count">{count}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <nav class="tabs" aria-label=locale.t(Msg::FilingsTabs) data-testid="filings-tabs">
            <ul>{entries}</ul>
        </nav>
    }
}

/// The filters and the search: a plain GET form (the same request with or without JavaScript; the
/// URL carries the state). The tab and the sort stay as they are.
#[component]
fn QueueFilters(page: FilingPage, query: FilingQuery) -> impl IntoView {
    let locale = use_locale();
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let reset = format!(
        "/filings{}",
        FilingQuery::default().on_tab(query.tab).href_for_page(1)
    );
    view! {
        <form method="get" action="/filings" class="filters" data-testid="filings-filters" aria-label=locale.t(Msg::FilingsFilters)>
            {query.tab.map(|tab| view! { <input type="hidden" name="tab" value=tab.as_str() /> })}
            {query.sort.map(|sort| view! { <input type="hidden" name="sort" value=sort.as_str() /> })}
            {query.descending.then(|| view! { <input type="hidden" name="dir" value="desc" /> })}
            <div class="field">
                <label for="filter-text">{locale.t(Msg::FilingsFilterText)}</label>
                <input id="filter-text" name="q" type="search" maxlength="64" value=query.text.clone().unwrap_or_default() />
            </div>
            {(!page.units.is_empty()).then(|| view! {
                <FilterChoice id="filter-unit" name="unit" label=Msg::FilingsFilterUnit
                    choices=page.units.into_iter().map(|u| (u.code, u.name)).collect()
                    selected=query.unit.clone() />
            })}
            <FilterChoice id="filter-kind" name="kind" label=Msg::FilingsFilterKind
                choices=FilingKind::ALL.iter().map(|k| (k.as_str().to_string(), locale.t(labels::kind(*k)).to_string())).collect()
                selected=query.kind.map(|k| k.as_str().to_string()) />
            <FilterChoice id="filter-platform" name="platform" label=Msg::RegistryFilterPlatform
                choices=platform_choices(page.platforms, locale) selected=query.platform.clone() />
            <div class="field">
                <label for="filter-from">{locale.t(Msg::FilingsFilterFrom)}</label>
                <input id="filter-from" name="from" type="date" value=date(query.received_from) />
            </div>
            <div class="field">
                <label for="filter-to">{locale.t(Msg::FilingsFilterTo)}</label>
                <input id="filter-to" name="to" type="date" value=date(query.received_to) />
            </div>
            <FilterChoice id="filter-due" name="due" label=Msg::FilingsFilterDue
                choices=DueFilter::ALL.iter().map(|d| (d.as_str().to_string(), locale.t(labels::due_filter(*d)).to_string())).collect()
                selected=query.due.map(|d| d.as_str().to_string()) />
            <div class="actions">
                <button type="submit" data-testid="apply-filters">{locale.t(Msg::RegistryFilterApply)}</button>
                <A href=reset attr:class="button secondary">{locale.t(Msg::RegistryFilterReset)}</A>
            </div>
        </form>
    }
}

#[component]
pub fn FilingTable(
    rows: Vec<FilingRow>,
    /// The list's query, when its columns sort (the filings page); none elsewhere.
    #[prop(optional)]
    sorting: Option<FilingQuery>,
    /// What to say when there are no rows.
    #[prop(default = Msg::FilingsEmpty)]
    empty: Msg,
    /// The table's caption for screen readers, where a page has more than one.
    #[prop(default = Msg::FilingsTitle)]
    caption: Msg,
) -> impl IntoView {
    let locale = use_locale();
    if rows.is_empty() {
        return view! { <p class="empty" data-testid="filings-empty">{locale.t(empty)}</p> }
            .into_any();
    }
    let header = move |label: Msg, sort: QueueSort| match &sorting {
        None => view! { <th scope="col">{locale.t(label)}</th> }.into_any(),
        Some(query) => {
            let href = format!("/filings{}", query.sorted_by(sort).href_for_page(1));
            let sorted = (query.sort == Some(sort)).then_some(query.descending);
            view! { <SortHeader label code=sort.as_str() href sorted /> }.into_any()
        }
    };
    view! {
        <table class="registry" data-testid="filings-table">
            <caption class="visually-hidden">{locale.t(caption)}</caption>
            <thead>
                <tr>
                    {header(Msg::FilingsColNumber, QueueSort::Number)}
                    <th scope="col">{locale.t(Msg::FilingsColKind)}</th>
                    <th scope="col">{locale.t(Msg::FilingsColState)}</th>
                    <th scope="col">{locale.t(Msg::FilingsColUnit)}</th>
                    <th scope="col">{locale.t(Msg::FilingsColAccount)}</th>
                    {header(Msg::FilingsColReceived, QueueSort::Received)}
                    {header(Msg::FilingDueOn, QueueSort::Due)}
                    <th scope="col">{locale.t(Msg::FilingsColDeadline)}</th>
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
