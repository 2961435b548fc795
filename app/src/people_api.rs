//! Server functions of the user administration pages (issue 8, 三权分立): the system
//! administrator's `/admin/users` (create accounts, switch them off and on) and the security
//! administrator's `/security` (roles, locks, temporary passwords, second factors, enrolment codes,
//! the password policy), and the requests on privileged accounts a second person decides (issue
//! 15). Plain form posts (see [`crate::server::context::conclude`]), so both pages work without
//! JavaScript; ids are taken as text, so a forged one is answered on the page like any other error.
use crate::error::AppError;
use crate::model::PeopleView;
use leptos::prelude::*;

/// The people and the policy, for the system administrator's page.
#[server(endpoint = "people")]
pub async fn fetch_people() -> Result<PeopleView, AppError> {
    people_for(crate::domain::Role::Admin).await
}

/// The people and the policy, for the security administrator's page.
#[server(endpoint = "security")]
pub async fn fetch_security() -> Result<PeopleView, AppError> {
    people_for(crate::domain::Role::SecurityAdmin).await
}

#[cfg(feature = "ssr")]
async fn people_for(duty: crate::domain::Role) -> Result<PeopleView, AppError> {
    use crate::server::{context, people};
    context::serve(|uc| async move {
        let configured = context::configured_passwords()?;
        let mut view = people::view(&uc, duty, &configured, totp_required()).await?;
        if duty == crate::domain::Role::SecurityAdmin {
            view.fresh_password = take_secret(&view, FRESH_PASSWORD_COOKIE, |value| {
                value.len() <= 128
                    && value
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-+=#%".contains(&b))
            });
            view.fresh_enrolment_code = take_secret(&view, FRESH_ENROLMENT_CODE_COOKIE, |value| {
                crate::server::totp::canonical_enrolment_code(value).is_some()
            });
        }
        Ok(view)
    })
    .await
}

// issue 15: people
/// The cookies carrying a submitter's new temporary password, or a new enrolment code, from the
/// form post to the security page, once (as recovery codes and API token secrets travel): never in
/// an address, a log line or the browser's history.
pub const FRESH_PASSWORD_COOKIE: &str = "registry_temp_password";
pub const FRESH_ENROLMENT_CODE_COOKIE: &str = "registry_enrolment_code";
#[cfg(feature = "ssr")]
const SECURITY_PAGE: &str = "/security";

/// Whether the deployment requires a second factor of the privileged roles (`TOTP_REQUIRED`).
#[cfg(feature = "ssr")]
fn totp_required() -> bool {
    crate::server::context::auth_settings().is_ok_and(|settings| settings.totp_required)
}

/// Hands a secret made for `username` to the security page, once.
#[cfg(feature = "ssr")]
fn pass_secret(cookie: &str, username: &str, value: &str) {
    crate::server::context::set_cookie(cookie, &format!("{username}.{value}"), SECURITY_PAGE, 120);
}

/// The secret the cookie carries, when it is well formed and names a person on the page (the
/// cookie is the browser's, not ours).
#[cfg(feature = "ssr")]
fn take_secret(
    view: &PeopleView,
    cookie: &str,
    well_formed: impl Fn(&str) -> bool,
) -> Option<crate::model::FreshSecret> {
    let raw = crate::server::context::take_cookie(cookie, SECURITY_PAGE)?;
    let (username, value) = raw.rsplit_once('.')?;
    (well_formed(value) && view.rows.iter().any(|r| r.username == username)).then(|| {
        crate::model::FreshSecret {
            username: username.to_string(),
            value: value.to_string(),
        }
    })
}

/// Where a step of the security administrator lands: what changed, or what was asked of a second
/// person.
#[cfg(feature = "ssr")]
fn landing(page: &str, id: i32, outcome: crate::server::people::Outcome) -> String {
    match outcome {
        crate::server::people::Outcome::Done => format!("{page}?updated={id}"),
        crate::server::people::Outcome::Requested(request) => format!("{page}?requested={request}"),
    }
}

