//! Administrators' form posts that carry files: a year of the official calendar (pasted dates or
//! an uploaded CSV/JSON file), as a plain multipart form that works without JavaScript.
use crate::middleware::urlencode;
use crate::startup::AppState;
use app::domain::Capability;
use app::error::{AppError, CalendarProblem};
use app::model::SessionUser;
use app::server::calendar;
use app::server::use_case::{RequestMeta, UseCase};
use axum::extract::{Extension, Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};

/// Longest query string the page is sent back with: a rejected paste is returned to the form when
/// it fits, so the administrator corrects it instead of typing it again.
const MAX_ECHO: usize = 6000;

#[derive(Default)]
struct CalendarForm {
    year: String,
    source: String,
    text: String,
    file: Option<Vec<u8>>,
}

async fn read_form(mut multipart: Multipart) -> Result<CalendarForm, AppError> {
    // Reading a part fails when the body is over the limit (or the upload broke off).
    let too_large = || AppError::Calendar {
        line: None,
        problem: CalendarProblem::TooLarge,
    };
    let mut form = CalendarForm::default();
    while let Some(field) = multipart.next_field().await.map_err(|_| too_large())? {
        match field.name() {
            Some("year") => form.year = field.text().await.map_err(|_| too_large())?,
            Some("source") => form.source = field.text().await.map_err(|_| too_large())?,
            Some("text") => form.text = field.text().await.map_err(|_| too_large())?,
            Some("file") => {
                let bytes = field.bytes().await.map_err(|_| too_large())?;
                form.file = Some(bytes.to_vec());
            }
            _ => {}
        }
    }
    Ok(form)
}

/// `POST /admin/calendar`: adds or corrects a year, recomputes the open deadlines, and returns to
/// the calendar page saying how many moved, or with the error (and the pasted text) to correct.
pub async fn save_calendar_year(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    user: Option<Extension<SessionUser>>,
    multipart: Multipart,
) -> Response {
    let mut echo = CalendarForm::default();
    match save_year(&state, meta, user, multipart, &mut echo).await {
        Ok((year, moved)) => {
            Redirect::to(&format!("/admin/calendar?saved={year}&moved={moved}")).into_response()
        }
        Err(error) => back_to_form(error, &echo, state.config.secure_cookies),
    }
}

/// Reads the posted year (keeping what was sent in `echo`) and saves it: the year and how many
/// due dates moved.
async fn save_year(
    state: &AppState,
    meta: RequestMeta,
    user: Option<Extension<SessionUser>>,
    multipart: Multipart,
    echo: &mut CalendarForm,
) -> Result<(i32, u32), AppError> {
    let Extension(user) = user.ok_or(AppError::Unauthenticated)?;
    let uc = UseCase::new(state.db.clone(), user, meta, state.clock.now());
    // Only administrators keep the calendar: refuse others before reading what they sent
    // (the service checks again when it saves).
    uc.require(Capability::EditCalendar)?;
    let form = read_form(multipart).await?;
    let parsed = calendar::read_input(&form.year, &form.source, &form.text, form.file.as_deref());
    *echo = form;
    let year = parsed?;
    let saved = year.year();
    let moved = calendar::save_year(&uc, year).await?;
    Ok((saved, moved))
}

/// Back to the calendar form with the error (in the flash), and with the pasted text when it fits.
fn back_to_form(error: AppError, echo: &CalendarForm, secure: bool) -> Response {
    let mut target = "/admin/calendar".to_string();
    let back = format!(
        "?year={}&source={}&text={}",
        urlencode(&echo.year),
        urlencode(&echo.source),
        urlencode(&echo.text)
    );
    if target.len() + back.len() <= MAX_ECHO {
        target.push_str(&back);
    }
    target.push_str("#calendar-form");
    let flash = app::model::Flash {
        error: Some(error),
        done: None,
        ..Default::default()
    };
    crate::middleware::redirect_with_flash(&target, &flash, secure)
}
