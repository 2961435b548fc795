//! User administration under the separation of duties (issue 8, 三权分立; GB/T 22239-2019 8.1.4.2
//! d): the system administrator creates accounts (submitters only) and switches them off and on;
//! the security administrator gives roles, lifts locks, sets temporary passwords and the password
//! policy; neither does the other's part, nobody acts on their own account, the auditor reads it
//! all, and the database holds the role list. Every step is posted as the pages' forms post it.
use crate::helpers::{HOME, Landing, TestApp, TestDb, fixed_now, location, person, sessions_of};
use app::domain::Role;
use app::error::{AppError, Problem};
use app::server::demo::DEMO_PASSWORD;
use app::server::entities::{api_token, setting, user};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set,
};

/// Posts a page's form as a browser does. `Ok(target)` when it went through, else the error the
/// page is sent back with.
async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    endpoint: &str,
    form: &[(&str, &str)],
) -> Result<String, AppError> {
    let response = client
        .post(app.url(&format!("/api/{endpoint}")))
        .header("accept", "text/html")
        .form(form)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_redirection(),
        "{endpoint}: {}",
        response.status()
    );
    let landing = Landing::of(&response);
    match landing.flash.and_then(|flash| flash.error) {
        Some(error) => Err(error),
        None => Ok(landing.location),
    }
}

async fn users(app: &TestApp) -> Vec<user::Model> {
    use sea_orm::QueryOrder;
    user::Entity::find()
        .order_by_asc(user::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

async fn live_tokens_of(app: &TestApp, user_id: i32) -> u64 {
    api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .count(&app.db)
        .await
        .unwrap()
}

/// The latest audit event with this action.
async fn last_event(app: &TestApp, action: &str) -> app::server::entities::audit_event::Model {
    use app::server::entities::audit_event;
    use sea_orm::QueryOrder;
    audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq(action))
        .order_by_desc(audit_event::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no {action} event"))
}

async fn settings_row(app: &TestApp) -> setting::Model {
    setting::Entity::find_by_id(1)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

const NEW_PASSWORD: &str = "Harbour-lantern-77";

fn new_person<'a>(username: &'a str, unit: &'a str, password: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("username", username),
        ("display_name", "谭新"),
        ("unit", unit),
        ("email", "tan.xin@shizhu.example"),
        ("locale", "zh-CN"),
        ("password", password),
    ]
}

#[tokio::test]
async fn the_system_administrator_creates_submitters_who_change_the_first_password() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin").await;
    let mut form = new_person("tan.xin", "education", NEW_PASSWORD);
    // A role smuggled into the form grants nothing: accounts start as submitters.
    form.push(("role", "admin"));
    let target = post(&app, &admin, "person_create", &form).await;
    let created = person(&app, "tan.xin").await;
    assert_eq!(
        target.as_deref(),
        Ok(format!("/admin/users?created={}", created.id).as_str())
    );
    assert_eq!(created.role.as_str(), "submitter");
    assert!(created.must_change_password);
    assert_eq!(created.email.as_deref(), Some("tan.xin@shizhu.example"));
    let event = last_event(&app, "user.created").await;
    assert_eq!(event.actor_username.as_deref(), Some("admin"));
    assert_eq!(
        event.entity_id.as_deref(),
        Some(created.id.to_string().as_str())
    );

    // The new person's first sign-in leads to the change-password page.
    let client = app.client();
    let response = app.post_login(&client, "tan.xin", NEW_PASSWORD).await;
    assert_eq!(location(&response), "/account/password");

    // The page lists them, in both languages.
    let html = app.html(&admin, "/admin/users").await;
    assert!(html.contains("data-username=\"tan.xin\""), "{html}");
    assert!(html.contains("新建账号"));
    let en = admin
        .get(app.url("/admin/users"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("New account"), "{en}");
    app.stop().await;
}

#[tokio::test]
async fn a_bad_new_account_is_refused_with_its_reason_and_nothing_is_created() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin").await;
    let before = users(&app).await.len();
    let cases: [(Vec<(&str, &str)>, AppError); 5] = [
        (
            new_person("tan.xin", "", NEW_PASSWORD),
            AppError::invalid("unit", Problem::SubmitterNeedsUnit),
        ),
        (
            new_person("tan.xin", "no-such-unit", NEW_PASSWORD),
            AppError::invalid("unit", Problem::UnknownUnit),
        ),
        (
            new_person("reviewer", "education", NEW_PASSWORD),
            AppError::invalid("username", Problem::UsernameTaken),
        ),
        (
            new_person("tan.xin", "education", "short1A"),
            AppError::invalid("password", Problem::PasswordTooShort { min: 10 }),
        ),
        (
            new_person("", "education", NEW_PASSWORD),
            AppError::invalid("username", Problem::Required),
        ),
    ];
    for (form, expected) in cases {
        assert_eq!(
            post(&app, &admin, "person_create", &form).await,
            Err(expected)
        );
    }
    assert_eq!(users(&app).await.len(), before);
    assert!(
        app.audit_actions("user.created").await.len() <= 5,
        "only the demo's"
    );
    app.stop().await;
}

