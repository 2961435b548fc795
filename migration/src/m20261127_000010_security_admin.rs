//! The security administrator (issue 8). GB/T 22239-2019 level 3 (8.1.4.2 d, 安全管理中心) splits
//! administration three ways (三权分立): the system administrator (`admin`: units, user accounts,
//! settings), the security administrator (`security_admin`: roles, lockouts, the password policy,
//! second factors) and the auditor. Each user has exactly one role, so no account holds two.
//!
//! `users.role` gains the new code. PostgreSQL alters the CHECK in place. SQLite cannot alter a
//! CHECK: the table is rebuilt from its own stored definition (the procedure of SQLite's ALTER
//! TABLE page: foreign keys off, copy, drop, rename, in one transaction on one connection), so the
//! columns later migrations added come along unchanged.
//!
//! The password policy moves from configuration alone to the security administrator: `settings`
//! gains one nullable column per figure. NULL means "as configured" (`PASSWORD_*`, `LOCKOUT_*`), so
//! a deployment keeps its configuration until the security administrator sets a policy. The ranges
//! are the floors the application enforces too.
use sea_orm_migration::sea_orm::{DbBackend, Statement};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const OLD_ROLES: &str = "'submitter', 'reviewer', 'admin', 'auditor'";
const NEW_ROLES: &str = "'submitter', 'reviewer', 'admin', 'auditor', 'security_admin'";

/// The policy columns and their allowed ranges (NULL: as configured).
const POLICY_COLUMNS: [(&str, &str); 6] = [
    (
        "password_min_length",
        "password_min_length BETWEEN 8 AND 128",
    ),
    (
        "password_min_classes",
        "password_min_classes BETWEEN 1 AND 4",
    ),
    // 0: passwords do not expire.
    (
        "password_max_age_days",
        "password_max_age_days BETWEEN 0 AND 3650",
    ),
    ("password_history", "password_history BETWEEN 0 AND 24"),
    ("lockout_threshold", "lockout_threshold BETWEEN 1 AND 100"),
    ("lockout_minutes", "lockout_minutes BETWEEN 1 AND 1440"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        change_roles(manager, OLD_ROLES, NEW_ROLES).await?;
        for (name, check) in POLICY_COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table("settings")
                        .add_column(integer_null(name).check(Expr::cust(check)))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in POLICY_COLUMNS.iter().rev() {
            manager
                .alter_table(
                    Table::alter()
                        .table("settings")
                        .drop_column(*name)
                        .to_owned(),
                )
                .await?;
        }
        // Fails (and changes nothing) while a security administrator exists.
        change_roles(manager, NEW_ROLES, OLD_ROLES).await
    }
}

async fn change_roles(manager: &SchemaManager<'_>, from: &str, to: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match manager.get_database_backend() {
        DbBackend::Postgres => {
            // The column's CHECK has the name PostgreSQL chose; find it by what it says.
            db.execute_unprepared(&format!(
                "DO $$ DECLARE c text; BEGIN \
                   SELECT conname INTO STRICT c FROM pg_constraint \
                    WHERE conrelid = 'users'::regclass AND contype = 'c' \
                      AND pg_get_constraintdef(oid) LIKE '%''auditor''%'; \
                   EXECUTE format('ALTER TABLE users DROP CONSTRAINT %I', c); \
                 END $$; \
                 ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ({to}));"
            ))
            .await?;
            Ok(())
        }
        DbBackend::Sqlite => {
            let stored = |kind: &str| {
                Statement::from_string(
                    DbBackend::Sqlite,
                    format!(
                        "SELECT sql FROM sqlite_master WHERE tbl_name = 'users' AND type = '{kind}' \
                         AND sql IS NOT NULL ORDER BY name"
                    ),
                )
            };
            let table: String = db
                .query_one_raw(stored("table"))
                .await?
                .ok_or_else(|| DbErr::Migration("the users table is missing".into()))?
                .try_get("", "sql")?;
            let old_check = format!("CHECK (\"role\" IN ({from}))");
            if !table.contains(&old_check) {
                return Err(DbErr::Migration(format!(
                    "users.role does not have the expected CHECK ({old_check})"
                )));
            }
            let rebuilt = table
                .replacen(&old_check, &format!("CHECK (\"role\" IN ({to}))"), 1)
                .replacen(
                    "CREATE TABLE \"users\"",
                    "CREATE TABLE \"users_rebuilt\"",
                    1,
                );
            // Indexes and triggers go with the dropped table: made again after the rename.
            let mut recreate = String::new();
            for kind in ["index", "trigger"] {
                for row in db.query_all_raw(stored(kind)).await? {
                    let sql: String = row.try_get("", "sql")?;
                    recreate.push_str(&sql);
                    recreate.push_str(";\n");
                }
            }
            // One batch runs on one pooled connection: foreign keys are off only there, and only
            // outside a transaction can they be turned off. With them on, dropping `users` would
            // delete every session and password history row (ON DELETE CASCADE).
            db.execute_unprepared(&format!(
                "PRAGMA foreign_keys = OFF;\n\
                 BEGIN IMMEDIATE;\n\
                 {rebuilt};\n\
                 INSERT INTO users_rebuilt SELECT * FROM users;\n\
                 DROP TABLE users;\n\
                 ALTER TABLE users_rebuilt RENAME TO users;\n\
                 {recreate}\
                 COMMIT;\n\
                 PRAGMA foreign_keys = ON;"
            ))
            .await?;
            let broken = db
                .query_all_raw(Statement::from_string(
                    DbBackend::Sqlite,
                    "PRAGMA foreign_key_check",
                ))
                .await?;
            if !broken.is_empty() {
                return Err(DbErr::Migration(format!(
                    "{} rows lost their foreign key while users was rebuilt",
                    broken.len()
                )));
            }
            Ok(())
        }
        other => Err(DbErr::Migration(format!("unsupported backend {other:?}"))),
    }
}
