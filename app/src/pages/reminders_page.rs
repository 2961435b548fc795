//! Reminders the scheduler queued: filings due today or overdue (for the county office) and
//! passwords due for rotation (for each unit). Until e-mail delivers them, this page is where they
//! are read.
use crate::components::loaded::Loaded;
use crate::deadline_api::list_reminders;
use crate::i18n::{Msg, use_locale};
use crate::labels;
use crate::model::ReminderView;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn RemindersPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=format!("{} · {}", locale.t(Msg::RemindersTitle), locale.t(Msg::AppTitle)) />
        <h1>{locale.t(Msg::RemindersTitle)}</h1>
        <p class="hint">{locale.t(Msg::RemindersHint)}</p>
        <Loaded load=list_reminders show=move |rows| view! { <Reminders rows /> } />
    }
}

#[component]
fn Reminders(rows: Vec<ReminderView>) -> impl IntoView {
    if rows.is_empty() {
        let locale = use_locale();
        view! { <p class="empty">{locale.t(Msg::RemindersEmpty)}</p> }.into_any()
    } else {
        view! { <ReminderTable rows /> }.into_any()
    }
}

#[component]
fn ReminderTable(rows: Vec<ReminderView>) -> impl IntoView {
    let locale = use_locale();
    view! {
        <table class="registry" data-testid="reminders">
            <caption class="visually-hidden">{locale.t(Msg::RemindersTitle)}</caption>
            <thead>
                <tr>
                    <th scope="col">{locale.t(Msg::RemindersDay)}</th>
                    <th scope="col">{locale.t(Msg::RemindersKind)}</th>
                    <th scope="col">{locale.t(Msg::FilingsColUnit)}</th>
                    <th scope="col">{locale.t(Msg::RemindersAbout)}</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|r| {
                    let about = match r.filing {
                        Some((id, number)) => view! {
                            <A href=format!("/filings/{id}")>{number}</A>
                            {r.due_on.map(|d| view! { " · " {locale.tf(Msg::RemindersDue, &[("date", &d)])} })}
                        }.into_any(),
                        None => view! {
                            <ul class="plain">
                                {r.accounts.into_iter().map(|(id, name, rotated)| {
                                    let last = rotated.unwrap_or_else(|| locale.t(Msg::CommonNone).to_string());
                                    view! {
                                        <li>
                                            <A href=format!("/accounts/{id}")>{name}</A>
                                            " · "{locale.tf(Msg::RemindersLastRotation, &[("date", &last)])}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    };
                    view! {
                        <tr data-testid="reminder" data-kind=r.kind>
                            <td>{r.on_day}</td>
                            <td>{locale.t(labels::reminder_kind(&r.kind))}</td>
                            <td>{r.unit_name}</td>
                            <td>{about}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
