//! The audit trail, for auditors (等保 2.0 三权分立: administrators do not read the trail of their
//! own actions): every event newest first, filtered by China dates, action, user and object, with
//! who, from where, with which request and API token, and what changed. The filter and the page
//! live in the URL and the filter form is a plain GET form, so it all works without JavaScript;
//! the CSV download takes the same filter. Each page read and each download is itself recorded.
use crate::audit_api::fetch_audit_trail;
use crate::components::change_list::ChangeList;
use crate::components::error_notice::ErrorNotice;
use crate::components::pager::Pager;
use crate::error::AppError;
use crate::i18n::{Locale, Msg, use_locale};
use crate::labels;
use crate::model::{AuditArchiveNote, AuditEventRow, AuditFilter, AuditTrailView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// The page's address for a filter and a page.
fn href(filter: &AuditFilter, page: u64) -> String {
    format!("/audit{}", filter.query_string(page))
}

/// The download of the filtered events, in the page's language.
fn export_href(filter: &AuditFilter, locale: Locale) -> String {
    let mut query = filter.query_string(1);
    if locale == Locale::En {
        query.push(if query.is_empty() { '?' } else { '&' });
        query.push_str("lang=en");
    }
    format!("/exports/audit.csv{query}")
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_query_map();
    let filter = Memo::new(move |_| {
        let params = params.read();
        AuditFilter::from_params(|key| params.get(key))
    });
    view! {
        <Title text=format!("{} · {}", locale.t(Msg::AuditTitle), locale.t(Msg::AppTitle)) />
        <h1>{locale.t(Msg::AuditTitle)}</h1>
        <p class="hint">{locale.t(Msg::AuditHint)}</p>
        <Suspense fallback=move || view! { <p role="status">{locale.t(Msg::CommonLoading)}</p> }>
            {move || {
                let filter = filter.get();
                Suspend::new(async move {
                    match fetch_audit_trail(filter.clone()).await {
                        Ok(trail) => view! { <Trail trail locale /> }.into_any(),
                        // A malformed filter comes back with the form, to correct it.
                        Err(error @ AppError::Invalid { .. }) => view! {
                            <ErrorNotice error />
                            <Filters filter entity_types=Vec::new() locale />
                        }
                        .into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn Trail(trail: AuditTrailView, locale: Locale) -> impl IntoView {
    let AuditTrailView {
        filter,
        rows,
        total,
        page,
        pages,
        entity_types,
        archive,
    } = trail;
    let table = if rows.is_empty() {
        view! { <p class="empty" data-testid="audit-empty">{locale.t(Msg::AuditEmpty)}</p> }
            .into_any()
    } else {
        view! { <EventTable rows locale /> }.into_any()
    };
    view! {
        <Filters filter=filter.clone() entity_types locale />
        {archive.map(|archive| view! { <ArchiveNote archive locale /> })}
        <p class="total" data-testid="audit-total" role="status">
            {locale.tf(Msg::AuditTotal, &[("count", &total.to_string())])}
        </p>
        <p class="exports" data-testid="audit-exports">
            {locale.t(Msg::AuditExport)}" "
            <a href=export_href(&filter, locale) download data-testid="audit-export-csv">{locale.t(Msg::AuditExportCsv)}</a>
        </p>
        {table}
        {(pages > 1).then(|| view! {
            <Pager page pages href=move |page| href(&filter, page) label=Msg::AuditPagination />
        })}
    }
}

#[component]
fn Filters(filter: AuditFilter, entity_types: Vec<String>, locale: Locale) -> impl IntoView {
    let selected = filter.entity_type.clone().unwrap_or_default();
    // The type asked for stays choosable even when no event has it (yet).
    let mut types = entity_types;
    if !selected.is_empty() && !types.contains(&selected) {
        types.push(selected.clone());
    }
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    view! {
        // A plain GET form: the same request with or without JavaScript, and the URL keeps it.
        <form method="get" action="/audit" class="filters" data-testid="audit-filters" aria-label=locale.t(Msg::AuditFilters)>
            <div class="field">
                <label for="audit-from">{locale.t(Msg::AuditFrom)}</label>
                <input id="audit-from" name="from" type="date" value=value(&filter.from) />
            </div>
            <div class="field">
                <label for="audit-to">{locale.t(Msg::AuditTo)}</label>
                <input id="audit-to" name="to" type="date" value=value(&filter.to) />
            </div>
            <div class="field">
                <label for="audit-action">{locale.t(Msg::AuditAction)}</label>
                <ActionChoice selected=value(&filter.action) locale />
                <span id="audit-action-hint" class="hint">{locale.t(Msg::AuditActionHint)}</span>
            </div>
            <div class="field">
                <label for="audit-actor">{locale.t(Msg::AuditActor)}</label>
                <input id="audit-actor" name="actor" type="search" maxlength="64" value=value(&filter.actor) />
            </div>
            <div class="field">
                <label for="audit-entity-type">{locale.t(Msg::AuditEntityType)}</label>
                <select id="audit-entity-type" name="entity_type">
                    <option value="">{locale.t(Msg::AuditAny)}</option>
                    {types.into_iter().map(|t| {
                        let is_selected = t == selected;
                        let label = entity_label(&t, locale);
                        view! { <option value=t selected=is_selected>{label}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="audit-entity-id">{locale.t(Msg::AuditEntityId)}</label>
                <input id="audit-entity-id" name="entity_id" type="search" maxlength="64" value=value(&filter.entity_id) />
            </div>
            <div class="actions">
                <button type="submit" data-testid="audit-apply">{locale.t(Msg::AuditApply)}</button>
                <A href="/audit" attr:class="button secondary">{locale.t(Msg::AuditReset)}</A>
            </div>
        </form>
    }
}

/// The action filter (issue 17, item 6): every action by its label, grouped by the kind of
/// thing it acts on, each group led by the choice of all its actions (the code prefix, `filing.`);
/// the option's value is the code the filter and the download take. A prefix typed into the
/// address that is neither stays chosen, shown as what it is.
#[component]
fn ActionChoice(selected: String, locale: Locale) -> impl IntoView {
    let groups = labels::audit_action_groups();
    let known = selected.is_empty()
        || groups.iter().any(|(prefix, actions)| {
            *prefix == selected || actions.iter().any(|a| a.as_str() == selected)
        });
    let other = (!known).then(|| {
        let text = locale.tf(Msg::AuditActionBeginning, &[("prefix", &selected)]);
        view! { <option value=selected.clone() selected=true>{text}</option> }
    });
    view! {
        <select id="audit-action" name="action" aria-describedby="audit-action-hint">
            <option value="">{locale.t(Msg::AuditAny)}</option>
            {other}
            {groups.into_iter().map(|(prefix, actions)| {
                let group = labels::audit_action_group(prefix.trim_end_matches('.'))
                    .map(|m| locale.t(m).to_string())
                    .unwrap_or_else(|| prefix.clone());
                let every = locale.tf(Msg::AuditActionEvery, &[("group", &group)]);
                let labelled: Vec<(&'static str, &'static str)> = actions
                    .iter()
                    .map(|a| (a.as_str(), locale.t(labels::audit_action(*a))))
                    .collect();
                let options = labelled.iter().map(|&(code, label)| {
                    // Two actions of a group with one label (an account opened on approval, or
                    // on completion) tell themselves apart by their codes.
                    let shared = labelled.iter().filter(|(_, l)| *l == label).count() > 1;
                    let text = if shared { format!("{label}（{code}）") } else { label.to_string() };
                    view! { <option value=code selected=selected == code>{text}</option> }
                }).collect_view();
                view! {
                    <optgroup label=group>
                        <option value=prefix.clone() selected=selected == prefix>{every}</option>
                        {options}
                    </optgroup>
                }
            }).collect_view()}
        </select>
    }
}

fn entity_label(entity_type: &str, locale: Locale) -> String {
    labels::audit_entity(entity_type)
        .map(|m| format!("{} ({entity_type})", locale.t(m)))
        .unwrap_or_else(|| entity_type.to_string())
}

#[component]
fn ArchiveNote(archive: AuditArchiveNote, locale: Locale) -> impl IntoView {
    let text = locale.tf(
        Msg::AuditArchivedNote,
        &[
            ("id", &archive.up_to_event_id.to_string()),
            ("date", &labels::china_time(&archive.archived_at)),
            ("count", &archive.event_count.to_string()),
            ("file", &archive.file_name),
            ("sha", &archive.file_sha256),
        ],
    );
    view! { <p class="notice" data-testid="audit-archive">{text}</p> }
}

#[component]
fn EventTable(rows: Vec<AuditEventRow>, locale: Locale) -> impl IntoView {
    view! {
        <table class="registry outbox" data-testid="audit-table">
            <caption class="visually-hidden">{locale.t(Msg::AuditCaption)}</caption>
            <thead>
                <tr>
                    <th scope="col">{locale.t(Msg::AuditColTime)}</th>
                    <th scope="col">{locale.t(Msg::AuditColActor)}</th>
                    <th scope="col">{locale.t(Msg::AuditColSource)}</th>
                    <th scope="col">{locale.t(Msg::AuditColAction)}</th>
                    <th scope="col">{locale.t(Msg::AuditColEntity)}</th>
                    <th scope="col">{locale.t(Msg::AuditColChanges)}</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|e| view! { <EventRow e locale /> }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn EventRow(e: AuditEventRow, locale: Locale) -> impl IntoView {
    let actor = e
        .actor
        .clone()
        .unwrap_or_else(|| locale.t(Msg::AuditSystem).to_string());
    let role = e.role.map(|r| locale.t(labels::role(r)));
    let action = labels::audit_action_code(&e.action).map(|m| locale.t(m));
    let entity = labels::audit_entity(&e.entity_type)
        .map(|m| locale.t(m).to_string())
        .unwrap_or_else(|| e.entity_type.clone());
    // Accounts and filings have pages the auditor may open; filings go by their number, accounts
    // and users by their names, as people know them (issue 17, item 6).
    let name = e.object_name.clone();
    let object = match (e.entity_type.as_str(), e.entity_id.clone()) {
        ("account", Some(id)) => {
            let text = name.unwrap_or_else(|| format!("#{id}"));
            view! { " " <A href=format!("/accounts/{id}")>{text}</A> }.into_any()
        }
        ("filing", Some(id)) => {
            let text = name.unwrap_or_else(|| format!("#{id}"));
            view! { " " <A href=format!("/filings/{id}")>{text}</A> }.into_any()
        }
        (_, Some(id)) => {
            let text = name.unwrap_or_else(|| format!("#{id}"));
            view! { " "{text} }.into_any()
        }
        (_, None) => ().into_any(),
    };
    view! {
        <tr data-testid="audit-row" data-id=e.id.to_string() data-action=e.action.clone() data-actor=e.actor.clone().unwrap_or_default()>
            <td class="outbox-time">{labels::china_time(&e.at)}</td>
            <td>
                <span class="username">{actor}</span>
                {role.map(|r| view! { <br /><span class="hint">{r}</span> })}
            </td>
            <td class="outbox-recipient">
                {e.source_ip.clone().unwrap_or_default()}
                {e.peer_ip.clone().map(|peer| view! {
                    <br /><span class="hint" data-testid="audit-proxy">{locale.tf(Msg::AuditViaProxy, &[("peer", &peer)])}</span>
                })}
                {e.request_id.clone().map(|id| view! {
                    <br /><span class="hint">{locale.tf(Msg::AuditRequest, &[("id", &id)])}</span>
                })}
                {e.via_token.map(|t| view! {
                    <br /><span data-testid="audit-token">{locale.tf(Msg::AuditToken, &[("id", &t.to_string())])}</span>
                })}
            </td>
            <td>
                {action.map(|a| view! { {a}<br /> })}
                <code>{e.action.clone()}</code>
            </td>
            <td>{entity}{object}</td>
            <td class="outbox-recipient">
                <ChangeList action=e.action.clone() changes=e.changes filing_id=e.filing_id />
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_carries_the_filter_and_a_page_after_the_first() {
        let filter = AuditFilter {
            action: Some("filing.".into()),
            actor: Some("审计员".into()),
            ..Default::default()
        };
        assert_eq!(href(&AuditFilter::default(), 1), "/audit");
        assert_eq!(
            href(&filter, 2),
            "/audit?action=filing.&actor=%E5%AE%A1%E8%AE%A1%E5%91%98&page=2"
        );
        assert_eq!(
            export_href(&AuditFilter::default(), Locale::En),
            "/exports/audit.csv?lang=en"
        );
        assert_eq!(
            export_href(&filter, Locale::ZhCn),
            "/exports/audit.csv?action=filing.&actor=%E5%AE%A1%E8%AE%A1%E5%91%98"
        );
    }
}
