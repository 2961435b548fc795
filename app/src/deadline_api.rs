//! Server functions of the deadline clock: the dashboard, reminders, the calendar and settings
//! administrators keep, and the Art. 29 rotation record. Steps are plain form posts (see
//! [`crate::server::context::conclude`]), so they work without JavaScript.
use crate::error::AppError;
use crate::model::{CalendarAdmin, DeadlineDashboard, ReminderView};
use leptos::prelude::*;

/// Open review periods by status, this month's decisions, and the on-time rate per month.
#[server(endpoint = "deadline_dashboard")]
pub async fn fetch_dashboard() -> Result<DeadlineDashboard, AppError> {
    use crate::server::{context, deadlines, filing_views};
    context::respond(async {
        let user = context::require_user()?;
        let (db, now) = (context::db()?, context::now());
        let rows = filing_views::under_review(&db, &user, now).await?;
        deadlines::dashboard(&db, &user, rows, now).await
    })
    .await
}

/// The reminders the signed-in person reads, newest first.
#[server(endpoint = "reminders")]
pub async fn list_reminders() -> Result<Vec<ReminderView>, AppError> {
    use crate::server::{context, reminders};
    context::respond(async {
        let user = context::require_user()?;
        reminders::list(&context::db()?, &user).await
    })
    .await
}

/// The official calendar's years and the deadline settings. Every role may read them; only
/// administrators change them.
#[server(endpoint = "calendar_admin")]
pub async fn fetch_calendar_admin() -> Result<CalendarAdmin, AppError> {
    use crate::server::{calendar, context};
    context::respond(async {
        context::require_user()?;
        calendar::admin_view(&context::db()?).await
    })
    .await
}

/// Administrators change the deadline figures (DESIGN §3: settings, not constants).
#[server(endpoint = "settings_save")]
pub async fn save_settings(
    review_working_days: String,
    reminder_hour: String,
    password_rotation_days: String,
) -> Result<(), AppError> {
    use crate::domain::deadline::Settings;
    use crate::error::Problem;
    use crate::server::{context, deadlines};
    let result = async {
        let user = context::require_user()?;
        let figure = |field: &str, value: &str| {
            value
                .trim()
                .parse::<u32>()
                .map_err(|_| AppError::invalid(field, Problem::OutOfRange))
        };
        let settings = Settings {
            review_working_days: figure("review_working_days", &review_working_days)?,
            reminder_hour: figure("reminder_hour", &reminder_hour)?,
            password_rotation_days: figure("password_rotation_days", &password_rotation_days)?,
        };
        deadlines::save_settings(
            &context::db()?,
            &user,
            &context::request_meta(),
            settings,
            context::now(),
        )
        .await
        .map(|_| ())
    }
    .await;
    context::conclude("/admin/calendar", result)
}

/// Art. 29: the host unit records the date its custodian changed the account's password.
#[server(endpoint = "rotation_record")]
pub async fn record_rotation(id: i32, rotated_on: String) -> Result<(), AppError> {
    use crate::server::{account_entry, context};
    let path = format!("/accounts/{id}");
    context::step(&path, |uc| async move {
        account_entry::record_rotation(&uc, id, &rotated_on).await
    })
    .await
}