/// The page a decider goes back to: the system administrator's or the security administrator's.
#[cfg(feature = "ssr")]
fn decider_page() -> &'static str {
    match crate::server::context::session_user().map(|u| u.role) {
        Some(crate::domain::Role::Admin) => "/admin/users",
        _ => SECURITY_PAGE,
    }
}

/// A form's on/off value: "true" or "false".
#[cfg(feature = "ssr")]
fn switch(value: &str) -> Result<bool, AppError> {
    match value.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(AppError::invalid(
            "active",
            crate::error::Problem::OutOfRange,
        )),
    }
}

#[cfg(feature = "ssr")]
fn person_id(id: &str) -> Result<i32, AppError> {
    id.trim().parse::<i32>().map_err(|_| AppError::NotFound)
}

/// A second person confirms a request on an account (or the system administrator does).
#[server(endpoint = "account_request_confirm")]
pub async fn confirm_account_request(id: String) -> Result<(), AppError> {
    use crate::server::{context, people};
    let page = decider_page();
    context::step_then(page, |uc| async move {
        let policy = context::password_policy(&uc).await?;
        people::confirm_request(&uc, person_id(&id)?, &policy).await?;
        Ok(format!("{page}?decided=confirmed"))
    })
    .await
}

/// A second person refuses a request on an account, or the one who asked withdraws it.
#[server(endpoint = "account_request_refuse")]
pub async fn refuse_account_request(id: String) -> Result<(), AppError> {
    use crate::server::{context, people};
    let page = decider_page();
    context::step_then(page, |uc| async move {
        let withdrawn = people::refuse_request(&uc, person_id(&id)?).await?;
        let decided = if withdrawn { "withdrawn" } else { "refused" };
        Ok(format!("{page}?decided={decided}"))
    })
    .await
}

/// The security administrator issues a one-time enrolment code; the page shows it this once.
#[server(endpoint = "enrolment_code_issue")]
pub async fn issue_enrolment_code(id: String) -> Result<(), AppError> {
    use crate::server::{context, people};
    context::step_then(SECURITY_PAGE, |uc| async move {
        let id = person_id(&id)?;
        let (username, code) = people::issue_enrolment_code(&uc, id, totp_required()).await?;
        pass_secret(FRESH_ENROLMENT_CODE_COOKIE, &username, &code);
        Ok(format!("{SECURITY_PAGE}?shown=enrolment_code"))
    })
    .await
}

/// The system administrator creates an account (a submitter of `unit`, who must change the first
/// password at their first sign-in).
#[server(endpoint = "person_create")]
pub async fn create_person(
    username: String,
    display_name: String,
    unit: String,
    email: String,
    locale: String,
    password: String,
) -> Result<(), AppError> {
    let new = crate::server::people::NewPerson::form(username, display_name, unit, email, &locale);
    add_person(new, password).await
}

#[cfg(feature = "ssr")]
async fn add_person(
    new: crate::server::people::NewPerson,
    password: String,
) -> Result<(), AppError> {
    use crate::server::{context, people};
    context::step_then("/admin/users", |uc| async move {
        let policy = context::password_policy(&uc).await?;
        let created = people::create(&uc, people::NewPerson { password, ..new }, &policy).await?;
        Ok(format!("/admin/users?created={}", created.id))
    })
    .await
}

/// The system administrator switches an account off (`active` = "false") or on ("true").
#[server(endpoint = "person_active")]
pub async fn set_person_active(id: String, active: String) -> Result<(), AppError> {
    use crate::server::{context, people};
    context::step_then("/admin/users", |uc| async move {
        let (id, active) = (person_id(&id)?, switch(&active)?);
        people::set_active(&uc, id, active).await?;
        Ok(format!("/admin/users?updated={id}"))
    })
    .await
}

/// The system administrator corrects a person's name, notice address or notice language.
#[server(endpoint = "person_update")]
pub async fn update_person(
    id: String,
    display_name: String,
    email: String,
    locale: String,
) -> Result<(), AppError> {
    use crate::server::{context, people};
    let details = people::PersonDetails {
        display_name,
        email: Some(email),
        locale,
    };
    context::step_then("/admin/users", |uc| async move {
        let id = person_id(&id)?;
        people::update_details(&uc, id, details).await?;
        Ok(format!("/admin/users?updated={id}"))
    })
    .await
}

