//! Rules the database itself holds, whatever code writes to it.
use crate::helpers::{TestApp, fixed_now};
use app::server::entities::{account, user};
use sea_orm::{ActiveModelTrait, EntityTrait, Set, SqlErr};

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
    insert_copy(&app, id, |a| a.status = Set("deregistered".into()))
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
    assert!(
        insert_copy(&app, id, |a| {
            a.status = Set("hidden".into());
            a.art9_waiver = Set(Some("test".into()));
        })
        .await
        .is_err()
    );
}

#[tokio::test]
async fn a_submitter_without_a_unit_is_refused_by_the_database() {
    let app = TestApp::spawn().await;
    let result = user::ActiveModel {
        username: Set("loose".into()),
        display_name: Set("loose".into()),
        password_hash: Set("x".into()),
        role: Set("submitter".into()),
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
