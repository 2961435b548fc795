//! `serve`, `migrate` and `db-roles`: running the server and preparing its database.
use super::refuse;
use crate::config::Config;
use crate::startup::{Application, connect, connect_and_migrate, key_audit_chain};
use app::server::demo::{self, DEMO_PASSWORD, DEMO_USERS, DemoLoad};
use app::server::use_case::Clock;
use std::process::ExitCode;

/// `serve [--demo]`: migrates, keys the audit chain, loads the demo data when asked and serves.
pub async fn serve(config: Config, clock: Clock, demo: bool) -> anyhow::Result<ExitCode> {
    // Before anything touches the database: the demo users' passwords are published
    // (OWASP ASVS 5.0 6.3.2, 15.2.3).
    if demo && let Some(refusal) = config.demo_refusal() {
        return refuse(format_args!(
            "{refusal}; nothing was loaded (serve without --demo)"
        ));
    }
    for warning in config.warnings() {
        tracing::warn!("{warning}");
    }
    let db = connect(&config).await?;
    key_audit_chain(&config, &db, &clock).await?;
    if demo {
        load_demo(&db, &clock).await?;
    }
    let app = Application::build_with_db(config, db, clock).await?;
    let addr = app.local_addr();
    println!("Serving on http://{addr}");
    if demo {
        println!("Demo sign-ins (password for all: {DEMO_PASSWORD}):");
        for (username, role, unit) in DEMO_USERS {
            println!("  {username:<10} {role:<10} {}", unit.unwrap_or("-"));
        }
    }
    app.run_until_stopped().await?;
    Ok(ExitCode::SUCCESS)
}

/// Loads the Shizhu County demo data once.
async fn load_demo(db: &sea_orm::DatabaseConnection, clock: &Clock) -> anyhow::Result<()> {
    match demo::load(db, clock.now())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
    {
        DemoLoad::Loaded {
            units,
            accounts,
            users,
        } => tracing::info!(units, accounts, users, "demo data loaded"),
        DemoLoad::AlreadyPresent => tracing::info!("demo data already present"),
    }
    Ok(())
}

/// `migrate`: brings the schema up to date (as the owner) and keys the audit chain.
pub async fn migrate(config: &Config, clock: &Clock) -> anyhow::Result<ExitCode> {
    let db = connect_and_migrate(config.owner_database_url()).await?;
    key_audit_chain(config, &db, clock).await?;
    println!("migrations applied");
    Ok(ExitCode::SUCCESS)
}

/// `db-roles --app-role NAME [--apply]`: prints the grants, or runs them as the owner.
pub async fn db_roles(config: &Config, app_role: &str, apply: bool) -> anyhow::Result<ExitCode> {
    let statements = match crate::db_roles::grants(app_role) {
        Ok(statements) => statements,
        Err(error) => return refuse(error),
    };
    if !apply {
        for statement in statements {
            println!("{statement};");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let owner = connect_and_migrate(config.owner_database_url()).await?;
    if let Err(error) = crate::db_roles::apply(&owner, app_role).await {
        return refuse(format_args!("{error:#}"));
    }
    println!(
        "granted {app_role} the application's privileges (audit_events: SELECT, \
         INSERT only; audit_archives: SELECT only)"
    );
    Ok(ExitCode::SUCCESS)
}
