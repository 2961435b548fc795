//! The registry: every account with filters, counts and paging. The whole state lives in the URL, so
//! a filtered page can be bookmarked or sent; the filter form is a plain GET form (it needs no
//! JavaScript, and leaving out the router's form handling keeps the browser bundle small).
use crate::api::fetch_registry;
use crate::components::filter_choice::FilterChoice;
use crate::components::loaded::Loaded;
use crate::components::pager::Pager;
use crate::components::sort_header::SortHeader;
use crate::domain::registry::{ALL_STATUSES, IN_USE, RegistrySort};
use crate::domain::{AccountStatus, RegistryQuery};

/// The page sizes the registry offers (the query takes any size up to 100).
const PAGE_SIZES: [u64; 4] = [10, 25, 50, 100];
use crate::i18n::{Locale, Msg, use_locale};
use crate::labels;
use crate::model::RegistryView;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

#[component]
pub fn RegistryPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_query_map();
    let query = Memo::new(move |_| {
        let params = params.read();
        RegistryQuery::for_page(|key| params.get(key))
    });

    view! {
        <Title text=format!("{} · {}", locale.t(Msg::RegistryTitle), locale.t(Msg::AppTitle)) />
        <h1>{locale.t(Msg::RegistryTitle)}</h1>
        <Loaded load=move || {
            let q = query.get();
            async move { fetch_registry(q.clone()).await.map(|view| (view, q)) }
        } show=move |(view, q)| view! { <Registry view q locale /> } />
    }
}

#[component]
fn Registry(view: RegistryView, q: RegistryQuery, locale: Locale) -> impl IntoView {
    let pages = q.page_count(view.total);
    let total = view.total.to_string();
    view! {
        <Filters view=view.clone() q=q.clone() locale />
        <p class="total" data-testid="registry-total" role="status">
            {locale.tf(Msg::RegistryTotal, &[("count", &total)])}
        </p>
        <Exports q=q.clone() locale />
        <div class="counts">
            <section aria-labelledby="counts-platform" data-testid="counts-by-platform">
                <h2 id="counts-platform">{locale.t(Msg::RegistryCountsPlatform)}</h2>
                <dl>
                    {view.by_platform.iter().map(|c| view! {
                        <div><dt>{c.platform.in_locale(locale).to_string()}</dt><dd>{c.count}</dd></div>
                    }).collect_view()}
                </dl>
            </section>
            <section aria-labelledby="counts-status" data-testid="counts-by-status">
                <h2 id="counts-status">{locale.t(Msg::RegistryCountsStatus)}</h2>
                <dl>
                    {view.by_status.iter().map(|c| view! {
                        <div><dt>{locale.t(labels::status(c.status))}</dt><dd>{c.count}</dd></div>
                    }).collect_view()}
                </dl>
            </section>
            <section aria-labelledby="counts-rotation" data-testid="counts-rotation">
                <h2 id="counts-rotation">{locale.t(Msg::RotationTitle)}</h2>
                <p>
                    {locale.tf(Msg::RotationSummary, &[("count", &view.rotation_overdue.to_string()), ("days", &view.rotation_days.to_string())])}
                    " "
                    {(view.rotation_overdue > 0 && !q.rotation_overdue).then(|| {
                        let only = RegistryQuery { rotation_overdue: true, ..q.clone() };
                        let href = format!("/{}", only.href_for_page(1));
                        view! { <A href=href attr:data-testid="rotation-filter-link">{locale.t(Msg::RotationShow)}</A> }
                    })}
                </p>
            </section>
        </div>
        {if view.rows.is_empty() {
            view! { <p class="empty">{locale.t(Msg::RegistryEmpty)}</p> }.into_any()
        } else {
            view! { <AccountTable view=view.clone() q=q.clone() locale /> }.into_any()
        }}
        <Pager page=q.page.min(pages) pages href=move |page| format!("/{}", q.href_for_page(page)) label=Msg::RegistryPagination />
    }
}

