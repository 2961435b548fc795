//! Languages: zh-CN by default, English from the browser or the switch, `<html lang>` to match.
use crate::helpers::{TestApp, location};

async fn login_page(app: &TestApp, client: &reqwest::Client, accept_language: &str) -> String {
    client
        .get(app.url("/login"))
        .header("accept-language", accept_language)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn chinese_is_served_by_default_and_english_to_english_browsers() {
    let app = TestApp::spawn().await;
    let zh = login_page(&app, &app.client(), "zh-CN,zh;q=0.9").await;
    assert!(zh.contains("<html lang=\"zh-CN\""));
    assert!(zh.contains(">登录<"));
    let en = login_page(&app, &app.client(), "en-GB,en;q=0.9").await;
    assert!(en.contains("<html lang=\"en\""));
    assert!(en.contains(">Sign in<"));
    let other = login_page(&app, &app.client(), "fr-FR").await;
    assert!(other.contains("<html lang=\"zh-CN\""));
}

#[tokio::test]
async fn the_language_switch_persists_in_a_cookie_and_returns_to_the_page() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let response = client
        .post(app.url("/lang"))
        .form(&[("lang", "en"), ("next", "/login?x=1")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/login?x=1");
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(cookie.starts_with("lang=en;"));
    // The cookie beats a Chinese browser.
    let page = login_page(&app, &client, "zh-CN").await;
    assert!(page.contains("<html lang=\"en\""));
}

#[tokio::test]
async fn the_language_switch_never_redirects_off_site() {
    let app = TestApp::spawn().await;
    let response = app
        .client()
        .post(app.url("/lang"))
        .form(&[("lang", "en"), ("next", "https://evil.example/")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/");
}

#[tokio::test]
async fn a_signed_in_person_choosing_english_gets_their_notices_in_english() {
    use app::server::entities::user;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = TestApp::spawn().await;
    let client = app.signed_in("submitter").await;
    let locale_of = |username: &'static str| {
        let db = app.db.clone();
        async move {
            user::Entity::find()
                .filter(user::Column::Username.eq(username))
                .one(&db)
                .await
                .unwrap()
                .unwrap()
                .locale
        }
    };
    assert_eq!(locale_of("submitter").await, "zh-CN");
    for _ in 0..2 {
        let response = client
            .post(app.url("/lang"))
            .form(&[("lang", "en"), ("next", "/")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
    }
    assert_eq!(locale_of("submitter").await, "en");
    // Recorded once: the second choice changed nothing.
    assert_eq!(app.audit_actions("user.locale_changed").await.len(), 1);
    // Signed out, the switch only sets the cookie.
    app.client()
        .post(app.url("/lang"))
        .form(&[("lang", "en"), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(app.audit_actions("user.locale_changed").await.len(), 1);

    // The next notice to them is in English.
    let f = crate::arrange::submitted_open(&app, "submitter", "weibo", "石柱教育微博").await;
    let reviewer = app.as_api("reviewer").await;
    reviewer.reject(f.id, "重复").await.unwrap();
    let notice = app::server::entities::outbox_message::Entity::find()
        .filter(app::server::entities::outbox_message::Column::Kind.eq("filing_rejected"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        notice.recipient_address.as_deref(),
        Some("submitter@shizhu.example")
    );
    assert_eq!(notice.locale, "en");
}
