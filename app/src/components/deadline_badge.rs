//! A review period's standing against its Art. 11 due date, as a badge read out with its words (the
//! colour only repeats them).
use crate::domain::deadline::DeadlineStatus;
use crate::i18n::use_locale;
use crate::labels;
use leptos::prelude::*;

#[component]
pub fn DeadlineBadge(status: DeadlineStatus) -> impl IntoView {
    let locale = use_locale();
    view! {
        <span class=format!("deadline deadline-{}", status.as_str()) data-testid="deadline" data-status=status.as_str()>
            {locale.t(labels::deadline(status))}
        </span>
    }
}
