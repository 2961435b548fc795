//! Rules the database itself holds, whatever code writes to it.
use crate::helpers::{TestApp, fixed_now};
use app::domain::{AccountStatus, Role};
use app::server::entities::{account, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, SqlErr};

/// A copy of a demo account, changed by `edit`, inserted straight into the table.
async fn insert_copy(
    app: &TestApp,
    id: i32,
    edit: impl FnOnce(&mut account::ActiveModel),
) -> Result<account::Model, sea_orm::DbErr> {
    let original = account::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut copy: account::ActiveModel = original.into();
    copy.id = sea_orm::ActiveValue::NotSet;
    copy.name = Set("第二个账号".into());
    copy.created_at = Set(fixed_now());
    edit(&mut copy);
    copy.insert(&app.db).await
}

#[tokio::test]
async fn art9_a_second_live_account_for_the_same_unit_and_platform_is_refused_by_the_database() {
    let app = TestApp::spawn().await;
    let id = app.account_id("education", "wechat_oa").await;
    let error = insert_copy(&app, id, |_| {}).await.unwrap_err();
    assert!(
        matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))),
        "{error:?}"
    );
}

#[tokio::test]
async fn art9_a_deregistered_account_does_not_block_a_new_one() {
    let app = TestApp::spawn().await;
    let id = app.account_id("education", "wechat_oa").await;
    insert_copy(&app, id, |a| a.status = Set(AccountStatus::Deregistered))
        .await
        .unwrap();
}

