//! Links to the previous and the next page of a list (plain links: they work without JavaScript),
//! and which page this is, for screen readers too.
use crate::i18n::{Msg, use_locale};
use leptos::prelude::*;
use leptos_router::components::A;

/// `href` makes a page's address; `label` names the list's pagination (`aria-label`). The
/// previous and next links are `{testid_prefix}page-prev` and `{testid_prefix}page-next`.
#[component]
pub fn Pager<H>(
    page: u64,
    pages: u64,
    href: H,
    label: Msg,
    #[prop(optional)] testid_prefix: &'static str,
    #[prop(optional)] testid: Option<&'static str>,
) -> impl IntoView
where
    H: Fn(u64) -> String,
{
    let locale = use_locale();
    let prev = (page > 1).then(|| {
        let href = href(page - 1);
        let testid = format!("{testid_prefix}page-prev");
        view! { <A href=href attr:rel="prev" attr:data-testid=testid>{locale.t(Msg::RegistryPrev)}</A> }
    });
    let next = (page < pages).then(|| {
        let href = href(page + 1);
        let testid = format!("{testid_prefix}page-next");
        view! { <A href=href attr:rel="next" attr:data-testid=testid>{locale.t(Msg::RegistryNext)}</A> }
    });
    let current = locale.tf(
        Msg::RegistryPage,
        &[("page", &page.to_string()), ("pages", &pages.to_string())],
    );
    view! {
        <nav class="pagination" aria-label=locale.t(label) data-testid=testid>
            {prev}
            <span aria-current="page">{current}</span>
            {next}
        </nav>
    }
}
