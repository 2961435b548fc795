//! User accounts, for the system administrator (issue 8, 三权分立): the people with their roles
//! and units, a form to create an account (always a submitter of a unit, who must change the
//! first password at the first sign-in) and switching accounts off and on. Roles, locks and the
//! password policy are the security administrator's (`/security`). Plain form posts, so all of it
//! works without JavaScript.
use crate::components::done_notice::DoneNotice;
use crate::components::error_notice::{ErrorNotice, flash_error};
use crate::components::field::Field;
use crate::components::loaded::Loaded;
use crate::components::post_button::PostButton;
use crate::error::AppError;
use crate::i18n::{Locale, Msg, use_locale};
use crate::labels;
use crate::model::{PeopleView, PersonRow, UnitOption};
use crate::people_api::fetch_people;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// What the last form post left in the URL: the account it names under `key`, and its error.
fn outcome(key: &'static str) -> (Option<i32>, Option<AppError>) {
    let params = use_query_map();
    let params = params.read_untracked();
    (
        params.get(key).and_then(|id| id.trim().parse::<i32>().ok()),
        flash_error(),
    )
}

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let locale = use_locale();
    let (created, _) = outcome("created");
    view! {
        <Title text=format!("{} · {}", locale.t(Msg::PeopleTitle), locale.t(Msg::AppTitle)) />
        <h1>{locale.t(Msg::PeopleTitle)}</h1>
        <p class="hint">{locale.t(Msg::PeopleHint)}</p>
        {created.map(|id| view! {
            <DoneNotice text=locale.tf(Msg::PeopleCreated, &[("id", &id.to_string())]) testid="person-created" />
        })}
        <PersonOutcome locale />
        <Loaded load=fetch_people show=move |people| view! { <People people locale /> } />
    }
}

/// The outcome of a step on one person, on either administrator's page: which account changed,
/// or the error the step was refused with.
#[component]
pub(crate) fn PersonOutcome(locale: Locale) -> impl IntoView {
    let (updated, error) = outcome("updated");
    let (requested, _) = outcome("requested");
    // issue 15: people. A request made, or decided by a second person.
    let decided = use_query_map()
        .read_untracked()
        .get("decided")
        .and_then(|d| match d.as_str() {
            "confirmed" => Some(Msg::SecurityRequestConfirmed),
            "refused" => Some(Msg::SecurityRequestRefused),
            "withdrawn" => Some(Msg::SecurityRequestWithdrawn),
            _ => None,
        });
    view! {
        {updated.map(|id| view! {
            <DoneNotice text=locale.tf(Msg::PeopleUpdated, &[("id", &id.to_string())]) testid="person-updated" />
        })}
        {requested.map(|_| view! { <DoneNotice text=locale.t(Msg::SecurityRequested) testid="request-made" /> })}
        {decided.map(|msg| view! { <DoneNotice text=locale.t(msg) testid="request-decided" /> })}
        {error.map(|error| view! { <ErrorNotice error focus=true /> })}
    }
}

#[component]
fn People(people: PeopleView, locale: Locale) -> impl IntoView {
    let rules = locale.tf(
        Msg::PeoplePasswordRules,
        &[
            ("min", &people.policy.min_length.to_string()),
            ("classes", &people.policy.min_classes.to_string()),
        ],
    );
    view! {
        <crate::pages::security_page::AccountRequests requests=people.requests locale />
        <section aria-labelledby="person-new-title" class="card">
            <h2 id="person-new-title">{locale.t(Msg::PeopleCreateTitle)}</h2>
            <form method="post" action="/api/person_create" class="filters" data-testid="person-form">
                <Field id="person-username" label=Msg::PeopleUsername>
                    <input id="person-username" name="username" type="text" required maxlength="64" autocomplete="off" />
                </Field>
                <Field id="person-name" label=Msg::PeopleDisplayName>
                    <input id="person-name" name="display_name" type="text" maxlength="64" autocomplete="off" />
                </Field>
                <Field id="person-unit" label=Msg::PeopleUnit>
                    <UnitSelect id="person-unit".to_string() units=people.units selected=None required=true locale />
                </Field>
                <Field id="person-email" label=Msg::PeopleEmail>
                    <input id="person-email" name="email" type="email" maxlength="254" autocomplete="off" />
                </Field>
                <Field id="person-locale" label=Msg::PeopleLocale>
                    <select id="person-locale" name="locale">
                        {Locale::ALL.into_iter().map(|l| view! {
                            <option value=l.tag()>{l.endonym()}</option>
                        }).collect_view()}
                    </select>
                </Field>
                <Field id="person-password" label=Msg::PeoplePassword>
                    <input id="person-password" name="password" type="password" required
                        maxlength="128" autocomplete="new-password" aria-describedby="person-password-hint" />
                    <p class="hint" id="person-password-hint">{rules}</p>
                </Field>
                <div class="actions">
                    <button type="submit" data-testid="person-create">{locale.t(Msg::PeopleCreate)}</button>
                </div>
            </form>
        </section>
        <PeopleTable rows=people.rows viewer_id=people.viewer_id locale />
    }
}

