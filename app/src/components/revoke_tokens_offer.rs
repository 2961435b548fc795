//! The offer, on a step that ends sessions, to revoke the API tokens too (`revoke_tokens`,
//! checked): a token outlives the sessions it was made in.
use crate::i18n::{Msg, use_locale};
use leptos::prelude::*;

/// `offer` says whose tokens: one's own, or the person the step acts on.
#[component]
pub fn RevokeTokensOffer(offer: Msg, testid: &'static str) -> impl IntoView {
    let locale = use_locale();
    view! {
        <label>
            <input type="checkbox" name="revoke_tokens" value="1" checked data-testid=testid />
            " "{locale.t(offer)}
        </label>
    }
}
