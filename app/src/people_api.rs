//! Server functions of the user administration pages (issue 8, 三权分立): the system
//! administrator's `/admin/users` (create accounts, switch them off and on) and the security
//! administrator's `/security` (roles, locks, temporary passwords, second factors, the password
//! policy). Plain form posts (see [`crate::server::context::conclude`]), so both pages work without
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
        people::view(&context::db()?, &user, duty, &configured, context::now()).await
    })
    .await
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
        people::change_role(
            &context::db()?,
            &user,
            &context::request_meta(),
            id,
            &role,
            &unit,
            context::now(),
        )
        .await?;
        Ok(id)
    }
    .await;
    updated("/security", result)
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

/// The security administrator sets a temporary password, to be changed at the next sign-in.
#[server(endpoint = "person_password_reset")]
pub async fn reset_person_password(id: String, password: String) -> Result<(), AppError> {
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
            &password,
            &policy,
            context::now(),
        )
        .await?;
        Ok(id)
    }
    .await;
    updated("/security", result)
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
    use crate::server::{audit::Actor, context, people, tokens};
    let result = async {
        let user = context::require_user()?;
        let id = person_id(&id)?;
        let (db, meta) = (context::db()?, context::request_meta());
        people::reset_second_factor(&db, &user, &meta, id, context::now()).await?;
        if !revoke_tokens.is_empty() {
            tokens::revoke_all(
                &db,
                &Actor::user(&user, &meta),
                id,
                "second_factor_reset",
                context::now(),
            )
            .await?;
        }
        Ok(id)
    }
    .await;
    updated("/security", result)
}
