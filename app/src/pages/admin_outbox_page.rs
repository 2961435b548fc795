//! The e-mail outbox, for administrators (DESIGN §5): every notice queued with the change that
//! caused it, its delivery status and attempts, and a way to send a failed one again. The filter
//! and the page live in the URL; the retry is a plain form post, so all of it works without
//! JavaScript.
use crate::components::error_notice::ErrorNotice;
use crate::error::AppError;
use crate::i18n::{Locale, Msg, use_locale};
use crate::labels;
use crate::model::{OutboxRow, OutboxView};
use crate::outbox_api::fetch_outbox;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// The statuses in the order a message passes through them (`server::outbox::STATUSES`, which the
/// browser build does not have).
const STATUSES: [&str; 4] = ["queued", "sending", "sent", "failed"];

/// What the URL asks for: one status (or all) and a page.
#[derive(Clone, Debug, Default, PartialEq)]
struct Query {
    status: Option<String>,
    page: Option<u64>,
}

/// The outbox's address for a status filter and a page.
fn href(status: Option<&str>, page: u64) -> String {
    match (status, page) {
        (None, 1) => "/admin/outbox".to_string(),
        (None, page) => format!("/admin/outbox?page={page}"),
        (Some(status), 1) => format!("/admin/outbox?status={status}"),
        (Some(status), page) => format!("/admin/outbox?status={status}&page={page}"),
    }
}

fn status_label(status: &str, locale: Locale) -> String {
    labels::outbox_status(status)
        .map(|m| locale.t(m).to_string())
        .unwrap_or_else(|| status.to_string())
}

