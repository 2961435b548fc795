//! The registry page and the account endpoints, and who may see custodians.
use crate::helpers::{TestApp, testid_text};
use app::model::CustodianView;

#[tokio::test]
async fn the_registry_lists_every_demo_account_ten_to_a_page() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("auditor").await;
    let html = client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The 31 accounts in use; the deregistered one on request (issue 17, item 2).
    let total = testid_text(&html, "registry-total").unwrap();
    assert!(total.contains("31"), "{total}");
    let all = app.html(&client, "/?status=all").await;
    let total = testid_text(&all, "registry-total").unwrap();
    assert!(total.contains("32"), "{total}");
    assert_eq!(html.matches("data-testid=\"account-link\"").count(), 10);
    assert!(html.contains("data-testid=\"page-next\""));
    assert!(!html.contains("data-testid=\"page-prev\""));
}

#[tokio::test]
async fn filters_and_paging_travel_in_the_url() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("reviewer").await;
    let html = client
        .get(app.url("/?platform=douyin&status=active"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let total = testid_text(&html, "registry-total").unwrap();
    assert!(total.contains('6'), "six live Douyin accounts: {total}");
    assert_eq!(html.matches("data-code=\"douyin\"").count(), 6);

    let page4 = client
        .get(app.url("/?status=all&page=4"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        page4.matches("data-testid=\"account-link\"").count(),
        2,
        "32 accounts: page 4 has two"
    );
    assert!(page4.contains("data-testid=\"page-prev\""));
    assert!(!page4.contains("data-testid=\"page-next\""));
}

#[tokio::test]
async fn a_text_filter_matches_account_names() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("reviewer").await;
    let html = client
        .get(app.url("/?q=%E5%B9%B3%E5%AE%89"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap(); // 平安
    assert_eq!(html.matches("data-testid=\"account-link\"").count(), 4);
}

async fn custodian(app: &TestApp, client: &reqwest::Client, id: i32) -> reqwest::Response {
    client
        .post(app.url("/api/account_custodian"))
        .form(&[("id", id.to_string())])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_submitter_asking_for_another_units_custodian_is_refused() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("submitter").await; // unit: education
    let other = app.account_id("public-security", "weibo").await;

    let response = custodian(&app, &client, other).await;
    assert_eq!(response.status(), 403);

    // The account page itself does not carry the other unit's custodian either.
    let detail = client
        .post(app.url("/api/account"))
        .form(&[("id", other.to_string())])
        .send()
        .await
        .unwrap();
    assert_eq!(detail.status(), 200);
    let detail: serde_json::Value = detail.json().await.unwrap();
    assert_eq!(detail["custodian"], serde_json::json!("Withheld"));
    let html = client
        .get(app.url(&format!("/accounts/{other}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("custodian_mobile") && !html.contains("****"));
}

#[tokio::test]
async fn a_submitter_sees_its_own_units_custodian_in_full() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("submitter").await;
    let own = app.account_id("education", "wechat_oa").await;
    let response = custodian(&app, &client, own).await;
    assert_eq!(response.status(), 200);
    match response.json::<CustodianView>().await.unwrap() {
        CustodianView::Shown { mobile, masked, .. } => {
            assert!(!masked);
            assert_eq!(mobile.len(), 11);
        }
        CustodianView::Withheld => panic!("own unit's custodian withheld"),
    }
}

#[tokio::test]
async fn an_auditor_sees_custodian_mobiles_masked() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("auditor").await;
    let id = app.account_id("education", "wechat_oa").await;
    match custodian(&app, &client, id)
        .await
        .json::<CustodianView>()
        .await
        .unwrap()
    {
        CustodianView::Shown { mobile, masked, .. } => {
            assert!(masked);
            assert_eq!(&mobile[3..7], "****");
        }
        CustodianView::Withheld => panic!("auditor should see the masked number"),
    }
}

#[tokio::test]
async fn an_unknown_account_is_not_found() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("reviewer").await;
    let response = client
        .post(app.url("/api/account"))
        .form(&[("id", "99999")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

/// The registry server function as a script calls it, with the query's fields as given.
async fn registry_api(
    app: &TestApp,
    client: &reqwest::Client,
    fields: &[(&str, &str)],
) -> app::model::RegistryView {
    let response = client
        .post(app.url("/api/registry"))
        .form(fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_registry_server_function_holds_the_page_size_and_the_text_to_the_urls_bounds() {
    let app = TestApp::spawn().await;
    let client = app.signed_in("reviewer").await;
    let view = registry_api(
        &app,
        &client,
        &[("query[page]", "1"), ("query[per_page]", "1000000")],
    )
    .await;
    assert_eq!(view.total, 32);
    assert_eq!(view.rows.len(), 10, "a page size over 100 falls back to 10");
    let view = registry_api(
        &app,
        &client,
        &[("query[page]", "0"), ("query[per_page]", "100")],
    )
    .await;
    assert_eq!(view.rows.len(), 32, "page 0 is page 1");
    // A text of thousands of characters is cut to 64 (and so still matches nothing here).
    let long = "平安".repeat(5000);
    let view = registry_api(
        &app,
        &client,
        &[
            ("query[page]", "1"),
            ("query[per_page]", "10"),
            ("query[text]", &long),
        ],
    )
    .await;
    assert_eq!(view.total, 0);
}

#[tokio::test]
async fn percent_and_underscore_in_a_search_match_themselves() {
    use app::server::entities::account;
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let app = TestApp::spawn().await;
    for (platform, name) in [("toutiao", "满意度100%"), ("douyin", "教育_发布")] {
        let id = app.account_id("education", platform).await;
        let found = account::Entity::find_by_id(id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let mut edit: account::ActiveModel = found.into();
        edit.name = Set(name.into());
        edit.update(&app.db).await.unwrap();
    }
    // Platform account ids (`dy_…`) may hold underscores too: those match `_` as well.
    let all = account::Entity::find().all(&app.db).await.unwrap();
    let literally = |text: &str| -> Vec<i32> {
        let mut ids: Vec<i32> = all
            .iter()
            .filter(|a| {
                a.name.contains(text)
                    || a.platform_account_id
                        .as_deref()
                        .is_some_and(|p| p.contains(text))
            })
            .map(|a| a.id)
            .collect();
        ids.sort();
        ids
    };
    let client = app.signed_in("reviewer").await;
    for text in ["%", "_", "0%", "100%"] {
        let expected = literally(text);
        assert!(!expected.is_empty() && expected.len() < all.len(), "{text}");
        let view = registry_api(
            &app,
            &client,
            &[
                ("query[page]", "1"),
                ("query[per_page]", "100"),
                ("query[text]", text),
            ],
        )
        .await;
        let mut ids: Vec<i32> = view.rows.iter().map(|r| r.id).collect();
        ids.sort();
        assert_eq!(ids, expected, "{text}");
        // The page's URL search takes the same path.
        let html = app
            .html(
                &client,
                // Every status, as the service call above asks.
                &format!("/?q={}&per_page=100&status=all", text.replace('%', "%25")),
            )
            .await;
        assert_eq!(
            html.matches("data-testid=\"account-link\"").count(),
            expected.len(),
            "{text}"
        );
    }
}

#[tokio::test]
async fn the_unit_filter_lists_units_in_pinyin_order() {
    // Issue 17, item 10: a clerk looks for 公安局 under G, not by its code.
    let app = TestApp::spawn().await;
    let client = app.signed_in("reviewer").await;
    let html = app.html(&client, "/").await;
    let select = &html[html.find("id=\"filter-unit\"").unwrap()..];
    let select = &select[..select.find("</select>").unwrap()];
    let names: Vec<&str> = select
        .split("<option")
        .skip(2) // the select's own text, then "any"
        .map(|o| {
            let text = &o[o.find('>').unwrap() + 1..];
            &text[..text.find('<').unwrap()]
        })
        .collect();
    let position = |name: &str| names.iter().position(|n| *n == name).unwrap();
    assert!(names.len() > 5, "{names:?}");
    assert!(
        position("石柱土家族自治县发展和改革委员会") < position("石柱土家族自治县公安局")
            && position("石柱土家族自治县公安局") < position("石柱土家族自治县教育委员会")
            && position("石柱土家族自治县教育委员会") < position("石柱土家族自治县人民政府办公室"),
        "{names:?}"
    );
    let mut sorted = names.clone();
    sorted.sort_by_cached_key(|n| app::server::units::pinyin_key(n));
    assert_eq!(names, sorted);
}

#[tokio::test]
async fn deregistered_accounts_wait_until_asked_for_and_columns_sort_both_ways() {
    use app::server::entities::account;
    use sea_orm::EntityTrait;
    let app = TestApp::spawn().await;
    let client = app.signed_in("reviewer").await;
    let names = |html: &str| -> Vec<String> {
        html.split("data-testid=\"account-link\"")
            .skip(1)
            .map(|rest| {
                let text = &rest[rest.find('>').unwrap() + 1..];
                text[..text.find('<').unwrap()].to_string()
            })
            .collect()
    };
    let accounts = account::Entity::find().all(&app.db).await.unwrap();
    let deregistered: Vec<&account::Model> = accounts
        .iter()
        .filter(|a| a.status.as_str() == "deregistered")
        .collect();
    assert!(
        !deregistered.is_empty(),
        "the demo has a deregistered account"
    );

    // By default: none of them, and the filter says so; every page size keeps to it.
    let html = app.html(&client, "/?per_page=100").await;
    assert_eq!(names(&html).len(), accounts.len() - deregistered.len());
    assert!(deregistered.iter().all(|a| !names(&html).contains(&a.name)));
    assert!(
        html.contains("<option value=\"\" selected"),
        "in use: the choice shown"
    );
    assert!(
        html.contains("<option value=\"100\" selected"),
        "the page size shown"
    );
    let html = app.html(&client, "/?per_page=100&status=all").await;
    assert_eq!(names(&html).len(), accounts.len());
    let html = app.html(&client, "/?status=deregistered").await;
    assert_eq!(names(&html).len(), deregistered.len());

    // Sorted by name, both ways; the page links keep the sort.
    let mut by_name: Vec<String> = accounts
        .iter()
        .filter(|a| a.status.as_str() != "deregistered")
        .map(|a| a.name.clone())
        .collect();
    by_name.sort();
    let html = app.html(&client, "/?sort=name&per_page=100").await;
    let shown = names(&html);
    if app.test_db.backend() == "sqlite" {
        // SQLite compares text by its bytes, as Rust does; PostgreSQL by the database's collation.
        assert_eq!(shown, by_name, "ascending by name");
    }
    assert_eq!(shown.len(), by_name.len());
    assert!(html.contains("aria-sort=\"ascending\""));
    let html = app.html(&client, "/?sort=name&dir=desc&per_page=100").await;
    let descending = names(&html);
    assert_eq!(descending.first(), shown.last(), "descending by name");
    assert_eq!(descending.last(), shown.first());
    assert!(html.contains("aria-sort=\"descending\""));
    let html = app.html(&client, "/?sort=opened&per_page=5").await;
    assert!(html.contains("sort=opened"), "the pager keeps the sort");

    // By status, in the order an account moves through them.
    let html = app
        .html(&client, "/?status=all&sort=status&dir=desc&per_page=100")
        .await;
    let first = names(&html).first().cloned().unwrap();
    assert!(deregistered.iter().any(|a| a.name == first), "{first}");
}
