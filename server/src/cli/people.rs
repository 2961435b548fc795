//! `create-user`, `reset-password`, `enrolment-code` and `create-token`: an operator acting for a
//! person before anyone can do it on the web.
use super::{refuse, refuse_error};
use crate::config::Config;
use crate::startup::{connect, connect_and_migrate};
use anyhow::Context as _;
use app::error::AppError;
use app::server::audit::Actor;
use app::server::auth::{self, NewUser};
use app::server::tokens::{self, Scope, TokenRequest};
use app::server::use_case::Clock;
use std::io::Read as _;
use std::process::ExitCode;

/// The options of `create-user` (the password comes from standard input).
pub struct UserArgs {
    pub username: String,
    pub role: String,
    pub unit: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub locale: Option<String>,
}

/// `create-user`: a person who must choose their own password at the first sign-in.
pub async fn create_user(
    config: &Config,
    clock: &Clock,
    args: UserArgs,
) -> anyhow::Result<ExitCode> {
    let locale = match args.locale.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(tag) => match app::i18n::Locale::parse(tag) {
            Some(locale) => Some(locale),
            None => return refuse("--locale must be zh-CN or en"),
        },
    };
    let password = read_password()?;
    let db = connect(config).await?;
    let new = NewUser {
        username: args.username,
        display_name: args.display_name,
        role: args.role,
        unit_code: args.unit,
        email: args.email,
        locale,
        password,
        // Chosen by the operator: the person chooses their own at first sign-in.
        must_change_password: true,
    };
    let actor = Actor::operator("create-user");
    let policy = app::server::passwords::effective(&db, &config.passwords).await?;
    match auth::create_user(&db, &actor, new, &policy, clock.now()).await {
        Ok(user) => println!(
            "created user {} ({}) with id {}; the password must be changed at the first sign-in",
            user.username, user.role, user.id
        ),
        Err(error) => return refuse_error(&error),
    }
    Ok(ExitCode::SUCCESS)
}

/// `reset-password`: a new password from standard input, to be changed at the next sign-in.
pub async fn reset_password(
    config: &Config,
    clock: &Clock,
    username: &str,
) -> anyhow::Result<ExitCode> {
    let password = read_password()?;
    let db = connect(config).await?;
    let actor = Actor::operator("reset-password");
    let policy = app::server::passwords::effective(&db, &config.passwords).await?;
    let reset =
        app::server::passwords::reset(&db, &actor, username, &password, &policy, clock.now()).await;
    match reset {
        Ok(reset) => println!(
            "reset the password of {username}; it must be changed at the next sign-in \
             ({} sessions ended, {} API tokens revoked)",
            reset.sessions_ended, reset.tokens_revoked
        ),
        Err(AppError::NotFound) => return refuse(format_args!("no active user named {username}")),
        Err(error) => return refuse_error(&error),
    }
    Ok(ExitCode::SUCCESS)
}

/// `enrolment-code`: a one-time code for enrolling a second factor, printed once.
pub async fn enrolment_code(
    config: &Config,
    clock: &Clock,
    username: &str,
) -> anyhow::Result<ExitCode> {
    use app::server::entities::user;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let db = connect_and_migrate(&config.database_url).await?;
    let Some(person) = user::Entity::find()
        .filter(user::Column::Username.eq(username.trim()))
        .filter(user::Column::Active.eq(true))
        .one(&db)
        .await
        .context("looking up the user")?
    else {
        return refuse(format_args!("no active user named {username}"));
    };
    let issued = app::server::totp::issue_enrolment_code(
        &db,
        &Actor::operator("enrolment-code"),
        person.id,
        config.totp_required,
        clock.now(),
    )
    .await;
    match issued {
        Ok(code) => println!(
            "enrolment code for {username} (shown once, valid {} hours): {code}",
            app::server::totp::ENROLMENT_CODE_HOURS
        ),
        Err(error) => return refuse_error(&error),
    }
    Ok(ExitCode::SUCCESS)
}

/// `create-token`: an API token acting as the user, printed once.
pub async fn create_token(
    config: &Config,
    clock: &Clock,
    username: &str,
    expires_days: u32,
    scope: &str,
    name: String,
) -> anyhow::Result<ExitCode> {
    let db = connect(config).await?;
    let actor = Actor::operator("create-token");
    let request = TokenRequest {
        name,
        scope: Scope::parse(scope).unwrap_or(Scope::Read),
        expires_days: Some(expires_days),
    };
    match tokens::create(&db, &actor, username, &request, clock.now()).await {
        Ok(issued) => {
            // The token alone on standard output, for scripts; the rest on standard error.
            println!("{}", issued.token);
            eprintln!(
                "created API token {} ({}, scope {}) for {}, valid until {}; it is shown \
                 only this once",
                issued.view.id,
                issued.view.name,
                issued.view.scope.as_str(),
                issued.view.username,
                issued.view.expires_at,
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(AppError::NotFound) => refuse(format_args!("no active user named {username}")),
        Err(error) => refuse_error(&error),
    }
}

/// A password from standard input, without its line ending (the only way one is given: never on the
/// command line, where other users and the shell history would see it).
fn read_password() -> anyhow::Result<String> {
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .context("reading the password")?;
    Ok(password.trim_end_matches(['\r', '\n']).to_string())
}
