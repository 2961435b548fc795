//! E-mail notices (DESIGN §5): queued in the outbox with each change, delivered by the worker to a
//! real SMTP server on loopback, in the recipient's language; an outage, a crash or a rollback
//! loses nothing and sends nothing twice.
use crate::arrange::{closing_form, draft, open_form, submitted_open};
use crate::helpers::{TestApp, TestDb, fixed_now};
use crate::smtp::{Mode, Received, SmtpServer};
use app::domain::filing::FilingKind;
use app::error::AppError;
use app::i18n::Locale;
use app::server::entities::{account, filing, outbox_message, reminder};
use app::server::filings;
use app::server::outbox::{self, Notice, NoticeKind, Recipient};
use app::server::reminders;
use chrono::{TimeZone, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryOrder, Set};
use server::config::Config;
use server::mail::{MailConfig, MailTransport, Worker};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

const BASE: &str = "https://registry.shizhu.example";
const OFFICE: &str = "office@shizhu.example";
const UPPER: &str = "upper@cq.example";
const EDUCATION: &str = "石柱土家族自治县教育委员会";

/// Mail through `smtp_url`, a worker polling every 50 ms, quick retries.
fn mail_settings(mail: &mut MailConfig, smtp_url: String) {
    mail.transport = MailTransport::Smtp(smtp_url.into());
    mail.county_office = Some(format!("县政府办公室 <{OFFICE}>").parse().unwrap());
    mail.upper_level = Some(UPPER.parse().unwrap());
    mail.base_url = BASE.into();
    mail.poll = Some(Duration::from_millis(50));
    mail.retry_base = Duration::from_millis(100);
    mail.lease = Duration::from_secs(15);
    mail.smtp_timeout = Duration::from_secs(10);
}

fn mail_to(smtp_url: String) -> impl FnOnce(&mut Config) {
    move |config| mail_settings(&mut config.mail, smtp_url)
}

async fn spawn_mailing(smtp_url: String) -> TestApp {
    TestApp::spawn_configured(TestDb::new().await, true, fixed_now(), mail_to(smtp_url)).await
}

/// A person with an address and a language, through the operators' service.
async fn person(app: &TestApp, username: &str, role: &str, unit: Option<&str>, locale: Locale) {
    use app::server::auth::{NewUser, create_user};
    create_user(
        &app.db,
        &app::server::audit::Actor::operator("test"),
        NewUser {
            username: username.into(),
            display_name: None,
            role: role.into(),
            unit_code: unit.map(str::to_string),
            email: Some(format!("{username}@shizhu.example")),
            locale: Some(locale),
            password: crate::helpers::TEST_PASSWORD.into(),
            must_change_password: false,
        },
        &Default::default(),
        fixed_now(),
    )
    .await
    .unwrap();
}

