//! The command line as operators use it: `server create-user ... --password-stdin`.
use crate::helpers::{TestApp, TestDb, location};
use std::io::Write as _;
use std::process::{Command, Stdio};

fn create_user(database_url: &str, args: &[&str], password: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("create-user")
        .args(args)
        .arg("--password-stdin")
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running the server binary");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn an_operator_creates_a_submitter_who_can_then_sign_in() {
    let test_db = TestDb::new().await;
    let app = TestApp::spawn_on(test_db, true).await;
    let url = app.test_db.url.clone();
    let output = tokio::task::spawn_blocking(move || {
        create_user(
            &url,
            &[
                "--username",
                "tan.ming",
                "--role",
                "submitter",
                "--unit",
                "health",
            ],
            crate::helpers::TEST_PASSWORD,
        )
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let response = app
        .post_login(&app.client(), "tan.ming", crate::helpers::TEST_PASSWORD)
        .await;
    // The operator chose the password: the person chooses their own first (issue 8).
    assert_eq!(location(&response), "/account/password");
    assert!(!app.audit_actions("user.created").await.is_empty());
}

#[tokio::test]
async fn a_submitter_without_a_unit_is_refused_with_a_clear_message() {
    let test_db = TestDb::new().await;
    let app = TestApp::spawn_on(test_db, true).await;
    let url = app.test_db.url.clone();
    let output = tokio::task::spawn_blocking(move || {
        create_user(
            &url,
            &["--username", "no.unit", "--role", "submitter"],
            "a long enough secret",
        )
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("must belong to a unit"));
    let response = app
        .post_login(&app.client(), "no.unit", "a long enough secret")
        .await;
    assert_eq!(location(&response), "/login?error=1");
}

fn verify_audit(database_url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("verify-audit")
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("running server verify-audit")
}

#[tokio::test]
async fn verify_audit_passes_on_a_real_history_and_names_the_first_event_changed_behind_its_back() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    app.signed_in("reviewer").await;
    app.post_login(&app.client(), "auditor", "wrong password")
        .await;
    let url = app.test_db.url.clone();
    let ok = tokio::task::spawn_blocking(move || verify_audit(&url))
        .await
        .unwrap();
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("OK"));

    // Someone with direct database access switches the append-only guard off and edits event 5.
    let disable = match app.test_db.backend() {
        "postgres" => "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
        _ => "DROP TRIGGER audit_events_no_update",
    };
    app.db.execute_unprepared(disable).await.unwrap();
    app.db
        .execute_unprepared(
            "UPDATE audit_events SET after = '{\"username\":\"someone else\"}' WHERE id = 5",
        )
        .await
        .unwrap();

    let url = app.test_db.url.clone();
    let broken = tokio::task::spawn_blocking(move || verify_audit(&url))
        .await
        .unwrap();
    assert!(!broken.status.success());
    assert!(
        String::from_utf8_lossy(&broken.stdout).starts_with("BROKEN at event 5 "),
        "{}",
        String::from_utf8_lossy(&broken.stdout)
    );
}

fn deadline(database_url: &str, received: &str, days: Option<&str>) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command.args(["deadline", "--received", received]);
    if let Some(days) = days {
        command.args(["--days", days]);
    }
    command
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("running server deadline")
}

#[tokio::test]
async fn deadline_counts_working_days_on_the_seeded_official_calendar() {
    let test_db = TestDb::new().await;
    let url = test_db.url.clone();
    let outputs = tokio::task::spawn_blocking(move || {
        [
            // DESIGN §3: received Wednesday 30 September 2026 → due Saturday 10 October (makeup day).
            deadline(&url, "2026-09-30T10:00:00+08:00", None),
            // 17:30 UTC on the 29th is already the 30th in China.
            deadline(&url, "2026-09-29T17:30:00Z", None),
            // Reaches into 2027, whose notice is not in the database yet.
            deadline(&url, "2026-12-30T09:00:00+08:00", None),
            deadline(&url, "2026-09-30T10:00:00+08:00", Some("5")),
            deadline(&url, "yesterday", None),
        ]
    })
    .await
    .unwrap();
    let out = |o: &std::process::Output| String::from_utf8_lossy(&o.stdout).trim().to_string();
    assert_eq!(out(&outputs[0]), "2026-10-10");
    assert_eq!(out(&outputs[1]), "2026-10-10");
    assert_eq!(out(&outputs[2]), "2027-01-04 provisional");
    assert_eq!(out(&outputs[3]), "2026-10-13");
    assert_eq!(outputs[4].status.code(), Some(2));
}

#[tokio::test]
async fn deadline_counts_the_countys_working_days_setting_unless_told_otherwise() {
    let test_db = TestDb::new().await;
    let db = server::startup::connect_and_migrate(&test_db.url)
        .await
        .unwrap();
    use sea_orm::ConnectionTrait;
    db.execute_unprepared("UPDATE settings SET review_working_days = 5 WHERE id = 1")
        .await
        .unwrap();
    db.close().await.unwrap();
    let url = test_db.url.clone();
    let outputs = tokio::task::spawn_blocking(move || {
        [
            deadline(&url, "2026-09-30T10:00:00+08:00", None),
            deadline(&url, "2026-09-30T10:00:00+08:00", Some("3")),
        ]
    })
    .await
    .unwrap();
    let out = |o: &std::process::Output| String::from_utf8_lossy(&o.stdout).trim().to_string();
    // 10-08, 10-09, 10-10 (makeup Saturday), 10-12, 10-13.
    assert_eq!(out(&outputs[0]), "2026-10-13");
    assert_eq!(out(&outputs[1]), "2026-10-10");
}

/// `server serve --demo` with the environment `env` on top of the test's database; it is
/// stopped after 20 s if it did not exit by itself.
fn serve_demo(database_url: &str, env: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .args(["serve", "--demo"])
        .env("DATABASE_URL", database_url)
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .env_remove("APP_BASE_URL")
        .env_remove("PRODUCTION")
        // PRODUCTION=true requires the audit chain's key (issue 15): this test is about the demo.
        .env(
            "AUDIT_HMAC_KEY",
            "a test key for serve --demo, 32 bytes or more",
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("running the server binary");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn serve_refuses_to_load_the_demo_data_into_a_live_deployment() {
    for env in [
        [("APP_BASE_URL", "https://registry.shizhu.example")],
        [("PRODUCTION", "true")],
    ] {
        let test_db = TestDb::new().await;
        let url = test_db.url.clone();
        let output = tokio::task::spawn_blocking(move || serve_demo(&url, &env))
            .await
            .unwrap();

        assert_eq!(output.status.code(), Some(2), "{env:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("refusing to load the demo data"),
            "{env:?}: {stderr}"
        );
        assert!(String::from_utf8_lossy(&output.stdout).is_empty());
        let db = server::startup::connect_and_migrate(&test_db.url)
            .await
            .unwrap();
        use sea_orm::{EntityTrait as _, PaginatorTrait as _};
        let users = app::server::entities::user::Entity::find()
            .count(&db)
            .await
            .unwrap();
        assert_eq!(users, 0, "{env:?}: nothing loaded");
    }
}
