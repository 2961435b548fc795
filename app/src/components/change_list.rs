//! What one recorded event changed, as readable lines (issue 17, item 6): the histories of filings
//! and accounts and the auditors' trail show events alike.
use crate::i18n::use_locale;
use crate::labels::history::{Value, lines};
use leptos::prelude::*;

/// The lines of `changes` (field, old, new) recorded by `action`. A filing named by number links
/// to its page when `filing_id` is known; an announcement links out (http and https only, without
/// passing this page on).
#[component]
pub fn ChangeList(
    action: String,
    changes: Vec<(String, String, String)>,
    filing_id: Option<i32>,
) -> impl IntoView {
    let locale = use_locale();
    view! {
        <ul class="changes">
            {lines(&action, &changes, locale).into_iter().map(|line| {
                let key = (!line.label.is_empty()).then(|| view! { <span class="key">{line.label}</span>"：" });
                let old = (!line.old.is_empty()).then(|| view! { <del>{line.old}</del>" → " });
                let new = match (line.new, filing_id) {
                    (Value::External(url), _) => {
                        let href = url.clone();
                        view! { <a href=href rel="noopener noreferrer" data-testid="history-link">{url}</a> }.into_any()
                    }
                    (Value::Filing(number), Some(id)) => view! {
                        <a href=format!("/filings/{id}") data-testid="history-filing">{number}</a>
                    }.into_any(),
                    (other, _) => other.text().to_string().into_any(),
                };
                view! { <li data-key=line.key>{key}{old}<ins>{new}</ins></li> }
            }).collect_view()}
        </ul>
    }
}
