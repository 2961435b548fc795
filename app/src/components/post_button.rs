//! A step that needs nothing typed: a form of its own with one button, posted without JavaScript.
use crate::components::confirm_step::ConfirmStep;
use crate::i18n::{Msg, use_locale};
use leptos::prelude::*;

/// Posts to `action`, with the record's `id` where it acts on one, and what else the step sends
/// (`children`: hidden fields, a checkbox) before the button. In a table, `which` names the row
/// for screen readers, after the button's label, since every row's button reads the same. A step
/// that cannot be undone (停用) passes `ask`: the question and its answer's label, asked first
/// (issue 17, item 3).
#[component]
pub fn PostButton(
    action: &'static str,
    label: Msg,
    testid: &'static str,
    #[prop(optional, into)] id: Option<String>,
    #[prop(optional, into)] which: Option<String>,
    #[prop(optional)] secondary: bool,
    #[prop(optional)] form_testid: Option<&'static str>,
    #[prop(optional_no_strip)] ask: Option<(String, Msg)>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let locale = use_locale();
    if let Some((question, yes)) = ask {
        return view! {
            <form method="post" action=action class="inline" data-testid=form_testid>
                {id.map(|id| view! { <input type="hidden" name="id" value=id /> })}
                {children.map(|children| children())}
                <ConfirmStep step=None label=locale.t(label).to_string() which question
                    confirm=locale.t(yes).to_string() cancel=locale.t(Msg::ConfirmCancel).to_string()
                    testid=testid.to_string() secondary />
            </form>
        }
        .into_any();
    }
    let text = view! {
        {locale.t(label)}
        {which.map(|which| view! { <span class="visually-hidden">" "{which}</span> })}
    };
    // Two buttons, not `class=Option`: a class that is not there would still be written `class=""`.
    let button = if secondary {
        view! { <button type="submit" class="secondary" data-testid=testid>{text}</button> }
            .into_any()
    } else {
        view! { <button type="submit" data-testid=testid>{text}</button> }.into_any()
    };
    view! {
        <form method="post" action=action class="inline" data-testid=form_testid>
            {id.map(|id| view! { <input type="hidden" name="id" value=id /> })}
            {children.map(|children| children())}
            {button}
        </form>
    }
    .into_any()
}