#[component]
fn Filters(view: RegistryView, q: RegistryQuery, locale: Locale) -> impl IntoView {
    let selected_status = q.status_param();
    let per_page = q.per_page;
    view! {
        // A plain GET form: the same request with or without JavaScript, and the URL carries the state.
        <form method="get" action="/" class="filters" data-testid="registry-filters" aria-label=locale.t(Msg::RegistryFilters)>
            <FilterChoice id="filter-unit" name="unit" label=Msg::RegistryFilterUnit
                choices=view.units.into_iter().map(|u| (u.code, u.name)).collect() selected=q.unit.clone() />
            <FilterChoice id="filter-platform" name="platform" label=Msg::RegistryFilterPlatform
                choices=platform_choices(view.platforms, locale) selected=q.platform.clone() />
            <div class="field">
                <label for="filter-status">{locale.t(Msg::RegistryFilterStatus)}</label>
                <select id="filter-status" name="status">
                    // The page's default: the accounts in use; deregistered ones on request.
                    <option value="" selected=selected_status == IN_USE>{locale.t(Msg::RegistryFilterInUse)}</option>
                    <option value=ALL_STATUSES selected=selected_status == ALL_STATUSES>{locale.t(Msg::RegistryFilterAllStatuses)}</option>
                    {AccountStatus::ALL.iter().map(|s| {
                        let selected = s.as_str() == selected_status;
                        view! { <option value=s.as_str() selected=selected>{locale.t(labels::status(*s))}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="filter-text">{locale.t(Msg::RegistryFilterText)}</label>
                <input id="filter-text" name="q" type="search" maxlength="64" value=q.text.clone().unwrap_or_default() />
            </div>
            <div class="field checkbox">
                <input id="filter-rotation" name="rotation" type="checkbox" value="overdue" checked=q.rotation_overdue />
                <label for="filter-rotation">{locale.t(Msg::RotationFilter)}</label>
            </div>
            <div class="field">
                <label for="filter-per-page">{locale.t(Msg::RegistryPerPage)}</label>
                <select id="filter-per-page" name="per_page">
                    {PAGE_SIZES.iter().map(|n| view! {
                        <option value=n.to_string() selected=*n == per_page>{n.to_string()}</option>
                    }).collect_view()}
                </select>
            </div>
            {q.sort.map(|sort| view! { <input type="hidden" name="sort" value=sort.as_str() /> })}
            {q.descending.then(|| view! { <input type="hidden" name="dir" value="desc" /> })}
            <div class="actions">
                <button type="submit" data-testid="apply-filters">{locale.t(Msg::RegistryFilterApply)}</button>
                <A href="/" attr:class="button secondary">{locale.t(Msg::RegistryFilterReset)}</A>
            </div>
        </form>
    }
}

/// Downloads of the filtered registry in the upstream template's columns (all pages at once).
#[component]
fn Exports(q: RegistryQuery, locale: Locale) -> impl IntoView {
    let mut query = q.href_for_page(1);
    if locale == Locale::En {
        query.push_str("&lang=en");
    }
    view! {
        <p class="exports" data-testid="registry-exports">
            {locale.t(Msg::RegistryExport)}" "
            <a href=format!("/exports/registry.csv{query}") download data-testid="export-csv">{locale.t(Msg::RegistryExportCsv)}</a>
            " · "
            <a href=format!("/exports/registry.xlsx{query}") download data-testid="export-xlsx">{locale.t(Msg::RegistryExportXlsx)}</a>
        </p>
    }
}

#[component]
fn AccountTable(view: RegistryView, q: RegistryQuery, locale: Locale) -> impl IntoView {
    let header = move |label: Msg, sort: RegistrySort| {
        let href = format!("/{}", q.sorted_by(sort).href_for_page(1));
        let sorted = (q.sort == Some(sort)).then_some(q.descending);
        view! { <SortHeader label code=sort.as_str() href sorted /> }
    };
    view! {
        <table class="registry" data-testid="registry-table">
            <caption class="visually-hidden">{locale.t(Msg::RegistryCaption)}</caption>
            <thead>
                <tr>
                    {header(Msg::RegistryColName, RegistrySort::Name)}
                    <th scope="col">{locale.t(Msg::RegistryColUnit)}</th>
                    <th scope="col">{locale.t(Msg::RegistryColPlatform)}</th>
                    {header(Msg::RegistryColStatus, RegistrySort::Status)}
                    {header(Msg::RegistryColOpened, RegistrySort::Opened)}
                    <th scope="col">{locale.t(Msg::RegistryColNational)}</th>
                </tr>
            </thead>
            <tbody>
                {view.rows.into_iter().map(|row| {
                    let href = format!("/accounts/{}", row.id);
                    let platform = row.platform.in_locale(locale).to_string();
                    view! {
                        <tr>
                            <th scope="row"><A href=href attr:data-testid="account-link">{row.name}</A></th>
                            <td>{row.unit_name}</td>
                            <td data-testid="row-platform" data-code=row.platform.code.clone()>{platform}</td>
                            <td>
                                <span class=format!("status status-{}", row.status.as_str())>{locale.t(labels::status(row.status))}</span>
                                {row.rotation_overdue.then(|| view! {
                                    " " <span class="flag flag-rotation" data-testid="rotation-flag">{locale.t(Msg::RotationFlag)}</span>
                                })}
                            </td>
                            <td>{row.opened_on.to_string()}</td>
                            <td>{locale.t(labels::yes_no(row.in_national_system))}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The platforms as a filter's choices, named in the page's language.
pub fn platform_choices(
    platforms: Vec<crate::model::PlatformName>,
    locale: Locale,
) -> Vec<(String, String)> {
    platforms
        .into_iter()
        .map(|p| {
            let name = p.in_locale(locale).to_string();
            (p.code, name)
        })
        .collect()
}
