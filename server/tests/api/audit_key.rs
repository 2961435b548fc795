//! The audit trail against whoever holds the database (issue 15, item 8): the chain is keyed
//! (HMAC-SHA-256, `AUDIT_HMAC_KEY`), so an event changed and the chain recomputed without the key
//! does not verify; checkpoints kept off the host catch the newest events removed; on PostgreSQL
//! the application's role may only INSERT and SELECT audit events.
use crate::helpers::{TestApp, TestDb, fixed_now};
use app::server::audit::{self, AuditKey, ChainCheck, Checkpoint, CheckpointCheck, Keying};
use app::server::entities::audit_event;
use app::server::use_case::UseCase;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryOrder, Set};
use std::process::{Command, Output};

/// The server binary with this database and, when given, this key (never the caller's own).
fn server_command(database_url: &str, key: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .env_remove("AUDIT_HMAC_KEY")
        .env_remove("MIGRATION_DATABASE_URL")
        .env_remove("PRODUCTION");
    if let Some(key) = key {
        command.env("AUDIT_HMAC_KEY", key);
    }
    command.output().expect("running the server binary")
}

async fn run(database_url: &str, key: Option<&str>, args: &[&str]) -> Output {
    let url = database_url.to_string();
    let key = key.map(str::to_string);
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        server_command(&url, key.as_deref(), &args)
    })
    .await
    .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Someone with the owner's rights switches the append-only guard off.
async fn disable_guard(app: &TestApp) {
    let statements: &[&str] = match app.test_db.backend() {
        "postgres" => &["ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"],
        _ => &[
            "DROP TRIGGER audit_events_no_update",
            "DROP TRIGGER audit_events_no_delete",
        ],
    };
    for statement in statements {
        app.db.execute_unprepared(statement).await.unwrap();
    }
}

