//! The filings a person works on: a unit's own filings, or the county office's queue.
use crate::api::current_user;
use crate::components::deadline_badge::DeadlineBadge;
use crate::components::error_notice::ErrorNotice;
use crate::domain::Role;
use crate::filing_api::list_filings;
use crate::i18n::{Msg, use_locale};
use crate::labels;
use crate::model::FilingRow;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn FilingsPage() -> impl IntoView {
    let locale = use_locale();
    // A step posted for a filing that does not exist comes back here with its error.
    let error = leptos_router::hooks::use_query_map()
        .read_untracked()
        .get("error")
        .and_then(|e| serde_json::from_str::<crate::error::AppError>(&e).ok());
    view! {
        <Title text=format!("{} · {}", locale.t(Msg::FilingsTitle), locale.t(Msg::AppTitle)) />
        <h1>{locale.t(Msg::FilingsTitle)}</h1>
        {error.map(|error| view! { <ErrorNotice error /> })}
        <Suspense fallback=move || view! { <p role="status">{locale.t(Msg::CommonLoading)}</p> }>
            {move || Suspend::new(async move {
                let data = async {
                    Ok::<_, crate::error::AppError>((current_user().await?, list_filings().await?))
                };
                match data.await {
                    Ok((user, rows)) => {
                        let submitter = user.as_ref().is_some_and(|u| u.role == Role::Submitter);
                        view! {
                            {submitter.then(|| view! {
                                <p><A href="/filings/new?kind=open" attr:class="button" attr:data-testid="new-open-filing">{locale.t(Msg::FilingsNewOpen)}</A></p>
                            })}
                            <FilingTable rows />
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
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
