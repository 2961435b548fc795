//! Passwords (issue 8; GB/T 22239-2019 8.1.4.1 a–b): when each was set, whether it must be changed
//! at the next sign-in, consecutive failed sign-ins and the lock they cause, the history of earlier
//! passwords (argon2 hashes) that may not be reused, and the privileges a session was opened with,
//! so that a change of role or unit ends it.
use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A password whose date is unknown counts as set at the epoch, i.e. long expired: a user row
/// written without the date must change its password at the next sign-in (fail closed).
const EPOCH: &str = "1970-01-01T00:00:00+00:00";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // SQLite takes one column per ALTER TABLE.
        let add_to_users = [
            timestamp_with_time_zone("password_changed_at")
                .default(EPOCH)
                .to_owned(),
            // Set by an operator's create-user or reset-password: the person must choose their own.
            boolean("must_change_password").default(false).to_owned(),
            integer("failed_sign_ins")
                .default(0)
                .check(Expr::col(Alias::new("failed_sign_ins")).gte(0))
                .to_owned(),
            timestamp_with_time_zone_null("locked_until").to_owned(),
        ];
        for column in add_to_users {
            manager
                .alter_table(Table::alter().table("users").add_column(column).to_owned())
                .await?;
        }
        // Existing passwords count from the upgrade: nobody is sent to change theirs at once.
        // The format is the one the application writes (RFC 3339), so values compare alike.
        let now = match manager.get_database_backend() {
            DbBackend::Sqlite => "strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now')",
            _ => "CURRENT_TIMESTAMP",
        };
        db.execute_unprepared(&format!("UPDATE users SET password_changed_at = {now}"))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("password_history")
                    .col(pk_auto("id"))
                    .col(integer("user_id"))
                    // argon2 (PHC string), as users.password_hash; never the password.
                    .col(text("password_hash"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_password_history_user")
                            .from("password_history", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_password_history_user")
                    .table("password_history")
                    .col("user_id")
                    .col("id")
                    .to_owned(),
            )
            .await?;
        // Today's passwords are the first entries of their history.
        db.execute_unprepared(&format!(
            "INSERT INTO password_history (user_id, password_hash, created_at) \
             SELECT id, password_hash, {now} FROM users"
        ))
        .await?;

        // The role and unit a session was opened with: when the person's differ, the session ends
        // (a privilege change needs a new sign-in, OWASP ASVS 5.0.0 V8.3.2).
        for column in [
            string_len_null("role", 16).to_owned(),
            integer_null("unit_id").to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("sessions")
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        db.execute_unprepared(
            "UPDATE sessions SET \
             role = (SELECT role FROM users WHERE users.id = sessions.user_id), \
             unit_id = (SELECT unit_id FROM users WHERE users.id = sessions.user_id)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["unit_id", "role"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("sessions")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table("password_history").to_owned())
            .await?;
        for column in [
            "locked_until",
            "failed_sign_ins",
            "must_change_password",
            "password_changed_at",
        ] {
            manager
                .alter_table(Table::alter().table("users").drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
