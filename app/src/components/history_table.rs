//! An entity's history from the audit trail, with field-level differences.
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
                        let action = labels::history_action(&e.action).map(|m| locale.t(m).to_string()).unwrap_or(e.action.clone());
                        let who = match (e.actor, e.role) {
                            (Some(a), Some(r)) => format!("{a}（{}）", locale.t(labels::role(r))),
                            (Some(a), None) => a,
                            _ => String::new(),
                        };
                        view! {
                            <tr>
                                <td>{labels::china_time(&e.at)}</td>
                                <td>{who}</td>
                                <td>{action}</td>
                                <td>
                                    <ul class="changes">
                                        {e.changes.into_iter().map(|(key, old, new)| {
                                            let label = labels::field_key(&key).map(|m| locale.t(m).to_string()).unwrap_or(key);
                                            view! { <li><span class="key">{label}</span>"：" <del>{old}</del>" → " <ins>{new}</ins></li> }
                                        }).collect_view()}
                                    </ul>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
