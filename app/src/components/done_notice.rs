//! What a form post did, said once its redirect has landed: a success notice announced politely
//! (`role="status"`), so a screen reader reads it without interrupting.
use leptos::prelude::*;

/// `text` in a paragraph, then anything more the step has to hand over (`children`).
#[component]
pub fn DoneNotice(
    #[prop(into)] text: String,
    #[prop(optional)] testid: Option<&'static str>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="notice success" role="status" data-testid=testid>
            <p>{text}</p>
            {children.map(|children| children())}
        </div>
    }
}
