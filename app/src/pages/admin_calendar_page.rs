//! The official calendar and the deadline settings (DESIGN §3). Every role may read them;
//! administrators add or correct a year (pasted dates or an uploaded CSV/JSON file) and change the
//! figures. Saving a year recomputes every open deadline; both are audited.
use crate::api::current_user;
use crate::components::done_notice::DoneNotice;
use crate::components::error_notice::{ErrorNotice, flash_error};
use crate::components::loaded::Loaded;
use crate::deadline_api::fetch_calendar_admin;
use crate::domain::Role;
use crate::domain::deadline::{PASSWORD_ROTATION_DAYS, REMINDER_HOUR, REVIEW_WORKING_DAYS};
use crate::error::AppError;
use crate::i18n::{Locale, Msg, use_locale};
use crate::labels;
use crate::model::{CalendarAdmin, SessionUser};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// What the last post left in the URL: the year saved and the deadlines moved, or the error with
/// the administrator's input to correct.
#[derive(Clone, Default, PartialEq)]
struct Outcome {
    saved: Option<(String, String)>,
    error: Option<AppError>,
    year: String,
    source: String,
    text: String,
}

#[component]
pub fn AdminCalendarPage() -> impl IntoView {
    let locale = use_locale();
    let query = use_query_map();
    let outcome = Memo::new(move |_| {
        let q = query.read();
        Outcome {
            saved: q.get("saved").zip(q.get("moved")),
            error: flash_error(),
            year: q.get("year").unwrap_or_default(),
            source: q.get("source").unwrap_or_default(),
            text: q.get("text").unwrap_or_default(),
        }
    });
    view! {
        <Title text=format!("{} · {}", locale.t(Msg::CalendarTitle), locale.t(Msg::AppTitle)) />
        <h1>{locale.t(Msg::CalendarTitle)}</h1>
        {move || outcome.get().saved.map(|(year, moved)| view! {
            <DoneNotice text=locale.tf(Msg::CalendarSaved, &[("year", &year), ("moved", &moved)]) testid="calendar-saved" />
        })}
        {move || outcome.get().error.map(|error| view! { <ErrorNotice error focus=true /> })}
        <Loaded load=|| async {
            Ok::<_, AppError>((current_user().await?, fetch_calendar_admin().await?))
        } show=move |(user, admin): (Option<SessionUser>, CalendarAdmin)| {
            let editable = user.is_some_and(|u| u.role == Role::Admin);
            let outcome = outcome.get_untracked();
            view! { <Calendar admin editable outcome locale /> }
        } />
    }
}

#[component]
fn Calendar(
    admin: CalendarAdmin,
    editable: bool,
    outcome: Outcome,
    locale: Locale,
) -> impl IntoView {
    let s = admin.settings;
    let figures = [
        (
            "review_working_days",
            Msg::SettingsReviewDays,
            s.review_working_days,
            REVIEW_WORKING_DAYS,
        ),
        (
            "reminder_hour",
            Msg::SettingsReminderHour,
            s.reminder_hour,
            REMINDER_HOUR,
        ),
        (
            "password_rotation_days",
            Msg::SettingsRotationDays,
            s.password_rotation_days,
            PASSWORD_ROTATION_DAYS,
        ),
    ];
    let settings = if editable {
        view! {
            <form method="post" action="/api/settings_save" class="filters">
                {figures.into_iter().map(|(id, label, value, (min, max))| view! {
                    <div class="field">
                        <label for=id>{locale.t(label)}</label>
                        <input id=id name=id type="number" min=min max=max required value=value.to_string() />
                    </div>
                }).collect_view()}
                <div class="actions"><button type="submit" data-testid="save-settings">{locale.t(Msg::SettingsSave)}</button></div>
            </form>
        }
        .into_any()
    } else {
        view! {
            <dl class="details">
                {figures.into_iter().map(|(id, label, value, _)| view! {
                    <div><dt>{locale.t(label)}</dt><dd data-setting=id>{value}</dd></div>
                }).collect_view()}
            </dl>
        }
        .into_any()
    };
    view! {
        <section aria-labelledby="settings-title" class="card" data-testid="settings">
            <h2 id="settings-title">{locale.t(Msg::SettingsTitle)}</h2>
            {settings}
            <p class="hint">{locale.t(Msg::SettingsHint)}</p>
        </section>
        <section aria-labelledby="years-title">
            <h2 id="years-title">{locale.t(Msg::CalendarYears)}</h2>
            <table class="registry" data-testid="calendar-years">
                <thead>
                    <tr>
                        <th scope="col">{locale.t(Msg::CalendarYear)}</th>
                        <th scope="col">{locale.t(Msg::CalendarSource)}</th>
                        <th scope="col">{locale.t(Msg::CalendarHolidays)}</th>
                        <th scope="col">{locale.t(Msg::CalendarMakeupDays)}</th>
                        <th scope="col">{locale.t(Msg::CalendarUpdated)}</th>
                    </tr>
                </thead>
                <tbody>
                    {admin.years.into_iter().map(|y| view! {
                        <tr data-testid="calendar-year" data-year=y.year.to_string()>
                            <th scope="row">{y.year}</th>
                            <td>
                                {y.source.clone()}
                                <details>
                                    <summary>{locale.t(Msg::CalendarShowDays)}</summary>
                                    <pre class="calendar-text">{y.text.clone()}</pre>
                                </details>
                            </td>
                            <td>{y.holidays}</td>
                            <td>{y.makeup_days}</td>
                            <td>{y.updated_at.as_deref().map(labels::china_time).unwrap_or_else(|| locale.t(Msg::CalendarSeeded).to_string())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        {editable.then(|| view! {
            <section aria-labelledby="calendar-form-title" class="card" id="calendar-form">
                <h2 id="calendar-form-title">{locale.t(Msg::CalendarAdd)}</h2>
                <p class="hint">{locale.t(Msg::CalendarFormatHint)}</p>
                <pre class="calendar-text">"# 2027 国务院办公厅关于2027年部分节假日安排的通知\n2027-01-01 holiday 元旦\n2027-02-20 workday 春节调休"</pre>
                <form method="post" action="/admin/calendar" enctype="multipart/form-data" class="stacked" data-testid="calendar-form">
                    <label for="calendar-year">{locale.t(Msg::CalendarYear)}</label>
                    <input id="calendar-year" name="year" type="number" min="2000" max="2100" required value=outcome.year.clone() />
                    <label for="calendar-source">{locale.t(Msg::CalendarSource)}</label>
                    <input id="calendar-source" name="source" type="text" maxlength="200" required value=outcome.source.clone() />
                    <label for="calendar-text">{locale.t(Msg::CalendarPaste)}</label>
                    <textarea id="calendar-text" name="text" rows="12">{outcome.text.clone()}</textarea>
                    <label for="calendar-file">{locale.t(Msg::CalendarFile)}</label>
                    <input id="calendar-file" name="file" type="file" accept=".csv,.txt,.json,text/csv,text/plain,application/json" />
                    <div class="actions"><button type="submit" data-testid="save-calendar">{locale.t(Msg::CalendarSave)}</button></div>
                </form>
            </section>
        })}
    }
}
