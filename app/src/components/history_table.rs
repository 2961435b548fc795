//! An entity's history from the audit trail, with field-level differences.
use crate::components::change_list::ChangeList;
use crate::i18n::{Msg, use_locale};
use crate::labels;
use crate::model::HistoryEntry;
use leptos::prelude::*;

#[component]
pub fn HistoryTable(entries: Vec<HistoryEntry>, title: Msg) -> impl IntoView {
    let locale = use_locale();
    view! {
        <section class="card" aria-labelledby="history-title" data-testid="history">
            <h2 id="history-title">{locale.t(title)}</h2>
            <table class="history">
                <thead>
                    <tr>
                        <th scope="col">{locale.t(Msg::FilingHistoryAt)}</th>
                        <th scope="col">{locale.t(Msg::FilingHistoryBy)}</th>
                        <th scope="col">{locale.t(Msg::FilingHistoryAction)}</th>
                        <th scope="col">{locale.t(Msg::FilingChangesTitle)}</th>
                    </tr>
                </thead>
                <tbody>
                    {entries.into_iter().map(|e| {
                        let action = labels::audit_action_code(&e.action).map(|m| locale.t(m).to_string()).unwrap_or(e.action.clone());
                        let mut who = match (e.actor, e.role) {
                            (Some(a), Some(r)) => format!("{a}（{}）", locale.t(labels::role(r))),
                            (Some(a), None) => a,
                            _ => String::new(),
                        };
                        // A step taken by a script with an API token says so.
                        if let Some(token) = e.via_token {
                            who.push_str(&locale.tf(Msg::HistoryViaToken, &[("id", &token.to_string())]));
                        }
                        view! {
                            <tr>
                                <td>{labels::china_time(&e.at)}</td>
                                <td>{who}</td>
                                <td>{action}</td>
                                <td><ChangeList action=e.action changes=e.changes filing_id=e.filing_id /></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
