//! The monthly monitoring report (Art. 34: 每月进行通报), for the county level: accounts by
//! platform, status and unit, the month's review of filings (Art. 11), and the rectification list
//! (Art. 9 duplicates, Art. 29 custodians and password rotation). The month lives in the URL and
//! is picked with a plain GET form; the workbook and the filings report (报备) are plain links and
//! GET forms to the server's export routes, so all of it works without JavaScript. It prints on A4.
use crate::components::error_notice::ErrorNotice;
use crate::domain::AccountStatus;
use crate::error::AppError;
use crate::i18n::{Locale, Msg, use_locale};
use crate::labels;
use crate::report_api::{
    DuplicateGroup, ListedAccount, MissingCustodian, MonthlyReport, OverdueRotation, StatusCounts,
    fetch_monthly_report, missing_custodian_msg, review_lines,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The `lang` query the export routes take, so a file comes in the page's language.
fn lang_query(locale: Locale) -> &'static str {
    match locale {
        Locale::ZhCn => "",
        Locale::En => "&lang=en",
    }
}

#[component]
pub fn MonthlyReportPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_query_map();
    let month = Memo::new(move |_| params.read().get("month"));
    view! {
        <Title text=format!("{} · {}", locale.t(Msg::ReportTitle), locale.t(Msg::AppTitle)) />
        <Suspense fallback=move || view! { <p role="status">{locale.t(Msg::CommonLoading)}</p> }>
            {move || {
                let month = month.get();
                Suspend::new(async move {
                    match fetch_monthly_report(month.clone()).await {
                        Ok(report) => view! { <Report report locale /> }.into_any(),
                        // A month that cannot be read: say why, and offer the picker again.
                        Err(error @ AppError::Invalid { .. }) => view! {
                            <h1>{locale.t(Msg::ReportTitle)}</h1>
                            <ErrorNotice error />
                            <MonthForm month=month.unwrap_or_default() locale />
                        }
                        .into_any(),
                        Err(error) => view! {
                            <h1>{locale.t(Msg::ReportTitle)}</h1>
                            <ErrorNotice error />
                        }
                        .into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn Report(report: MonthlyReport, locale: Locale) -> impl IntoView {
    let month = report.month.clone();
    let xlsx = format!("/reports/monthly.xlsx?month={month}{}", lang_query(locale));
    // Each section's view type is erased, so the page's type stays within the compiler's limits.
    let sections = [
        view! { <Accounts report=report.clone() locale /> }.into_any(),
        view! { <Review report=report.clone() locale /> }.into_any(),
        view! { <Rectification report=report.clone() locale /> }.into_any(),
        view! { <FilingsForm report=report.clone() locale /> }.into_any(),
    ];
    view! {
        <div class="monthly-report" data-testid="monthly-report" data-month=month.clone()>
            <h1>{locale.tf(Msg::ReportHeading, &[("month", &month)])}</h1>
            <p class="hint">{locale.tf(Msg::ReportIntro, &[("today", &report.today)])}</p>
            <div class="report-forms">
                {view! { <MonthForm month=month.clone() locale /> }.into_any()}
                <p>
                    <a href=xlsx class="button secondary" data-testid="monthly-xlsx" download>
                        {locale.t(Msg::ReportDownloadXlsx)}
                    </a>
                </p>
            </div>
            {sections}
        </div>
    }
}

/// The month picker: a GET form back to this page.
#[component]
fn MonthForm(month: String, locale: Locale) -> impl IntoView {
    view! {
        <form method="get" action="/reports/monthly" class="filters report-month" data-testid="month-form" aria-label=locale.t(Msg::ReportMonthForm)>
            <div class="field">
                <label for="report-month">{locale.t(Msg::ReportMonthLabel)}</label>
                <input id="report-month" name="month" type="month" value=month pattern="[0-9]{4}-[0-9]{2}" placeholder="2026-11" required />
            </div>
            <div class="actions">
                <button type="submit" data-testid="show-month">{locale.t(Msg::ReportShow)}</button>
            </div>
        </form>
    }
}

/// Column headers: the first column's, then each status and the total.
fn count_head(first: Msg, locale: Locale) -> impl IntoView {
    view! {
        <thead>
            <tr>
                <th scope="col">{locale.t(first)}</th>
                {AccountStatus::ALL.iter().map(|s| view! {
                    <th scope="col" class="number">{locale.t(labels::status(*s))}</th>
                }).collect_view()}
                <th scope="col" class="number">{locale.t(Msg::ReportTotal)}</th>
            </tr>
        </thead>
    }
}

fn count_cells(counts: &StatusCounts) -> impl IntoView + use<> {
    let cells: Vec<u64> = AccountStatus::ALL.iter().map(|s| counts.of(*s)).collect();
    let total = counts.total;
    view! {
        {cells.into_iter().map(|n| view! { <td class="number">{n}</td> }).collect_view()}
        <td class="number total">{total}</td>
    }
}

#[component]
fn Accounts(report: MonthlyReport, locale: Locale) -> impl IntoView {
    let all = report.accounts.clone();
    let total_row = {
        let all = all.clone();
        move || {
            view! {
                <tr class="total">
                    <th scope="row">{locale.t(Msg::ReportTotal)}</th>
                    {count_cells(&all)}
                </tr>
            }
        }
    };
    view! {
        <section aria-labelledby="report-accounts" data-testid="report-accounts">
            <h2 id="report-accounts">{locale.t(Msg::ReportSectionAccounts)}</h2>
            <table class="registry report figures" data-testid="by-status">
                <caption>{locale.t(Msg::ReportByStatus)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{locale.t(Msg::ReportColStatus)}</th>
                        <th scope="col" class="number">{locale.t(Msg::ReportColAccounts)}</th>
                    </tr>
                </thead>
                <tbody>
                    {AccountStatus::ALL.iter().map(|s| view! {
                        <tr data-testid="status-row" data-status=s.as_str()>
                            <th scope="row">{locale.t(labels::status(*s))}</th>
                            <td class="number">{all.of(*s)}</td>
                        </tr>
                    }).collect_view()}
                    <tr class="total" data-testid="status-row" data-status="total">
                        <th scope="row">{locale.t(Msg::ReportTotal)}</th>
                        <td class="number">{all.total}</td>
                    </tr>
                </tbody>
            </table>
            <table class="registry report" data-testid="by-platform">
                <caption>{locale.t(Msg::ReportByPlatform)}</caption>
                {count_head(Msg::ReportColPlatform, locale)}
                <tbody>
                    {report.by_platform.iter().map(|(p, counts)| view! {
                        <tr data-testid="platform-row" data-platform=p.code.clone()>
                            <th scope="row">{p.in_locale(locale).to_string()}</th>
                            {count_cells(counts)}
                        </tr>
                    }).collect_view()}
                    {total_row.clone()}
                </tbody>
            </table>
            <table class="registry report" data-testid="by-unit">
                <caption>{locale.t(Msg::ReportByUnit)}</caption>
                {count_head(Msg::ReportColUnit, locale)}
                <tbody>
                    {report.by_unit.iter().map(|(unit, counts)| view! {
                        <tr data-testid="unit-row">
                            <th scope="row">{unit.clone()}</th>
                            {count_cells(counts)}
                        </tr>
                    }).collect_view()}
                    {total_row}
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn Review(report: MonthlyReport, locale: Locale) -> impl IntoView {
    let lines = review_lines(&report, locale);
    view! {
        <section aria-labelledby="report-review" data-testid="report-review">
            <h2 id="report-review">{locale.t(Msg::ReportSectionReview)}</h2>
            <table class="registry report figures">
                <caption>{locale.t(Msg::ReportReviewCaption)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{locale.t(Msg::ReportColItem)}</th>
                        <th scope="col" class="number">{locale.t(Msg::ReportColValue)}</th>
                    </tr>
                </thead>
                <tbody>
                    {lines.into_iter().map(|line| {
                        let value = line.figure.text(locale);
                        view! {
                            <tr>
                                <th scope="row">{line.label}</th>
                                <td class="number" data-testid=format!("review-{}", line.id)>{value}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// The first four columns of every rectification table.
fn account_head(last: Msg, locale: Locale) -> impl IntoView {
    view! {
        <thead>
            <tr>
                <th scope="col">{locale.t(Msg::ReportColUnit)}</th>
                <th scope="col">{locale.t(Msg::ReportColPlatform)}</th>
                <th scope="col">{locale.t(Msg::ReportColAccount)}</th>
                <th scope="col">{locale.t(Msg::ReportColStatus)}</th>
                <th scope="col">{locale.t(last)}</th>
            </tr>
        </thead>
    }
}

fn account_cells(a: &ListedAccount, locale: Locale) -> impl IntoView + use<> {
    let href = format!("/accounts/{}", a.id);
    let (unit, platform, name) = (
        a.unit.clone(),
        a.platform.in_locale(locale).to_string(),
        a.name.clone(),
    );
    let status = a.status;
    view! {
        <td>{unit}</td>
        <td>{platform}</td>
        <td><a href=href>{name}</a></td>
        <td><span class=format!("status status-{}", status.as_str())>{locale.t(labels::status(status))}</span></td>
    }
}

fn none_found(locale: Locale, testid: &'static str) -> AnyView {
    view! { <p class="empty" data-testid=testid>{locale.t(Msg::ReportNoneFound)}</p> }.into_any()
}

#[component]
fn Rectification(report: MonthlyReport, locale: Locale) -> impl IntoView {
    let duplicates = if report.duplicates.is_empty() {
        none_found(locale, "duplicates-none")
    } else {
        view! { <Duplicates groups=report.duplicates.clone() locale /> }.into_any()
    };
    let custodians = if report.without_custodian.is_empty() {
        none_found(locale, "custodians-none")
    } else {
        view! { <Custodians rows=report.without_custodian.clone() locale /> }.into_any()
    };
    let rotation_title = locale.tf(
        Msg::ReportRotationOverdue,
        &[("days", &report.rotation_days.to_string())],
    );
    let rotation = if report.rotation_overdue.is_empty() {
        none_found(locale, "rotation-none")
    } else {
        view! { <Rotations rows=report.rotation_overdue.clone() caption=rotation_title.clone() locale /> }
            .into_any()
    };
    view! {
        <section aria-labelledby="report-rectification" data-testid="report-rectification">
            <h2 id="report-rectification">{locale.t(Msg::ReportSectionRectification)}</h2>
            <h3 id="report-duplicates">{locale.t(Msg::ReportDuplicates)}</h3>
            <p class="hint">{locale.t(Msg::ReportDuplicatesHint)}</p>
            {duplicates}
            <h3 id="report-custodians">{locale.t(Msg::ReportWithoutCustodian)}</h3>
            {custodians}
            <h3 id="report-rotation">{rotation_title}</h3>
            {rotation}
        </section>
    }
}

#[component]
fn Duplicates(groups: Vec<DuplicateGroup>, locale: Locale) -> impl IntoView {
    view! {
        <table class="registry report" data-testid="duplicates">
            <caption class="visually-hidden">{locale.t(Msg::ReportDuplicates)}</caption>
            {account_head(Msg::ReportColWaiver, locale)}
            {groups.into_iter().map(|group| view! {
                <tbody data-testid="duplicate-group" data-platform=group.platform.code.clone()>
                    {group.accounts.into_iter().map(|(a, waiver)| view! {
                        <tr data-testid="duplicate-row" data-account=a.id.to_string()>
                            {account_cells(&a, locale)}
                            <td>{waiver.unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            }).collect_view()}
        </table>
    }
}

#[component]
fn Custodians(rows: Vec<MissingCustodian>, locale: Locale) -> impl IntoView {
    view! {
        <table class="registry report" data-testid="custodians">
            <caption class="visually-hidden">{locale.t(Msg::ReportWithoutCustodian)}</caption>
            {account_head(Msg::ReportColMissing, locale)}
            <tbody>
                {rows.into_iter().map(|m| view! {
                    <tr data-testid="custodian-row" data-account=m.account.id.to_string()>
                        {account_cells(&m.account, locale)}
                        <td>{locale.t(missing_custodian_msg(&m))}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn Rotations(rows: Vec<OverdueRotation>, caption: String, locale: Locale) -> impl IntoView {
    view! {
        <table class="registry report" data-testid="rotations">
            <caption class="visually-hidden">{caption}</caption>
            {account_head(Msg::ReportColRotatedOn, locale)}
            <tbody>
                {rows.into_iter().map(|r| {
                    let rotated = r.rotated_on.clone().unwrap_or_else(|| locale.t(Msg::ReportNotRecorded).to_string());
                    view! {
                        <tr data-testid="rotation-row" data-account=r.account.id.to_string()>
                            {account_cells(&r.account, locale)}
                            <td>{rotated}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The filings report (报备) for a period, by default the report's month up to the day it is
/// counted to: a GET form to the CSV route, whose second button sends it to the XLSX route.
#[component]
fn FilingsForm(report: MonthlyReport, locale: Locale) -> impl IntoView {
    let from = format!("{}-01", report.month);
    let to = report.review.as_of.to_string();
    let lang =
        (locale == Locale::En).then(|| view! { <input type="hidden" name="lang" value="en" /> });
    view! {
        <section aria-labelledby="report-filings" class="report-forms" data-testid="report-filings">
            <h2 id="report-filings">{locale.t(Msg::ReportFilingsTitle)}</h2>
            <p class="hint">{locale.t(Msg::ReportFilingsHint)}</p>
            <form method="get" action="/exports/filings.csv" class="filters" data-testid="filings-form" aria-labelledby="report-filings">
                <div class="field">
                    <label for="filings-from">{locale.t(Msg::ReportFrom)}</label>
                    <input id="filings-from" name="from" type="date" value=from required />
                </div>
                <div class="field">
                    <label for="filings-to">{locale.t(Msg::ReportTo)}</label>
                    <input id="filings-to" name="to" type="date" value=to required />
                </div>
                {lang}
                <div class="actions">
                    <button type="submit" data-testid="filings-csv">{locale.t(Msg::ReportDownloadCsv)}</button>
                    <button type="submit" formaction="/exports/filings.xlsx" class="secondary" data-testid="filings-xlsx">
                        {locale.t(Msg::ReportDownloadFilingsXlsx)}
                    </button>
                </div>
            </form>
        </section>
    }
}