#[tokio::test]
async fn each_duty_is_refused_to_every_other_role() {
    let app = TestApp::spawn().await;
    let reviewer = person(&app, "reviewer").await;
    let before = users(&app).await;
    let policy_before = settings_row(&app).await;
    let id = reviewer.id.to_string();
    let form = new_person("tan.xin", "education", NEW_PASSWORD);
    let policy_form = [
        ("min_length", "12"),
        ("min_classes", "3"),
        ("max_age_days", "90"),
        ("history", "5"),
        ("lockout_threshold", "5"),
        ("lockout_minutes", "15"),
    ];
    for who in ["submitter", "reviewer", "auditor", "security"] {
        let client = app.signed_in(who).await;
        assert_eq!(
            post(&app, &client, "person_create", &form).await,
            Err(AppError::Forbidden),
            "{who} creating an account"
        );
        assert_eq!(
            post(
                &app,
                &client,
                "person_active",
                &[("id", &id), ("active", "false")]
            )
            .await,
            Err(AppError::Forbidden),
            "{who} switching an account off"
        );
    }
    for who in ["submitter", "reviewer", "auditor", "admin"] {
        let client = app.signed_in(who).await;
        let steps: [(&str, Vec<(&str, &str)>); 5] = [
            (
                "role_change",
                vec![("id", &id), ("role", "admin"), ("unit", "")],
            ),
            ("person_unlock", vec![("id", &id)]),
            (
                "person_password_reset",
                vec![("id", &id), ("password", NEW_PASSWORD)],
            ),
            ("policy_save", policy_form.to_vec()),
            ("policy_reset", vec![]),
        ];
        for (endpoint, form) in steps {
            assert_eq!(
                post(&app, &client, endpoint, &form).await,
                Err(AppError::Forbidden),
                "{who} at {endpoint}"
            );
        }
    }
    // Nothing changed: the same people with the same roles, states and passwords, the same policy.
    let after = users(&app).await;
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(
            (&b.role, b.active, &b.password_hash, b.unit_id),
            (&a.role, a.active, &a.password_hash, a.unit_id)
        );
    }
    assert_eq!(settings_row(&app).await, policy_before);
    for action in [
        "user.role_changed",
        "user.deactivated",
        "user.unlocked",
        "user.password_reset",
        "security.policy_updated",
    ] {
        assert!(app.audit_actions(action).await.is_empty(), "{action}");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_administration_pages_are_each_for_their_own_duty() {
    let app = TestApp::spawn().await;
    for (who, path, status) in [
        ("admin", "/admin/users", 200),
        ("security", "/admin/users", 403),
        ("auditor", "/admin/users", 403),
        ("reviewer", "/admin/users", 403),
        ("security", "/security", 200),
        ("admin", "/security", 403),
        ("auditor", "/security", 403),
        ("submitter", "/security", 403),
        // The security administrator has no part in filings, reports or the trail.
        ("security", "/filings", 403),
        ("security", "/dashboard", 403),
        ("security", "/reminders", 403),
        ("security", "/reports/monthly", 403),
        ("security", "/audit", 403),
    ] {
        let client = app.signed_in(who).await;
        let response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), status, "{who} at {path}");
    }
    // The registry's public part is theirs to read, without anyone's custodian.
    let security = app.signed_in("security").await;
    let id = app.account_id("education", "wechat_oa").await;
    let account = app::server::entities::account::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let html = app.html(&security, &format!("/accounts/{id}")).await;
    assert!(html.contains(&account.name), "{html}");
    assert!(!html.contains(&account.custodian_mobile));
    assert!(
        !html.contains(&account.custodian_name),
        "no custodian at all"
    );
    app.stop().await;
}

