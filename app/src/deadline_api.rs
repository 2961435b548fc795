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
    context::serve(|uc| async move {
        let rows = filing_views::under_review(&uc).await?;
        deadlines::dashboard(&uc, rows).await
    })
    .await
}

/// The reminders the signed-in person reads, newest first.
#[server(endpoint = "reminders")]
pub async fn list_reminders() -> Result<Vec<ReminderView>, AppError> {
    use crate::server::{context, reminders};
    context::serve(|uc| async move { reminders::list(&uc).await }).await
}

/// The official calendar's years and the deadline settings. Every role may read them; only
/// administrators change them.
#[server(endpoint = "calendar_admin")]
pub async fn fetch_calendar_admin() -> Result<CalendarAdmin, AppError> {
    use crate::server::{calendar, context};
    context::serve(|uc| async move { calendar::admin_view(uc.db()).await }).await
}

/// Administrators change the deadline figures (DESIGN §3: settings, not constants).
#[server(endpoint = "settings_save")]
pub async fn save_settings(
    review_working_days: String,
    reminder_hour: String,
    password_rotation_days: String,
) -> Result<(), AppError> {
    use crate::server::{context, deadlines};
    context::step("/admin/calendar", |uc| async move {
        let figures = [
            &*review_working_days,
            &reminder_hour,
            &password_rotation_days,
        ];
        let settings = deadlines::read_settings(figures)?;
        deadlines::save_settings(&uc, settings).await.map(|_| ())
    })
    .await
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
