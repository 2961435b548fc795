//! The e-mail outbox, for administrators (DESIGN §5): every notice queued with the change that
//! caused it, its delivery status and attempts, and a way to send a failed one again. The filter
//! and the page live in the URL; the retry is a plain form post, so all of it works without
//! JavaScript.
use crate::components::done_notice::DoneNotice;
use crate::components::error_notice::FlashError;
use crate::components::loaded::Loaded;
use crate::components::pager::Pager;
use crate::components::post_button::PostButton;
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
    view! {
        <Title text=format!("{} · {}", locale.t(Msg::OutboxTitle), locale.t(Msg::AppTitle)) />
        <h1>{locale.t(Msg::OutboxTitle)}</h1>
        <p class="hint">{locale.t(Msg::OutboxHint)}</p>
        {move || retried.get().map(|id| view! {
            <DoneNotice text=locale.tf(Msg::OutboxRetried, &[("id", &id.to_string())]) testid="outbox-retried" />
        })}
        <FlashError />
        <Loaded load=move || {
            let q = query.get();
            fetch_outbox(q.status, q.page)
        } show=move |outbox| view! { <Outbox outbox locale /> } />
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
        {(pages > 1).then(|| view! {
            <Pager page pages href=move |page| href(status.as_deref(), page) label=Msg::OutboxPagination />
        })}
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
                        let status = status.clone();
                        view! {
                            <PostButton action="/api/outbox_retry" id=r.id.to_string() label=Msg::OutboxRetry
                                which secondary=true testid="outbox-retry">
                                {status.map(|s| view! { <input type="hidden" name="status" value=s /> })}
                            </PostButton>
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
