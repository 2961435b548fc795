//! One labelled field of a form: the label above its control, tied to it by `for`/`id` so that a
//! click on the label and a screen reader both find the control.
use crate::i18n::{Msg, use_locale};
use leptos::prelude::*;

/// `children` is the control (and any hint after it); its `id` must be `id`.
#[component]
pub fn Field(#[prop(into)] id: String, label: Msg, children: Children) -> impl IntoView {
    let locale = use_locale();
    view! {
        <div class="field">
            <label for=id>{locale.t(label)}</label>
            {children()}
        </div>
    }
}
