//! The deadline dashboard (Art. 11, Art. 34): open review periods by status, this month's decisions,
//! the on-time rate per month, and the filings due today or overdue.
use crate::components::loaded::Loaded;
use crate::deadline_api::fetch_dashboard;
use crate::domain::deadline::DeadlineStatus;
use crate::i18n::{Locale, Msg, use_locale};
use crate::labels;
use crate::model::DeadlineDashboard;
use crate::pages::filings_page::FilingTable;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=format!("{} · {}", locale.t(Msg::DashboardTitle), locale.t(Msg::AppTitle)) />
        <h1>{locale.t(Msg::DashboardTitle)}</h1>
        <Loaded load=fetch_dashboard show=move |dashboard| view! { <Dashboard dashboard locale /> } />
    }
}

#[component]
fn Dashboard(dashboard: DeadlineDashboard, locale: Locale) -> impl IntoView {
    let count = |status: DeadlineStatus| {
        dashboard
            .counts
            .iter()
            .find(|(s, _)| *s == status)
            .map_or(0, |(_, n)| *n)
    };
    let open = [
        DeadlineStatus::OnTime,
        DeadlineStatus::DueToday,
        DeadlineStatus::Overdue,
    ];
    let decided = [DeadlineStatus::DecidedOnTime, DeadlineStatus::DecidedLate];
    let tile = move |status: DeadlineStatus| {
        view! {
            <div class=format!("tile deadline-{}", status.as_str()) data-testid=format!("count-{}", status.as_str())>
                <dt>{locale.t(labels::deadline(status))}</dt>
                <dd>{count(status)}</dd>
            </div>
        }
    };
    let urgent = dashboard.urgent.clone();
    view! {
        <p class="hint">{locale.tf(Msg::DashboardToday, &[("today", &dashboard.today)])}</p>
        <div class="counts">
            <section aria-labelledby="dash-open">
                <h2 id="dash-open">{locale.t(Msg::DashboardOpen)}</h2>
                <dl class="tiles">{open.into_iter().map(tile).collect_view()}</dl>
            </section>
            <section aria-labelledby="dash-decided">
                <h2 id="dash-decided">{locale.t(Msg::DashboardDecidedThisMonth)}</h2>
                <dl class="tiles">{decided.into_iter().map(tile).collect_view()}</dl>
            </section>
        </div>
        <section aria-labelledby="dash-urgent">
            <h2 id="dash-urgent">{locale.t(Msg::DashboardUrgent)}</h2>
            {if urgent.is_empty() {
                view! { <p class="empty">{locale.t(Msg::DashboardNothingUrgent)}</p> }.into_any()
            } else {
                view! { <FilingTable rows=urgent /> }.into_any()
            }}
        </section>
        <section aria-labelledby="dash-months">
            <h2 id="dash-months">{locale.t(Msg::DashboardMonths)}</h2>
            {if dashboard.months.is_empty() {
                view! { <p class="empty">{locale.t(Msg::DashboardNoDecisions)}</p> }.into_any()
            } else {
                view! {
                    <table class="registry" data-testid="months">
                        <caption class="visually-hidden">{locale.t(Msg::DashboardMonths)}</caption>
                        <thead>
                            <tr>
                                <th scope="col">{locale.t(Msg::DashboardMonth)}</th>
                                <th scope="col">{locale.t(Msg::DashboardDecided)}</th>
                                <th scope="col">{locale.t(Msg::DeadlineDecidedOnTime)}</th>
                                <th scope="col">{locale.t(Msg::DeadlineDecidedLate)}</th>
                                <th scope="col">{locale.t(Msg::DashboardRate)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {dashboard.months.iter().map(|m| view! {
                                <tr data-testid="month">
                                    <th scope="row">{format!("{:04}-{:02}", m.year, m.month)}</th>
                                    <td>{m.decided}</td>
                                    <td>{m.on_time}</td>
                                    <td>{m.decided - m.on_time}</td>
                                    <td data-testid="month-rate">{m.on_time_percent().unwrap_or_default()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
