//! One filter of a list's GET form (the registry, the filings queue): a labelled `<select>` whose
//! first choice is "any", keeping the choice the URL made.
use crate::i18n::{Msg, use_locale};
use leptos::prelude::*;

/// `choices` are `(value, text)` in the order shown; `selected` the value the URL carries.
#[component]
pub fn FilterChoice(
    id: &'static str,
    name: &'static str,
    label: Msg,
    choices: Vec<(String, String)>,
    selected: Option<String>,
) -> impl IntoView {
    let locale = use_locale();
    view! {
        <div class="field">
            <label for=id>{locale.t(label)}</label>
            <select id=id name=name>
                <option value="">{locale.t(Msg::RegistryFilterAny)}</option>
                {choices.into_iter().map(|(value, text)| {
                    let chosen = selected.as_deref() == Some(value.as_str());
                    view! { <option value=value selected=chosen>{text}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}
