//! The kinds of notice the outbox takes (the CHECK on `outbox_messages.kind`), changed by later
//! migrations without repeating the list: each reads the kinds in the database, adds or removes its
//! own, and puts the CHECK back (PostgreSQL: drop and add the constraint; SQLite: rebuild the table
//! with its indexes).
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DbBackend, Statement};

/// The values of the CHECK on `outbox_messages.kind` that lists `filing_submitted`.
fn quoted_values(check: &str) -> Vec<String> {
    check
        .split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// Changes the kinds of notice the outbox takes, keeping whatever kinds earlier migrations added.
pub async fn change(
    manager: &SchemaManager<'_>,
    change: impl Fn(&mut Vec<String>),
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let list = |kinds: &[String]| {
        kinds
            .iter()
            .map(|k| format!("'{k}'"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match manager.get_database_backend() {
        DbBackend::Postgres => {
            let row = db
                .query_one_raw(Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint \
                      WHERE conrelid = 'outbox_messages'::regclass AND contype = 'c' \
                        AND pg_get_constraintdef(oid) LIKE '%filing_submitted%'",
                ))
                .await?
                .ok_or_else(|| DbErr::Migration("outbox_messages.kind has no CHECK".into()))?;
            let name: String = row.try_get("", "conname")?;
            let def: String = row.try_get("", "def")?;
            // `CHECK (((kind)::text = ANY ((ARRAY['filing_submitted'::character varying, …`
            let mut kinds = quoted_values(&def);
            change(&mut kinds);
            db.execute_unprepared(&format!(
                "ALTER TABLE outbox_messages DROP CONSTRAINT \"{name}\"; \
                 ALTER TABLE outbox_messages ADD CONSTRAINT outbox_messages_kind_check \
                   CHECK (kind IN ({}));",
                list(&kinds)
            ))
            .await?;
            Ok(())
        }
        DbBackend::Sqlite => {
            let stored = |kind: &str| {
                Statement::from_string(
                    DbBackend::Sqlite,
                    format!(
                        "SELECT sql FROM sqlite_master WHERE tbl_name = 'outbox_messages' \
                         AND type = '{kind}' AND sql IS NOT NULL ORDER BY name"
                    ),
                )
            };
            let table: String = db
                .query_one_raw(stored("table"))
                .await?
                .ok_or_else(|| DbErr::Migration("the outbox_messages table is missing".into()))?
                .try_get("", "sql")?;
            let start = table
                .find("CHECK (\"kind\" IN (")
                .ok_or_else(|| DbErr::Migration("outbox_messages.kind has no CHECK".into()))?;
            let end = start
                + table[start..]
                    .find("))")
                    .ok_or_else(|| DbErr::Migration("unterminated CHECK on kind".into()))?
                + 2;
            let mut kinds = quoted_values(&table[start..end]);
            change(&mut kinds);
            let rebuilt = format!(
                "{}CHECK (\"kind\" IN ({})){}",
                &table[..start],
                list(&kinds),
                &table[end..]
            )
            .replacen(
                "CREATE TABLE \"outbox_messages\"",
                "CREATE TABLE \"outbox_messages_rebuilt\"",
                1,
            );
            // Indexes go with the dropped table: made again after the rename.
            let mut recreate = String::new();
            for kind in ["index", "trigger"] {
                for row in db.query_all_raw(stored(kind)).await? {
                    let sql: String = row.try_get("", "sql")?;
                    recreate.push_str(&sql);
                    recreate.push_str(";\n");
                }
            }
            db.execute_unprepared(&format!(
                "BEGIN IMMEDIATE;\n\
                 {rebuilt};\n\
                 INSERT INTO outbox_messages_rebuilt SELECT * FROM outbox_messages;\n\
                 DROP TABLE outbox_messages;\n\
                 ALTER TABLE outbox_messages_rebuilt RENAME TO outbox_messages;\n\
                 {recreate}\
                 COMMIT;"
            ))
            .await?;
            Ok(())
        }
        other => Err(DbErr::Migration(format!("unsupported backend {other:?}"))),
    }
}
