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
    context::respond(async {
        let user = context::require_user()?;
        let configured = context::configured_passwords()?;
        let mut view = people::view(
            &context::db()?,
            &user,
            duty,
            &configured,
            totp_required(),
            context::now(),
        )
        .await?;
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
    use_context::<http::request::Parts>()
        .and_then(|parts| {
            parts
                .extensions
                .get::<crate::server::auth::AuthSettings>()
                .map(|settings| settings.totp_required)
        })
        .unwrap_or(false)
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

/// Ends a step of the security administrator: done, or asked of a second person.
#[cfg(feature = "ssr")]
fn outcome(
    page: &str,
    result: Result<(i32, crate::server::people::Outcome), AppError>,
) -> Result<(), AppError> {
    use crate::server::context::conclude;
    use crate::server::people::Outcome;
    match result {
        Ok((id, Outcome::Done)) => conclude(&format!("{page}?updated={id}"), Ok(())),
        Ok((_, Outcome::Requested(request))) => {
            conclude(&format!("{page}?requested={request}"), Ok(()))
        }
        Err(error) => conclude(page, Err(error)),
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

/// A second person confirms a request on an account (or the system administrator does).
#[server(endpoint = "account_request_confirm")]
pub async fn confirm_account_request(id: String) -> Result<(), AppError> {
    use crate::server::{context, passwords, people};
    let page = decider_page();
    let result = async {
        let user = context::require_user()?;
        let id = id.trim().parse::<i32>().map_err(|_| AppError::NotFound)?;
        let db = context::db()?;
        let policy = passwords::effective(&db, &context::configured_passwords()?).await?;
        people::confirm_request(
            &db,
            &user,
            &context::request_meta(),
            id,
            &policy,
            context::now(),
        )
        .await
    }
    .await;
    match result {
        Ok(()) => context::conclude(&format!("{page}?decided=confirmed"), Ok(())),
        Err(error) => context::conclude(page, Err(error)),
    }
}

/// A second person refuses a request on an account, or the one who asked withdraws it.
#[server(endpoint = "account_request_refuse")]
pub async fn refuse_account_request(id: String) -> Result<(), AppError> {
    use crate::server::{context, people};
    let page = decider_page();
    let result = async {
        let user = context::require_user()?;
        let id = id.trim().parse::<i32>().map_err(|_| AppError::NotFound)?;
        people::refuse_request(
            &context::db()?,
            &user,
            &context::request_meta(),
            id,
            context::now(),
        )
        .await
    }
    .await;
    match result {
        Ok(withdrawn) => {
            let decided = if withdrawn { "withdrawn" } else { "refused" };
            context::conclude(&format!("{page}?decided={decided}"), Ok(()))
        }
        Err(error) => context::conclude(page, Err(error)),
    }
}

/// The security administrator issues a one-time enrolment code; the page shows it this once.
#[server(endpoint = "enrolment_code_issue")]
pub async fn issue_enrolment_code(id: String) -> Result<(), AppError> {
    use crate::server::{context, people};
    let result = async {
        let user = context::require_user()?;
        let id = person_id(&id)?;
        let (username, code) = people::issue_enrolment_code(
            &context::db()?,
            &user,
            &context::request_meta(),
            id,
            totp_required(),
            context::now(),
        )
        .await?;
        pass_secret(FRESH_ENROLMENT_CODE_COOKIE, &username, &code);
        Ok(id)
    }
    .await;
    match result {
        Ok(_) => context::conclude(&format!("{SECURITY_PAGE}?shown=enrolment_code"), Ok(())),
        Err(error) => context::conclude(SECURITY_PAGE, Err(error)),
    }
}

/// Ends a step on one person: back to `page`, saying which account changed, or with the error.
#[cfg(feature = "ssr")]
fn updated(page: &str, result: Result<i32, AppError>) -> Result<(), AppError> {
    use crate::server::context::conclude;
    match result {
        Ok(id) => conclude(&format!("{page}?updated={id}"), Ok(())),
        Err(error) => conclude(page, Err(error)),
    }
}

#[cfg(feature = "ssr")]
fn person_id(id: &str) -> Result<i32, AppError> {
    id.trim().parse::<i32>().map_err(|_| AppError::NotFound)
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
    use crate::server::{context, passwords, people};
    let result = async {
        let user = context::require_user()?;
        let db = context::db()?;
        let policy = passwords::effective(&db, &context::configured_passwords()?).await?;
        let new = people::NewPerson {
            username,
            display_name,
            unit_code: unit,
            email,
            locale: crate::i18n::Locale::parse(&locale),
            password,
        };
        let created = people::create(
            &db,
            &user,
            &context::request_meta(),
            new,
            &policy,
            context::now(),
        )
        .await?;
        Ok(created.id)
    }
    .await;
    match result {
        Ok(id) => context::conclude(&format!("/admin/users?created={id}"), Ok(())),
        Err(error) => context::conclude("/admin/users", Err(error)),
    }
}

/// The system administrator switches an account off (`active` = "false") or on ("true").
#[server(endpoint = "person_active")]
pub async fn set_person_active(id: String, active: String) -> Result<(), AppError> {
    use crate::server::{context, people};
    let result = async {
        let user = context::require_user()?;
        let id = person_id(&id)?;
        let active = match active.trim() {
            "true" => true,
            "false" => false,
            _ => {
                return Err(AppError::invalid(
                    "active",
                    crate::error::Problem::OutOfRange,
                ));
            }
        };
        people::set_active(
            &context::db()?,
            &user,
            &context::request_meta(),
            id,
            active,
            context::now(),
        )
        .await?;
        Ok(id)
    }
    .await;
    updated("/admin/users", result)
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
    let result = async {
        let user = context::require_user()?;
        let id = person_id(&id)?;
        people::update_details(
            &context::db()?,
            &user,
            &context::request_meta(),
            id,
            people::PersonDetails {
                display_name,
                email,
                locale,
            },
            context::now(),
        )
        .await?;
        Ok(id)
    }
    .await;
    updated("/admin/users", result)
}

/// The security administrator gives someone a role (and a unit, for a submitter).
#[server(endpoint = "role_change")]
pub async fn change_role(id: String, role: String, unit: String) -> Result<(), AppError> {
    use crate::server::{context, people};
    let result = async {
        let user = context::require_user()?;
        let id = person_id(&id)?;
        let done = people::change_role(
            &context::db()?,
            &user,
            &context::request_meta(),
            id,
            &role,
            &unit,
            context::now(),
        )
        .await?;
        Ok((id, done))
    }
    .await;
    outcome(SECURITY_PAGE, result)
}

/// The security administrator lifts a lock.
#[server(endpoint = "person_unlock")]
pub async fn unlock_person(id: String) -> Result<(), AppError> {
    use crate::server::{context, people};
    let result = async {
        let user = context::require_user()?;
        let id = person_id(&id)?;
        people::unlock(
            &context::db()?,
            &user,
            &context::request_meta(),
            id,
            context::now(),
        )
        .await?;
        Ok(id)
    }
    .await;
    updated("/security", result)
}

/// The security administrator has a temporary password made (to be changed at the next sign-in):
/// a submitter's is shown on the page this once; a privileged account's is requested of a second
/// person and then e-mailed to the person.
#[server(endpoint = "person_password_reset")]
pub async fn reset_person_password(id: String) -> Result<(), AppError> {
    use crate::server::{context, passwords, people};
    let result = async {
        let user = context::require_user()?;
        let id = person_id(&id)?;
        let db = context::db()?;
        let policy = passwords::effective(&db, &context::configured_passwords()?).await?;
        people::reset_password(
            &db,
            &user,
            &context::request_meta(),
            id,
            &policy,
            context::now(),
        )
        .await
    }
    .await;
    match result {
        Ok(people::PasswordOutcome::Shown { username, password }) => {
            pass_secret(FRESH_PASSWORD_COOKIE, &username, &password);
            context::conclude(&format!("{SECURITY_PAGE}?shown=password"), Ok(()))
        }
        Ok(people::PasswordOutcome::Requested(request)) => {
            context::conclude(&format!("{SECURITY_PAGE}?requested={request}"), Ok(()))
        }
        Err(error) => context::conclude(SECURITY_PAGE, Err(error)),
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
    use crate::error::Problem;
    use crate::server::{context, people};
    let result = async {
        let user = context::require_user()?;
        let figure = |field: &'static str, value: &str| {
            value
                .trim()
                .parse::<u32>()
                .map_err(|_| AppError::invalid(field, Problem::OutOfRange))
        };
        let figures = people::PolicyFigures {
            min_length: figure("min_length", &min_length)?,
            min_classes: figure("min_classes", &min_classes)?,
            max_age_days: figure("max_age_days", &max_age_days)?,
            history: figure("history", &history)?,
            lockout_threshold: figure("lockout_threshold", &lockout_threshold)?,
            lockout_minutes: figure("lockout_minutes", &lockout_minutes)?,
        };
        people::save_policy(
            &context::db()?,
            &user,
            &context::request_meta(),
            Some(figures),
            &context::configured_passwords()?,
            context::now(),
        )
        .await
    }
    .await;
    match result {
        Ok(_) => context::conclude("/security?policy=saved", Ok(())),
        Err(error) => context::conclude("/security", Err(error)),
    }
}

/// The security administrator goes back to the deployment's configured policy.
#[server(endpoint = "policy_reset")]
pub async fn reset_policy() -> Result<(), AppError> {
    use crate::server::{context, people};
    let result = async {
        let user = context::require_user()?;
        people::save_policy(
            &context::db()?,
            &user,
            &context::request_meta(),
            None,
            &context::configured_passwords()?,
            context::now(),
        )
        .await
    }
    .await;
    match result {
        Ok(_) => context::conclude("/security?policy=configured", Ok(())),
        Err(error) => context::conclude("/security", Err(error)),
    }
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
    let result = async {
        let user = context::require_user()?;
        let id = person_id(&id)?;
        let done = people::reset_second_factor(
            &context::db()?,
            &user,
            &context::request_meta(),
            id,
            !revoke_tokens.is_empty(),
            context::now(),
        )
        .await?;
        Ok((id, done))
    }
    .await;
    outcome(SECURITY_PAGE, result)
}