async fn rows(app: &TestApp) -> Vec<outbox_message::Model> {
    outbox_message::Entity::find()
        .order_by_asc(outbox_message::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

/// Waits (up to 30 s) until every queued message has reached `status`.
async fn wait_until_all(app: &TestApp, status: &str) -> Vec<outbox_message::Model> {
    wait_until_all_within(app, status, Duration::from_secs(30)).await
}

async fn wait_until_all_within(
    app: &TestApp,
    status: &str,
    within: Duration,
) -> Vec<outbox_message::Model> {
    let deadline = std::time::Instant::now() + within;
    loop {
        let all = rows(app).await;
        if !all.is_empty() && all.iter().all(|m| m.status == status) {
            return all;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not all {status}: {:?}",
            all.iter()
                .filter(|m| m.status != status)
                .take(10)
                .map(|m| (m.id, m.status.clone(), m.last_error.clone()))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The messages that went to `address`.
fn to<'a>(received: &'a [Received], address: &str) -> Vec<&'a Received> {
    received
        .iter()
        .filter(|r| r.to.iter().any(|t| t.contains(address)))
        .collect()
}

fn one<'a>(received: &'a [Received], address: &str) -> &'a Received {
    let found = to(received, address);
    assert_eq!(found.len(), 1, "exactly one message to {address}");
    found[0]
}

/// No notice carries the custodian's name or mobile (personal data the recipients need not see).
fn assert_no_personal_data(received: &[Received]) {
    for r in received {
        let all = format!("{}{}{}", r.subject(), r.text(), r.html());
        assert!(
            !all.contains("13812341234") && !all.contains("谭明"),
            "{all}"
        );
    }
}

#[tokio::test]
async fn a_submission_is_sent_to_the_county_office_and_every_reviewer_in_their_language() {
    let smtp = SmtpServer::start().await;
    let app = spawn_mailing(smtp.url()).await;
    person(&app, "reviewer_en", "reviewer", None, Locale::En).await;
    let submitter = app.user("submitter").await;

    let f = submitted_open(&app, &submitter.username, "weibo", "石柱教育微博").await;
    let f = app.filing_row(f.id).await;

    let received = smtp.wait_for(3).await;
    let sent = wait_until_all(&app, "sent").await;
    assert_eq!(received.len(), 3, "the office and two reviewers");
    let number = &f.number;
    let due = f.due_on.unwrap().to_string();

    let office = one(&received, OFFICE);
    assert_eq!(
        office.subject(),
        format!("【待审核】{EDUCATION}开设申请 {number}")
    );
    assert!(office.text().contains(&format!(
        "{EDUCATION}提交了政务新媒体开设申请（编号 {number}），账号“石柱教育微博”（新浪微博）"
    )));
    assert!(office.text().contains(&format!("审核期限：{due}")));
    assert!(
        office
            .text()
            .contains(&format!("查看详情：{BASE}/filings/{}", f.id))
    );
    assert!(
        office
            .html()
            .contains(&format!("<a href=\"{BASE}/filings/{}\">", f.id))
    );

    let reviewer = one(&received, "reviewer@shizhu.example");
    assert_eq!(reviewer.subject(), office.subject(), "Chinese by default");

    let english = one(&received, "reviewer_en@shizhu.example");
    assert_eq!(
        english.subject(),
        format!("[To review] open request {number} from {EDUCATION}")
    );
    assert!(english.text().contains("account “石柱教育微博” (Weibo)"));
    assert!(english.text().contains(&format!("Review due by: {due}")));
    assert!(english.html().starts_with("<!DOCTYPE html>"));

    assert_no_personal_data(&received);
    // What arrived carries the Message-ID each row was given when it was queued.
    let queued: BTreeSet<String> = sent.iter().map(|m| m.message_id.clone()).collect();
    let arrived: BTreeSet<String> = received
        .iter()
        .map(|r| format!("<{}>", r.message_id()))
        .collect();
    assert_eq!(queued, arrived);
}

#[tokio::test]
async fn decisions_reach_the_submitter_and_the_units_contacts_and_nobody_else() {
    let smtp = SmtpServer::start().await;
    let app = spawn_mailing(smtp.url()).await;
    person(&app, "clerk_en", "submitter", Some("education"), Locale::En).await;
    person(
        &app,
        "outsider",
        "submitter",
        Some("development"),
        Locale::ZhCn,
    )
    .await;
    let submitter = app.as_api("submitter").await;
    let reviewer = app.as_api("reviewer").await;

    // Returned with a comment, resubmitted, approved with a note.
    let f = submitted_open(&app, "submitter", "weibo", "石柱教育微博").await;
    reviewer
        .return_for_correction(f.id, "请补充授权书")
        .await
        .unwrap();
    submitter.submit(f.id).await.unwrap();
    reviewer.approve(f.id, "同意开设").await.unwrap();
    // Another one rejected with a reason.
    let g = submitted_open(&app, "submitter", "kuaishou", "石柱教育快手").await;
    reviewer.reject(g.id, "功能重复").await.unwrap();

    // 3 submissions × (office + reviewer) and 3 decisions × (submitter + clerk).
    let received = smtp.wait_for(12).await;
    wait_until_all(&app, "sent").await;
    assert_eq!(received.len(), 12);
    assert!(
        to(&received, "outsider@").is_empty(),
        "another unit hears nothing"
    );

    let subjects = |address: &str| -> Vec<String> {
        to(&received, address).iter().map(|r| r.subject()).collect()
    };
    let (n, m) = (&f.number, &g.number);
    assert_eq!(
        subjects("submitter@shizhu.example"),
        [
            format!("【退回补正】开设申请 {n}"),
            format!("【已批准】开设申请 {n}"),
            format!("【未批准】开设申请 {m}"),
        ]
    );
    assert_eq!(
        subjects("clerk_en@shizhu.example"),
        [
            format!("[Returned] open request {n}"),
            format!("[Approved] open request {n}"),
            format!("[Rejected] open request {m}"),
        ]
    );
    let zh = to(&received, "submitter@shizhu.example");
    assert!(zh[0].text().contains("退回意见：请补充授权书"));
    assert!(zh[0].text().contains(&format!("{BASE}/filings/{}", f.id)));
    assert!(zh[1].text().contains("登记表已更新"));
    assert!(zh[1].text().contains("审核意见：同意开设"));
    assert!(zh[2].text().contains("驳回理由：功能重复"));
    let en = to(&received, "clerk_en@shizhu.example");
    assert!(en[0].text().contains("Comment: 请补充授权书"));
    assert!(en[2].text().contains("Reason: 功能重复"));
    assert_no_personal_data(&received);
}

#[tokio::test]
async fn an_approval_awaiting_completion_and_the_upward_report_have_their_own_notices() {
    let smtp = SmtpServer::start().await;
    let app = spawn_mailing(smtp.url()).await;
    // Art. 12: this account is in the national reporting system.
    let wechat = app.account_id("education", "wechat_oa").await;
    let f = draft(
        &app,
        "submitter",
        FilingKind::Deregister,
        None,
        Some(wechat),
        closing_form(),
    )
    .await;
    let reviewer = app.as_api("reviewer").await;
    app.as_api("submitter").await.submit(f.id).await.unwrap();
    reviewer.approve(f.id, "").await.unwrap();
    reviewer
        .report_upstream(
            f.id,
            "2026-11-27",
            "重庆市人民政府办公厅",
            "石府办报〔2026〕12号",
        )
        .await
        .unwrap();

    // Submission: office + reviewer; approval: the submitter; report: the upper level.
    let received = smtp.wait_for(4).await;
    wait_until_all(&app, "sent").await;
    let n = &f.number;
    let unit = one(&received, "submitter@shizhu.example");
    assert_eq!(unit.subject(), format!("【已批准，待完成】注销申请 {n}"));
    assert!(unit.text().contains("上传公告截图（第十二条）"));

    let upper = one(&received, UPPER);
    assert_eq!(
        upper.subject(),
        format!("【报备】{EDUCATION}政务新媒体注销 {n}")
    );
    assert!(upper.text().contains("账号“石柱教育”（微信公众号）"));
    assert!(
        upper
            .text()
            .contains("报备文号：石府办报〔2026〕12号；报备日期：2026-11-27。")
    );
    assert!(
        !upper.text().contains(BASE),
        "the upper level has no sign-in here: no link"
    );
    assert_no_personal_data(&received);
}

#[tokio::test]
async fn reminders_are_mailed_to_the_reviewers_and_rotations_to_the_unit() {
    let smtp = SmtpServer::start().await;
    let app = spawn_mailing(smtp.url()).await;
    person(&app, "reviewer_en", "reviewer", None, Locale::En).await;
    let submitter = app.user("submitter").await;
    let f = submitted_open(&app, &submitter.username, "weibo", "石柱教育微博").await;
    let due = app.filing_row(f.id).await.due_on.unwrap();
    // Art. 29: one of the unit's passwords is long overdue.
    let wechat = app.account_id("education", "wechat_oa").await;
    let mut stale: account::ActiveModel = account::Entity::find_by_id(wechat)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    stale.password_rotated_on = Set(Some(chrono::NaiveDate::from_ymd_opt(2025, 1, 6).unwrap()));
    stale.update(&app.db).await.unwrap();

    // 10:00 in Shizhu on the due date, then on the next working day.
    let on_due_day = Utc
        .from_local_datetime(&due.and_hms_opt(2, 0, 0).unwrap())
        .unwrap();
    reminders::run(&app.db, on_due_day).await.unwrap();
    let received = smtp.wait_for(3 + 3).await;
    let next_day = on_due_day + chrono::Duration::days(1);
    reminders::run(&app.db, next_day).await.unwrap();
    let received_after = smtp.wait_for(6 + 2).await;
    wait_until_all(&app, "sent").await;
    assert_eq!(received_after.len(), 8, "nothing else: {received_after:?}");

    let n = &f.number;
    let later = &received_after[6..];
    let today = to(&received[3..], "reviewer@shizhu.example");
    assert_eq!(today.len(), 1);
    assert_eq!(today[0].subject(), format!("【今日到期】开设申请 {n}"));
    assert!(
        today[0]
            .text()
            .contains(&format!("审核期限为今日（{due}）"))
    );
    let today_en = to(&received[3..], "reviewer_en@shizhu.example");
    assert_eq!(
        today_en[0].subject(),
        format!("[Due today] open request {n}")
    );
    let overdue = to(later, "reviewer@shizhu.example");
    assert_eq!(overdue[0].subject(), format!("【已逾期】开设申请 {n}"));
    assert!(overdue[0].text().contains(&format!("已于 {due} 到期")));

    // The rotation went to the unit's contact only, once that week.
    let rotation = to(&received[3..], "submitter@shizhu.example");
    assert_eq!(rotation.len(), 1);
    assert!(rotation[0].subject().starts_with("【密码待更换】"));
    assert!(
        rotation[0]
            .text()
            .contains("石柱教育（微信公众号），上次更换：2025-01-06")
    );
    assert!(rotation[0].text().contains("每 90 天"));
    assert!(
        rotation[0]
            .text()
            .contains(&format!("{BASE}/registry?rotation=overdue"))
    );
    assert!(to(later, "submitter@shizhu.example").is_empty());
}

#[tokio::test]
async fn while_the_mail_server_is_down_messages_wait_and_each_arrives_once_when_it_returns() {
    // A port with nothing listening: the mail server is down.
    let down = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = down.local_addr().unwrap();
    drop(down);
    let app = spawn_mailing(format!("smtp://{addr}")).await;
    let submitter = app.user("submitter").await;
    for (platform, name) in [("weibo", "甲"), ("kuaishou", "乙"), ("bilibili", "丙")] {
        let f = draft(
            &app,
            &submitter.username,
            FilingKind::Open,
            Some(platform),
            None,
            open_form(name),
        )
        .await;
        app.as_api("submitter").await.submit(f.id).await.unwrap();
    }

    // Every message has been tried and is waiting for its next attempt, none given up.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let all = rows(&app).await;
        assert_eq!(all.len(), 6, "3 submissions × (office + reviewer)");
        assert!(
            all.iter()
                .all(|m| m.status != "failed" && m.sent_at.is_none())
        );
        if all
            .iter()
            .all(|m| m.attempts >= 2 && m.status == "queued" && m.last_error.is_some())
        {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{all:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    let smtp = SmtpServer::start_on(addr).await;
    let sent = wait_until_all(&app, "sent").await;
    // Give a stray second delivery the time to show itself.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let received = smtp.received();
    assert_eq!(received.len(), 6, "each message once");
    let arrived: BTreeSet<String> = received
        .iter()
        .map(|r| format!("<{}>", r.message_id()))
        .collect();
    let queued: BTreeSet<String> = sent.iter().map(|m| m.message_id.clone()).collect();
    assert_eq!(arrived, queued, "none lost, none duplicated");
}

#[tokio::test]
async fn a_worker_killed_mid_delivery_delivers_after_restart_under_the_same_message_id() {
    let smtp = SmtpServer::start().await;
    smtp.set_mode(Mode::Hang);
    let adjust = |config: &mut Config| {
        mail_to(smtp.url())(config);
        config.mail.lease = Duration::from_secs(1);
        config.mail.smtp_timeout = Duration::from_secs(60);
    };
    let app = TestApp::spawn_configured(TestDb::new().await, true, fixed_now(), adjust).await;
    let submitter = app.user("submitter").await;
    submitted_open(&app, &submitter.username, "weibo", "石柱教育微博").await;

    // The server has the first message but never answers: the worker is stuck mid-delivery.
    smtp.wait_for(1).await;
    let stuck = rows(&app).await;
    assert_eq!(stuck[0].status.as_str(), "sending");
    // The instance is killed.
    let test_db = app.stop().await;

    smtp.set_mode(Mode::Accept);
    let app = TestApp::spawn_configured(test_db, false, fixed_now(), adjust).await;
    let sent = wait_until_all(&app, "sent").await;
    assert_eq!(sent.len(), 2);
    let received = smtp.received();
    let mut copies: BTreeMap<String, usize> = BTreeMap::new();
    for r in &received {
        *copies.entry(format!("<{}>", r.message_id())).or_default() += 1;
    }
    let queued: BTreeSet<String> = sent.iter().map(|m| m.message_id.clone()).collect();
    assert_eq!(
        copies.keys().cloned().collect::<BTreeSet<_>>(),
        queued,
        "each message arrived"
    );
    // The interrupted one arrived twice, recognisably the same message; the other once.
    assert_eq!(copies.get(&stuck[0].message_id), Some(&2));
    assert_eq!(copies.values().sum::<usize>(), 3);
    let retaken = sent.iter().find(|m| m.id == stuck[0].id).unwrap();
    assert_eq!(retaken.attempts, 2);
}

#[tokio::test]
async fn a_refused_message_fails_and_an_administrator_can_send_it_again() {
    let smtp = SmtpServer::start().await;
    smtp.set_mode(Mode::Refuse);
    let app = spawn_mailing(smtp.url()).await;
    let submitter = app.user("submitter").await;
    submitted_open(&app, &submitter.username, "weibo", "石柱教育微博").await;

    // 550 is final: no retries.
    let failed = wait_until_all(&app, "failed").await;
    assert!(failed.iter().all(|m| m.attempts == 1));
    assert!(failed[0].last_error.as_deref().unwrap().contains("550"));

    let admin = app.user("admin").await;
    let reviewer = app.user("reviewer").await;
    let refused = outbox::retry(&app.case(&reviewer), failed[0].id).await;
    assert_eq!(refused.unwrap_err(), AppError::Forbidden);
    smtp.set_mode(Mode::Accept);
    outbox::retry(&app.case(&admin), failed[0].id)
        .await
        .unwrap();
    smtp.wait_for(1).await;
    let after = rows(&app).await;
    let retried = after.iter().find(|m| m.id == failed[0].id).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut retried = retried.clone();
    while retried.status != "sent" {
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(25)).await;
        retried = outbox_message::Entity::find_by_id(retried.id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
    }
    assert_eq!(retried.message_id, failed[0].message_id, "the same message");
    assert_eq!(
        smtp.received()[0].message_id(),
        failed[0].message_id.trim_matches(['<', '>'])
    );
    // The other one stays failed until someone retries it; a sent message cannot be retried.
    let other = after.iter().find(|m| m.id != failed[0].id).unwrap();
    assert_eq!(other.status.as_str(), "failed");
    let again = outbox::retry(&app.case(&admin), retried.id).await;
    assert_eq!(again.unwrap_err(), AppError::Conflict);
    assert_eq!(
        app.audit_actions("outbox.retried").await.len(),
        1,
        "the retry is audited, the refusals are not"
    );
}

#[tokio::test]
async fn temporary_failures_back_off_and_give_up_after_the_maximum_attempts() {
    let smtp = SmtpServer::start().await;
    smtp.set_mode(Mode::TempFail);
    let adjust = |config: &mut Config| {
        mail_to(smtp.url())(config);
        config.mail.max_attempts = 3;
    };
    let app = TestApp::spawn_configured(TestDb::new().await, true, fixed_now(), adjust).await;
    let submitter = app.user("submitter").await;
    submitted_open(&app, &submitter.username, "weibo", "石柱教育微博").await;

    let failed = wait_until_all(&app, "failed").await;
    for m in &failed {
        assert_eq!(m.attempts, 3);
        assert!(m.last_error.as_deref().unwrap().contains("451"));
        assert!(m.next_attempt_at.is_none() && m.lease_until.is_none());
    }
    assert!(smtp.received().is_empty());
}

#[test]
fn the_backoff_doubles_up_to_six_hours() {
    let mut config = MailConfig::files("unused", BASE);
    config.retry_base = Duration::from_secs(60);
    assert_eq!(config.backoff(1), Duration::from_secs(60));
    assert_eq!(config.backoff(2), Duration::from_secs(120));
    assert_eq!(config.backoff(4), Duration::from_secs(480));
    assert_eq!(config.backoff(30), Duration::from_secs(6 * 3600));
}

/// A trigger that refuses the outbox rows of one filing, on either backend.
async fn refuse_notices_for(app: &TestApp, filing_id: i32) {
    let statements: Vec<String> = if app.test_db.backend() == "postgres" {
        vec![
            "CREATE FUNCTION refuse_notice() RETURNS trigger AS $$ BEGIN \
             RAISE EXCEPTION 'refused by the test'; END; $$ LANGUAGE plpgsql"
                .into(),
            format!(
                "CREATE TRIGGER refuse_notice BEFORE INSERT ON outbox_messages FOR EACH ROW \
                 WHEN (NEW.filing_id = {filing_id}) EXECUTE FUNCTION refuse_notice()"
            ),
        ]
    } else {
        vec![format!(
            "CREATE TRIGGER refuse_notice BEFORE INSERT ON outbox_messages \
             WHEN NEW.filing_id = {filing_id} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        )]
    };
    for sql in statements {
        app.db.execute_unprepared(&sql).await.unwrap();
    }
}

#[tokio::test]
async fn a_change_that_rolls_back_queues_nothing() {
    let app = TestApp::spawn().await;
    let submitter = app.user("submitter").await;
    let reviewer = app.user("reviewer").await;
    let first = submitted_open(&app, &submitter.username, "weibo", "甲").await;
    let second = submitted_open(&app, &submitter.username, "kuaishou", "乙").await;
    let first = app.filing_row(first.id).await;
    let before = rows(&app).await.len();
    let reminders_before = reminder::Entity::find().count(&app.db).await.unwrap();

    // The reminder run queues the first filing's notice, then fails on the second's: the whole
    // run rolls back, the first notice with it.
    refuse_notices_for(&app, second.id).await;
    let on_due_day = Utc
        .from_local_datetime(&first.due_on.unwrap().and_hms_opt(2, 0, 0).unwrap())
        .unwrap();
    assert!(reminders::run(&app.db, on_due_day).await.is_err());
    assert_eq!(rows(&app).await.len(), before);
    assert_eq!(
        reminder::Entity::find().count(&app.db).await.unwrap(),
        reminders_before
    );

    // A decision whose notice cannot be queued is not taken either.
    let refused = filings::reject(&app.case_at(&reviewer, fixed_now()), second.id, "理由").await;
    assert!(refused.is_err());
    let unchanged = filing::Entity::find_by_id(second.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(unchanged.state.as_str(), "submitted");
    assert!(app.audit_actions("filing.rejected").await.is_empty());
    assert_eq!(rows(&app).await.len(), before);

    // Two reviewers approving at once: the loser's transaction queues nothing.
    let second_reviewer = app.add_user("reviewer2", "reviewer", None).await;
    let uc_a = app.case_at(&reviewer, fixed_now());
    let uc_b = app.case_at(&second_reviewer, fixed_now());
    let (a, b) = tokio::join!(
        filings::approve(&uc_a, first.id, ""),
        filings::approve(&uc_b, first.id, ""),
    );
    assert!(a.is_ok() != b.is_ok(), "one wins: {a:?} {b:?}");
    let approvals = rows(&app)
        .await
        .into_iter()
        .filter(|m| m.kind == NoticeKind::FilingApproved.as_str())
        .count();
    assert_eq!(approvals, 1, "one approval notice, to the one submitter");
}

#[tokio::test]
async fn two_workers_drain_a_thousand_messages_each_delivered_exactly_once() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    let reviewer = app.user("reviewer").await;
    let notice = Notice {
        kind: NoticeKind::FilingOverdue,
        filing_id: None,
        unit_id: None,
        params: serde_json::json!({"number": "BA-2026-0001", "filing_kind": "open"}),
    };
    let recipients: Vec<Recipient> = (0..1000)
        .map(|i| Recipient::User {
            id: reviewer.id,
            address: format!("r{i}@shizhu.example"),
            locale: if i % 2 == 0 { Locale::ZhCn } else { Locale::En },
        })
        .collect();
    outbox::enqueue(&app.db, &notice, &recipients, fixed_now())
        .await
        .unwrap();

    // Two instances, each with its own connection pool, as two servers on one database would be.
    let mut config = MailConfig::files("unused", BASE);
    mail_settings(&mut config, smtp.url());
    let config = Arc::new(config);
    let mut workers = Vec::new();
    let mut names = Vec::new();
    for _ in 0..2 {
        let db = app::server::db::connect(&app.test_db.url).await.unwrap();
        let worker = Worker::new(db, config.clone()).unwrap();
        names.push(worker.id().to_string());
        workers.push(worker.spawn(Duration::from_millis(10)));
    }
    let sent = wait_until_all_within(&app, "sent", Duration::from_secs(240)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    for w in &workers {
        w.abort();
    }

    let received = smtp.received();
    assert_eq!(received.len(), 1000, "each delivered once");
    let mut ids = BTreeSet::new();
    for r in &received {
        assert!(
            ids.insert(r.message_id()),
            "delivered twice: {}",
            r.message_id()
        );
    }
    assert!(sent.iter().all(|m| m.attempts == 1));
    // Both took part.
    let by_worker: BTreeSet<&str> = sent
        .iter()
        .filter_map(|m| m.claimed_by.as_deref())
        .collect();
    assert_eq!(by_worker.len(), 2, "{names:?}");
}

#[tokio::test]
async fn without_an_smtp_server_mail_is_written_as_eml_files() {
    let test_db = TestDb::new().await;
    let dir = test_db.files.path().join("mail");
    let app = TestApp::spawn_configured(test_db, true, fixed_now(), |config| {
        config.mail.poll = Some(Duration::from_millis(50));
        config.mail.county_office = None;
    })
    .await;
    let submitter = app.user("submitter").await;
    submitted_open(&app, &submitter.username, "weibo", "石柱教育微博").await;

    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let done = loop {
        let all = rows(&app).await;
        if all.len() == 2
            && all
                .iter()
                .all(|m| m.status == "sent" || m.status == "failed")
        {
            break all;
        }
        assert!(std::time::Instant::now() < deadline, "{all:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    let reviewer_row = done
        .iter()
        .find(|m| m.recipient_address.as_deref() == Some("reviewer@shizhu.example"))
        .unwrap();
    assert_eq!(reviewer_row.status.as_str(), "sent");
    let eml = dir.join(format!("{:08}.eml", reviewer_row.id));
    // Messages name people and their addresses: the server's own user alone reads them (issue 15).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&eml).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let file = std::fs::read(&eml).unwrap();
    let message = Received {
        to: vec![],
        data: file,
    };
    assert_eq!(
        format!("<{}>", message.message_id()),
        reviewer_row.message_id
    );
    assert!(message.subject().starts_with("【待审核】"));
    // Without COUNTY_OFFICE_EMAIL the office's copy has nowhere to go, and says so.
    let office = done
        .iter()
        .find(|m| m.recipient_kind == "county_office")
        .unwrap();
    assert_eq!(office.status.as_str(), "failed");
    assert_eq!(
        office.last_error.as_deref(),
        Some("COUNTY_OFFICE_EMAIL is not set")
    );
}

#[tokio::test]
async fn administrators_read_the_outbox_and_send_a_failed_message_again_without_javascript() {
    use crate::helpers::location;
    let smtp = SmtpServer::start().await;
    smtp.set_mode(Mode::Refuse);
    let app = spawn_mailing(smtp.url()).await;
    let submitter = app.user("submitter").await;
    let f = submitted_open(&app, &submitter.username, "weibo", "石柱教育微博").await;
    let failed = wait_until_all(&app, "failed").await;
    smtp.set_mode(Mode::Accept);

    let admin = app.signed_in("admin").await;
    let html = app
        .html(&admin, "/admin/outbox?status=failed")
        .await
        .replace("<!>", "");
    assert!(html.contains("data-testid=\"outbox-table\""));
    assert_eq!(html.matches("data-testid=\"outbox-row\"").count(), 2);
    assert!(html.contains(&format!("【待审核】{EDUCATION}开设申请 {}", f.number)));
    assert!(html.contains("reviewer@shizhu.example"));
    assert!(html.contains("550"), "the last error is shown");
    assert_eq!(html.matches("data-testid=\"outbox-retry\"").count(), 2);

    // The plain form post, as a browser without JavaScript sends it.
    let id = failed[0].id.to_string();
    let response = admin
        .post(app.url("/api/outbox_retry"))
        .header("accept", "text/html")
        .form(&[("id", id.as_str()), ("status", "failed")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        location(&response),
        format!("/admin/outbox?status=failed&retried={id}")
    );
    smtp.wait_for(1).await;

    // Others are refused, and nothing changes.
    let reviewer = app.signed_in("reviewer").await;
    let page = reviewer.get(app.url("/admin/outbox")).send().await.unwrap();
    assert_eq!(page.status(), 403);
    let other = failed[1].id.to_string();
    let response = reviewer
        .post(app.url("/api/outbox_retry"))
        .form(&[("id", other.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let still = outbox_message::Entity::find_by_id(failed[1].id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.status.as_str(), "failed");
    assert_eq!(app.audit_actions("outbox.retried").await.len(), 1);
}

#[tokio::test]
async fn a_malformed_or_unknown_retry_is_refused_and_changes_nothing() {
    use crate::helpers::Landing;
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin").await;
    for id in ["abc", "999999"] {
        let response = admin
            .post(app.url("/api/outbox_retry"))
            .header("accept", "text/html")
            .form(&[("id", id)])
            .send()
            .await
            .unwrap();
        let landing = Landing::of(&response);
        assert!(
            landing.starts_with("/admin/outbox")
                && landing.flash.as_ref().is_some_and(|f| f.error.is_some()),
            "{id}: {} {landing}",
            response.status()
        );
    }
    assert!(app.audit_actions("outbox.retried").await.is_empty());
}
