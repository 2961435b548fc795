//! The audit trail as auditors read it (issue 8): the page and its export for auditors only
//! (等保 2.0 三权分立), each reading recorded; events nobody can change or delete; the retention
//! period and the archive command, after which the chain still verifies.
use crate::helpers::{TestApp, TestDb, fixed_now, testid_text};
use app::domain::AuditAction;
use app::model::AuditFilter;
use app::server::audit::{self, Actor, ChainCheck, Event, GENESIS};
use app::server::audit_trail::{self, ArchiveError, ArchiveOutcome};
use app::server::entities::audit_event;
use app::server::use_case::UseCase;
use chrono::{DateTime, TimeZone, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, QueryOrder};
use std::process::Command;

/// An event recorded by the test at `at`, as the application would.
/// Tests record `outbox.retried`, which nothing in the demo data records.
async fn record_at(app: &TestApp, action: AuditAction, entity_id: &str, at: DateTime<Utc>) {
    let txn = app::server::db::begin_write(&app.db).await.unwrap();
    audit::record(
        &txn,
        &Actor::operator("test"),
        Event::new(action, "test")
            .on(entity_id)
            .after(serde_json::json!({ "n": entity_id })),
        at,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
}

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

async fn event_count(app: &TestApp) -> u64 {
    audit_event::Entity::find().count(&app.db).await.unwrap()
}

/// The rows of the trail page, as `(id, action)`.
fn rows(html: &str) -> Vec<(i64, String)> {
    html.split(r#"data-testid="audit-row""#)
        .skip(1)
        .map(|row| {
            let attr = |name: &str| {
                let start = row.find(&format!(r#"{name}=""#)).unwrap() + name.len() + 2;
                row[start..].split('"').next().unwrap().to_string()
            };
            (attr("data-id").parse().unwrap(), attr("data-action"))
        })
        .collect()
}

// ---- Reading the trail ----------------------------------------------------------------------

#[tokio::test]
async fn an_auditor_reads_the_trail_newest_first_and_the_reading_is_recorded() {
    let app = TestApp::spawn().await;
    app.signed_in("reviewer").await;
    let auditor = app.signed_in("auditor").await;

    let response = auditor.get(app.url("/audit")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();

    let shown = rows(&html);
    assert!(shown.len() > 20, "{}", shown.len());
    assert!(shown.windows(2).all(|w| w[0].0 > w[1].0), "newest first");
    assert_eq!(
        shown[0].1, "auth.signed_in",
        "the auditor's own sign-in is on top"
    );
    assert!(html.contains("127.0.0.1"), "the source address is shown");
    assert!(html.contains(r#"data-testid="nav-audit""#));
    let viewed = app.audit_actions("audit.viewed").await;
    assert_eq!(viewed.len(), 1);
    assert_eq!(viewed[0].actor_username.as_deref(), Some("auditor"));
    assert_eq!(viewed[0].actor_role.as_deref(), Some("auditor"));
    let after: serde_json::Value =
        serde_json::from_str(viewed[0].after.as_deref().unwrap()).unwrap();
    assert_eq!(after["page"], 1);
    assert_eq!(after["action"], serde_json::Value::Null);
}

#[tokio::test]
async fn the_trail_is_filtered_by_action_user_object_and_china_days() {
    let app = TestApp::spawn().await;
    let auditor = app.user("auditor").await;
    // 00:30 on 28 November in China is still the 27th in UTC.
    record_at(
        &app,
        AuditAction::OutboxRetried,
        "late",
        utc(2026, 11, 27, 16, 30),
    )
    .await;
    let page = |filter: AuditFilter| {
        let (app, auditor) = (&app, &auditor);
        async move {
            audit_trail::page(&app.case(auditor), &filter)
                .await
                .unwrap()
        }
    };

    let sign_ins = page(AuditFilter {
        action: Some("auth.".into()),
        actor: Some("reviewer".into()),
        page: 1,
        ..Default::default()
    })
    .await;
    assert!(
        sign_ins
            .rows
            .iter()
            .all(|r| r.action.starts_with("auth.") && r.actor.as_deref() == Some("reviewer"))
    );

    let users = page(AuditFilter {
        entity_type: Some("user".into()),
        entity_id: Some("2".into()),
        page: 1,
        ..Default::default()
    })
    .await;
    assert!(users.total >= 1);
    assert!(
        users
            .rows
            .iter()
            .all(|r| r.entity_type == "user" && r.entity_id.as_deref() == Some("2"))
    );
    assert!(users.entity_types.contains(&"user".to_string()));

    // A LIKE wildcard in the prefix is a plain character.
    let wildcard = page(AuditFilter {
        action: Some("%".into()),
        page: 1,
        ..Default::default()
    })
    .await;
    assert_eq!(wildcard.total, 0);

    let on_the_28th = page(AuditFilter {
        from: Some("2026-11-28".into()),
        to: Some("2026-11-28".into()),
        page: 1,
        ..Default::default()
    })
    .await;
    let actions: Vec<_> = on_the_28th.rows.iter().map(|r| r.action.as_str()).collect();
    assert!(actions.contains(&"outbox.retried"), "{actions:?}");
    assert!(!actions.contains(&"demo.loaded"), "{actions:?}");
    let until_the_27th = page(AuditFilter {
        to: Some("2026-11-27".into()),
        page: 1,
        ..Default::default()
    })
    .await;
    assert!(
        until_the_27th
            .rows
            .iter()
            .all(|r| r.action != "outbox.retried")
    );
    assert!(until_the_27th.total > 20);
    // Every page read was recorded with its filter.
    let viewed = app.audit_actions("audit.viewed").await;
    assert_eq!(viewed.len(), 5);
    assert!(viewed.iter().any(|v| {
        v.after
            .as_deref()
            .unwrap()
            .contains(r#""actor":"reviewer""#)
    }));
}

#[tokio::test]
async fn the_trail_is_paged_through_the_url() {
    let app = TestApp::spawn().await;
    for n in 0..60 {
        record_at(
            &app,
            AuditAction::OutboxRetried,
            &n.to_string(),
            fixed_now(),
        )
        .await;
    }
    let auditor = app.signed_in("auditor").await;
    let first = app.html(&auditor, "/audit?action=outbox.retried").await;
    let second = app
        .html(&auditor, "/audit?action=outbox.retried&page=2")
        .await;
    assert_eq!(rows(&first).len(), 50);
    assert_eq!(rows(&second).len(), 10);
    assert!(rows(&first).last().unwrap().0 > rows(&second)[0].0);
    assert!(
        first.contains("/audit?action=outbox.retried&amp;page=2")
            || first.contains("/audit?action=outbox.retried&page=2")
    );
    assert!(testid_text(&first, "audit-total").unwrap().contains("60"));
}

#[tokio::test]
async fn administrators_reviewers_and_submitters_are_refused_the_trail_and_its_export() {
    let app = TestApp::spawn().await;
    // 三权分立: the administrator's actions are in the trail; the administrator does not read it.
    for username in ["admin", "reviewer", "submitter"] {
        let client = app.signed_in(username).await;
        let page = client.get(app.url("/audit")).send().await.unwrap();
        assert_eq!(page.status(), 403, "{username}");
        let html = page.text().await.unwrap();
        assert!(rows(&html).is_empty(), "{username}");
        assert!(!html.contains(r#"data-testid="nav-audit""#), "{username}");
        let csv = client
            .get(app.url("/exports/audit.csv"))
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), 403, "{username}");
    }
    let anonymous = app
        .client()
        .get(app.url("/exports/audit.csv"))
        .send()
        .await
        .unwrap();
    assert!(crate::helpers::location(&anonymous).starts_with("/login"));
    assert!(app.audit_actions("audit.viewed").await.is_empty());
    assert!(app.audit_actions("audit.exported").await.is_empty());
}

#[tokio::test]
async fn the_server_function_answers_auditors_and_refuses_everyone_else() {
    let app = TestApp::spawn().await;
    for (username, status) in [("auditor", 200), ("admin", 403), ("reviewer", 403)] {
        let client = app.signed_in(username).await;
        let response = client
            .post(app.url("/api/audit_trail"))
            .form(&[("filter[action]", "auth.")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{username}");
        if status == 200 {
            let view: serde_json::Value = response.json().await.unwrap();
            assert!(
                view["rows"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|r| r["action"].as_str().unwrap().starts_with("auth."))
            );
        }
    }
    // No filter at all is the first page of everything.
    let auditor = app.signed_in("auditor").await;
    let everything = auditor
        .post(app.url("/api/audit_trail"))
        .send()
        .await
        .unwrap();
    assert_eq!(everything.status(), 200);
    assert_eq!(app.audit_actions("audit.viewed").await.len(), 2);
}

#[tokio::test]
async fn a_malformed_or_reversed_date_is_refused_with_the_form_to_correct_it() {
    let app = TestApp::spawn().await;
    let auditor = app.signed_in("auditor").await;
    for query in ["from=2026-13-40", "from=2026-11-27&to=2026-11-01"] {
        let response = auditor
            .get(app.url(&format!("/audit?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{query}");
        let html = response.text().await.unwrap();
        assert!(html.contains(r#"data-testid="audit-filters""#), "{query}");
        assert!(rows(&html).is_empty());
        let csv = auditor
            .get(app.url(&format!("/exports/audit.csv?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), 400, "{query}");
    }
    assert!(app.audit_actions("audit.viewed").await.is_empty());
    assert!(app.audit_actions("audit.exported").await.is_empty());
}

#[tokio::test]
async fn the_export_is_the_filtered_trail_as_csv_with_a_bom_and_is_recorded_with_its_row_count() {
    let app = TestApp::spawn().await;
    app.post_login(&app.client(), "reviewer", "wrong password")
        .await;
    let auditor = app.signed_in("auditor").await;
    let response = auditor
        .get(app.url("/exports/audit.csv?action=auth.&lang=en"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("audit-2026-11-27.csv")
    );
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a BOM");
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    assert_eq!(&reader.headers().unwrap()[0], "Event no.");
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let actions: Vec<&str> = records.iter().map(|r| &r[8]).collect();
    assert!(
        actions.iter().all(|a| a.starts_with("auth.")),
        "{actions:?}"
    );
    assert!(actions.contains(&"auth.sign_in_failed"));
    let ids: Vec<i64> = records.iter().map(|r| r[0].parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first");

    let exported = app.audit_actions("audit.exported").await;
    assert_eq!(exported.len(), 1);
    let after: serde_json::Value =
        serde_json::from_str(exported[0].after.as_deref().unwrap()).unwrap();
    assert_eq!(after["rows"], records.len());
    assert_eq!(after["action"], "auth.");
    // The export holds the events there were when it began, not its own record.
    assert!(exported[0].id > ids[0]);
}

/// Recorded values are other people's input: in the CSV, none starts a cell a spreadsheet would
/// run, full-width `＝＋－＠` (which WPS reads as formulas) included (issue 15 item 2).
#[tokio::test]
async fn formulas_recorded_in_the_trail_are_neutralised_in_its_csv_export() {
    let app = TestApp::spawn().await;
    let planted = [
        "＝HYPERLINK(\"http://evil.example\",\"点击\")",
        "＠SUM(1+1)",
        "=1+1",
        "－1+1",
    ];
    for value in planted {
        record_at(&app, AuditAction::OutboxRetried, value, fixed_now()).await;
    }
    let auditor = app.signed_in("auditor").await;
    let bytes = auditor
        .get(app.url("/exports/audit.csv?action=outbox.retried"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let mut ids: Vec<String> = records.iter().map(|r| r[10].to_string()).collect();
    ids.sort();
    let mut expected: Vec<String> = planted.iter().map(|v| format!("'{v}")).collect();
    expected.sort();
    assert_eq!(ids, expected);
    for cell in records.iter().flat_map(|r| r.iter()) {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\0', '＝', '＋', '－', '＠']),
            "a cell a spreadsheet would run: {cell:?}"
        );
    }
}

#[tokio::test]
async fn the_trail_and_its_export_show_custodians_mobiles_masked() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    // The draft's audit event records the form, the custodian's mobile with it.
    crate::arrange::draft(
        &app,
        &submitter.username,
        app::domain::filing::FilingKind::Open,
        Some("weibo"),
        None,
        crate::arrange::open_form("石柱教育"),
    )
    .await;
    let stored = app.audit_actions("filing.created").await;
    assert!(stored[0].after.as_deref().unwrap().contains("13812341234"));

    let auditor = app.signed_in("auditor").await;
    let html = app.html(&auditor, "/audit?action=filing.").await;
    assert!(html.contains("138****1234"));
    assert!(!html.contains("13812341234"));
    let csv = auditor
        .get(app.url("/exports/audit.csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("138****1234"));
    assert!(!csv.contains("13812341234"));
}

// ---- Nobody changes or deletes an event -----------------------------------------------------

#[tokio::test]
async fn the_database_refuses_to_change_or_delete_one_audit_event() {
    let app = TestApp::spawn().await;
    let first = audit_event::Entity::find_by_id(1i64)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let before = event_count(&app).await;
    let update = app
        .db
        .execute_unprepared("UPDATE audit_events SET actor_username = 'someone else' WHERE id = 1")
        .await;
    let delete = app
        .db
        .execute_unprepared("DELETE FROM audit_events WHERE id = 1")
        .await;
    assert!(update.is_err(), "{}", app.test_db.backend());
    assert!(delete.is_err(), "{}", app.test_db.backend());
    assert_eq!(event_count(&app).await, before);
    let after = audit_event::Entity::find_by_id(1i64)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after, first);
    if app.test_db.backend() == "postgres" {
        let truncate = app.db.execute_unprepared("TRUNCATE audit_events").await;
        assert!(truncate.is_err());
        assert_eq!(event_count(&app).await, before);
    }
}

/// Someone with the database's owner rights switches the guard off and removes an event.
async fn delete_behind_the_applications_back(app: &TestApp, id: i64) {
    let disable = match app.test_db.backend() {
        "postgres" => "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
        _ => "DROP TRIGGER audit_events_no_delete",
    };
    app.db.execute_unprepared(disable).await.unwrap();
    app.db
        .execute_unprepared(&format!("DELETE FROM audit_events WHERE id = {id}"))
        .await
        .unwrap();
}

#[tokio::test]
async fn verify_names_the_event_after_one_removed_from_the_middle_of_the_chain() {
    let app = TestApp::spawn().await;
    assert!(matches!(
        audit::verify(&app.db).await.unwrap(),
        ChainCheck::Intact { .. }
    ));
    delete_behind_the_applications_back(&app, 5).await;
    assert_eq!(
        audit::verify(&app.db).await.unwrap(),
        ChainCheck::BrokenAt { id: 6 }
    );
}

#[tokio::test]
async fn an_archive_forged_behind_the_applications_back_does_not_excuse_a_deletion() {
    let app = TestApp::spawn().await;
    let fifth = audit_event::Entity::find_by_id(5i64)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let forge = format!(
        "INSERT INTO audit_archives (archived_at, up_to_event_id, last_hash, event_count, \
         file_sha256, file_name) VALUES ('2026-11-27T01:30:00+00:00', 5, '{}', 5, '{}', 'x')",
        fifth.hash,
        "0".repeat(64)
    );
    app.db.execute_unprepared(&forge).await.unwrap();
    // In a statement of its own, the archive row does not allow the deletion on PostgreSQL.
    let separate = app
        .db
        .execute_unprepared("DELETE FROM audit_events WHERE id <= 5")
        .await;
    if app.test_db.backend() == "postgres" {
        assert!(separate.is_err());
        // In the same transaction it does; the chain then names the gap no audit event records.
        let txn = app::server::db::begin_write(&app.db).await.unwrap();
        txn.execute_unprepared(&forge).await.unwrap();
        txn.execute_unprepared("DELETE FROM audit_events WHERE id <= 5")
            .await
            .unwrap();
        txn.commit().await.unwrap();
    } else {
        // SQLite cannot tell transactions apart: the forged archive lets it through.
        assert!(separate.is_ok());
    }
    assert_eq!(
        audit::verify(&app.db).await.unwrap(),
        ChainCheck::BrokenAt { id: 6 }
    );
    // Archives are append-only as well.
    assert!(
        app.db
            .execute_unprepared("DELETE FROM audit_archives")
            .await
            .is_err()
    );
    assert!(
        app.db
            .execute_unprepared("UPDATE audit_archives SET up_to_event_id = 1")
            .await
            .is_err()
    );
}

// ---- Retention and archives -----------------------------------------------------------------

/// An app without demo data whose trail holds `old` events from January 2026, then the demo's.
async fn app_with_old_events(old: usize) -> TestApp {
    let app = TestApp::spawn_on(TestDb::new().await, false).await;
    for n in 0..old {
        record_at(
            &app,
            AuditAction::OutboxRetried,
            &n.to_string(),
            utc(2026, 1, 10, 2, n as u32),
        )
        .await;
    }
    app::server::demo::load(&app.db, fixed_now()).await.unwrap();
    app
}

fn archive_audit(database_url: &str, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .arg("archive-audit")
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .env_remove("AUDIT_RETENTION_DAYS");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("running server archive-audit")
}

fn verify_audit(database_url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("verify-audit")
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("running server verify-audit")
}

/// The file's SHA-256 as coreutils computes it: an operator checks an archive file the same way.
fn sha256sum(path: &std::path::Path) -> String {
    let output = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8(output.stdout).unwrap()[..64].to_string()
}

#[tokio::test]
async fn archive_audit_writes_the_events_to_a_file_deletes_exactly_those_and_the_chain_verifies() {
    let app = app_with_old_events(7).await;
    let total = event_count(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("audit-2026-01.jsonl");
    let url = app.test_db.url.clone();
    let out = file.to_str().unwrap().to_string();
    let output = tokio::task::spawn_blocking(move || {
        archive_audit(&url, &["--before", "2026-02-01", "--out", &out], &[])
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("archived 7 audit events"));

    // The file: the seven events, every column and hash, chained from genesis.
    let bytes = std::fs::read(&file).unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8(bytes.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 7);
    assert_eq!(lines[0]["prev_hash"], GENESIS);
    assert!(lines.windows(2).all(|w| w[1]["prev_hash"] == w[0]["hash"]));
    assert!(lines.iter().all(|l| l["action"] == "outbox.retried"));
    let last_hash = lines[6]["hash"].as_str().unwrap().to_string();

    // The database: exactly those are gone, the rest verifies from the archive's last hash.
    assert_eq!(event_count(&app).await, total - 7 + 1);
    let remaining = audit_event::Entity::find()
        .order_by_asc(audit_event::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    assert!(remaining.iter().all(|e| e.action != "outbox.retried"));
    assert_eq!(remaining[0].prev_hash, last_hash);
    assert!(matches!(
        audit::verify(&app.db).await.unwrap(),
        ChainCheck::Intact { .. }
    ));
    let url = app.test_db.url.clone();
    let verified = tokio::task::spawn_blocking(move || verify_audit(&url))
        .await
        .unwrap();
    assert!(verified.status.success());

    // The record: the archive row and the event saying what left, where to, with which hashes.
    let archive = audit::latest_archive(&app.db).await.unwrap().unwrap();
    assert_eq!(archive.event_count, 7);
    assert_eq!(archive.last_hash, last_hash);
    assert_eq!(archive.file_sha256, sha256sum(&file));
    let archived = app.audit_actions("audit.archived").await;
    assert_eq!(archived.len(), 1);
    let after: serde_json::Value =
        serde_json::from_str(archived[0].after.as_deref().unwrap()).unwrap();
    assert_eq!(after["event_count"], 7);
    assert_eq!(after["before"], "2026-02-01");
    assert_eq!(after["last_hash"], last_hash.as_str());
    assert_eq!(after["file_sha256"], sha256sum(&file).as_str());
    assert_eq!(after["up_to_event_id"], lines[6]["id"]);
    assert!(
        after["file_name"]
            .as_str()
            .unwrap()
            .ends_with("audit-2026-01.jsonl")
    );
    assert_eq!(
        archived[0].actor_username.as_deref(),
        Some("cli:archive-audit")
    );

    // The same command again finds nothing more to archive, and does not touch the file.
    let url = app.test_db.url.clone();
    let other = dir.path().join("again.jsonl");
    let again_out = other.to_str().unwrap().to_string();
    let again = tokio::task::spawn_blocking(move || {
        archive_audit(&url, &["--before", "2026-02-01", "--out", &again_out], &[])
    })
    .await
    .unwrap();
    assert!(again.status.success());
    assert!(!other.exists());
    assert_eq!(std::fs::read(&file).unwrap(), bytes);
}

#[tokio::test]
async fn a_date_within_the_retention_period_is_refused_and_nothing_changes() {
    let app = app_with_old_events(3).await;
    let total = event_count(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("audit.jsonl");
    let out = file.to_str().unwrap().to_string();
    let url = app.test_db.url.clone();
    // Today (China time) is always within the period; so is a date 200 days back when the county
    // keeps a year; and a period under 180 days is not a setting the server accepts.
    let today = app::domain::calendar::china_date(Utc::now());
    let back_200 = today - chrono::Days::new(200);
    let outputs = tokio::task::spawn_blocking(move || {
        [
            archive_audit(&url, &["--before", &today.to_string(), "--out", &out], &[]),
            archive_audit(
                &url,
                &["--before", &back_200.to_string(), "--out", &out],
                &[("AUDIT_RETENTION_DAYS", "365")],
            ),
            archive_audit(
                &url,
                &["--before", "2026-02-01", "--out", &out],
                &[("AUDIT_RETENTION_DAYS", "30")],
            ),
            archive_audit(&url, &["--before", "1 February", "--out", &out], &[]),
        ]
    })
    .await
    .unwrap();
    let stderr = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(outputs[0].status.code(), Some(2), "{}", stderr(&outputs[0]));
    assert!(stderr(&outputs[0]).contains("retention period"));
    assert_eq!(outputs[1].status.code(), Some(2), "{}", stderr(&outputs[1]));
    assert!(stderr(&outputs[1]).contains("365-day"));
    assert!(!outputs[2].status.success());
    assert!(stderr(&outputs[2]).contains("AUDIT_RETENTION_DAYS"));
    assert_eq!(outputs[3].status.code(), Some(2));

    assert!(!file.exists());
    assert_eq!(event_count(&app).await, total);
    assert!(audit::latest_archive(&app.db).await.unwrap().is_none());
    assert!(app.audit_actions("audit.archived").await.is_empty());
}

#[tokio::test]
async fn after_an_archive_a_plain_delete_of_an_old_event_still_fails() {
    let app = app_with_old_events(4).await;
    let dir = tempfile::tempdir().unwrap();
    audit_trail::archive(
        &UseCase::operator(app.db.clone(), "test", fixed_now()),
        chrono::NaiveDate::from_ymd_opt(2026, 1, 11).unwrap(),
        &dir.path().join("a.jsonl"),
        180,
    )
    .await
    .unwrap();
    let oldest = audit_event::Entity::find()
        .order_by_asc(audit_event::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let before = event_count(&app).await;
    let delete = app
        .db
        .execute_unprepared(&format!(
            "DELETE FROM audit_events WHERE id = {}",
            oldest.id
        ))
        .await;
    assert!(delete.is_err(), "{}", app.test_db.backend());
    let update = app
        .db
        .execute_unprepared(&format!(
            "UPDATE audit_events SET action = 'x' WHERE id = {}",
            oldest.id
        ))
        .await;
    assert!(update.is_err());
    assert_eq!(event_count(&app).await, before);
    assert!(matches!(
        audit::verify(&app.db).await.unwrap(),
        ChainCheck::Intact { .. }
    ));
}

#[tokio::test]
async fn an_archive_refuses_a_broken_chain_and_an_existing_file_and_deletes_nothing() {
    let app = app_with_old_events(4).await;
    let dir = tempfile::tempdir().unwrap();
    let before = chrono::NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
    let existing = dir.path().join("existing.jsonl");
    std::fs::write(&existing, b"kept").unwrap();
    let refused = audit_trail::archive(
        &UseCase::operator(app.db.clone(), "test", fixed_now()),
        before,
        &existing,
        180,
    )
    .await;
    assert!(
        matches!(refused, Err(ArchiveError::FileExists(_))),
        "{refused:?}"
    );
    assert_eq!(std::fs::read(&existing).unwrap(), b"kept");

    // Event 2 edited behind the application's back: the evidence stays in the database.
    let disable = match app.test_db.backend() {
        "postgres" => "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
        _ => "DROP TRIGGER audit_events_no_update",
    };
    app.db.execute_unprepared(disable).await.unwrap();
    app.db
        .execute_unprepared("UPDATE audit_events SET after = '{}' WHERE id = 2")
        .await
        .unwrap();
    if app.test_db.backend() == "postgres" {
        app.db
            .execute_unprepared("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")
            .await
            .unwrap();
    }
    let total = event_count(&app).await;
    let file = dir.path().join("broken.jsonl");
    let broken = audit_trail::archive(
        &UseCase::operator(app.db.clone(), "test", fixed_now()),
        before,
        &file,
        180,
    )
    .await;
    assert!(
        matches!(broken, Err(ArchiveError::ChainBroken(2))),
        "{broken:?}"
    );
    assert!(!file.exists(), "the partial file is removed");
    assert_eq!(event_count(&app).await, total);

    let nothing = audit_trail::archive(
        &UseCase::operator(app.db.clone(), "test", fixed_now()),
        chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
        &file,
        180,
    )
    .await
    .unwrap();
    assert_eq!(nothing, ArchiveOutcome::NothingToArchive);
}
