//! An entity's history from the audit trail, with field-level differences.
use crate::domain::AccountStatus;
use crate::domain::filing::{FilingKind, FilingState};
use crate::i18n::{Locale, Msg, use_locale};
use crate::labels;
use crate::model::HistoryEntry;
use leptos::prelude::*;

/// Keys that identify rows rather than describe the filing: not worth a line in its history.
const TECHNICAL: [&str; 9] = [
    "account_id",
    "platform_id",
    "unit_id",
    "host_unit_id",
    "number",
    "changes",
    "warnings",
    "attachment_id",
    "awaiting_completion",
];

/// A recorded value as a person reads it: codes translated, instants in China time.
fn display(key: &str, value: &str, locale: Locale) -> String {
    let translated = match key {
        "state" => FilingState::parse(value).map(|s| locale.t(labels::state(s, false))),
        "status" => AccountStatus::parse(value).map(|s| locale.t(labels::status(s))),
        "kind" => FilingKind::parse(value)
            .map(|k| locale.t(labels::kind(k)))
            .or_else(|| labels::attachment_kind(value).map(|m| locale.t(m))),
        _ => match value {
            "true" => Some(locale.t(Msg::CommonYes)),
            "false" => Some(locale.t(Msg::CommonNo)),
            _ => None,
        },
    };
    match translated {
        Some(text) => text.to_string(),
        None if key.ends_with("_at") => labels::china_time(value),
        None => value.to_string(),
    }
}

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
                                <td>
                                    <ul class="changes">
                                        {e.changes.into_iter().filter(|(key, _, _)| !TECHNICAL.contains(&key.as_str())).map(|(key, old, new)| {
                                            let (old, new) = (display(&key, &old, locale), display(&key, &new, locale));
                                            let label = labels::field_key(&key).map(|m| locale.t(m).to_string()).unwrap_or(key);
                                            let old = (!old.is_empty()).then(|| view! { <del>{old}</del>" → " });
                                            view! { <li><span class="key">{label}</span>"：" {old} <ins>{new}</ins></li> }
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