#[component]
pub fn AdminOutboxPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_query_map();
    let query = Memo::new(move |_| {
        let q = params.read();
        Query {
            status: q.get("status").filter(|s| STATUSES.contains(&s.as_str())),
            page: q.get("page").and_then(|p| p.trim().parse::<u64>().ok()),
        }
    });
    // What the last retry left in the URL: the message queued again, or the error.
    let retried = Memo::new(move |_| {
        params
            .read()
            .get("retried")
            .and_then(|id| id.parse::<i64>().ok())
    });
    let error = Memo::new(move |_| {
        params
            .read()
            .get("error")
            .and_then(|e| serde_json::from_str::<AppError>(&e).ok())
    });
    view! {
        <Title text=format!("{} · {}", locale.t(Msg::OutboxTitle), locale.t(Msg::AppTitle)) />
        <h1>{locale.t(Msg::OutboxTitle)}</h1>
        <p class="hint">{locale.t(Msg::OutboxHint)}</p>
        {move || retried.get().map(|id| view! {
            <div class="notice success" role="status" data-testid="outbox-retried">
                <p>{locale.tf(Msg::OutboxRetried, &[("id", &id.to_string())])}</p>
            </div>
        })}
        {move || error.get().map(|error| view! { <ErrorNotice error /> })}
        <Suspense fallback=move || view! { <p role="status">{locale.t(Msg::CommonLoading)}</p> }>
            {move || {
                let q = query.get();
                Suspend::new(async move {
                    match fetch_outbox(q.status, q.page).await {
                        Ok(outbox) => view! { <Outbox outbox locale /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn Outbox(outbox: OutboxView, locale: Locale) -> impl IntoView {
    let OutboxView {
        counts,
        status,
        rows,
        page,
        pages,
    } = outbox;
    let table = if rows.is_empty() {
        view! { <p class="empty" data-testid="outbox-empty">{locale.t(Msg::OutboxEmpty)}</p> }
            .into_any()
    } else {
        view! { <OutboxTable rows status=status.clone() locale /> }.into_any()
    };
    view! {
        <StatusFilter counts status=status.clone() locale />
        {table}
        {(pages > 1).then(|| view! { <Pagination status page pages locale /> })}
    }
}

/// The counts per status, each a link that shows only that status.
#[component]
fn StatusFilter(
    counts: Vec<(String, u64)>,
    status: Option<String>,
    locale: Locale,
) -> impl IntoView {
    let total: u64 = counts.iter().map(|(_, n)| n).sum();
    let current = |s: Option<&str>| (status.as_deref() == s).then_some("page");
    let all = view! {
        <li>
            <a href=href(None, 1) aria-current=current(None) data-testid="outbox-count-all">
                {locale.t(Msg::OutboxAll)}" "<span class="count">{total}</span>
            </a>
        </li>
    };
    let each = STATUSES
        .into_iter()
        .map(|s| {
            let n = counts
                .iter()
                .find(|(code, _)| code == s)
                .map_or(0, |(_, n)| *n);
            view! {
                <li>
                    <a href=href(Some(s), 1) aria-current=current(Some(s)) data-testid=format!("outbox-count-{s}")>
                        {status_label(s, locale)}" "<span class="count">{n}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    view! {
        <nav class="outbox-filter" aria-label=locale.t(Msg::OutboxFilters) data-testid="outbox-filter">
            <ul class="plain">{all}{each}</ul>
        </nav>
    }
}

#[component]
fn OutboxTable(rows: Vec<OutboxRow>, status: Option<String>, locale: Locale) -> impl IntoView {
    let none = locale.t(Msg::OutboxNone);
    let time = move |t: Option<&str>| {
        t.map(labels::china_time)
            .unwrap_or_else(|| none.to_string())
    };
    view! {
        <table class="registry outbox" data-testid="outbox-table">
            <caption class="visually-hidden">{locale.t(Msg::OutboxCaption)}</caption>
            <thead>
                <tr>
                    <th scope="col">{locale.t(Msg::OutboxColCreated)}</th>
                    <th scope="col">{locale.t(Msg::OutboxColKind)}</th>
                    <th scope="col">{locale.t(Msg::OutboxColRecipient)}</th>
                    <th scope="col">{locale.t(Msg::OutboxColSubject)}</th>
                    <th scope="col">{locale.t(Msg::OutboxColStatus)}</th>
                    <th scope="col">{locale.t(Msg::OutboxColAttempts)}</th>
                    <th scope="col">{locale.t(Msg::OutboxColNextAttempt)}</th>
                    <th scope="col">{locale.t(Msg::OutboxColLastError)}</th>
                    <th scope="col">{locale.t(Msg::OutboxColSent)}</th>
                    <th scope="col">{locale.t(Msg::OutboxColAction)}</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|r| {
                    let kind = labels::notice_kind(&r.kind)
                        .map(|m| locale.t(m).to_string())
                        .unwrap_or_else(|| r.kind.clone());
                    // The offices' addresses are settings the worker reads when it delivers.
                    let recipient = match labels::outbox_office(&r.recipient_kind) {
                        Some(office) => locale.t(office).to_string(),
                        None => r.recipient_address.clone().unwrap_or_else(|| none.to_string()),
                    };
                    let subject = match r.filing_id {
                        Some(filing) => view! {
                            <A href=format!("/filings/{filing}") attr:data-testid="outbox-filing-link">{r.subject.clone()}</A>
                        }.into_any(),
                        None => view! { {r.subject.clone()} }.into_any(),
                    };
                    let retry = (r.status == "failed").then(|| {
                        let which = locale.tf(Msg::OutboxRetryWhich, &[("id", &r.id.to_string())]);
                        view! {
                            <form method="post" action="/api/outbox_retry" class="inline">
                                <input type="hidden" name="id" value=r.id.to_string() />
                                {status.clone().map(|s| view! { <input type="hidden" name="status" value=s /> })}
                                <button type="submit" class="secondary" data-testid="outbox-retry">
                                    {locale.t(Msg::OutboxRetry)}
                                    <span class="visually-hidden">" "{which}</span>
                                </button>
                            </form>
                        }
                    });
                    view! {
                        <tr data-testid="outbox-row" data-id=r.id.to_string() data-kind=r.kind.clone() data-status=r.status.clone() data-recipient=r.recipient_kind.clone()>
                            <td class="outbox-time">{labels::china_time(&r.created_at)}</td>
                            <td>{kind}</td>
                            <td class="outbox-recipient">{recipient}</td>
                            <td>{subject}</td>
                            <td><span class=format!("status outbox-{}", r.status) data-testid="outbox-status">{status_label(&r.status, locale)}</span></td>
                            <td>{r.attempts}</td>
                            <td class="outbox-time">{time(r.next_attempt_at.as_deref())}</td>
                            <td class="outbox-error">{r.last_error.clone().unwrap_or_else(|| none.to_string())}</td>
                            <td class="outbox-time">{time(r.sent_at.as_deref())}</td>
                            <td>{retry}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn Pagination(status: Option<String>, page: u64, pages: u64, locale: Locale) -> impl IntoView {
    let prev = (page > 1).then(|| {
        let href = href(status.as_deref(), page - 1);
        view! { <A href=href attr:rel="prev" attr:data-testid="page-prev">{locale.t(Msg::RegistryPrev)}</A> }
    });
    let next = (page < pages).then(|| {
        let href = href(status.as_deref(), page + 1);
        view! { <A href=href attr:rel="next" attr:data-testid="page-next">{locale.t(Msg::RegistryNext)}</A> }
    });
    let label = locale.tf(
        Msg::RegistryPage,
        &[("page", &page.to_string()), ("pages", &pages.to_string())],
    );
    view! {
        <nav class="pagination" aria-label=locale.t(Msg::OutboxPagination)>
            {prev}
            <span aria-current="page">{label}</span>
            {next}
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::href;

    #[test]
    fn the_address_carries_the_filter_and_the_page_only_when_they_differ_from_the_default() {
        assert_eq!(href(None, 1), "/admin/outbox");
        assert_eq!(href(None, 3), "/admin/outbox?page=3");
        assert_eq!(href(Some("failed"), 1), "/admin/outbox?status=failed");
        assert_eq!(href(Some("sent"), 2), "/admin/outbox?status=sent&page=2");
    }
}
