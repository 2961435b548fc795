//! 我的待办 (issue 17, item 1): where everyone lands after signing in. The counts of what waits for
//! them (each a link into the queue, narrowed), those filings by the step they wait for, what was
//! decided lately (已办), and the notices they were sent, so a unit sees a request came back
//! without opening its e-mail.
use crate::components::loaded::Loaded;
use crate::domain::Role;
use crate::domain::todo::TodoItem;
use crate::filing_api::fetch_todo;
use crate::i18n::{Locale, Msg, use_locale};
use crate::labels;
use crate::model::{FilingRow, NoticeRow, TodoView};
use crate::pages::filings_page::FilingTable;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn TodoPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <Title text=format!("{} · {}", locale.t(Msg::TodoTitle), locale.t(Msg::AppTitle)) />
        <h1>{locale.t(Msg::TodoTitle)}</h1>
        <Loaded load=fetch_todo show=move |todo| view! { <Todo todo locale /> } />
    }
}

#[component]
fn Todo(todo: TodoView, locale: Locale) -> impl IntoView {
    let TodoView {
        today,
        role,
        counts,
        waiting,
        done,
        notices,
    } = todo;
    let has_work = !counts.is_empty();
    let done_heading = match role {
        Role::Reviewer => Msg::TodoDoneReviewer,
        _ => Msg::TodoDoneUnit,
    };
    view! {
        <p class="hint">{locale.tf(Msg::TodoToday, &[("today", &today)])}</p>
        {if has_work {
            view! { <Counts counts=counts.clone() locale /> <Waiting counts waiting locale /> }.into_any()
        } else {
            view! { <p class="empty" data-testid="todo-none">{locale.t(Msg::TodoNoFilingWork)}</p> }.into_any()
        }}
        {has_work.then(|| view! {
            <section aria-labelledby="todo-done" data-testid="todo-done">
                <h2 id="todo-done">{locale.t(Msg::TodoDone)}</h2>
                <FilingTable rows=done empty=Msg::TodoNoDone caption=done_heading />
            </section>
        })}
        <Notices notices locale />
    }
}

/// The tiles: each item's count, a link into the queue where it has a filter.
#[component]
fn Counts(counts: Vec<(TodoItem, u64)>, locale: Locale) -> impl IntoView {
    let tiles = counts
        .into_iter()
        .map(|(item, n)| {
            let urgent = !item.is_step() && n > 0;
            let class = if urgent { "tile urgent" } else { "tile" };
            let figure = match item.queue_href() {
                Some(href) => view! { <A href=href>{n}</A> }.into_any(),
                None => view! { {n} }.into_any(),
            };
            view! {
                <div class=class data-testid=format!("todo-{}", item.as_str())>
                    <dt>{locale.t(labels::todo_item(item))}</dt>
                    <dd>{figure}</dd>
                </div>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="todo-counts">
            <h2 id="todo-counts" class="visually-hidden">{locale.t(Msg::TodoCounts)}</h2>
            <dl class="tiles todo-tiles">{tiles}</dl>
        </section>
    }
}

/// The waiting filings, one table per step, in the role's order.
#[component]
fn Waiting(
    counts: Vec<(TodoItem, u64)>,
    waiting: Vec<(TodoItem, FilingRow)>,
    locale: Locale,
) -> impl IntoView {
    if waiting.is_empty() {
        return view! { <p class="empty" data-testid="todo-nothing">{locale.t(Msg::TodoNothing)}</p> }
            .into_any();
    }
    counts
        .into_iter()
        .filter(|(item, _)| item.is_step())
        .filter_map(|(item, total)| {
            let rows: Vec<FilingRow> = waiting
                .iter()
                .filter(|(i, _)| *i == item)
                .map(|(_, row)| row.clone())
                .collect();
            if rows.is_empty() {
                return None;
            }
            let id = format!("todo-list-{}", item.as_str());
            let (testid, labelledby) = (id.clone(), id.clone());
            let listed = rows.len().to_string();
            let more = (u64::try_from(rows.len()).unwrap_or(0) < total)
                .then(|| item.queue_href())
                .flatten()
                .map(|href| {
                    let text = locale.tf(
                        Msg::TodoMore,
                        &[("listed", &listed), ("total", &total.to_string())],
                    );
                    view! { <p><A href=href>{text}</A></p> }
                });
            Some(view! {
                <section aria-labelledby=labelledby data-testid=testid>
                    <h2 id=id>{locale.t(labels::todo_item(item))}" ("{total}")"</h2>
                    <FilingTable rows caption=labels::todo_item(item) />
                    {more}
                </section>
            })
        })
        .collect_view()
        .into_any()
}

/// The person's latest notices, as their e-mails' subjects.
#[component]
fn Notices(notices: Vec<NoticeRow>, locale: Locale) -> impl IntoView {
    let body = if notices.is_empty() {
        view! { <p class="empty">{locale.t(Msg::TodoNoNotices)}</p> }.into_any()
    } else {
        view! {
            <table class="registry" data-testid="todo-notices">
                <caption class="visually-hidden">{locale.t(Msg::TodoNotices)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{locale.t(Msg::TodoNoticeAt)}</th>
                        <th scope="col">{locale.t(Msg::TodoNoticeSubject)}</th>
                    </tr>
                </thead>
                <tbody>
                    {notices.into_iter().map(|n| {
                        let subject = match n.filing_id {
                            Some(id) => view! { <A href=format!("/filings/{id}")>{n.subject}</A> }.into_any(),
                            None => view! { {n.subject} }.into_any(),
                        };
                        view! {
                            <tr data-testid="todo-notice">
                                <td>{labels::china_time(&n.at)}</td>
                                <td>{subject}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section aria-labelledby="todo-notices-heading">
            <h2 id="todo-notices-heading">{locale.t(Msg::TodoNotices)}</h2>
            {body}
        </section>
    }
}