#[tokio::test]
async fn switching_an_account_off_ends_its_sessions_tokens_and_sign_in() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin").await;
    let reviewer_client = app.signed_in("reviewer").await;
    let reviewer = person(&app, "reviewer").await;
    let token = app.token_for("reviewer").await;
    let id = reviewer.id.to_string();

    // Not their own account.
    let own = person(&app, "admin").await.id.to_string();
    assert_eq!(
        post(
            &app,
            &admin,
            "person_active",
            &[("id", &own), ("active", "false")]
        )
        .await,
        Err(AppError::invalid("id", Problem::OwnAccount))
    );
    assert_eq!(
        post(
            &app,
            &admin,
            "person_active",
            &[("id", "x1"), ("active", "false")]
        )
        .await,
        Err(AppError::NotFound)
    );

    let target = post(
        &app,
        &admin,
        "person_active",
        &[("id", &id), ("active", "false")],
    )
    .await;
    assert_eq!(target, Ok(format!("/admin/users?updated={id}")));
    assert!(!person(&app, "reviewer").await.active);
    assert_eq!(sessions_of(&app, reviewer.id).await, 0);
    assert_eq!(live_tokens_of(&app, reviewer.id).await, 0);
    let page = reviewer_client
        .get(app.url("/filings"))
        .send()
        .await
        .unwrap();
    assert_ne!(page.status(), 200, "the old session is gone");
    let api = app
        .bearer_client(&token.token)
        .get(app.url("/api/v1/units"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 401);
    let response = app
        .post_login(&app.client(), "reviewer", DEMO_PASSWORD)
        .await;
    assert!(location(&response).starts_with("/login"), "cannot sign in");
    let event = last_event(&app, "user.deactivated").await;
    assert_eq!(event.actor_username.as_deref(), Some("admin"));

    // On again: signing in works.
    post(
        &app,
        &admin,
        "person_active",
        &[("id", &id), ("active", "true")],
    )
    .await
    .unwrap();
    let response = app
        .post_login(&app.client(), "reviewer", DEMO_PASSWORD)
        .await;
    assert_eq!(location(&response), HOME);
    assert_eq!(app.audit_actions("user.activated").await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn the_security_administrator_gives_roles_but_not_to_themselves() {
    let app = TestApp::spawn().await;
    let security = app.signed_in("security").await;
    let submitter_client = app.signed_in("submitter").await;
    let submitter = person(&app, "submitter").await;
    app.token_for("submitter").await;
    let id = submitter.id.to_string();

    // Bad requests change nothing.
    for (form, expected) in [
        (
            vec![("id", id.as_str()), ("role", "root"), ("unit", "")],
            AppError::invalid("role", Problem::UnknownRole),
        ),
        (
            vec![("id", id.as_str()), ("role", "submitter"), ("unit", "")],
            AppError::invalid("unit", Problem::SubmitterNeedsUnit),
        ),
        (
            vec![
                ("id", id.as_str()),
                ("role", "submitter"),
                ("unit", "nowhere"),
            ],
            AppError::invalid("unit", Problem::UnknownUnit),
        ),
        (
            vec![("id", "999999"), ("role", "reviewer"), ("unit", "")],
            AppError::NotFound,
        ),
    ] {
        assert_eq!(
            post(&app, &security, "role_change", &form).await,
            Err(expected)
        );
    }
    let own = person(&app, "security").await.id.to_string();
    assert_eq!(
        post(
            &app,
            &security,
            "role_change",
            &[("id", &own), ("role", "admin"), ("unit", "")]
        )
        .await,
        Err(AppError::invalid("role", Problem::OwnAccount))
    );
    assert_eq!(
        person(&app, "security").await.role.as_str(),
        "security_admin"
    );
    assert_eq!(person(&app, "submitter").await.role.as_str(), "submitter");

    // A privileged role is only asked for (issue 15 item 3): nothing changes until a second
    // person confirms, and the one who asked cannot.
    let target = post(
        &app,
        &security,
        "role_change",
        &[("id", &id), ("role", "reviewer"), ("unit", "county-office")],
    )
    .await
    .unwrap();
    let request = request_id(&target);
    assert_eq!(person(&app, "submitter").await.role.as_str(), "submitter");
    assert_eq!(sessions_of(&app, submitter.id).await, 1);
    let event = last_event(&app, "account_request.made").await;
    assert_eq!(event.actor_username.as_deref(), Some("security"));
    let html = app.html(&security, "/security").await;
    assert!(html.contains("data-testid=\"request-withdraw\""), "{html}");
    assert!(!html.contains("data-testid=\"request-confirm\""), "{html}");
    assert_eq!(
        post(
            &app,
            &security,
            "account_request_confirm",
            &[("id", &request)]
        )
        .await,
        Err(AppError::invalid("id", Problem::OwnRequest))
    );
    // A second request on the same account waits for the first.
    assert_eq!(
        post(
            &app,
            &security,
            "role_change",
            &[("id", &id), ("role", "auditor"), ("unit", "")]
        )
        .await,
        Err(AppError::invalid("id", Problem::RequestPending))
    );
    let reviewer = app.signed_in("reviewer").await;
    assert_eq!(
        post(
            &app,
            &reviewer,
            "account_request_confirm",
            &[("id", &request)]
        )
        .await,
        Err(AppError::Forbidden)
    );
    assert_eq!(person(&app, "submitter").await.role.as_str(), "submitter");

    // The system administrator confirms: the submitter becomes a reviewer of the county office,
    // their sessions and tokens end, and they are told by e-mail.
    let admin = app.signed_in("admin").await;
    let html = app.html(&admin, "/admin/users").await;
    assert!(html.contains("data-testid=\"request-confirm\""), "{html}");
    assert_eq!(
        post(&app, &admin, "account_request_confirm", &[("id", &request)]).await,
        Ok("/admin/users?decided=confirmed".to_string())
    );
    assert_eq!(
        post(&app, &admin, "account_request_confirm", &[("id", &request)]).await,
        Err(AppError::NotFound),
        "decided once"
    );
    let changed = person(&app, "submitter").await;
    assert_eq!(changed.role.as_str(), "reviewer");
    assert_eq!(sessions_of(&app, submitter.id).await, 0);
    assert_eq!(live_tokens_of(&app, submitter.id).await, 0);
    let page = submitter_client
        .get(app.url("/filings"))
        .send()
        .await
        .unwrap();
    assert_ne!(page.status(), 200, "the old session is gone");
    let event = last_event(&app, "user.role_changed").await;
    assert_eq!(event.actor_username.as_deref(), Some("admin"));
    let before = event.before.unwrap();
    assert!(
        before.contains("\"submitter\"") && before.contains("education"),
        "{before}"
    );
    assert!(event.after.unwrap().contains("\"reviewer\""));
    let confirmed = last_event(&app, "account_request.confirmed").await;
    assert_eq!(confirmed.actor_username.as_deref(), Some("admin"));
    let notices = notices_to(&app, submitter.id, "account_role_changed").await;
    assert_eq!(notices.len(), 1);

    // Another security administrator may be appointed (the database takes the new role), with
    // the second person's confirmation; a request can be refused too.
    let auditor = person(&app, "auditor").await.id.to_string();
    let target = post(
        &app,
        &security,
        "role_change",
        &[("id", &auditor), ("role", "security_admin"), ("unit", "")],
    )
    .await
    .unwrap();
    let request = request_id(&target);
    assert_eq!(
        post(&app, &admin, "account_request_refuse", &[("id", &request)]).await,
        Ok("/admin/users?decided=refused".to_string())
    );
    assert_eq!(person(&app, "auditor").await.role.as_str(), "auditor");
    last_event(&app, "account_request.refused").await;
    let target = post(
        &app,
        &security,
        "role_change",
        &[("id", &auditor), ("role", "security_admin"), ("unit", "")],
    )
    .await
    .unwrap();
    let request = request_id(&target);
    // The last auditor keeps the duty: another must hold it first (issue 15 item 3).
    assert_eq!(
        post(&app, &admin, "account_request_confirm", &[("id", &request)]).await,
        Err(AppError::invalid("role", Problem::LastAuditor))
    );
    assert_eq!(person(&app, "auditor").await.role.as_str(), "auditor");
    app.add_user("auditor.two", "auditor", None).await;
    post(&app, &admin, "account_request_confirm", &[("id", &request)])
        .await
        .unwrap();
    assert_eq!(
        person(&app, "auditor").await.role.as_str(),
        "security_admin"
    );
    app.stop().await;
}

/// The id of the request a form post made (`?requested=N`).
fn request_id(target: &str) -> String {
    target
        .split_once("?requested=")
        .unwrap_or_else(|| panic!("no request made: {target}"))
        .1
        .to_string()
}

/// The notices of a kind queued to a person.
async fn notices_to(
    app: &TestApp,
    user_id: i32,
    kind: &str,
) -> Vec<app::server::entities::outbox_message::Model> {
    use app::server::entities::outbox_message;
    outbox_message::Entity::find()
        .filter(outbox_message::Column::RecipientUserId.eq(user_id))
        .filter(outbox_message::Column::Kind.eq(kind))
        .all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_security_administrator_lifts_a_lock_and_sets_a_temporary_password() {
    let app = TestApp::spawn().await;
    let security = app.signed_in("security").await;
    let reviewer = person(&app, "reviewer").await;
    let id = reviewer.id.to_string();
    for _ in 0..5 {
        app.post_login(&app.client(), "reviewer", "wrong-password-1A")
            .await;
    }
    assert!(person(&app, "reviewer").await.locked_until.is_some());
    let html = app.html(&security, "/security").await;
    assert!(html.contains("data-testid=\"person-unlock\""), "{html}");
    let response = app
        .post_login(&app.client(), "reviewer", DEMO_PASSWORD)
        .await;
    assert!(location(&response).starts_with("/login"), "locked");

    post(&app, &security, "person_unlock", &[("id", &id)])
        .await
        .unwrap();
    let unlocked = person(&app, "reviewer").await;
    assert_eq!((unlocked.locked_until, unlocked.failed_sign_ins), (None, 0));
    let response = app
        .post_login(&app.client(), "reviewer", DEMO_PASSWORD)
        .await;
    assert_eq!(location(&response), HOME);
    let event = last_event(&app, "user.unlocked").await;
    assert_eq!(event.actor_username.as_deref(), Some("security"));

    // Issue 15 item 3: nobody chooses a temporary password. A privileged account's is only asked
    // for; once a second person confirms, the system makes it and e-mails it to the person's own
    // address, never showing it to either administrator.
    let own = person(&app, "security").await.id.to_string();
    assert_eq!(
        post(&app, &security, "person_password_reset", &[("id", &own)]).await,
        Err(AppError::invalid("password", Problem::OwnAccount))
    );
    let target = post(
        &app,
        &security,
        "person_password_reset",
        &[("id", &id), ("password", NEW_PASSWORD)],
    )
    .await
    .unwrap();
    let request = request_id(&target);
    assert_eq!(
        person(&app, "reviewer").await.password_hash,
        unlocked.password_hash,
        "nothing changes before a second person confirms"
    );
    let admin = app.signed_in("admin").await;
    post(&app, &admin, "account_request_confirm", &[("id", &request)])
        .await
        .unwrap();
    let after = person(&app, "reviewer").await;
    assert!(after.must_change_password);
    assert_ne!(after.password_hash, unlocked.password_hash);
    let response = app
        .post_login(&app.client(), "reviewer", NEW_PASSWORD)
        .await;
    assert!(
        location(&response).starts_with("/login"),
        "the form's password is ignored"
    );
    let notices = notices_to(&app, reviewer.id, "account_password_reset").await;
    assert_eq!(notices.len(), 1);
    let params: serde_json::Value = serde_json::from_str(&notices[0].params).unwrap();
    let password = params["password"].as_str().unwrap().to_string();
    assert!(password.len() >= 20, "{password}");
    let response = app.post_login(&app.client(), "reviewer", &password).await;
    assert_eq!(location(&response), "/account/password");
    let event = last_event(&app, "user.password_reset").await;
    assert_eq!(event.actor_username.as_deref(), Some("admin"));
    let trail = format!("{:?}", app.audit_actions("user.password_reset").await);
    assert!(!trail.contains(&password));
    for action in ["account_request.made", "account_request.confirmed"] {
        let event = format!("{:?}", last_event(&app, action).await);
        assert!(!event.contains(&password), "{event}");
    }
    let html = app.html(&security, "/security").await;
    assert!(!html.contains(&password));
    app.stop().await;
}

#[tokio::test]
async fn a_submitters_temporary_password_is_made_by_the_system_and_shown_once() {
    let app = TestApp::spawn().await;
    let security = app.signed_in("security").await;
    let submitter = person(&app, "submitter").await;
    let id = submitter.id.to_string();
    let target = post(
        &app,
        &security,
        "person_password_reset",
        &[("id", &id), ("password", NEW_PASSWORD)],
    )
    .await
    .unwrap();
    assert_eq!(target, "/security?shown=password");
    let html = app.html(&security, &target).await;
    let password = crate::helpers::testid_text(&html, "temp-password").expect("shown");
    assert!(
        password.len() >= 20 && password != NEW_PASSWORD,
        "{password}"
    );
    // Once: the next look shows it no more.
    let again = app.html(&security, "/security?shown=password").await;
    assert!(!again.contains(&password));
    assert!(person(&app, "submitter").await.must_change_password);
    let response = app.post_login(&app.client(), "submitter", &password).await;
    assert_eq!(location(&response), "/account/password");
    let response = app
        .post_login(&app.client(), "submitter", NEW_PASSWORD)
        .await;
    assert!(location(&response).starts_with("/login"));
    // The person is told, without the password.
    let notices = notices_to(&app, submitter.id, "account_password_reset").await;
    assert_eq!(notices.len(), 1);
    assert!(!notices[0].params.contains(&password));
    assert!(app.audit_actions("account_request.made").await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn the_last_auditor_and_security_administrator_stay_switched_on() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin").await;
    let auditor = person(&app, "auditor").await.id.to_string();
    let security = person(&app, "security").await.id.to_string();
    assert_eq!(
        post(
            &app,
            &admin,
            "person_active",
            &[("id", &auditor), ("active", "false")]
        )
        .await,
        Err(AppError::invalid("id", Problem::LastAuditor))
    );
    assert_eq!(
        post(
            &app,
            &admin,
            "person_active",
            &[("id", &security), ("active", "false")]
        )
        .await,
        Err(AppError::invalid("id", Problem::LastSecurityAdmin))
    );
    assert!(person(&app, "auditor").await.active);
    assert!(person(&app, "security").await.active);
    // Taking the role away is refused alike (to a submitter: done at once otherwise).
    let security_client = app.signed_in("security").await;
    assert_eq!(
        post(
            &app,
            &security_client,
            "role_change",
            &[
                ("id", &auditor),
                ("role", "submitter"),
                ("unit", "education")
            ]
        )
        .await,
        Err(AppError::invalid("role", Problem::LastAuditor))
    );
    assert_eq!(person(&app, "auditor").await.role.as_str(), "auditor");
    // With a second auditor, one may go; the person is told.
    app.add_user("auditor.two", "auditor", None).await;
    post(
        &app,
        &admin,
        "person_active",
        &[("id", &auditor), ("active", "false")],
    )
    .await
    .unwrap();
    assert!(!person(&app, "auditor").await.active);
    let notices = notices_to(&app, auditor.parse().unwrap(), "account_disabled").await;
    assert_eq!(notices.len(), 1);
    let two = person(&app, "auditor.two").await.id.to_string();
    assert_eq!(
        post(
            &app,
            &admin,
            "person_active",
            &[("id", &two), ("active", "false")]
        )
        .await,
        Err(AppError::invalid("id", Problem::LastAuditor))
    );
    app.stop().await;
}

async fn save_policy(
    app: &TestApp,
    client: &reqwest::Client,
    figures: [(&str, &str); 6],
) -> Result<String, AppError> {
    post(app, client, "policy_save", &figures).await
}

#[tokio::test]
async fn the_password_policy_set_by_the_security_administrator_applies_at_once() {
    let test_db = TestDb::new().await;
    let app = TestApp::spawn_on(test_db, true).await;
    let security = app.signed_in("security").await;
    let admin = app.signed_in("admin").await;
    let html = app.html(&security, "/security").await;
    assert!(html.contains("data-testid=\"policy-form\""), "{html}");
    assert!(
        html.contains("value=\"10\""),
        "the configured minimum is shown"
    );

    // Out of range: refused, nothing stored.
    let before = settings_row(&app).await;
    assert_eq!(
        save_policy(
            &app,
            &security,
            [
                ("min_length", "4"),
                ("min_classes", "3"),
                ("max_age_days", "90"),
                ("history", "5"),
                ("lockout_threshold", "5"),
                ("lockout_minutes", "15"),
            ]
        )
        .await,
        Err(AppError::invalid("min_length", Problem::OutOfRange))
    );
    assert_eq!(
        save_policy(
            &app,
            &security,
            [
                ("min_length", "12"),
                ("min_classes", "3"),
                ("max_age_days", "90"),
                ("history", "25"),
                ("lockout_threshold", "5"),
                ("lockout_minutes", "15"),
            ]
        )
        .await,
        Err(AppError::invalid("history", Problem::OutOfRange))
    );
    assert_eq!(settings_row(&app).await, before);

    let saved = save_policy(
        &app,
        &security,
        [
            ("min_length", "14"),
            ("min_classes", "4"),
            ("max_age_days", "1"),
            ("history", "2"),
            ("lockout_threshold", "3"),
            ("lockout_minutes", "60"),
        ],
    )
    .await;
    assert_eq!(saved, Ok("/security?policy=saved".to_string()));
    let event = last_event(&app, "security.policy_updated").await;
    assert_eq!(event.actor_username.as_deref(), Some("security"));
    assert!(event.after.unwrap().contains("\"min_length\":14"));

    // New passwords follow it at once ...
    assert_eq!(
        post(
            &app,
            &admin,
            "person_create",
            &new_person("tan.xin", "education", "Harbour-77ab")
        )
        .await,
        Err(AppError::invalid(
            "password",
            Problem::PasswordTooShort { min: 14 }
        ))
    );
    post(
        &app,
        &admin,
        "person_create",
        &new_person("tan.xin", "education", "Harbour-lantern-77!"),
    )
    .await
    .unwrap();
    // ... and so does the lock: three failures now.
    for _ in 0..3 {
        app.post_login(&app.client(), "reviewer", "wrong-password-1A")
            .await;
    }
    let locked = person(&app, "reviewer").await;
    assert_eq!(
        locked.locked_until,
        Some(fixed_now() + Duration::minutes(60))
    );

    // Two days on, every password set before is past its one-day life.
    let later: DateTime<Utc> = fixed_now() + Duration::days(2);
    let test_db = app.stop().await;
    let app = TestApp::spawn_with(test_db, false, later, None).await;
    let response = app
        .post_login(&app.client(), "auditor", DEMO_PASSWORD)
        .await;
    assert_eq!(location(&response), "/account/password");

    // Back to the configuration: expiry after 90 days again.
    let security = app.client();
    let response = app.post_login(&security, "security", DEMO_PASSWORD).await;
    assert_eq!(
        location(&response),
        "/account/password",
        "theirs expired too"
    );
    let mut row = person(&app, "security").await.into_active_model();
    row.password_changed_at = Set(later);
    row.update(&app.db).await.unwrap();
    let security = app.client();
    let response = app.post_login(&security, "security", DEMO_PASSWORD).await;
    assert_eq!(location(&response), HOME);
    assert_eq!(
        post(&app, &security, "policy_reset", &[]).await,
        Ok("/security?policy=configured".to_string())
    );
    let row = settings_row(&app).await;
    assert_eq!(
        (
            row.password_min_length,
            row.lockout_threshold,
            row.password_max_age_days
        ),
        (None, None, None)
    );
    let response = app
        .post_login(&app.client(), "auditor", DEMO_PASSWORD)
        .await;
    assert_eq!(location(&response), HOME);
    app.stop().await;
}

#[tokio::test]
async fn the_database_holds_the_roles_and_the_policy_bounds() {
    let app = TestApp::spawn().await;
    let reviewer = person(&app, "reviewer").await;
    let root = user::Entity::update_many()
        .col_expr(user::Column::Role, sea_orm::sea_query::Expr::value("root"))
        .filter(user::Column::Id.eq(reviewer.id))
        .exec(&app.db)
        .await;
    assert!(root.is_err(), "an unknown role");
    let mut security = reviewer.clone().into_active_model();
    security.role = Set(Role::SecurityAdmin);
    security.update(&app.db).await.unwrap();
    let mut submitter = reviewer.into_active_model();
    submitter.role = Set(Role::Submitter);
    submitter.unit_id = Set(None);
    assert!(
        submitter.update(&app.db).await.is_err(),
        "a submitter without a unit"
    );
    for (column, value) in [
        (setting::Column::PasswordMinLength, 7),
        (setting::Column::PasswordMinClasses, 5),
        (setting::Column::PasswordMaxAgeDays, -1),
        (setting::Column::PasswordHistory, 25),
        (setting::Column::LockoutThreshold, 0),
        (setting::Column::LockoutMinutes, 0),
    ] {
        let refused = setting::Entity::update_many()
            .col_expr(column, sea_orm::sea_query::Expr::value(value))
            .filter(setting::Column::Id.eq(1))
            .exec(&app.db)
            .await;
        assert!(refused.is_err(), "{column:?} = {value}");
    }
    app.stop().await;
}

/// The SQLite migration rebuilds `users` to widen its CHECK: every row that points at a user
/// (sessions, password history, tokens, filings, audit events) must survive it.
#[tokio::test]
async fn the_role_migration_keeps_everything_that_points_at_users() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::ConnectionTrait as _;
    let test_db = TestDb::new().await;
    let db = app::server::db::connect(&test_db.url).await.unwrap();
    let before_security = Migrator::migrations().len() as u32 - 1;
    Migrator::up(&db, Some(before_security)).await.unwrap();
    // Rows that point at a user, made with the previous schema.
    db.execute_unprepared(
        "INSERT INTO units (code, kind, name, created_at) \
         VALUES ('u1', 'internal_division', 'Unit one', '2026-11-01T00:00:00+00:00')",
    )
    .await
    .unwrap();
    db.execute_unprepared(
        "INSERT INTO users (username, display_name, password_hash, role, unit_id, created_at) \
         VALUES ('tan', 'Tan', 'x', 'submitter', (SELECT id FROM units WHERE code = 'u1'), \
                 '2026-11-01T00:00:00+00:00')",
    )
    .await
    .unwrap();
    db.execute_unprepared(
        "INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at) \
         VALUES ('s1', (SELECT id FROM users WHERE username = 'tan'), '2026-11-01T00:00:00+00:00', \
                 '2026-11-01T00:00:00+00:00', '2026-11-02T00:00:00+00:00')",
    )
    .await
    .unwrap();
    db.execute_unprepared(
        "INSERT INTO password_history (user_id, password_hash, created_at) \
         VALUES ((SELECT id FROM users WHERE username = 'tan'), 'x', '2026-11-01T00:00:00+00:00')",
    )
    .await
    .unwrap();
    Migrator::up(&db, None).await.unwrap();
    let count = |table: &'static str| {
        let db = db.clone();
        async move {
            db.query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap()
        }
    };
    assert_eq!(count("users").await, 1);
    assert_eq!(count("sessions").await, 1, "no cascade from the rebuild");
    assert_eq!(count("password_history").await, 1);
    // The rebuilt table still refuses what it refused, and takes the new role.
    assert!(
        db.execute_unprepared("UPDATE users SET role = 'root'")
            .await
            .is_err()
    );
    db.execute_unprepared("UPDATE users SET role = 'security_admin', unit_id = NULL")
        .await
        .unwrap();
    assert!(
        db.execute_unprepared("INSERT INTO users (username, display_name, password_hash, role, created_at) VALUES ('tan', 'T', 'x', 'admin', '2026-11-01T00:00:00+00:00')")
            .await
            .is_err(),
        "usernames stay unique"
    );
    // Foreign keys still point at the rebuilt table.
    assert!(
        db.execute_unprepared(
            "INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at) \
             VALUES ('s2', 424242, '2026-11-01T00:00:00+00:00', '2026-11-01T00:00:00+00:00', \
                     '2026-11-02T00:00:00+00:00')"
        )
        .await
        .is_err(),
        "a session of nobody"
    );
    db.close().await.ok();
    drop(test_db);
}

#[tokio::test]
async fn the_security_administrator_resets_a_lost_second_factor() {
    use crate::arrange::second_factor::enrol;
    let app = TestApp::spawn().await;
    let reviewer = app.user("reviewer").await;
    let reviewers_browser = app.signed_in("reviewer").await;
    let (secret, _) = enrol(&app, &reviewers_browser, "reviewer", fixed_now()).await;
    let security = app.signed_in("security").await;
    let html = app.html(&security, "/security").await;
    assert!(html.contains("data-testid=\"factor-reset\""), "{html}");
    let id = reviewer.id.to_string();

    // Nobody else may, and nobody on their own account.
    let admin = app.signed_in("admin").await;
    assert_eq!(
        post(&app, &admin, "second_factor_reset", &[("id", &id)]).await,
        Err(AppError::Forbidden)
    );
    let own = person(&app, "security").await.id.to_string();
    assert_eq!(
        post(&app, &security, "second_factor_reset", &[("id", &own)]).await,
        Err(AppError::invalid("id", Problem::OwnAccount))
    );
    assert!(person(&app, "reviewer").await.totp_enabled_at.is_some());

    // A reviewer's is privileged (issue 15 item 3): asked for, confirmed by a second person.
    let target = post(&app, &security, "second_factor_reset", &[("id", &id)])
        .await
        .unwrap();
    let request = request_id(&target);
    assert!(person(&app, "reviewer").await.totp_enabled_at.is_some());
    assert_eq!(
        post(
            &app,
            &security,
            "account_request_confirm",
            &[("id", &request)]
        )
        .await,
        Err(AppError::invalid("id", Problem::OwnRequest))
    );
    post(&app, &admin, "account_request_confirm", &[("id", &request)])
        .await
        .unwrap();
    let after = person(&app, "reviewer").await;
    assert_eq!((after.totp_enabled_at, after.totp_secret), (None, None));
    let event = last_event(&app, "user.second_factor_reset").await;
    assert_eq!(event.actor_username.as_deref(), Some("admin"));
    assert_eq!(
        notices_to(&app, reviewer.id, "account_second_factor_reset")
            .await
            .len(),
        1
    );
    assert!(!format!("{event:?}").contains(&secret));
    // Nothing left to reset: said so, nothing recorded.
    assert_eq!(
        post(&app, &security, "second_factor_reset", &[("id", &id)]).await,
        Err(AppError::invalid("id", Problem::NoSecondFactor))
    );
    assert_eq!(app.audit_actions("user.second_factor_reset").await.len(), 1);
    // The reviewer signs in with the password alone again.
    let response = app
        .post_login(&app.client(), "reviewer", DEMO_PASSWORD)
        .await;
    assert_eq!(location(&response), HOME);
    app.stop().await;
}

#[tokio::test]
async fn the_system_administrator_corrects_a_persons_name_and_notice_address() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin").await;
    let reviewer = person(&app, "reviewer").await;
    let id = reviewer.id.to_string();
    let form = |name: &'static str, email: &'static str, locale: &'static str| {
        vec![
            ("id", id.clone()),
            ("display_name", name.to_string()),
            ("email", email.to_string()),
            ("locale", locale.to_string()),
        ]
    };
    let send = |form: Vec<(&'static str, String)>| {
        let (app, admin) = (&app, &admin);
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post(app, admin, "person_update", &pairs).await
        }
    };

    // Bad input: its reason, nothing changed.
    for (fields, expected) in [
        (
            form("", "x@shizhu.example", "en"),
            AppError::invalid("display_name", Problem::Required),
        ),
        (
            form("冉审核", "not an address", "en"),
            AppError::invalid("email", Problem::BadEmail),
        ),
        (
            form("冉审核", "ran@shizhu.example", "fr"),
            AppError::invalid("locale", Problem::OutOfRange),
        ),
    ] {
        assert_eq!(send(fields).await, Err(expected));
    }
    assert_eq!(person(&app, "reviewer").await, reviewer);
    let security = app.signed_in("security").await;
    assert_eq!(
        post(
            &app,
            &security,
            "person_update",
            &[
                ("id", &id),
                ("display_name", "x"),
                ("email", ""),
                ("locale", "en")
            ]
        )
        .await,
        Err(AppError::Forbidden)
    );

    assert_eq!(
        send(form("冉审核", "ran.shenhe@shizhu.example", "en")).await,
        Ok(format!("/admin/users?updated={id}"))
    );
    let changed = person(&app, "reviewer").await;
    assert_eq!(
        (
            changed.display_name.as_str(),
            changed.email.as_deref(),
            changed.locale.as_str(),
            changed.role.as_str()
        ),
        (
            "冉审核",
            Some("ran.shenhe@shizhu.example"),
            "en",
            "reviewer"
        )
    );
    let event = last_event(&app, "user.updated").await;
    assert_eq!(event.actor_username.as_deref(), Some("admin"));
    assert!(event.before.unwrap().contains(&reviewer.display_name));
    // No address: no e-mail for them.
    send(form("冉审核", "", "en")).await.unwrap();
    assert_eq!(person(&app, "reviewer").await.email, None);
    app.stop().await;
}
