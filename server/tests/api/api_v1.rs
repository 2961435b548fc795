//! The JSON API under `/api/v1`, over HTTP against the running app: who may call it (session
//! cookie or bearer token), its one error shape in the caller's language, the reference lists, the
//! registry, the filing workflow with its audit trail, the deadline calculator, exports, tokens,
//! the per-address limits, the command line's `create-token`, and the router held to its OpenAPI
//! document.
use crate::arrange::open_form;
use crate::helpers::{TestApp, TestDb, fixed_now, location};
use app::domain::filing::{FilingForm, Issue};
use app::i18n::{Locale, Msg};
use app::server::audit::{self, Actor, ChainCheck};
use app::server::demo::DEMO_PASSWORD;
use app::server::entities::{account, api_token, audit_event, filing, platform, unit, user};
use app::server::tokens;
use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const EDUCATION: &str = "石柱土家族自治县教育委员会";

fn api(path: &str) -> String {
    format!("{}{path}", server::api_v1::PREFIX)
}

/// A script's client acting with a fresh token of `username`.
async fn script(app: &TestApp, username: &str) -> reqwest::Client {
    app.bearer_client(&app.token_for(username).await.token)
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The `error` object of an API error answer, after checking the shape every error has.
async fn error_body(response: reqwest::Response) -> Value {
    let content_type = header(&response, "content-type");
    assert!(
        content_type.starts_with("application/json"),
        "an API error is JSON, got {content_type:?}"
    );
    let body: Value = response.json().await.unwrap();
    let error = &body["error"];
    assert!(error["code"].is_string(), "{body}");
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    error.clone()
}

/// Asserts an API error's status and code, and hands back the error object.
async fn expect_error(response: reqwest::Response, status: u16, code: &str) -> Value {
    let actual = response.status().as_u16();
    let error = error_body(response).await;
    assert_eq!(
        (actual, error["code"].as_str().unwrap_or_default()),
        (status, code),
        "{error}"
    );
    error
}

/// The JSON body of a successful answer, after checking its status.
async fn expect_json(response: reqwest::Response, status: u16) -> Value {
    let actual = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert_eq!(actual, status, "{text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn id_of(body: &Value) -> i32 {
    body["id"].as_i64().expect("an id") as i32
}

fn open_request(platform: &str, form: FilingForm) -> Value {
    json!({ "kind": "open", "platform": platform, "form": form })
}

async fn post_filing(app: &TestApp, client: &reqwest::Client, body: &Value) -> reqwest::Response {
    client
        .post(app.url(&api("/filings")))
        .json(body)
        .send()
        .await
        .unwrap()
}

/// A draft open request through the API; its JSON.
async fn create_draft(
    app: &TestApp,
    client: &reqwest::Client,
    platform: &str,
    form: FilingForm,
) -> Value {
    let response = post_filing(app, client, &open_request(platform, form)).await;
    expect_json(response, 201).await
}

/// A step of the review: `POST /filings/{id}/{step}`, with a JSON body when the step takes one.
async fn step(
    app: &TestApp,
    client: &reqwest::Client,
    id: i32,
    step: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let request = client.post(app.url(&api(&format!("/filings/{id}/{step}"))));
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    request.send().await.unwrap()
}

async fn patch(app: &TestApp, client: &reqwest::Client, id: i32, body: Value) -> reqwest::Response {
    client
        .patch(app.url(&api(&format!("/filings/{id}"))))
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// An open request for Weibo (where the education unit has no account), submitted through the API.
async fn submitted_filing(app: &TestApp, submitter: &reqwest::Client) -> i32 {
    let id = id_of(&create_draft(app, submitter, "weibo", open_form("石柱教育")).await);
    let submitted = expect_json(step(app, submitter, id, "submit", None).await, 200).await;
    assert_eq!(submitted["state"], "submitted");
    id
}

async fn stored_filing(app: &TestApp, id: i32) -> filing::Model {
    filing::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("the filing is stored")
}

async fn unit_id(app: &TestApp, code: &str) -> i32 {
    unit::Entity::find()
        .filter(unit::Column::Code.eq(code))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn units_page(app: &TestApp, client: &reqwest::Client) -> reqwest::Response {
    client.get(app.url(&api("/units"))).send().await.unwrap()
}

// ---------------------------------------------------------------------------------------------
// Who may call the API
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_request_without_credentials_is_a_json_401_with_a_bearer_challenge() {
    let app = TestApp::spawn().await;

    let response = units_page(&app, &app.client()).await;

    assert!(
        header(&response, "www-authenticate").starts_with("Bearer"),
        "{:?}",
        response.headers()
    );
    expect_error(response, 401, "unauthenticated").await;
}

#[tokio::test]
async fn an_unknown_token_is_refused() {
    let app = TestApp::spawn().await;
    let forged = format!("{}{}", tokens::TOKEN_PREFIX, "0".repeat(64));

    let response = units_page(&app, &app.bearer_client(&forged)).await;

    expect_error(response, 401, "unauthenticated").await;
}

#[tokio::test]
async fn an_authorization_header_that_does_not_authenticate_is_not_rescued_by_the_session_cookie() {
    let app = TestApp::spawn().await;
    let signed_in = app.signed_in("reviewer").await;
    assert_eq!(units_page(&app, &signed_in).await.status(), 200);

    for authorization in ["Bearer rgt_not-a-real-token", "Basic cmV2aWV3ZXI6eA=="] {
        let response = signed_in
            .get(app.url(&api("/units")))
            .header("authorization", authorization)
            .send()
            .await
            .unwrap();

        expect_error(response, 401, "unauthenticated").await;
    }
}

#[tokio::test]
async fn a_revoked_token_is_refused() {
    let app = TestApp::spawn().await;
    let issued = app.token_for("submitter").await;
    let client = app.bearer_client(&issued.token);
    assert_eq!(units_page(&app, &client).await.status(), 200);
    let owner = app.user("submitter").await;
    tokens::revoke(&app.case(&owner), issued.view.id)
        .await
        .unwrap();

    let response = units_page(&app, &client).await;

    expect_error(response, 401, "unauthenticated").await;
}

#[tokio::test]
async fn a_token_is_refused_once_it_has_expired() {
    let app = TestApp::spawn().await;
    let issued = tokens::create(
        &app.db,
        &Actor::operator("test"),
        "submitter",
        &tokens::TokenRequest {
            name: "weekly feed".into(),
            scope: tokens::Scope::Read,
            expires_days: Some(7),
        },
        fixed_now(),
    )
    .await
    .unwrap();
    assert_eq!(
        units_page(&app, &app.bearer_client(&issued.token))
            .await
            .status(),
        200,
        "valid within its seven days"
    );
    // The same database, served a week and a minute later.
    let test_db = app.stop().await;
    let later = fixed_now() + Duration::days(7) + Duration::minutes(1);
    let app = TestApp::spawn_with(test_db, false, later, None).await;

    let response = units_page(&app, &app.bearer_client(&issued.token)).await;

    expect_error(response, 401, "unauthenticated").await;
}

#[tokio::test]
async fn a_token_of_a_deactivated_user_is_refused() {
    let app = TestApp::spawn().await;
    let client = script(&app, "submitter").await;
    assert_eq!(units_page(&app, &client).await.status(), 200);
    let mut person = user::Entity::find()
        .filter(user::Column::Username.eq("submitter"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    person.active = Set(false);
    person.update(&app.db).await.unwrap();

    let response = units_page(&app, &client).await;

    expect_error(response, 401, "unauthenticated").await;
}

#[tokio::test]
async fn the_session_cookie_authenticates_the_api_too() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("auditor").await;

    let response = units_page(&app, &browser).await;

    let units = expect_json(response, 200).await;
    assert!(!units.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_bearer_token_does_not_sign_in_to_pages() {
    let app = TestApp::spawn().await;
    let client = script(&app, "reviewer").await;

    let response = client.get(app.url("/")).send().await.unwrap();

    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/login");
}

#[tokio::test]
async fn a_bearer_token_does_not_authenticate_server_functions() {
    let app = TestApp::spawn().await;
    let client = script(&app, "reviewer").await;
    let id = app.account_id("education", "wechat_oa").await;

    let response = client
        .post(app.url("/api/account"))
        .form(&[("id", id.to_string())])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 401);
}

// ---------------------------------------------------------------------------------------------
// Errors in the caller's language
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn error_messages_follow_accept_language() {
    let app = TestApp::spawn().await;
    let ask = |language: &'static str| {
        app.client()
            .get(app.url(&api("/units")))
            .header("accept-language", language)
            .send()
    };

    let en = ask("en-GB,en;q=0.9").await.unwrap();
    let zh = ask("zh-CN,zh;q=0.9").await.unwrap();

    assert_eq!(header(&en, "content-language"), "en");
    assert_eq!(header(&zh, "content-language"), "zh-CN");
    let en = expect_error(en, 401, "unauthenticated").await;
    let zh = expect_error(zh, 401, "unauthenticated").await;
    assert_eq!(en["message"], Locale::En.t(Msg::ErrorUnauthenticated));
    assert_eq!(zh["message"], Locale::ZhCn.t(Msg::ErrorUnauthenticated));
    assert_ne!(en["message"], zh["message"]);
}

// ---------------------------------------------------------------------------------------------
// Reference lists
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn units_lists_every_unit_in_order_with_its_code_kind_credit_code_and_parent() {
    let app = TestApp::spawn().await;
    let client = script(&app, "auditor").await;

    let body = expect_json(units_page(&app, &client).await, 200).await;

    let listed = body.as_array().unwrap();
    let stored = unit::Entity::find()
        .order_by_asc(unit::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    let codes = |list: &[Value]| -> Vec<String> {
        list.iter()
            .map(|u| u["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        codes(listed),
        stored.iter().map(|u| u.code.clone()).collect::<Vec<_>>()
    );
    let by_code = |code: &str| listed.iter().find(|u| u["code"] == code).unwrap().clone();
    let education = by_code("education");
    let stored_education = stored.iter().find(|u| u.code == "education").unwrap();
    assert_eq!(education["id"], stored_education.id);
    assert_eq!(education["name"], EDUCATION);
    assert_eq!(education["kind"], "department");
    assert_eq!(
        education["credit_code"].as_str(),
        stored_education.credit_code.as_deref()
    );
    assert_eq!(education["parent_code"], Value::Null);
    // An internal division (Art. 9) has no credit code and names the unit it belongs to.
    let division = by_code("office-openness");
    assert_eq!(division["kind"], "internal_division");
    assert_eq!(division["credit_code"], Value::Null);
    assert_eq!(division["parent_code"], "county-office");
}

#[tokio::test]
async fn platforms_lists_every_platform_in_display_order_with_its_approval() {
    let app = TestApp::spawn().await;
    platform::ActiveModel {
        code: Set("unapproved".into()),
        name_zh: Set("未批准平台".into()),
        name_en: Set("Unapproved".into()),
        nationally_approved: Set(false),
        has_account_id: Set(true),
        sort_order: Set(99),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let client = script(&app, "submitter").await;

    let response = client.get(app.url(&api("/platforms"))).send().await;

    let body = expect_json(response.unwrap(), 200).await;
    let stored = platform::Entity::find()
        .order_by_asc(platform::Column::SortOrder)
        .order_by_asc(platform::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    let expected: Vec<Value> = stored
        .iter()
        .map(|p| {
            json!({
                "code": p.code,
                "name_zh": p.name_zh,
                "name_en": p.name_en,
                "nationally_approved": p.nationally_approved,
            })
        })
        .collect();
    assert_eq!(body, Value::Array(expected));
    assert_eq!(
        body.as_array().unwrap().last().unwrap()["code"],
        "unapproved"
    );
}

// ---------------------------------------------------------------------------------------------
// The registry
// ---------------------------------------------------------------------------------------------

async fn accounts(app: &TestApp, client: &reqwest::Client, query: &[(&str, &str)]) -> Value {
    let response = client
        .get(app.url(&api("/accounts")))
        .query(query)
        .send()
        .await
        .unwrap();
    expect_json(response, 200).await
}

fn items(page: &Value) -> &Vec<Value> {
    page["items"].as_array().unwrap()
}

#[tokio::test]
async fn accounts_are_filtered_by_unit() {
    let app = TestApp::spawn().await;
    let client = script(&app, "reviewer").await;

    let page = accounts(&app, &client, &[("unit", "education"), ("per_page", "100")]).await;

    let stored = account::Entity::find()
        .filter(account::Column::HostUnitId.eq(unit_id(&app, "education").await))
        .count(&app.db)
        .await
        .unwrap();
    assert!(stored > 0);
    assert_eq!(page["total"], stored);
    assert_eq!(items(&page).len() as u64, stored);
    assert!(items(&page).iter().all(|a| a["unit_name"] == EDUCATION));
}

#[tokio::test]
async fn accounts_are_filtered_by_platform_and_status() {
    let app = TestApp::spawn().await;
    let client = script(&app, "reviewer").await;

    let page = accounts(
        &app,
        &client,
        &[
            ("platform", "wechat_oa"),
            ("status", "active"),
            ("per_page", "100"),
        ],
    )
    .await;

    let wechat = platform::Entity::find()
        .filter(platform::Column::Code.eq("wechat_oa"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let on_wechat = account::Entity::find().filter(account::Column::PlatformId.eq(wechat.id));
    let stored = on_wechat
        .clone()
        .filter(account::Column::Status.eq("active"))
        .count(&app.db)
        .await
        .unwrap();
    // The demo has suspended and deregistered WeChat accounts, which the filter must leave out.
    assert!(stored > 0 && stored < on_wechat.count(&app.db).await.unwrap());
    assert_eq!(page["total"], stored);
    assert_eq!(items(&page).len() as u64, stored);
    for item in items(&page) {
        assert_eq!(
            (&item["platform"]["code"], &item["status"]),
            (&json!("wechat_oa"), &json!("active"))
        );
    }
}

#[tokio::test]
async fn accounts_are_filtered_by_text_in_their_name() {
    let app = TestApp::spawn().await;
    let client = script(&app, "reviewer").await;

    let page = accounts(&app, &client, &[("q", "平安")]).await;

    let stored = account::Entity::find()
        .filter(account::Column::Name.contains("平安"))
        .count(&app.db)
        .await
        .unwrap();
    assert!(stored > 0);
    assert_eq!(page["total"], stored);
    assert!(
        items(&page)
            .iter()
            .all(|a| a["name"].as_str().unwrap().contains("平安"))
    );
}

#[tokio::test]
async fn accounts_are_found_by_their_platform_account_id() {
    let app = TestApp::spawn().await;
    let client = script(&app, "reviewer").await;
    let id = app.account_id("public-security", "weibo").await;
    let platform_account_id = stored_account(&app, id).await.platform_account_id.unwrap();

    let page = accounts(&app, &client, &[("q", &platform_account_id)]).await;

    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(id_of(&items(&page)[0]), id);
}

#[tokio::test]
async fn accounts_are_listed_by_host_unit_then_platform() {
    let app = TestApp::spawn().await;
    let client = script(&app, "auditor").await;

    let page = accounts(&app, &client, &[("per_page", "100")]).await;

    let listed: Vec<i32> = items(&page).iter().map(id_of).collect();
    let stored: Vec<i32> = account::Entity::find()
        .order_by_asc(account::Column::HostUnitId)
        .order_by_asc(account::Column::PlatformId)
        .order_by_asc(account::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(listed, stored);
}

#[tokio::test]
async fn accounts_come_in_pages_that_together_hold_every_account_once() {
    let app = TestApp::spawn().await;
    let client = script(&app, "auditor").await;
    let stored = app.count(account::Entity).await;
    let per_page = 10u64;
    let pages = stored.div_ceil(per_page);
    assert!(pages > 1, "the demo has more than one page of accounts");

    let mut seen = BTreeSet::new();
    for page_number in 1..=pages {
        let n = page_number.to_string();
        let page = accounts(&app, &client, &[("page", &n), ("per_page", "10")]).await;
        assert_eq!(
            (&page["total"], &page["page"], &page["per_page"]),
            (&json!(stored), &json!(page_number), &json!(per_page))
        );
        let expected = if page_number < pages {
            per_page
        } else {
            stored - per_page * (pages - 1)
        };
        assert_eq!(items(&page).len() as u64, expected, "page {page_number}");
        for item in items(&page) {
            assert!(seen.insert(id_of(item)), "account {} twice", item["id"]);
        }
    }

    assert_eq!(seen.len() as u64, stored);
    let beyond = accounts(&app, &client, &[("page", &(pages + 1).to_string())]).await;
    assert!(items(&beyond).is_empty());
}

#[tokio::test]
async fn a_page_or_page_size_out_of_range_is_unprocessable() {
    let app = TestApp::spawn().await;
    let client = script(&app, "auditor").await;

    for (name, value) in [
        ("per_page", "0"),
        ("per_page", "101"),
        ("page", "0"),
        ("page", "1000001"),
    ] {
        let response = client
            .get(app.url(&api("/accounts")))
            .query(&[(name, value)])
            .send()
            .await
            .unwrap();

        let error = expect_error(response, 422, "invalid").await;
        assert_eq!(error["field"], name, "{name}={value}");
    }
}

#[tokio::test]
async fn a_malformed_filter_is_a_bad_query() {
    let app = TestApp::spawn().await;
    let client = script(&app, "auditor").await;

    for query in [("status", "closed"), ("page", "two")] {
        let response = client
            .get(app.url(&api("/accounts")))
            .query(&[query])
            .send()
            .await
            .unwrap();

        expect_error(response, 400, "bad_query").await;
    }
}

async fn custodian_as(app: &TestApp, client: &reqwest::Client, id: i32) -> Value {
    let response = client
        .get(app.url(&api(&format!("/accounts/{id}"))))
        .send()
        .await
        .unwrap();
    let account = expect_json(response, 200).await;
    assert_eq!(account["id"], id);
    account["custodian"].clone()
}

async fn stored_account(app: &TestApp, id: i32) -> account::Model {
    account::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn art29_an_account_shows_its_custodian_in_full_to_its_own_unit_and_the_county_office() {
    let app = TestApp::spawn().await;
    let id = app.account_id("education", "wechat_oa").await;
    let stored = stored_account(&app, id).await;

    for username in ["submitter", "reviewer"] {
        let client = script(&app, username).await;

        let custodian = custodian_as(&app, &client, id).await;

        assert_eq!(
            custodian,
            json!({
                "name": stored.custodian_name,
                "mobile": stored.custodian_mobile,
                "masked": false,
            }),
            "{username}"
        );
    }
}

#[tokio::test]
async fn art29_an_account_shows_its_custodian_masked_to_administrators_and_auditors() {
    let app = TestApp::spawn().await;
    let id = app.account_id("education", "wechat_oa").await;
    let stored = stored_account(&app, id).await;

    for username in ["admin", "auditor"] {
        let client = script(&app, username).await;

        let custodian = custodian_as(&app, &client, id).await;

        let mobile = custodian["mobile"].as_str().unwrap();
        assert_eq!(custodian["masked"], true, "{username}");
        assert_ne!(mobile, stored.custodian_mobile, "{username}");
        assert_eq!(&mobile[3..7], "****", "{username}");
        assert_eq!(mobile[7..], stored.custodian_mobile[7..], "{username}");
    }
}

#[tokio::test]
async fn art29_an_account_withholds_its_custodian_from_another_units_submitter() {
    let app = TestApp::spawn().await;
    app.add_user("police.clerk", "submitter", Some("public-security"))
        .await;
    let client = script(&app, "police.clerk").await;
    let id = app.account_id("education", "wechat_oa").await;

    let custodian = custodian_as(&app, &client, id).await;

    assert_eq!(custodian, Value::Null);
}

#[tokio::test]
async fn an_unknown_account_is_not_found() {
    let app = TestApp::spawn().await;
    let client = script(&app, "reviewer").await;

    let response = client
        .get(app.url(&api("/accounts/999999")))
        .send()
        .await
        .unwrap();

    expect_error(response, 404, "not_found").await;
}

#[tokio::test]
async fn a_non_numeric_account_id_is_a_bad_path() {
    let app = TestApp::spawn().await;
    let client = script(&app, "reviewer").await;

    let response = client
        .get(app.url(&api("/accounts/wechat")))
        .send()
        .await
        .unwrap();

    expect_error(response, 400, "bad_path").await;
}

// ---------------------------------------------------------------------------------------------
// Filings: creating and editing drafts
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_submitter_creates_a_draft_and_is_told_where_it_is() {
    let app = TestApp::spawn().await;
    let client = script(&app, "submitter").await;

    let response = post_filing(&app, &client, &open_request("weibo", open_form("石柱教育"))).await;

    let location = location(&response);
    let body = expect_json(response, 201).await;
    let id = id_of(&body);
    assert_eq!(location, api(&format!("/filings/{id}")));
    assert_eq!(
        (&body["kind"], &body["state"], &body["platform"]["code"]),
        (&json!("open"), &json!("draft"), &json!("weibo"))
    );
    assert_eq!(body["form"], json!(open_form("石柱教育")));
    assert_eq!(body["unit_name"], EDUCATION);
    let stored = stored_filing(&app, id).await;
    assert_eq!(stored.state.as_str(), "draft");
    assert_eq!(stored.unit_id, unit_id(&app, "education").await);
    let fetched = client.get(app.url(&location)).send().await.unwrap();
    assert_eq!(id_of(&expect_json(fetched, 200).await), id);
}

#[tokio::test]
async fn only_a_units_submitters_create_filings() {
    let app = TestApp::spawn().await;

    for username in ["reviewer", "admin", "auditor"] {
        let client = script(&app, username).await;

        let response =
            post_filing(&app, &client, &open_request("weibo", open_form("石柱教育"))).await;

        expect_error(response, 403, "wrong_role").await;
    }
    assert_eq!(app.count(filing::Entity).await, 0);
}

#[tokio::test]
async fn a_post_repeated_with_the_same_idempotency_key_returns_the_same_draft() {
    let app = TestApp::spawn().await;
    let client = script(&app, "submitter").await;
    let send = || {
        client
            .post(app.url(&api("/filings")))
            .header("idempotency-key", "feed-2026-11-27-0001")
            .json(&open_request("weibo", open_form("石柱教育")))
            .send()
    };

    let first = expect_json(send().await.unwrap(), 201).await;
    let again = send().await.unwrap();

    assert!(again.status().is_success(), "{}", again.status());
    assert_eq!(id_of(&again.json().await.unwrap()), id_of(&first));
    assert_eq!(app.count(filing::Entity).await, 1);
}

#[tokio::test]
async fn an_idempotency_key_is_the_callers_own() {
    let app = TestApp::spawn().await;
    app.add_user("education.clerk", "submitter", Some("education"))
        .await;
    let key = "feed-2026-11-27-0001";
    let post_as = |client: reqwest::Client| {
        let request = client
            .post(app.url(&api("/filings")))
            .header("idempotency-key", key)
            .json(&open_request("weibo", open_form("石柱教育")));
        async move { expect_json(request.send().await.unwrap(), 201).await }
    };

    let first = post_as(script(&app, "submitter").await).await;
    let colleagues = post_as(script(&app, "education.clerk").await).await;

    assert_ne!(id_of(&colleagues), id_of(&first));
    assert_eq!(app.count(filing::Entity).await, 2);
}

#[tokio::test]
async fn a_malformed_idempotency_key_is_refused_and_nothing_is_created() {
    let app = TestApp::spawn().await;
    let client = script(&app, "submitter").await;
    let too_long = "k".repeat(65);

    for key in ["", "two words", too_long.as_str()] {
        let response = client
            .post(app.url(&api("/filings")))
            .header("idempotency-key", key)
            .json(&open_request("weibo", open_form("石柱教育")))
            .send()
            .await
            .unwrap();

        expect_error(response, 400, "bad_idempotency_key").await;
    }
    assert_eq!(app.count(filing::Entity).await, 0);
}

#[tokio::test]
async fn unknown_fields_are_unprocessable_and_nothing_is_created() {
    let app = TestApp::spawn().await;
    let client = script(&app, "submitter").await;
    let mut body = open_request("weibo", open_form("石柱教育"));
    body["priority"] = json!("urgent");

    let response = post_filing(&app, &client, &body).await;

    expect_error(response, 422, "unprocessable").await;
    assert_eq!(app.count(filing::Entity).await, 0);
}

#[tokio::test]
async fn an_unknown_field_inside_the_form_is_unprocessable_rather_than_dropped() {
    let app = TestApp::spawn().await;
    let client = script(&app, "submitter").await;
    let mut body = open_request("weibo", open_form("石柱教育"));
    // A misspelt field would otherwise be dropped without a word, and the draft saved without it.
    body["form"]["custodain_mobile"] = json!("13812341234");

    let response = post_filing(&app, &client, &body).await;

    expect_error(response, 422, "unprocessable").await;
    assert_eq!(app.count(filing::Entity).await, 0);
}

#[tokio::test]
async fn malformed_json_is_a_bad_request_and_nothing_is_created() {
    let app = TestApp::spawn().await;
    let client = script(&app, "submitter").await;

    let response = client
        .post(app.url(&api("/filings")))
        .header("content-type", "application/json")
        .body(r#"{"kind": "open", "platform": "weibo","#)
        .send()
        .await
        .unwrap();

    expect_error(response, 400, "malformed_json").await;
    assert_eq!(app.count(filing::Entity).await, 0);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_an_unsupported_media_type() {
    let app = TestApp::spawn().await;
    let client = script(&app, "submitter").await;

    let response = client
        .post(app.url(&api("/filings")))
        .header("content-type", "text/plain")
        .body(open_request("weibo", open_form("石柱教育")).to_string())
        .send()
        .await
        .unwrap();

    expect_error(response, 415, "unsupported_media_type").await;
    assert_eq!(app.count(filing::Entity).await, 0);
}

#[tokio::test]
async fn a_body_over_64_kib_is_too_large_and_nothing_is_created() {
    let app = TestApp::spawn().await;
    let client = script(&app, "submitter").await;
    let form = FilingForm {
        purpose: "发".repeat(server::api_v1::BODY_LIMIT / 3 + 1),
        ..open_form("石柱教育")
    };
    let body = open_request("weibo", form);
    assert!(body.to_string().len() > server::api_v1::BODY_LIMIT);

    let response = post_filing(&app, &client, &body).await;

    expect_error(response, 413, "body_too_large").await;
    assert_eq!(app.count(filing::Entity).await, 0);
}

#[tokio::test]
async fn a_value_wider_than_its_column_is_invalid_and_names_the_field() {
    let app = TestApp::spawn().await;
    let client = script(&app, "submitter").await;
    let form = FilingForm {
        account_name: "石".repeat(200),
        ..open_form("石柱教育")
    };

    let response = post_filing(&app, &client, &open_request("weibo", form)).await;

    let error = expect_error(response, 422, "invalid").await;
    assert_eq!(error["field"], "account_name");
    assert_eq!(app.count(filing::Entity).await, 0);
}

#[tokio::test]
async fn an_unknown_platform_is_invalid() {
    let app = TestApp::spawn().await;
    let client = script(&app, "submitter").await;

    let response = post_filing(
        &app,
        &client,
        &open_request("myspace", open_form("石柱教育")),
    )
    .await;

    let error = expect_error(response, 422, "invalid").await;
    assert_eq!(error["field"], "platform");
    assert_eq!(app.count(filing::Entity).await, 0);
}

#[tokio::test]
async fn a_change_filing_for_another_units_account_is_refused() {
    let app = TestApp::spawn().await;
    let client = script(&app, "submitter").await;
    let police_weibo = app.account_id("public-security", "weibo").await;
    let body = json!({
        "kind": "change",
        "account_id": police_weibo,
        "form": { "custodian_name": "冉强" },
    });

    let response = post_filing(&app, &client, &body).await;

    expect_error(response, 403, "other_unit").await;
    assert_eq!(app.count(filing::Entity).await, 0);
}

#[tokio::test]
async fn patch_changes_only_the_fields_it_names() {
    let app = TestApp::spawn().await;
    let client = script(&app, "submitter").await;
    let id = id_of(&create_draft(&app, &client, "weibo", open_form("石柱教育")).await);

    let response = patch(&app, &client, id, json!({ "purpose": "发布招生考试信息" })).await;

    let body = expect_json(response, 200).await;
    let expected = FilingForm {
        purpose: "发布招生考试信息".into(),
        ..open_form("石柱教育")
    };
    assert_eq!(body["form"], json!(expected));
    let stored = stored_filing(&app, id).await;
    assert_eq!(
        (stored.purpose.as_str(), stored.account_name.as_str()),
        ("发布招生考试信息", "石柱教育")
    );
    assert_eq!(stored.custodian_mobile, "13812341234");
}

#[tokio::test]
async fn a_submitted_filing_cannot_be_patched() {
    let app = TestApp::spawn().await;
    let client = script(&app, "submitter").await;
    let id = submitted_filing(&app, &client).await;

    let response = patch(&app, &client, id, json!({ "purpose": "改过的定位" })).await;

    expect_error(response, 409, "wrong_state").await;
    let stored = stored_filing(&app, id).await;
    assert_eq!(
        (stored.state.as_str(), stored.purpose.as_str()),
        ("submitted", open_form("").purpose.as_str())
    );
}

#[tokio::test]
async fn another_units_submitter_can_neither_read_nor_patch_a_filing() {
    let app = TestApp::spawn().await;
    let owner = script(&app, "submitter").await;
    let id = id_of(&create_draft(&app, &owner, "weibo", open_form("石柱教育")).await);
    app.add_user("police.clerk", "submitter", Some("public-security"))
        .await;
    let other = script(&app, "police.clerk").await;

    let read = other
        .get(app.url(&api(&format!("/filings/{id}"))))
        .send()
        .await
        .unwrap();
    let edit = patch(&app, &other, id, json!({ "account_name": "平安石柱" })).await;

    expect_error(read, 403, "other_unit").await;
    expect_error(edit, 403, "other_unit").await;
    assert_eq!(stored_filing(&app, id).await.account_name, "石柱教育");
}

// ---------------------------------------------------------------------------------------------
// Filings: the review (Art. 9–12)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_filing_travels_from_draft_to_upward_report_through_the_api() {
    let app = TestApp::spawn().await;
    let submitter = script(&app, "submitter").await;
    let reviewer = script(&app, "reviewer").await;
    let without_purpose = FilingForm {
        purpose: String::new(),
        ..open_form("石柱教育")
    };
    let id = id_of(&create_draft(&app, &submitter, "weibo", without_purpose).await);

    // A form with a gap cannot be submitted; the answer says which field and why.
    let incomplete = step(&app, &submitter, id, "submit", None).await;
    let error = expect_error(incomplete, 422, "incomplete").await;
    let issues = error["issues"].as_array().unwrap();
    assert_eq!(issues.len(), 1, "{error}");
    assert_eq!(issues[0]["field"], "purpose");
    assert_eq!(issues[0]["issue"], json!(Issue::Required));
    assert!(issues[0]["message"].as_str().is_some_and(|m| !m.is_empty()));

    let patched = patch(&app, &submitter, id, json!({ "purpose": "发布教育政策" })).await;
    assert_eq!(expect_json(patched, 200).await["issues"], json!([]));

    let submitted = expect_json(step(&app, &submitter, id, "submit", None).await, 200).await;
    assert_eq!(submitted["state"], "submitted");
    // Art. 11: received Friday 27 November 2026, due the third working day after.
    assert_eq!(submitted["due_on"], "2026-12-02");

    let comment = json!({ "comment": "请补充功能定位" });
    let returned = expect_json(
        step(&app, &reviewer, id, "return", Some(comment)).await,
        200,
    )
    .await;
    assert_eq!(
        (&returned["state"], &returned["decision_note"]),
        (&json!("returned"), &json!("请补充功能定位"))
    );

    let corrected = json!({ "purpose": "发布教育政策、招生考试信息" });
    expect_json(patch(&app, &submitter, id, corrected).await, 200).await;
    let resubmitted = expect_json(step(&app, &submitter, id, "submit", None).await, 200).await;
    assert_eq!(resubmitted["state"], "submitted");
    assert_eq!(
        resubmitted["actions"],
        json!([]),
        "nothing is left for the unit to do while the county office reviews"
    );

    let approved = expect_json(
        step(&app, &reviewer, id, "approve", Some(json!({}))).await,
        200,
    )
    .await;
    assert_eq!(approved["state"], "approved");
    let account_id = approved["account"]["id"].as_i64().expect("the new account") as i32;
    let opened = stored_account(&app, account_id).await;
    assert_eq!(
        (opened.name.as_str(), opened.status.as_str()),
        ("石柱教育", "active")
    );

    let report = json!({
        "reported_on": "2026-11-27",
        "reported_to": "重庆市人民政府办公厅",
        "reference": "渝府办备〔2026〕88号",
    });
    let reported = expect_json(
        step(&app, &reviewer, id, "report-upstream", Some(report)).await,
        200,
    )
    .await;
    assert_eq!(reported["state"], "approved");
    assert_eq!(reported["report"]["reference"], "渝府办备〔2026〕88号");
    assert_eq!(
        stored_filing(&app, id).await.report_reference.as_deref(),
        Some("渝府办备〔2026〕88号")
    );

    // Issue 15, item 12: the report is recorded once; a wrong one is corrected as such.
    let again = json!({
        "reported_on": "2026-11-27",
        "reported_to": "重庆市人民政府办公厅",
        "reference": "渝府办备〔2026〕89号",
    });
    let response = step(&app, &reviewer, id, "report-upstream", Some(again)).await;
    expect_error(response, 409, "already_reported").await;
    let correction = json!({
        "reported_on": "2026-11-27",
        "reported_to": "重庆市人民政府办公厅",
        "reference": "渝府办备〔2026〕89号",
        "reason": "文号笔误",
    });
    let corrected = expect_json(
        step(&app, &reviewer, id, "correct-report", Some(correction)).await,
        200,
    )
    .await;
    assert_eq!(corrected["report"]["reference"], "渝府办备〔2026〕89号");
}

#[tokio::test]
async fn a_reviewer_may_not_submit_a_filing() {
    let app = TestApp::spawn().await;
    let submitter = script(&app, "submitter").await;
    let reviewer = script(&app, "reviewer").await;
    let id = id_of(&create_draft(&app, &submitter, "weibo", open_form("石柱教育")).await);

    let response = step(&app, &reviewer, id, "submit", None).await;

    expect_error(response, 403, "wrong_role").await;
    assert_eq!(stored_filing(&app, id).await.state.as_str(), "draft");
}

#[tokio::test]
async fn a_submitter_may_not_approve_a_filing() {
    let app = TestApp::spawn().await;
    let submitter = script(&app, "submitter").await;
    let id = submitted_filing(&app, &submitter).await;

    let response = step(&app, &submitter, id, "approve", Some(json!({}))).await;

    expect_error(response, 403, "wrong_role").await;
    assert_eq!(stored_filing(&app, id).await.state.as_str(), "submitted");
}

#[tokio::test]
async fn approving_an_approved_filing_again_is_a_conflict() {
    let app = TestApp::spawn().await;
    let submitter = script(&app, "submitter").await;
    let reviewer = script(&app, "reviewer").await;
    let id = submitted_filing(&app, &submitter).await;
    expect_json(
        step(&app, &reviewer, id, "approve", Some(json!({}))).await,
        200,
    )
    .await;

    let again = step(&app, &reviewer, id, "approve", Some(json!({}))).await;

    expect_error(again, 409, "wrong_state").await;
    assert_eq!(app.audit_actions("filing.approved").await.len(), 1);
}

#[tokio::test]
async fn a_rejection_without_a_reason_is_invalid() {
    let app = TestApp::spawn().await;
    let submitter = script(&app, "submitter").await;
    let reviewer = script(&app, "reviewer").await;
    let id = submitted_filing(&app, &submitter).await;

    let response = step(
        &app,
        &reviewer,
        id,
        "reject",
        Some(json!({ "reason": "  " })),
    )
    .await;

    let error = expect_error(response, 422, "invalid").await;
    assert_eq!(error["field"], "reason");
    assert_eq!(stored_filing(&app, id).await.state.as_str(), "submitted");
}

#[tokio::test]
async fn a_filings_history_lists_its_audited_steps_in_order() {
    let app = TestApp::spawn().await;
    let submitter = script(&app, "submitter").await;
    let reviewer = script(&app, "reviewer").await;
    let id = id_of(&create_draft(&app, &submitter, "weibo", open_form("石柱教育")).await);
    expect_json(
        patch(&app, &submitter, id, json!({ "purpose": "发布教育政策" })).await,
        200,
    )
    .await;
    expect_json(step(&app, &submitter, id, "submit", None).await, 200).await;
    expect_json(
        step(&app, &reviewer, id, "approve", Some(json!({}))).await,
        200,
    )
    .await;

    let response = submitter
        .get(app.url(&api(&format!("/filings/{id}/history"))))
        .send()
        .await
        .unwrap();

    let history = expect_json(response, 200).await;
    let steps: Vec<(String, String)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["actor"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let expected = [
        ("filing.created", "submitter"),
        ("filing.edited", "submitter"),
        ("filing.submitted", "submitter"),
        ("filing.approved", "reviewer"),
    ]
    .map(|(a, b)| (a.to_string(), b.to_string()));
    assert_eq!(steps, expected);
    let edited = &history[1]["changes"];
    assert_eq!(edited[0]["field"], "purpose");
    assert_eq!(edited[0]["new"], "发布教育政策");
}

#[tokio::test]
async fn a_draft_is_withdrawn_once() {
    let app = TestApp::spawn().await;
    let submitter = script(&app, "submitter").await;
    let id = id_of(&create_draft(&app, &submitter, "weibo", open_form("石柱教育")).await);

    let withdrawn = expect_json(step(&app, &submitter, id, "withdraw", None).await, 200).await;
    let again = step(&app, &submitter, id, "withdraw", None).await;

    assert_eq!(withdrawn["state"], "withdrawn");
    assert_eq!(stored_filing(&app, id).await.state.as_str(), "withdrawn");
    expect_error(again, 409, "wrong_state").await;
}

#[tokio::test]
async fn art9_an_open_request_where_the_unit_has_a_live_account_is_refused_at_submit() {
    let app = TestApp::spawn().await;
    let submitter = script(&app, "submitter").await;
    // The education unit's WeChat official account, 石柱教育, is live.
    let id = id_of(&create_draft(&app, &submitter, "wechat_oa", open_form("石柱教育二号")).await);

    let response = step(&app, &submitter, id, "submit", None).await;

    let error = expect_error(response, 409, "art9_duplicate").await;
    assert!(
        error["message"].as_str().unwrap().contains("石柱教育"),
        "{error}"
    );
    assert_eq!(stored_filing(&app, id).await.state.as_str(), "draft");
}

// ---------------------------------------------------------------------------------------------
// The audit trail of actions taken with tokens
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_action_taken_with_a_token_records_the_token_on_its_audit_event() {
    let app = TestApp::spawn().await;
    let issued = app.token_for("submitter").await;
    let client = app.bearer_client(&issued.token);

    create_draft(&app, &client, "weibo", open_form("石柱教育")).await;

    let events = app.audit_actions("filing.created").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].via_token_id, Some(issued.view.id));
    assert_eq!(events[0].actor_username.as_deref(), Some("submitter"));
}

#[tokio::test]
async fn a_filings_history_names_the_token_a_step_was_taken_with() {
    let app = TestApp::spawn().await;
    let issued = app.token_for("submitter").await;
    let script = app.bearer_client(&issued.token);
    let browser = app.signed_in("submitter").await;
    let id = id_of(&create_draft(&app, &script, "weibo", open_form("石柱教育")).await);
    expect_json(
        patch(&app, &browser, id, json!({ "purpose": "发布教育政策" })).await,
        200,
    )
    .await;

    let history = expect_json(
        browser
            .get(app.url(&api(&format!("/filings/{id}/history"))))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;

    let steps: Vec<(String, serde_json::Value)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["via_token"].clone(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            ("filing.created".to_string(), json!(issued.view.id)),
            ("filing.edited".to_string(), serde_json::Value::Null),
        ]
    );
}

#[tokio::test]
async fn an_action_taken_in_a_browser_session_records_no_token() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("submitter").await;

    create_draft(&app, &browser, "weibo", open_form("石柱教育")).await;

    let events = app.audit_actions("filing.created").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].via_token_id, None);
    assert_eq!(events[0].actor_username.as_deref(), Some("submitter"));
}

#[tokio::test]
async fn the_audit_chain_stays_intact_after_actions_taken_with_tokens() {
    let app = TestApp::spawn().await;
    let submitter = script(&app, "submitter").await;
    let reviewer = script(&app, "reviewer").await;
    let id = id_of(&create_draft(&app, &submitter, "weibo", open_form("石柱教育")).await);
    expect_json(
        patch(&app, &submitter, id, json!({ "purpose": "发布教育政策" })).await,
        200,
    )
    .await;
    expect_json(step(&app, &submitter, id, "submit", None).await, 200).await;
    expect_json(
        step(&app, &reviewer, id, "approve", Some(json!({}))).await,
        200,
    )
    .await;

    let check = audit::verify(&app.db).await.unwrap();

    let with_token = audit_event::Entity::find()
        .filter(audit_event::Column::ViaTokenId.is_not_null())
        .count(&app.db)
        .await
        .unwrap();
    assert!(with_token >= 4, "{with_token} events carry a token");
    assert_eq!(
        check,
        ChainCheck::Intact {
            events: app.count(audit_event::Entity).await
        }
    );
}

// ---------------------------------------------------------------------------------------------
// The Art. 11 deadline calculator
// ---------------------------------------------------------------------------------------------

async fn deadline(app: &TestApp, query: &[(&str, &str)]) -> reqwest::Response {
    script(app, "submitter")
        .await
        .get(app.url(&api("/deadline")))
        .query(query)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn art11_the_deadline_counts_working_days_on_the_official_calendar() {
    let app = TestApp::spawn().await;

    // Received Wednesday 30 September 2026, before the National Day holiday (1–7 October):
    // 8 and 9 October, then Saturday 10 October, a makeup working day.
    let response = deadline(
        &app,
        &[("received", "2026-09-30T10:00:00+08:00"), ("days", "3")],
    )
    .await;

    let answer = expect_json(response, 200).await;
    assert_eq!(
        answer,
        json!({
            "received_at": "2026-09-30T10:00:00+08:00",
            "received_on": "2026-09-30",
            "working_days": 3,
            "due_on": "2026-10-10",
            "provisional": false,
        })
    );
}

#[tokio::test]
async fn art11_the_deadline_counts_the_countys_working_days_setting_when_none_is_given() {
    let app = TestApp::spawn().await;
    app.db
        .execute_unprepared("UPDATE settings SET review_working_days = 5 WHERE id = 1")
        .await
        .unwrap();

    let response = deadline(&app, &[("received", "2026-09-30T10:00:00+08:00")]).await;

    let answer = expect_json(response, 200).await;
    assert_eq!(answer["working_days"], 5);
    // 8, 9, 10 (makeup Saturday), 12 and 13 October.
    assert_eq!(answer["due_on"], "2026-10-13");
}

#[tokio::test]
async fn a_receipt_instant_that_is_not_rfc3339_is_unprocessable() {
    let app = TestApp::spawn().await;

    let response = deadline(&app, &[("received", "yesterday")]).await;

    let error = expect_error(response, 422, "invalid").await;
    assert_eq!(error["field"], "received");
}

#[tokio::test]
async fn working_days_outside_1_to_30_are_unprocessable() {
    let app = TestApp::spawn().await;

    for days in ["0", "31"] {
        let response = deadline(
            &app,
            &[("received", "2026-09-30T10:00:00+08:00"), ("days", days)],
        )
        .await;

        let error = expect_error(response, 422, "invalid").await;
        assert_eq!(error["field"], "days", "days={days}");
    }
}

#[tokio::test]
async fn a_deadline_without_a_receipt_instant_is_a_bad_query() {
    let app = TestApp::spawn().await;

    let response = deadline(&app, &[("days", "3")]).await;

    expect_error(response, 400, "bad_query").await;
}

// ---------------------------------------------------------------------------------------------
// Exports
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_registry_exports_as_csv_with_a_token_and_the_export_is_audited() {
    let app = TestApp::spawn().await;
    let issued = app.token_for("reviewer").await;
    let client = app.bearer_client(&issued.token);

    let response = client
        .get(app.url(&api("/exports/registry.csv")))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "text/csv; charset=utf-8");
    let bytes = response.bytes().await.unwrap();
    let text = bytes
        .strip_prefix(app::server::export::BOM)
        .expect("a BOM for Excel");
    let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(rows[0], app::server::export::registry_headers(Locale::ZhCn));
    assert_eq!(rows.len() as u64, 1 + app.count(account::Entity).await);
    let events = app.audit_actions("registry.exported").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].via_token_id, Some(issued.view.id));
}

#[tokio::test]
async fn the_registry_exports_as_xlsx_with_a_token() {
    use calamine::{Reader, Xlsx};
    let app = TestApp::spawn().await;
    let client = script(&app, "auditor").await;

    let response = client
        .get(app.url(&api("/exports/registry.xlsx")))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "content-type"),
        app::server::export::XLSX_TYPE
    );
    let bytes = response.bytes().await.unwrap();
    let mut book = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("a workbook");
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).unwrap();
    let first: Vec<String> = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(first, app::server::export::registry_headers(Locale::ZhCn));
    assert_eq!(app.audit_actions("registry.exported").await.len(), 1);
}

#[tokio::test]
async fn an_export_without_credentials_is_a_json_401_and_is_not_audited() {
    let app = TestApp::spawn().await;

    let response = app
        .client()
        .get(app.url(&api("/exports/registry.csv")))
        .send()
        .await
        .unwrap();

    expect_error(response, 401, "unauthenticated").await;
    assert!(app.audit_actions("registry.exported").await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

async fn listed_token_ids(app: &TestApp, client: &reqwest::Client) -> BTreeSet<i32> {
    let response = client.get(app.url(&api("/tokens"))).send().await.unwrap();
    let listed = expect_json(response, 200).await;
    listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            assert!(t.get("token").is_none(), "a listing never shows secrets");
            id_of(t)
        })
        .collect()
}

#[tokio::test]
async fn a_person_lists_only_their_own_tokens() {
    let app = TestApp::spawn().await;
    let first = app.token_for("submitter").await;
    let second = app.token_for("submitter").await;
    app.token_for("reviewer").await;

    let listed = listed_token_ids(&app, &app.bearer_client(&first.token)).await;

    assert_eq!(listed, BTreeSet::from([first.view.id, second.view.id]));
}

#[tokio::test]
async fn an_administrator_lists_everyones_tokens() {
    let app = TestApp::spawn().await;
    app.token_for("submitter").await;
    app.token_for("reviewer").await;
    let admin = script(&app, "admin").await;

    let listed = listed_token_ids(&app, &admin).await;

    let stored: BTreeSet<i32> = api_token::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(stored.len(), 3);
    assert_eq!(listed, stored);
}

#[tokio::test]
async fn a_signed_in_person_creates_a_token_shown_once_that_works_as_a_bearer() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("submitter").await;

    let response = browser
        .post(app.url(&api("/tokens")))
        .json(&json!({
            "name": "provincial feed",
            "expires_days": 30,
            "scope": "read",
            "password": DEMO_PASSWORD,
        }))
        .send()
        .await
        .unwrap();

    let issued = expect_json(response, 201).await;
    let secret = issued["token"].as_str().unwrap().to_string();
    assert!(secret.starts_with(tokens::TOKEN_PREFIX));
    assert_eq!(
        (&issued["name"], &issued["username"], &issued["active"]),
        (&json!("provincial feed"), &json!("submitter"), &json!(true))
    );
    assert_eq!(issued["scope"], "read");
    assert_eq!(
        issued["expires_at"],
        (fixed_now() + Duration::days(30)).to_rfc3339()
    );
    let stored = api_token::Entity::find_by_id(id_of(&issued))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(stored.token_hash, secret, "only a hash is stored");
    assert!(
        !stored
            .token_hash
            .contains(&secret[tokens::TOKEN_PREFIX.len()..])
    );
    assert!(secret.starts_with(&stored.prefix));
    assert_eq!(
        listed_token_ids(&app, &browser).await,
        BTreeSet::from([stored.id])
    );
    assert_eq!(
        units_page(&app, &app.bearer_client(&secret)).await.status(),
        200
    );
    let created = app.audit_actions("token.created").await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].actor_username.as_deref(), Some("submitter"));
    assert_eq!(created[0].entity_id, Some(stored.id.to_string()));
}

#[tokio::test]
async fn a_token_needs_a_name_and_an_expiry_from_1_to_365_days() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("submitter").await;

    for (body, field) in [
        (json!({ "name": "  ", "expires_days": 30 }), "name"),
        (
            json!({ "name": "n".repeat(101), "expires_days": 30 }),
            "name",
        ),
        (json!({ "name": "feed" }), "expires_days"),
        (json!({ "name": "feed", "expires_days": 0 }), "expires_days"),
        (
            json!({ "name": "feed", "expires_days": 366 }),
            "expires_days",
        ),
        (
            json!({ "name": "feed", "expires_days": 3650 }),
            "expires_days",
        ),
    ] {
        let mut body = body;
        body["scope"] = json!("write");
        body["password"] = json!(DEMO_PASSWORD);
        let response = browser
            .post(app.url(&api("/tokens")))
            .header("accept-language", "en")
            .json(&body)
            .send()
            .await
            .unwrap();

        let error = expect_error(response, 422, "invalid").await;
        assert_eq!(error["field"], field, "{body}");
        if field == "expires_days" {
            assert_eq!(
                error["message"], "Give the validity in days, from 1 to 365.",
                "{body}"
            );
        }
    }
    assert_eq!(app.count(api_token::Entity).await, 0);
    assert!(app.audit_actions("token.created").await.is_empty());
}

#[tokio::test]
async fn a_token_cannot_create_another_token() {
    let app = TestApp::spawn().await;
    let client = script(&app, "submitter").await;

    let response = client
        .post(app.url(&api("/tokens")))
        .json(&json!({
            "name": "minted by a script",
            "expires_days": 30,
            "scope": "write",
            "password": DEMO_PASSWORD,
        }))
        .send()
        .await
        .unwrap();

    expect_error(response, 403, "forbidden").await;
    assert_eq!(app.count(api_token::Entity).await, 1);
}

async fn revoke(app: &TestApp, client: &reqwest::Client, id: i32) -> reqwest::Response {
    client
        .delete(app.url(&api(&format!("/tokens/{id}"))))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_owner_revokes_a_token_which_then_stops_working() {
    let app = TestApp::spawn().await;
    let issued = app.token_for("submitter").await;
    let browser = app.signed_in("submitter").await;

    let response = revoke(&app, &browser, issued.view.id).await;

    let revoked = expect_json(response, 200).await;
    assert_eq!(revoked["active"], false);
    assert_eq!(revoked["revoked_at"], fixed_now().to_rfc3339());
    let refused = units_page(&app, &app.bearer_client(&issued.token)).await;
    expect_error(refused, 401, "unauthenticated").await;
    let events = app.audit_actions("token.revoked").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor_username.as_deref(), Some("submitter"));
    assert_eq!(events[0].entity_id, Some(issued.view.id.to_string()));
}

#[tokio::test]
async fn an_administrator_revokes_anyones_token() {
    let app = TestApp::spawn().await;
    let issued = app.token_for("reviewer").await;
    let admin = script(&app, "admin").await;

    let response = revoke(&app, &admin, issued.view.id).await;

    assert_eq!(expect_json(response, 200).await["active"], false);
    let refused = units_page(&app, &app.bearer_client(&issued.token)).await;
    expect_error(refused, 401, "unauthenticated").await;
    let events = app.audit_actions("token.revoked").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor_username.as_deref(), Some("admin"));
}

#[tokio::test]
async fn another_persons_token_is_not_found_for_anyone_but_an_administrator() {
    let app = TestApp::spawn().await;
    let issued = app.token_for("submitter").await;
    let reviewer = script(&app, "reviewer").await;

    let response = revoke(&app, &reviewer, issued.view.id).await;

    expect_error(response, 404, "not_found").await;
    assert_eq!(
        units_page(&app, &app.bearer_client(&issued.token))
            .await
            .status(),
        200
    );
    assert!(app.audit_actions("token.revoked").await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Per-address limits on the ways in
// ---------------------------------------------------------------------------------------------

/// An app that allows three attempts per address, then one a minute.
async fn strictly_limited() -> TestApp {
    TestApp::spawn_configured(TestDb::new().await, true, fixed_now(), |config| {
        config.auth_rate = server::rate_limit::RateConfig {
            per_minute: 1,
            burst: 3,
        };
    })
    .await
}

#[tokio::test]
async fn sign_in_attempts_beyond_the_burst_are_refused_with_retry_after() {
    let app = strictly_limited().await;
    for _ in 0..3 {
        let wrong = app
            .post_login(&app.client(), "reviewer", "not-the-password")
            .await;
        assert_eq!(wrong.status(), 303);
    }

    // The fourth attempt is refused even with the right password.
    let response = app
        .client()
        .post(app.url("/login"))
        .header("accept-language", "en")
        .form(&[
            ("username", "reviewer"),
            ("password", app::server::demo::DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 429);
    assert!(response.headers().get("set-cookie").is_none());
    let retry_after = header(&response, "retry-after");
    let seconds: u64 = retry_after.parse().expect("Retry-After in seconds");
    assert!((1..=60).contains(&seconds), "{seconds}");
    let html = response.text().await.unwrap();
    let message = Locale::En.tf(Msg::ApiRateLimited, &[("seconds", &retry_after)]);
    assert!(html.contains(&message), "{html}");
}

#[tokio::test]
async fn bad_bearer_tokens_beyond_the_burst_are_rate_limited() {
    let app = strictly_limited().await;
    let forged = app.bearer_client("rgt_forged");
    for _ in 0..3 {
        expect_error(units_page(&app, &forged).await, 401, "unauthenticated").await;
    }

    let response = units_page(&app, &forged).await;

    let seconds: u64 = header(&response, "retry-after").parse().unwrap();
    assert!(seconds >= 1);
    expect_error(response, 429, "rate_limited").await;
}

#[tokio::test]
async fn a_bad_token_at_the_token_endpoints_counts_as_one_attempt() {
    let app = strictly_limited().await;
    let forged = app.bearer_client("rgt_forged");
    let tokens_page = || forged.get(app.url(&api("/tokens"))).send();

    // Three attempts are allowed, each counted once although two layers look at it.
    for _ in 0..3 {
        expect_error(tokens_page().await.unwrap(), 401, "unauthenticated").await;
    }
    let response = tokens_page().await.unwrap();

    expect_error(response, 429, "rate_limited").await;
}

#[tokio::test]
async fn a_valid_token_keeps_working_while_its_address_is_limited() {
    let app = strictly_limited().await;
    let valid = script(&app, "reviewer").await;
    let forged = app.bearer_client("rgt_forged");
    for _ in 0..4 {
        units_page(&app, &forged).await;
    }
    expect_error(units_page(&app, &forged).await, 429, "rate_limited").await;

    let response = units_page(&app, &valid).await;

    assert_eq!(response.status(), 200);
}

// ---------------------------------------------------------------------------------------------
// Routing and the cross-site check
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_unknown_path_under_the_api_is_a_json_404() {
    let app = TestApp::spawn().await;
    let client = script(&app, "reviewer").await;

    let response = client
        .get(app.url(&api("/no-such-thing")))
        .send()
        .await
        .unwrap();

    expect_error(response, 404, "no_route").await;
}

#[tokio::test]
async fn a_method_the_path_does_not_take_is_a_json_405() {
    let app = TestApp::spawn().await;
    let client = script(&app, "reviewer").await;

    let response = client.delete(app.url(&api("/units"))).send().await.unwrap();

    expect_error(response, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn a_cross_site_post_with_a_session_cookie_is_refused_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in("submitter").await;

    let response = browser
        .post(app.url(&api("/filings")))
        .header("origin", "https://evil.example")
        .json(&open_request("weibo", open_form("石柱教育")))
        .send()
        .await
        .unwrap();

    expect_error(response, 403, "cross_site").await;
    assert_eq!(app.count(filing::Entity).await, 0);
}

// ---------------------------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------------------------

fn create_token(database_url: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("create-token")
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("running server create-token")
}

#[tokio::test]
async fn create_token_prints_a_token_that_works_against_the_api() {
    let app = TestApp::spawn().await;
    let url = app.test_db.url.clone();

    let output = tokio::task::spawn_blocking(move || {
        create_token(
            &url,
            &[
                "--username",
                "submitter",
                "--expires-days",
                "7",
                "--scope",
                "read",
            ],
        )
    })
    .await
    .unwrap();

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let token = stdout.trim();
    assert_eq!(stdout.lines().count(), 1, "the token alone: {stdout:?}");
    assert!(token.starts_with(tokens::TOKEN_PREFIX));
    let response = units_page(&app, &app.bearer_client(token)).await;
    assert_eq!(response.status(), 200);
    let created = app.audit_actions("token.created").await;
    assert_eq!(created.len(), 1);
    assert_eq!(
        created[0].actor_username.as_deref(),
        Some("cli:create-token")
    );
}

#[tokio::test]
async fn create_token_for_an_unknown_user_exits_2_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let url = app.test_db.url.clone();

    let output = tokio::task::spawn_blocking(move || {
        create_token(&url, &["--username", "nobody", "--scope", "read"])
    })
    .await
    .unwrap();

    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert_eq!(app.count(api_token::Entity).await, 0);
}

// ---------------------------------------------------------------------------------------------
// The router and its OpenAPI document
// ---------------------------------------------------------------------------------------------

async fn openapi_document(app: &TestApp) -> Value {
    let response = app
        .client()
        .get(app.url(&api("/openapi.json")))
        .send()
        .await
        .unwrap();
    expect_json(response, 200).await
}

fn documented_operations(document: &Value) -> BTreeSet<(String, String)> {
    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    document["paths"]
        .as_object()
        .expect("the document has paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|key| METHODS.contains(&key.as_str()))
                .map(|method| (method.to_uppercase(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn routed_operations() -> BTreeSet<(String, String)> {
    server::api_v1::route_table()
        .into_iter()
        .map(|(method, path)| (method.as_str().to_string(), path))
        .collect()
}

#[tokio::test]
async fn the_openapi_document_is_openapi_3_1() {
    let app = TestApp::spawn().await;

    let document = openapi_document(&app).await;

    let version = document["openapi"].as_str().unwrap_or_default();
    assert!(version.starts_with("3.1."), "{version}");
}

#[tokio::test]
async fn every_route_is_documented_and_every_documented_operation_is_routed() {
    let app = TestApp::spawn().await;

    let documented = documented_operations(&openapi_document(&app).await);

    let routed = routed_operations();
    assert_eq!(
        routed.len(),
        server::api_v1::route_table().len(),
        "no route listed twice"
    );
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routed but not documented: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "documented but not routed: {unrouted:?}"
    );
}

#[tokio::test]
async fn every_documented_operation_answers_its_method_at_its_path() {
    let app = TestApp::spawn().await;
    let client = script(&app, "submitter").await;
    let documented = documented_operations(&openapi_document(&app).await);
    assert!(!documented.is_empty());

    for (method, path) in documented {
        let concrete = path.replace("{id}", "999999");
        assert!(
            !concrete.contains('{'),
            "an unknown path parameter in {path}"
        );
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = client.request(method.clone(), app.url(&concrete));
        if matches!(method, reqwest::Method::POST | reqwest::Method::PATCH) {
            request = request.json(&json!({}));
        }

        let response = request.send().await.unwrap();

        let status = response.status();
        let is_json = header(&response, "content-type").starts_with("application/json");
        let body: Value = if is_json {
            response.json().await.unwrap()
        } else {
            Value::Null
        };
        let code = body["error"]["code"].as_str().unwrap_or_default();
        assert!(
            status != 405 && !matches!(code, "no_route" | "method_not_allowed"),
            "{method} {path}: {status} {body}"
        );
    }
}
