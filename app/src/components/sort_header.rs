//! A sortable column's header (the registry, the filings queue): a link that sorts the list by
//! the column (then, followed again, the other way), and `aria-sort` on the column sorted by.
use crate::i18n::{Msg, use_locale};
use leptos::prelude::*;

/// `href` sorts by this column; `sorted` is `Some(descending)` when the list is sorted by it.
#[component]
pub fn SortHeader(
    label: Msg,
    /// The sort's code, for the test id `sort-{code}`.
    code: &'static str,
    href: String,
    sorted: Option<bool>,
) -> impl IntoView {
    let locale = use_locale();
    let state = sorted.map(|descending| {
        if descending {
            "descending"
        } else {
            "ascending"
        }
    });
    view! {
        <th scope="col" aria-sort=state>
            <a href=href data-testid=format!("sort-{code}")>{locale.t(label)}</a>
        </th>
    }
}
