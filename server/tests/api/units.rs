//! Units: the unified social credit code is checked before anything is stored.
use crate::helpers::{TestApp, fixed_now};
use app::error::{AppError, Problem};
use app::i18n::Locale;
use app::server::audit::Actor;
use app::server::entities::{audit_event, unit};
use app::server::units::{self, NewUnit};

fn new_unit(credit_code: &str) -> NewUnit {
    NewUnit {
        code: "statistics".into(),
        kind: "department".into(),
        name: "石柱土家族自治县统计局".into(),
        short_name: None,
        credit_code: Some(credit_code.into()),
        parent_code: None,
    }
}

#[tokio::test]
async fn an_invalid_credit_code_is_refused_with_a_clear_error_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let units_before = app.count(unit::Entity).await;
    let events_before = app.count(audit_event::Entity).await;

    // The right code for this body ends in 3; 4 is a typo.
    let result = units::create(
        &app.db,
        &Actor::operator("test"),
        &new_unit("91350100M000100Y44"),
        fixed_now(),
    )
    .await;

    let error = result.unwrap_err();
    assert_eq!(
        error,
        AppError::invalid("credit_code", Problem::CreditCodeCheck)
    );
    assert_eq!(error.status(), 400);
    assert!(error.message(Locale::ZhCn).contains("校验位"));
    assert!(error.message(Locale::En).contains("check character"));
    assert_eq!(app.count(unit::Entity).await, units_before);
    assert_eq!(app.count(audit_event::Entity).await, events_before);
}

#[tokio::test]
async fn a_code_with_a_forbidden_letter_or_the_wrong_length_is_refused() {
    let app = TestApp::spawn().await;
    let actor = Actor::operator("test");
    let bad_letter = units::create(
        &app.db,
        &actor,
        &new_unit("91350100M000100I43"),
        fixed_now(),
    )
    .await;
    let short = units::create(&app.db, &actor, &new_unit("9135010"), fixed_now()).await;
    assert_eq!(
        bad_letter.unwrap_err(),
        AppError::invalid("credit_code", Problem::CreditCodeCharacter)
    );
    assert_eq!(
        short.unwrap_err(),
        AppError::invalid("credit_code", Problem::CreditCodeLength)
    );
}

#[tokio::test]
async fn a_valid_code_creates_the_unit_with_its_audit_event() {
    let app = TestApp::spawn().await;
    let created = units::create(
        &app.db,
        &Actor::operator("test"),
        &new_unit("91350100m000100y43"),
        fixed_now(),
    )
    .await
    .unwrap();
    assert_eq!(created.credit_code.as_deref(), Some("91350100M000100Y43"));
    assert_eq!(
        app.audit_actions("unit.created")
            .await
            .iter()
            .filter(|e| e.entity_id == Some(created.id.to_string()))
            .count(),
        1
    );
}

#[tokio::test]
async fn a_second_unit_with_the_same_credit_code_is_a_conflict() {
    let app = TestApp::spawn().await;
    let actor = Actor::operator("test");
    units::create(
        &app.db,
        &actor,
        &new_unit("91350100M000100Y43"),
        fixed_now(),
    )
    .await
    .unwrap();
    let mut again = new_unit("91350100M000100Y43");
    again.code = "statistics-2".into();
    assert_eq!(
        units::create(&app.db, &actor, &again, fixed_now())
            .await
            .unwrap_err(),
        AppError::Conflict
    );
}
