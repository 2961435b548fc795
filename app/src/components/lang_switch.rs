//! The language switch on every page: a plain form, so it works without JavaScript; the server sets
//! the `lang` cookie and sends the reader back to the page they were on.
use crate::i18n::{Locale, Msg, use_locale};
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The current path with its query, kept up to date across client-side navigation.
pub fn current_path() -> Signal<String> {
    let location = use_location();
    Signal::derive(move || {
        let search = location.search.get();
        let search = search.trim_start_matches('?');
        if search.is_empty() {
            location.pathname.get()
        } else {
            format!("{}?{}", location.pathname.get(), search)
        }
    })
}

#[component]
pub fn LangSwitch(next: Signal<String>) -> impl IntoView {
    let locale = use_locale();
    view! {
        <form method="post" action="/lang" class="lang-switch" data-testid="lang-switch">
            <input type="hidden" name="next" value=move || next.get() />
            <span class="visually-hidden">{locale.t(Msg::LangSwitch)}</span>
            {Locale::ALL
                .into_iter()
                .map(|option| {
                    view! {
                        <button
                            type="submit"
                            name="lang"
                            value=option.tag()
                            lang=option.tag()
                            aria-pressed=if option == locale { "true" } else { "false" }
                        >
                            {option.endonym()}
                        </button>
                    }
                })
                .collect_view()}
        </form>
    }
}
