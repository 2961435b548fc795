//! Histories people can read (issue 17, item 6): the histories of accounts and filings and the
//! auditors' trail show every value through its label, fields in the form's order, no hashes,
//! MIME types or internal flags, filings by number and accounts by name, and an announcement as a
//! link only when it is a web address; the trail's action filter is a list of translated actions.
use crate::arrange::{approved_open, draft_open};
use crate::helpers::{TestApp, fixed_now};
use app::domain::AuditAction;
use app::server::attachments::{self, Upload};
use app::server::audit::{self, Actor, Event};
use app::server::filings;

/// The page in English, as a browser that asks for it gets it.
async fn english(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let response = client
        .get(app.url(path))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    response.text().await.unwrap()
}

/// The history section of a page (from its heading to the end of its table).
fn history(html: &str) -> &str {
    let start = html
        .find("data-testid=\"history\"")
        .expect("the page shows a history");
    let end = html[start..]
        .find("</table>")
        .expect("the history is a table");
    &html[start..start + end]
}

/// The rows of the audit trail's table.
fn trail(html: &str) -> &str {
    let start = html
        .find("data-testid=\"audit-table\"")
        .expect("the trail has events");
    let end = html[start..].find("</table>").unwrap();
    &html[start..start + end]
}

#[tokio::test]
async fn an_opened_accounts_history_lists_its_fields_by_label_and_links_its_filing() {
    let app = TestApp::spawn().await;
    let f = approved_open(&app, "submitter", "reviewer", "bilibili", "石柱教育发布").await;
    let account = app.filing_row(f.id).await.account_id.unwrap();
    let reviewer = app.signed_in("reviewer").await;

    let zh = app.html(&reviewer, &format!("/accounts/{account}")).await;
    let zh = history(&zh);
    assert!(
        !zh.contains("{&quot;") && !zh.contains("{\""),
        "no JSON: {zh}"
    );
    assert!(zh.contains("账号名称"), "{zh}");
    assert!(zh.contains("<ins>石柱教育发布</ins>"), "{zh}");
    assert!(zh.contains("<ins>运营中</ins>"), "{zh}");
    assert!(zh.contains("<ins>否</ins>"), "{zh}");
    assert!(zh.contains("密码保管人"), "{zh}");
    assert!(!zh.contains("false") && !zh.contains("active"), "{zh}");
    assert!(
        !zh.contains("host_unit_id") && !zh.contains("platform_id"),
        "{zh}"
    );
    let link = format!("href=\"/filings/{}\"", f.id);
    assert!(zh.contains(&link), "the filing links to its page: {zh}");
    assert!(zh.contains(&f.number), "{zh}");
    // Form order: the name before the purpose before the custodian.
    let at = |s: &str| zh.find(s).unwrap_or_else(|| panic!("{s} in {zh}"));
    assert!(at("账号名称") < at("data-key=\"purpose\""));
    assert!(at("data-key=\"purpose\"") < at("data-key=\"custodian_name\""));

    let en = english(&app, &reviewer, &format!("/accounts/{account}")).await;
    let en = history(&en);
    assert!(en.contains("Account name"), "{en}");
    assert!(en.contains("<ins>No</ins>"), "{en}");
    assert!(!en.contains("false") && !en.contains("{\""), "{en}");
}

#[tokio::test]
async fn a_filings_history_names_an_attachment_by_its_kind_file_and_size_not_its_hash() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    let draft = draft_open(&app, "submitter", "douyin", "石柱教育").await;
    let stored = attachments::store(
        &app.case_at(&submitter, fixed_now()),
        app.test_db.files.path(),
        Upload {
            filing_id: draft.id,
            kind: "contract",
            file_name: "委托合同.pdf",
            file: attachments::received_from(app.test_db.files.path(), b"%PDF-1.4\n%history\n")
                .await
                .unwrap(),
        },
    )
    .await
    .unwrap();
    let client = app.signed_in("submitter").await;

    let zh = app.html(&client, &format!("/filings/{}", draft.id)).await;
    let zh = history(&zh);
    assert!(zh.contains("附件类型"), "{zh}");
    assert!(zh.contains("<ins>委托运维合同</ins>"), "{zh}");
    assert!(zh.contains("<ins>委托合同.pdf</ins>"), "{zh}");
    assert!(zh.contains("<ins>1 KB</ins>"), "{zh}");
    for hidden in [stored.sha256.as_str(), "application/pdf", ">contract<"] {
        assert!(!zh.contains(hidden), "{hidden} in {zh}");
    }
    // Nor any line for the hash, the MIME type, the row's id or internal flags.
    for key in [
        "sha256",
        "content_type",
        "attachment_id",
        "completion_required",
    ] {
        assert!(!zh.contains(&format!(">{key}")), "{key} in {zh}");
        assert!(
            !zh.contains(&format!("data-key=\"{key}\"")),
            "{key} in {zh}"
        );
    }
    let en = english(&app, &client, &format!("/filings/{}", draft.id)).await;
    let en = history(&en);
    assert!(en.contains("Attachment kind"), "{en}");
    assert!(!en.contains(&stored.sha256), "{en}");
}

