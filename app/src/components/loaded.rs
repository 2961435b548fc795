//! A page's data from its server function: a loading note until it has come, then the page, or the
//! error as users see it. The server function is awaited inside `Suspend::new`, never through a
//! `Resource` (see `pages/mod.rs` for why).
use crate::components::error_notice::ErrorNotice;
use crate::error::AppError;
use crate::i18n::{Msg, use_locale};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use std::future::Future;

/// Shows what `load` brings with `show`, or its error. `load` is called again whenever a signal
/// it reads changes (the page's query, say), outside the future, so that the read is tracked.
#[component]
pub fn Loaded<L, Fut, T, S, V>(load: L, show: S) -> impl IntoView
where
    L: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
    T: Send + 'static,
    S: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let locale = use_locale();
    view! {
        <Suspense fallback=move || view! { <p role="status">{locale.t(Msg::CommonLoading)}</p> }>
            {move || {
                let data = load();
                let show = show.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(data) => show(data).into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// Shows the record the route's `:id` names, fetched with `fetch`, or its error: an id that is not
/// a number is not found.
#[component]
pub fn ById<F, Fut, T, S, V>(fetch: F, show: S) -> impl IntoView
where
    F: Fn(i32) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
    T: Send + 'static,
    S: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i32>().ok())
    });
    let load = move || {
        let data = id.get().map(&fetch);
        async move {
            match data {
                Some(data) => data.await,
                None => Err(AppError::NotFound),
            }
        }
    };
    view! { <Loaded load show /> }
}