/// The units a submitter may belong to, by code; `selected` is a unit code.
#[component]
pub(crate) fn UnitSelect(
    id: String,
    units: Vec<UnitOption>,
    selected: Option<String>,
    required: bool,
    locale: Locale,
    #[prop(optional)] label: Option<String>,
) -> impl IntoView {
    view! {
        <select id=id name="unit" required=required aria-label=label>
            <option value="">{locale.t(Msg::PeopleUnitNone)}</option>
            {units.into_iter().map(|u| {
                let chosen = selected.as_deref() == Some(u.code.as_str());
                view! { <option value=u.code.clone() selected=chosen>{u.name.clone()}</option> }
            }).collect_view()}
        </select>
    }
}

/// The account's state in words: switched off, locked (until when), or active.
pub(crate) fn state_label(p: &PersonRow, locale: Locale) -> String {
    if !p.active {
        locale.t(Msg::PeopleInactive).to_string()
    } else if let Some(until) = &p.locked_until {
        locale.tf(Msg::PeopleLocked, &[("until", &labels::china_time(until))])
    } else {
        locale.t(Msg::PeopleActive).to_string()
    }
}

#[component]
fn PeopleTable(rows: Vec<PersonRow>, viewer_id: i32, locale: Locale) -> impl IntoView {
    view! {
        <table class="registry people" data-testid="people-table">
            <caption class="visually-hidden">{locale.t(Msg::PeopleCaption)}</caption>
            <thead>
                <tr>
                    <th scope="col">{locale.t(Msg::PeopleUsername)}</th>
                    <th scope="col">{locale.t(Msg::PeopleDisplayName)}</th>
                    <th scope="col">{locale.t(Msg::PeopleRole)}</th>
                    <th scope="col">{locale.t(Msg::PeopleUnit)}</th>
                    <th scope="col">{locale.t(Msg::PeopleEmail)}</th>
                    <th scope="col">{locale.t(Msg::PeopleState)}</th>
                    <th scope="col">{locale.t(Msg::PeopleAction)}</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|p| {
                    let which = locale.tf(Msg::PeopleWhich, &[("username", &p.username)]);
                    let edit = view! { <EditDetails person=p.clone() locale /> };
                    let action = if p.id == viewer_id {
                        view! { <span class="hint">{locale.t(Msg::PeopleOwn)}</span> }.into_any()
                    } else {
                        // Issue 17, item 3: deactivating ends the person's sessions and tokens, so
                        // it asks first; activating again does not.
                        let (value, label, ask) = if p.active {
                            let name = locale.tf(Msg::ConfirmPerson, &[("name", &p.display_name), ("username", &p.username)]);
                            let question = locale.tf(Msg::ConfirmDeactivate, &[("name", &name)]);
                            ("false", Msg::PeopleDeactivate, Some((question, Msg::ConfirmDeactivateYes)))
                        } else {
                            ("true", Msg::PeopleActivate, None)
                        };
                        view! {
                            <PostButton action="/api/person_active" id=p.id.to_string() label
                                which=which.clone() secondary=true testid="person-toggle" ask=ask>
                                <input type="hidden" name="active" value=value />
                            </PostButton>
                        }.into_any()
                    };
                    view! {
                        <tr data-testid="person-row" data-username=p.username.clone()>
                            <td>{p.username.clone()}</td>
                            <td>{p.display_name.clone()}</td>
                            <td>{locale.t(labels::role(p.role))}</td>
                            <td>{p.unit_name.clone().unwrap_or_default()}</td>
                            <td>{p.email.clone().unwrap_or_default()}</td>
                            <td data-testid="person-state">{state_label(&p, locale)}</td>
                            <td>{edit}{action}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The name, notice address and notice language of one account, behind a disclosure (a plain
/// `<details>`: it opens by keyboard and without JavaScript).
#[component]
fn EditDetails(person: PersonRow, locale: Locale) -> impl IntoView {
    let p = person;
    let which = locale.tf(Msg::PeopleWhich, &[("username", &p.username)]);
    let field = |name: &str| format!("person-{}-{name}", p.id);
    view! {
        <details class="person-edit" data-testid="person-edit">
            <summary>{locale.t(Msg::PeopleEdit)}<span class="visually-hidden">" "{which.clone()}</span></summary>
            <form method="post" action="/api/person_update" class="stacked">
                <input type="hidden" name="id" value=p.id.to_string() />
                <label for=field("name")>{locale.t(Msg::PeopleDisplayName)}</label>
                <input id=field("name") name="display_name" type="text" required maxlength="64"
                    value=p.display_name.clone() autocomplete="off" />
                <label for=field("email")>{locale.t(Msg::PeopleEmail)}</label>
                <input id=field("email") name="email" type="email" maxlength="254"
                    value=p.email.clone().unwrap_or_default() autocomplete="off" />
                <label for=field("locale")>{locale.t(Msg::PeopleLocale)}</label>
                <select id=field("locale") name="locale">
                    {Locale::ALL.into_iter().map(|l| view! {
                        <option value=l.tag() selected=l.tag() == p.locale>{l.endonym()}</option>
                    }).collect_view()}
                </select>
                <button type="submit" class="secondary" data-testid="person-save">
                    {locale.t(Msg::PeopleSave)}
                    <span class="visually-hidden">" "{which}</span>
                </button>
            </form>
        </details>
    }
}