async fn events(app: &TestApp) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .order_by_asc(audit_event::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

/// What an attacker without the key can do: recompute every hash from event `from_id` on with the
/// plain SHA-256 of the same content (the code is public), so that each link matches again.
async fn recompute_without_the_key(app: &TestApp, from_id: i64) {
    let all = events(app).await;
    let mut prev = audit::GENESIS.to_string();
    for event in all {
        if event.id < from_id {
            prev = event.hash.clone();
            continue;
        }
        let mut rewritten = event.clone();
        rewritten.prev_hash = prev.clone();
        rewritten.hash = audit::plain_hash(&prev, &rewritten);
        prev = rewritten.hash.clone();
        audit_event::ActiveModel {
            id: Set(event.id),
            prev_hash: Set(rewritten.prev_hash),
            hash: Set(rewritten.hash),
            ..Default::default()
        }
        .update(&app.db)
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn an_event_changed_and_the_chain_recomputed_without_the_key_is_detected() {
    let app = TestApp::spawn().await;
    let all = events(&app).await;
    assert!(all.len() > 10);
    let last = all.last().unwrap().id;
    assert!(matches!(
        audit::verify(&app.db).await.unwrap(),
        ChainCheck::Intact { .. }
    ));
    disable_guard(&app).await;

    // One event says something else, and every hash from it on is recomputed: each link holds,
    // but the rewritten events are not keyed, after keyed ones.
    app.db
        .execute_unprepared("UPDATE audit_events SET actor_username = 'someone else' WHERE id = 5")
        .await
        .unwrap();
    recompute_without_the_key(&app, 5).await;
    assert!(
        events(&app)
            .await
            .windows(2)
            .all(|w| w[1].prev_hash == w[0].hash),
        "the attacker's chain links"
    );
    assert_eq!(
        audit::verify(&app.db).await.unwrap(),
        ChainCheck::BrokenAt { id: 5 }
    );

    // The whole chain recomputed from the first event: no event is keyed any more.
    recompute_without_the_key(&app, 1).await;
    assert_eq!(
        audit::verify(&app.db).await.unwrap(),
        ChainCheck::NotKeyed { id: last }
    );
    let output = run(&app.test_db.url, None, &["verify-audit"]).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).starts_with("NOT KEYED"),
        "{}",
        stdout(&output)
    );
}

/// The county's key, and another.
const KEY: &str = "the county's own audit key, 32 bytes or more";
const OTHER_KEY: &str = "another county's key, 32 bytes or more";

#[tokio::test]
async fn verify_audit_with_another_key_fails_and_with_the_right_one_passes() {
    let app = TestApp::spawn().await;
    let url = &app.test_db.url;
    // The suite writes with the published development key (AUDIT_HMAC_KEY unset). The county's
    // server starts with its own key: what was written before stays as the chain's unkeyed
    // prefix, and `audit.keyed` anchors the key.
    let started = run(url, Some(KEY), &["migrate"]).await;
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    let anchor = app.audit_actions("audit.keyed").await;
    assert_eq!(anchor.len(), 1);
    let anchor = anchor[0].id;
    let key = AuditKey::new(KEY).unwrap();
    assert!(matches!(
        audit::verify_with(&app.db, &key).await.unwrap(),
        ChainCheck::Intact { .. }
    ));
    for wrong in [AuditKey::new(OTHER_KEY).unwrap(), AuditKey::development()] {
        assert_eq!(
            audit::verify_with(&app.db, &wrong).await.unwrap(),
            ChainCheck::BrokenAt { id: anchor }
        );
    }

    let right = run(url, Some(KEY), &["verify-audit"]).await;
    assert!(right.status.success(), "{}", stdout(&right));
    assert!(stdout(&right).starts_with("OK: "));
    for wrong in [Some(OTHER_KEY), None] {
        let output = run(url, wrong, &["verify-audit"]).await;
        assert_eq!(output.status.code(), Some(1));
        assert!(
            stdout(&output).starts_with(&format!("BROKEN at event {anchor}")),
            "{}",
            stdout(&output)
        );
    }

    // A key too short to be one is refused before anything is read.
    let short = run(url, Some("short-key"), &["verify-audit"]).await;
    assert!(!short.status.success());
    assert!(
        String::from_utf8_lossy(&short.stderr).contains("at least 32"),
        "{}",
        String::from_utf8_lossy(&short.stderr)
    );
    // A server started with the wrong key refuses to write a trail nobody could verify.
    let migrate = run(url, Some(OTHER_KEY), &["migrate"]).await;
    assert!(!migrate.status.success());
    assert!(
        String::from_utf8_lossy(&migrate.stderr).contains("does not verify with AUDIT_HMAC_KEY"),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );
    assert_eq!(app.audit_actions("audit.keyed").await.len(), 1);
}

#[tokio::test]
async fn a_checkpoint_printed_earlier_still_holds_as_the_trail_grows() {
    let app = TestApp::spawn().await;
    let url = &app.test_db.url;
    let printed = run(url, None, &["audit-checkpoint"]).await;
    assert!(printed.status.success());
    let line = stdout(&printed);
    let checkpoint: Checkpoint = line.parse().unwrap();
    let newest = events(&app).await.pop().unwrap();
    assert_eq!(checkpoint.event_id, newest.id);
    assert_eq!(checkpoint.hash, newest.hash);
    assert_eq!(checkpoint.events, events(&app).await.len() as u64);

    // More events later: the checkpoint still holds, given alone or as the whole printed line.
    app.signed_in("reviewer").await;
    let value = checkpoint.to_string();
    for given in [value.as_str(), line.trim()] {
        let verified = run(url, None, &["verify-audit", "--checkpoint", given]).await;
        assert!(verified.status.success(), "{}", stdout(&verified));
        assert!(stdout(&verified).contains(&format!("OK: checkpoint {value} holds")));
    }
    assert_eq!(
        audit::check_checkpoint(&app.db, &checkpoint).await.unwrap(),
        CheckpointCheck::Holds
    );
    // Not a checkpoint: a clear refusal.
    let bad = run(url, None, &["verify-audit", "--checkpoint", "12:abc"]).await;
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("ID:COUNT:HASH"));
}