#[tokio::test]
async fn a_withdrawn_draft_reads_as_states_in_the_history_and_in_the_trail() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    let draft = draft_open(&app, "submitter", "douyin", "石柱教育").await;
    filings::withdraw(&app.case_at(&submitter, fixed_now()), draft.id)
        .await
        .unwrap();

    let client = app.signed_in("submitter").await;
    let page = app.html(&client, &format!("/filings/{}", draft.id)).await;
    let page = history(&page);
    assert!(page.contains("<del>草稿</del>"), "{page}");
    assert!(page.contains("<ins>已撤回</ins>"), "{page}");
    assert!(!page.contains("withdrawn<"), "{page}");

    let auditor = app.signed_in("auditor").await;
    let zh = app.html(&auditor, "/audit?action=filing.withdrawn").await;
    let rows = trail(&zh);
    assert!(rows.contains("<del>草稿</del>"), "{rows}");
    assert!(rows.contains("<ins>已撤回</ins>"), "{rows}");
    // The filing by its number, linked.
    let link = format!("href=\"/filings/{}\"", draft.id);
    assert!(rows.contains(&link), "{rows}");
    assert!(rows.contains(&format!(">{}</a>", draft.number)), "{rows}");
    assert!(!rows.contains(&format!("#{}<", draft.id)), "{rows}");

    let en = english(&app, &auditor, "/audit?action=filing.withdrawn").await;
    let rows = trail(&en);
    assert!(rows.contains("<del>Draft</del>"), "{rows}");
    assert!(rows.contains("<ins>Withdrawn</ins>"), "{rows}");
}

#[tokio::test]
async fn the_trail_names_an_account_by_its_name() {
    let app = TestApp::spawn().await;
    let f = approved_open(&app, "submitter", "reviewer", "bilibili", "石柱教育发布").await;
    let account = app.filing_row(f.id).await.account_id.unwrap();
    let auditor = app.signed_in("auditor").await;

    let html = app.html(&auditor, "/audit?action=account.opened").await;
    let rows = trail(&html);
    let link = format!("href=\"/accounts/{account}\"");
    assert!(rows.contains(&link), "{rows}");
    assert!(rows.contains(">石柱教育发布</a>"), "{rows}");
    assert!(
        !rows.contains("{&quot;") && !rows.contains("{\""),
        "no JSON: {rows}"
    );
    assert!(
        rows.contains(&format!("href=\"/filings/{}\"", f.id)),
        "the filing it came from, linked: {rows}"
    );
}

/// A completion recorded with `url` as its announcement, as the event would record it.
async fn announcement_recorded(app: &TestApp, filing: i32, url: &str) {
    let txn = app::server::db::begin_write(&app.db).await.unwrap();
    audit::record(
        &txn,
        &Actor::operator("test"),
        Event::new(AuditAction::FilingCompletionRecorded, "filing")
            .on(filing)
            .after(serde_json::json!({
                "platform_done_on": "2026-11-26", "announcement_url": url,
            })),
        fixed_now(),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
}

#[tokio::test]
async fn an_announcement_is_a_link_only_when_it_is_a_web_address() {
    let app = TestApp::spawn().await;
    let draft = draft_open(&app, "submitter", "douyin", "石柱教育").await;
    announcement_recorded(&app, draft.id, "https://www.cqsz.gov.cn/notice/123").await;
    announcement_recorded(&app, draft.id, "javascript:alert(1)").await;
    let client = app.signed_in("submitter").await;

    let html = app.html(&client, &format!("/filings/{}", draft.id)).await;
    let html = history(&html);
    assert!(
        html.contains("<a href=\"https://www.cqsz.gov.cn/notice/123\" rel=\"noopener noreferrer\""),
        "{html}"
    );
    assert!(
        html.contains("javascript:alert(1)"),
        "shown as text: {html}"
    );
    assert!(!html.contains("href=\"javascript:"), "{html}");
}

#[tokio::test]
async fn the_trail_filters_by_an_action_chosen_from_a_translated_list() {
    let app = TestApp::spawn().await;
    approved_open(&app, "submitter", "reviewer", "bilibili", "石柱教育发布").await;
    let auditor = app.signed_in("auditor").await;

    let html = app.html(&auditor, "/audit?action=filing.approved").await;
    assert!(
        html.contains("<select id=\"audit-action\" name=\"action\""),
        "{html}"
    );
    assert!(
        html.contains("<option value=\"filing.approved\" selected"),
        "{html}"
    );
    assert!(html.contains("<optgroup label=\"备案申请\">"), "{html}");
    assert!(!html.contains("input id=\"audit-action\""));
    let en = english(&app, &auditor, "/audit").await;
    assert!(en.contains(">Approve</option>"), "{en}");
    assert!(en.contains(">Filing: every action</option>"), "{en}");

    // A whole code selects that action alone, a prefix every action it begins.
    let opened = app.html(&auditor, "/audit?action=account.open").await;
    assert!(!opened.contains("data-action=\"account.opened\""));
    let prefix = app.html(&auditor, "/audit?action=account.").await;
    assert!(prefix.contains("data-action=\"account.opened\""));
    assert!(
        prefix.contains("<option value=\"account.\" selected"),
        "{prefix}"
    );
    // A prefix the list does not hold stays chosen, as what it is.
    let typed = app.html(&auditor, "/audit?action=filing.appr").await;
    assert!(typed.contains("data-action=\"filing.approved\""));
    assert!(
        typed.contains("<option value=\"filing.appr\" selected"),
        "{typed}"
    );
}
