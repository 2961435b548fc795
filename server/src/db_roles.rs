//! The application's own PostgreSQL role (issue 15, `server db-roles`): the schema belongs to the
//! owner that runs the migrations (`MIGRATION_DATABASE_URL`); the application connects
//! (`DATABASE_URL`) as a role that may read and write the registry's tables but may only INSERT and
//! SELECT audit events and only SELECT audit archives: no UPDATE, DELETE or TRUNCATE of the trail,
//! and, owning nothing, it cannot drop or disable the append-only triggers either. So a flaw in the
//! application (an injected statement, a stolen connection) cannot rewrite the trail; only the
//! owner, whose credentials stay with the operators, can, and the keyed chain (`AUDIT_HMAC_KEY`)
//! and off-host checkpoints catch that. The audit archive (`server archive-audit`, retention)
//! deletes events, so it runs over the owner's connection. OWASP ASVS 5.0 16.4.2 (logs protected
//! from modification), 13.2.2 (least privilege for backend connections).
use anyhow::Context as _;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

/// What the application may do with the audit tables (everything else in the schema: SELECT,
/// INSERT, UPDATE, DELETE).
const AUDIT_TABLES: [(&str, &str); 2] = [
    ("audit_events", "SELECT, INSERT"),
    ("audit_archives", "SELECT"),
];

/// A role name as PostgreSQL's unquoted identifiers spell it: lower-case letters, digits and `_`,
/// starting with a letter or `_`, at most 63 bytes. (Checked so that it can be quoted into SQL.)
pub fn valid_role(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 63
}

/// The statements that give `role` the application's privileges on the schema as it is now and on
/// the tables later migrations create (default privileges of the owner, who runs them). Run them as
/// the owner after `server migrate`; running them again changes nothing.
pub fn grants(role: &str) -> anyhow::Result<Vec<String>> {
    if !valid_role(role) {
        anyhow::bail!(
            "--app-role must be a PostgreSQL role name in lower case (letters, digits, _): {role}"
        );
    }
    let role = format!("\"{role}\"");
    let mut sql = vec![
        format!("GRANT USAGE ON SCHEMA public TO {role}"),
        format!("REVOKE CREATE ON SCHEMA public FROM {role}"),
        format!("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"),
        format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"),
        format!(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public \
             GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}"
        ),
        format!(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}"
        ),
        // The migrations' own bookkeeping is the owner's.
        format!("REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON seaql_migrations FROM {role}"),
    ];
    for (table, allowed) in AUDIT_TABLES {
        sql.push(format!("REVOKE ALL ON {table} FROM {role}"));
        sql.push(format!("GRANT {allowed} ON {table} TO {role}"));
    }
    Ok(sql)
}

/// Applies [`grants`] over the owner's connection, in one transaction, then checks the result:
/// refused for a superuser or a role that owns the audit table (either could rewrite the trail
/// whatever is granted), and for the connection's own role.
pub async fn apply(owner: &DatabaseConnection, role: &str) -> anyhow::Result<()> {
    use sea_orm::TransactionTrait as _;
    if owner.get_database_backend() != DbBackend::Postgres {
        anyhow::bail!("db-roles is for PostgreSQL: SQLite has no roles (protect the file instead)");
    }
    let statements = grants(role)?;
    let row = owner
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT r.rolsuper, r.rolbypassrls, r.rolname = current_user AS is_me, \
                    pg_has_role(r.rolname, t.tableowner, 'USAGE') AS owns_audit \
             FROM pg_roles r, pg_tables t \
             WHERE r.rolname = $1 AND t.schemaname = 'public' AND t.tablename = 'audit_events'",
            [role.into()],
        ))
        .await?
        .with_context(|| {
            format!("no role {role} (create it first: CREATE ROLE {role} LOGIN PASSWORD '...')")
        })?;
    let superuser: bool = row.try_get("", "rolsuper")?;
    let bypass: bool = row.try_get("", "rolbypassrls")?;
    let is_me: bool = row.try_get("", "is_me")?;
    let owns: bool = row.try_get("", "owns_audit")?;
    if superuser || bypass || is_me || owns {
        anyhow::bail!(
            "{role} is a superuser, the owner of the schema or a member of the owner's role: the \
             application must connect as a role of its own that owns nothing"
        );
    }
    let txn = owner.begin().await?;
    for statement in &statements {
        txn.execute_unprepared(statement)
            .await
            .with_context(|| statement.clone())?;
    }
    txn.commit().await?;
    let forbidden = [
        ("audit_events", "UPDATE"),
        ("audit_events", "DELETE"),
        ("audit_events", "TRUNCATE"),
        ("audit_archives", "INSERT"),
        ("audit_archives", "UPDATE"),
        ("audit_archives", "DELETE"),
        ("audit_archives", "TRUNCATE"),
    ];
    for (table, privilege) in forbidden {
        let row = owner
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT has_table_privilege($1, $2, $3) AS granted",
                [role.into(), table.into(), privilege.into()],
            ))
            .await?
            .context("has_table_privilege answers")?;
        if row.try_get::<bool>("", "granted")? {
            anyhow::bail!(
                "{role} still has {privilege} on {table} (through PUBLIC or another role it \
                 belongs to): revoke it there"
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_are_plain_identifiers() {
        assert!(valid_role("registry_app"));
        assert!(valid_role("_x9"));
        assert!(!valid_role("Registry"));
        assert!(!valid_role("app\"; DROP TABLE units; --"));
        assert!(!valid_role("9app"));
        assert!(!valid_role(""));
        assert!(!valid_role(&"a".repeat(64)));
        assert!(grants("a b").is_err());
    }

    #[test]
    fn the_application_may_only_insert_and_read_the_trail() {
        let sql = grants("registry_app").unwrap();
        assert!(sql.contains(&"REVOKE ALL ON audit_events FROM \"registry_app\"".to_string()));
        assert!(
            sql.contains(&"GRANT SELECT, INSERT ON audit_events TO \"registry_app\"".to_string())
        );
        assert!(sql.contains(&"GRANT SELECT ON audit_archives TO \"registry_app\"".to_string()));
        // The revocations come after the blanket grant, or they would be undone.
        let blanket = sql.iter().position(|s| s.contains("ALL TABLES")).unwrap();
        let revoke = sql
            .iter()
            .position(|s| s.starts_with("REVOKE ALL ON audit_events"))
            .unwrap();
        assert!(blanket < revoke);
    }
}