#[tokio::test]
async fn a_checkpoint_detects_the_newest_events_removed_and_an_earlier_one_changed() {
    let app = TestApp::spawn().await;
    app.signed_in("reviewer").await;
    let url = &app.test_db.url;
    let checkpoint: Checkpoint = stdout(&run(url, None, &["audit-checkpoint"]).await)
        .parse()
        .unwrap();
    app.signed_in("admin").await;

    // The owner removes the newest events, the checkpoint's among them: what remains is a shorter
    // chain that verifies on its own; only the checkpoint shows what is missing.
    disable_guard(&app).await;
    app.db
        .execute_unprepared(&format!(
            "DELETE FROM audit_events WHERE id >= {}",
            checkpoint.event_id
        ))
        .await
        .unwrap();
    assert!(matches!(
        audit::verify(&app.db).await.unwrap(),
        ChainCheck::Intact { .. }
    ));
    assert_eq!(
        audit::check_checkpoint(&app.db, &checkpoint).await.unwrap(),
        CheckpointCheck::Missing
    );
    let value = checkpoint.to_string();
    let output = run(url, None, &["verify-audit", "--checkpoint", &value]).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("BROKEN: checkpoint"),
        "{}",
        stdout(&output)
    );

    // A checkpoint of an event still there whose hash differs: the chain was rewritten before it.
    let remaining = events(&app).await;
    let newest = remaining.last().unwrap();
    let earlier = Checkpoint {
        event_id: newest.id,
        events: remaining.len() as u64,
        hash: "ab".repeat(32),
    };
    assert!(matches!(
        audit::check_checkpoint(&app.db, &earlier).await.unwrap(),
        CheckpointCheck::Differs { .. }
    ));
    let fewer = Checkpoint {
        events: earlier.events + 1,
        hash: newest.hash.clone(),
        ..earlier
    };
    assert!(matches!(
        audit::check_checkpoint(&app.db, &fewer).await.unwrap(),
        CheckpointCheck::Differs { .. }
    ));
}

#[tokio::test]
async fn a_trail_from_before_the_key_is_keyed_at_start_and_its_unkeyed_part_stays_checked() {
    let app = TestApp::spawn().await;
    // A trail written before issue 15: every hash a plain SHA-256.
    disable_guard(&app).await;
    recompute_without_the_key(&app, 1).await;
    let legacy_last = events(&app).await.last().unwrap().id;
    assert_eq!(
        audit::verify(&app.db).await.unwrap(),
        ChainCheck::NotKeyed { id: legacy_last }
    );

    // At start (`serve`, `migrate`) the chain gets its keyed anchor; the unkeyed prefix still
    // verifies as it was written.
    let keyed = run(&app.test_db.url, None, &["migrate"]).await;
    assert!(
        keyed.status.success(),
        "{}",
        String::from_utf8_lossy(&keyed.stderr)
    );
    let anchor = app.audit_actions("audit.keyed").await;
    assert_eq!(anchor.len(), 1);
    assert_eq!(anchor[0].id, legacy_last + 1);
    assert!(matches!(
        audit::verify(&app.db).await.unwrap(),
        ChainCheck::Intact { .. }
    ));
    // Once keyed, nothing more to do.
    assert_eq!(
        audit::key_chain(&app.db, fixed_now()).await.unwrap(),
        Keying::Keyed
    );
    app.signed_in("reviewer").await;
    assert!(matches!(
        audit::verify(&app.db).await.unwrap(),
        ChainCheck::Intact { .. }
    ));

    // An unkeyed event changed and the unkeyed part recomputed: the anchor's link breaks.
    app.db
        .execute_unprepared("UPDATE audit_events SET action = 'x' WHERE id = 3")
        .await
        .unwrap();
    let all = events(&app).await;
    let mut prev = all[1].hash.clone();
    for event in all.iter().filter(|e| e.id >= 3 && e.id <= legacy_last) {
        let hash = audit::plain_hash(
            &prev,
            &audit_event::Model {
                prev_hash: prev.clone(),
                ..event.clone()
            },
        );
        app.db
            .execute_unprepared(&format!(
                "UPDATE audit_events SET prev_hash = '{prev}', hash = '{hash}' WHERE id = {}",
                event.id
            ))
            .await
            .unwrap();
        prev = hash;
    }
    assert_eq!(
        audit::verify(&app.db).await.unwrap(),
        ChainCheck::BrokenAt {
            id: legacy_last + 1
        }
    );
}

// ---- PostgreSQL: the application's own role ----------------------------------------------------