/// The security administrator gives someone a role (and a unit, for a submitter).
#[server(endpoint = "role_change")]
pub async fn change_role(id: String, role: String, unit: String) -> Result<(), AppError> {
    use crate::server::{context, people};
    context::step_then(SECURITY_PAGE, |uc| async move {
        let id = person_id(&id)?;
        let done = people::change_role(&uc, id, &role, &unit).await?;
        Ok(landing(SECURITY_PAGE, id, done))
    })
    .await
}

/// The security administrator lifts a lock.
#[server(endpoint = "person_unlock")]
pub async fn unlock_person(id: String) -> Result<(), AppError> {
    use crate::server::{context, people};
    context::step_then(SECURITY_PAGE, |uc| async move {
        let id = person_id(&id)?;
        people::unlock(&uc, id).await?;
        Ok(format!("{SECURITY_PAGE}?updated={id}"))
    })
    .await
}

/// The security administrator has a temporary password made (to be changed at the next sign-in):
/// a submitter's is shown on the page this once; a privileged account's is requested of a second
/// person and then e-mailed to the person.
#[server(endpoint = "person_password_reset")]
pub async fn reset_person_password(id: String) -> Result<(), AppError> {
    use crate::server::{context, people};
    context::step_then(SECURITY_PAGE, |uc| async move {
        let policy = context::password_policy(&uc).await?;
        let outcome = people::reset_password(&uc, person_id(&id)?, &policy).await?;
        Ok(password_landing(outcome))
    })
    .await
}

/// Where a password reset lands: a temporary password is handed to the page this once (in a
/// cookie the page reads and clears); a request for a second person is named.
#[cfg(feature = "ssr")]
fn password_landing(outcome: crate::server::people::PasswordOutcome) -> String {
    use crate::server::people::PasswordOutcome;
    match outcome {
        PasswordOutcome::Shown { username, password } => {
            pass_secret(FRESH_PASSWORD_COOKIE, &username, &password);
            format!("{SECURITY_PAGE}?shown=password")
        }
        PasswordOutcome::Requested(request) => format!("{SECURITY_PAGE}?requested={request}"),
    }
}

/// The security administrator sets the password policy.
#[server(endpoint = "policy_save")]
pub async fn save_policy(
    min_length: String,
    min_classes: String,
    max_age_days: String,
    history: String,
    lockout_threshold: String,
    lockout_minutes: String,
) -> Result<(), AppError> {
    let form = [
        min_length,
        min_classes,
        max_age_days,
        history,
        lockout_threshold,
        lockout_minutes,
    ];
    set_policy(Some(form), "saved").await
}

/// The security administrator goes back to the deployment's configured policy.
#[server(endpoint = "policy_reset")]
pub async fn reset_policy() -> Result<(), AppError> {
    set_policy(None, "configured").await
}

/// Sets the password policy to the figures of the form (`None`: the configured policy), and lands
/// on the security page saying which (`said`).
#[cfg(feature = "ssr")]
async fn set_policy(form: Option<[String; 6]>, said: &str) -> Result<(), AppError> {
    use crate::server::{context, people};
    context::step_then(SECURITY_PAGE, |uc| async move {
        let figures = form
            .map(|form| people::PolicyFigures::read(form.each_ref().map(String::as_str)))
            .transpose()?;
        people::save_policy(&uc, figures, &context::configured_passwords()?).await?;
        Ok(format!("{SECURITY_PAGE}?policy={said}"))
    })
    .await
}

/// The security administrator resets a lost second factor.
/// With `revoke_tokens` (the form's box, ticked unless unticked) the person's API tokens are revoked
/// too (issue 15, item 6).
#[server(endpoint = "second_factor_reset")]
pub async fn reset_second_factor(
    id: String,
    #[server(default)] revoke_tokens: String,
) -> Result<(), AppError> {
    use crate::server::{context, people};
    context::step_then(SECURITY_PAGE, |uc| async move {
        let id = person_id(&id)?;
        let done = people::reset_second_factor(&uc, id, !revoke_tokens.is_empty()).await?;
        Ok(landing(SECURITY_PAGE, id, done))
    })
    .await
}