#[tokio::test]
async fn art9_a_recorded_waiver_allows_a_second_account() {
    let app = TestApp::spawn().await;
    let id = app.account_id("education", "wechat_oa").await;
    insert_copy(&app, id, |a| {
        a.art9_waiver = Set(Some("县政府办公室批准：招生服务专用".into()))
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn an_unknown_account_status_is_refused_by_the_database() {
    let app = TestApp::spawn().await;
    let id = app.account_id("education", "wechat_oa").await;
    let copy = insert_copy(&app, id, |a| a.art9_waiver = Set(Some("test".into())))
        .await
        .unwrap();
    let hidden = account::Entity::update_many()
        .col_expr(account::Column::Status, Expr::value("hidden"))
        .filter(account::Column::Id.eq(copy.id))
        .exec(&app.db)
        .await;
    assert!(hidden.is_err());
}

/// The entities read codes as their enums: a code outside the enum (which the CHECK constraints
/// keep out of the tables; here made up in the query) is a database error that names it, an
/// internal error to the service, never a default.
#[tokio::test]
async fn an_unknown_code_is_read_as_an_error_naming_it() {
    use sea_orm::{Iterable, QuerySelect};
    let app = TestApp::spawn().await;
    let id = app.account_id("education", "wechat_oa").await;
    let read = account::Entity::find_by_id(id)
        .select_only()
        .columns(account::Column::iter().filter(|c| !matches!(c, account::Column::Status)))
        .column_as(Expr::value("hidden"), "status")
        .one(&app.db)
        .await;
    let error = read.unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("\"hidden\"") && message.contains("AccountStatus"),
        "{message}"
    );
    let error = app::error::AppError::from(error);
    assert!(matches!(error, app::error::AppError::Internal { .. }));
}

#[tokio::test]
async fn a_submitter_without_a_unit_is_refused_by_the_database() {
    let app = TestApp::spawn().await;
    let result = user::ActiveModel {
        username: Set("loose".into()),
        display_name: Set("loose".into()),
        password_hash: Set("x".into()),
        role: Set(Role::Submitter),
        unit_id: Set(None),
        email: Set(None),
        active: Set(true),
        created_at: Set(fixed_now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await;
    assert!(result.is_err());
}

mod deadlines {
    use crate::arrange::submitted_open;
    use crate::helpers::{TestApp, TestDb, fixed_now};
    use app::server::entities::{filing, reminder, review_period};
    use migration::{Migrator, MigratorTrait};
    use sea_orm::{
        ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set, SqlErr,
    };

    fn unique_violation(error: sea_orm::DbErr) -> bool {
        matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
    }

    #[tokio::test]
    async fn a_filing_has_at_most_one_open_review_period() {
        let app = TestApp::spawn().await;
        let f = submitted_open(&app, "submitter", "weibo", "石柱教育").await;
        let open = review_period::Entity::find()
            .filter(review_period::Column::FilingId.eq(f.id))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let mut second = open.clone().into_active_model();
        second.id = sea_orm::ActiveValue::NotSet;
        let error = second.clone().insert(&app.db).await.unwrap_err();
        assert!(unique_violation(error));
        // Closed periods may be many, but closed means both a time and an outcome.
        second.closed_at = Set(Some(fixed_now()));
        let half_closed = second.clone().insert(&app.db).await;
        assert!(half_closed.is_err(), "closed without an outcome");
        second.outcome = Set(Some(app::domain::filing::FilingState::Returned));
        second.insert(&app.db).await.unwrap();
    }

    #[tokio::test]
    async fn a_reminder_is_queued_once_per_filing_or_unit_and_day() {
        let app = TestApp::spawn().await;
        let f = submitted_open(&app, "submitter", "weibo", "石柱教育").await;
        let f = app.filing_row(f.id).await;
        let reminder =
            |kind: &str, filing_id: Option<i32>, unit_id: Option<i32>| reminder::ActiveModel {
                kind: Set(kind.into()),
                on_day: Set(chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()),
                filing_id: Set(filing_id),
                unit_id: Set(unit_id),
                details: Set("{}".into()),
                created_at: Set(fixed_now()),
                ..Default::default()
            };
        let filing_reminder = reminder("filing_due_today", Some(f.id), Some(f.unit_id));
        filing_reminder.clone().insert(&app.db).await.unwrap();
        let again = reminder("filing_overdue", Some(f.id), Some(f.unit_id));
        assert!(unique_violation(again.insert(&app.db).await.unwrap_err()));

        let unit_reminder = reminder("password_rotation", None, Some(f.unit_id));
        unit_reminder.clone().insert(&app.db).await.unwrap();
        assert!(unique_violation(
            unit_reminder.insert(&app.db).await.unwrap_err()
        ));

        // A filing reminder names its filing; a rotation reminder its unit; kinds are known.
        let no_filing = reminder("filing_overdue", None, Some(f.unit_id));
        assert!(no_filing.insert(&app.db).await.is_err());
        let no_unit = reminder("password_rotation", None, None);
        assert!(no_unit.insert(&app.db).await.is_err());
        let unknown = reminder("birthday", Some(f.id), None);
        assert!(unknown.insert(&app.db).await.is_err());
    }

    #[tokio::test]
    async fn upgrading_a_database_gives_filings_received_before_the_clock_their_periods() {
        let app = TestApp::spawn_on(TestDb::new().await, true).await;
        let waiting = submitted_open(&app, "submitter", "weibo", "石柱教育").await;
        let waiting = app.filing_row(waiting.id).await;
        let returned = submitted_open(&app, "submitter", "kuaishou", "石柱教育").await;
        let reviewer = app.as_api("reviewer").await;
        reviewer
            .return_for_correction(returned.id, "补充")
            .await
            .unwrap();
        let test_db = app.stop().await;
        // Back to the schema before the clock, and up again: the periods are rebuilt from what the
        // filings record, as on a database that had filings before the upgrade.
        let db = app::server::db::connect(&test_db.url).await.unwrap();
        // Every migration after the clock's (000004) is rolled back first. The security
        // administrator's role did not exist before 000010: the demo's becomes an auditor.
        sea_orm::ConnectionTrait::execute_unprepared(
            &db,
            "UPDATE users SET role = 'auditor' WHERE role = 'security_admin'",
        )
        .await
        .unwrap();
        let after_clock = Migrator::migrations().len() as u32 - 3;
        Migrator::down(&db, Some(after_clock)).await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        let periods = review_period::Entity::find().all(&db).await.unwrap();
        let of = |id: i32| periods.iter().find(|p| p.filing_id == id).unwrap();
        assert_eq!(periods.len(), 2);
        assert_eq!(of(waiting.id).closed_at, None);
        assert_eq!(of(waiting.id).due_on, waiting.due_on.unwrap());
        assert_eq!(
            of(returned.id).outcome,
            Some(app::domain::filing::FilingState::Returned)
        );
        assert_eq!(of(returned.id).closed_at, Some(fixed_now()));
        let still = filing::Entity::find_by_id(waiting.id)
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(still.state.as_str(), "submitted");
    }
}

mod outbox {
    use crate::arrange::submitted_open;
    use crate::helpers::{TestApp, fixed_now};
    use app::server::entities::{outbox_message, user};
    use sea_orm::{
        ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set, SqlErr,
    };

    #[tokio::test]
    async fn the_outbox_holds_its_rules_in_the_database() {
        let app = TestApp::spawn().await;
        submitted_open(&app, "submitter", "weibo", "石柱教育").await;
        let queued = outbox_message::Entity::find()
            .filter(outbox_message::Column::RecipientKind.eq("user"))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let copy = || {
            let mut m = queued.clone().into_active_model();
            m.id = sea_orm::ActiveValue::NotSet;
            m.message_id = Set(format!("<{}@test>", uuid::Uuid::new_v4().simple()));
            m
        };
        copy().insert(&app.db).await.unwrap();

        // One row per Message-ID.
        let mut same_id = copy();
        same_id.message_id = Set(queued.message_id.clone());
        let error = same_id.insert(&app.db).await.unwrap_err();
        assert!(matches!(
            error.sql_err(),
            Some(SqlErr::UniqueConstraintViolation(_))
        ));
        // Known kinds, statuses and languages only.
        for (column, bad) in [("kind", "spam"), ("status", "lost"), ("locale", "fr")] {
            let mut m = copy();
            match column {
                "kind" => m.kind = Set(bad.into()),
                "status" => m.status = Set(bad.into()),
                _ => m.locale = Set(bad.into()),
            }
            assert!(m.insert(&app.db).await.is_err(), "{column} = {bad}");
        }
        // A person has an address; an office has none (the worker's configuration gives it).
        let mut no_address = copy();
        no_address.recipient_address = Set(None);
        assert!(no_address.insert(&app.db).await.is_err());
        let mut office_with_address = copy();
        office_with_address.recipient_kind = Set("county_office".into());
        office_with_address.recipient_user_id = Set(None);
        assert!(office_with_address.insert(&app.db).await.is_err());
        // Sent means a sending time; sending means a lease; attempts are never negative.
        let mut sent_without_time = copy();
        sent_without_time.status = Set("sent".into());
        assert!(sent_without_time.insert(&app.db).await.is_err());
        let mut sending_without_lease = copy();
        sending_without_lease.status = Set("sending".into());
        assert!(sending_without_lease.insert(&app.db).await.is_err());
        let mut negative = copy();
        negative.attempts = Set(-1);
        assert!(negative.insert(&app.db).await.is_err());
        let mut sent = copy();
        sent.status = Set("sent".into());
        sent.sent_at = Set(Some(fixed_now()));
        sent.insert(&app.db).await.unwrap();
    }

    #[tokio::test]
    async fn a_users_notice_language_is_one_the_templates_know() {
        let app = TestApp::spawn().await;
        let submitter = user::Entity::find()
            .filter(user::Column::Username.eq("submitter"))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(submitter.locale, "zh-CN", "the default");
        let mut edit = submitter.into_active_model();
        edit.locale = Set("fr".into());
        assert!(edit.update(&app.db).await.is_err());
    }
}