/// `TEST_APP_DATABASE_URL` (the application's login role, `registry_ci_app` in CI) pointed at the
/// test's own database; None, with the reason printed, when the test cannot run here.
fn app_role_url(test_db: &TestDb) -> Option<String> {
    let Some(app_url) = std::env::var("TEST_APP_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!(
            "skipped: TEST_APP_DATABASE_URL is not set (the application role's login; .ci/run sets \
             it for the PostgreSQL run)"
        );
        return None;
    };
    if test_db.backend() != "postgres" {
        eprintln!("skipped: database roles are PostgreSQL's; this run is on SQLite");
        return None;
    }
    let base = app_url
        .rsplit_once('/')
        .expect("a database URL has a path")
        .0;
    let name = test_db.url.rsplit_once('/').unwrap().1;
    Some(format!("{base}/{name}"))
}

#[tokio::test]
async fn on_postgresql_the_application_role_works_but_cannot_change_or_remove_audit_events() {
    let test_db = TestDb::new().await;
    let Some(app_url) = app_role_url(&test_db) else {
        return;
    };
    let role = reqwest::Url::parse(&app_url)
        .unwrap()
        .username()
        .to_string();
    let owner = server::startup::connect_and_migrate(&test_db.url)
        .await
        .unwrap();
    app::server::demo::load(&owner, fixed_now()).await.unwrap();

    // Before the grants the role cannot even read the registry.
    let app_db = app::server::db::connect(&app_url).await.unwrap();
    assert!(
        app_db
            .execute_unprepared("SELECT count(*) FROM units")
            .await
            .is_err()
    );
    // The printed SQL and --apply are the same statements.
    let printed = run(&test_db.url, None, &["db-roles", "--app-role", &role]).await;
    assert!(printed.status.success());
    assert!(stdout(&printed).contains(&format!(
        "GRANT SELECT, INSERT ON audit_events TO \"{role}\";"
    )));
    let applied = run(
        &test_db.url,
        None,
        &["db-roles", "--app-role", &role, "--apply"],
    )
    .await;
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    // The owner itself is refused as the application's role.
    let owner_role = reqwest::Url::parse(&test_db.url)
        .unwrap()
        .username()
        .to_string();
    let refused = server::db_roles::apply(&owner, &owner_role).await;
    assert!(refused.is_err());

    // The application works as that role: sign-in, pages, a change with its audit event.
    let app = TestApp::spawn_connected(test_db, owner, app_db.clone()).await;
    let before = app.count(audit_event::Entity).await;
    let reviewer = app.signed_in("reviewer").await;
    let page = reviewer.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let auditor = app.signed_in("auditor").await;
    let trail = auditor.get(app.url("/audit")).send().await.unwrap();
    assert_eq!(trail.status(), 200);
    assert!(app.count(audit_event::Entity).await > before);
    assert!(matches!(
        audit::verify(&app_db).await.unwrap(),
        ChainCheck::Intact { .. }
    ));
    assert!(audit::checkpoint(&app_db).await.unwrap().is_some());

    // But the trail is beyond it: the privilege is missing, not only the trigger in the way.
    for statement in [
        "UPDATE audit_events SET actor_username = 'someone else' WHERE id = 1",
        "DELETE FROM audit_events WHERE id = 1",
        "TRUNCATE audit_events",
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
        "DROP TRIGGER audit_events_append_only ON audit_events",
        "INSERT INTO audit_archives (archived_at, up_to_event_id, last_hash, event_count, \
         file_sha256, file_name) VALUES (now(), 1, repeat('0', 64), 1, repeat('0', 64), 'x')",
    ] {
        let error = app_db.execute_unprepared(statement).await.unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("permission denied") || message.contains("must be owner"),
            "{statement}: {message}"
        );
    }

    // Retention: the archive deletes events, so it runs over the owner's connection; as the
    // application it is refused and leaves nothing behind.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("audit.jsonl");
    let later = fixed_now() + chrono::Duration::days(400);
    let as_app = app::server::audit_trail::archive(
        &UseCase::operator(app_db.clone(), "archive-audit", later),
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        &out,
        180,
    )
    .await;
    assert!(as_app.is_err(), "{as_app:?}");
    assert!(!out.exists());
    let as_owner = app::server::audit_trail::archive(
        &UseCase::operator(app.db.clone(), "archive-audit", later),
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        &out,
        180,
    )
    .await
    .unwrap();
    assert!(matches!(
        as_owner,
        app::server::audit_trail::ArchiveOutcome::Archived { .. }
    ));
    let check = audit::verify(&app_db).await.unwrap();
    assert!(
        matches!(check, ChainCheck::Intact { .. }),
        "{check:?} {as_owner:?}"
    );
}
