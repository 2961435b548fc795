//! The authorisation matrix (issue 8): every page, server function, HTTP route and API endpoint,
//! asked by every role and by someone signed out, compared with the checked-in table
//! `authz_matrix.tsv`. An endpoint missing from the table, or a row naming no endpoint, fails the
//! first test; a role getting in where the table says it is refused (or refused where the table
//! lets it in) fails the second.
//!
//! Outcomes: `ok` (reached the code behind the permission check: any answer but 401, 403 or 404,
//! and no redirect to sign in), `deny` (401 or 403, also as an error carried in a redirect),
//! `login` (sent to the sign-in page), `none` (404: the record is not shown to this role).
//! Samples: `-` (no body), `form:a=1&b=2`, `json:{…}`, `multipart:a=1` (text fields and a small
//! PDF as `file`), `query:a=1`; `{id}` is a record made for each row (the account for account
//! paths, the attachment, the token, else a draft filing of the submitter's unit); `{filing}`,
//! `{account}`, `{token}` name them explicitly, `{user}` a submitter made for the row. An endpoint may have several rows with different
//! samples (a step endpoint, say, once per step).
//! Set `AUTHZ_MATRIX_PRINT=1` to print the observed table, to review and check in.
use crate::helpers::{TestApp, flash_of, location};
use app::server::attachments::{self, Upload};
use reqwest::Method;
use std::collections::BTreeSet;

const TABLE: &str = include_str!("authz_matrix.tsv");
/// The columns of the table after kind, method, path and sample.
const ROLES: [Option<&str>; 6] = [
    None,
    Some("submitter"),
    Some("reviewer"),
    Some("admin"),
    Some("auditor"),
    // The demo's security administrator (`security_admin`).
    Some("security"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Deny,
    Login,
    None,
    /// `?`: a row not yet decided; never matches.
    Unknown,
}

impl Outcome {
    fn parse(text: &str) -> Outcome {
        match text {
            "ok" => Outcome::Ok,
            "deny" => Outcome::Deny,
            "login" => Outcome::Login,
            "none" => Outcome::None,
            "?" => Outcome::Unknown,
            other => panic!("unknown outcome {other:?} in authz_matrix.tsv"),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Deny => "deny",
            Outcome::Login => "login",
            Outcome::None => "none",
            Outcome::Unknown => "?",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Row {
    pub kind: String,
    pub method: String,
    pub path: String,
    pub sample: String,
    pub expected: Vec<Outcome>,
}

pub fn table() -> Vec<Row> {
    TABLE
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            assert_eq!(
                cells.len(),
                4 + ROLES.len(),
                "authz_matrix.tsv: a row needs kind, method, path, sample and {} outcomes: {line}",
                ROLES.len()
            );
            Row {
                kind: cells[0].to_string(),
                method: cells[1].to_string(),
                path: cells[2].to_string(),
                sample: cells[3].to_string(),
                expected: cells[4..].iter().map(|c| Outcome::parse(c)).collect(),
            }
        })
        .collect()
}

/// Every endpoint the application has, as (kind, method, path).
fn endpoints() -> BTreeSet<(String, String, String)> {
    let mut all = BTreeSet::new();
    for route in leptos_axum::generate_route_list(app::app::App) {
        all.insert(("page".into(), "GET".into(), route.path().to_string()));
    }
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        all.insert(("fn".into(), method.to_string(), path.to_string()));
    }
    for (method, path) in server::api_v1::route_table() {
        all.insert(("api".into(), method.to_string(), path));
    }
    for (method, path) in server::startup::route_table() {
        all.insert(("route".into(), method.to_string(), path.to_string()));
    }
    all
}

#[test]
fn every_endpoint_is_in_the_matrix_and_every_row_is_an_endpoint() {
    let rows: BTreeSet<(String, String, String)> = table()
        .into_iter()
        .map(|r| (r.kind, r.method, r.path))
        .collect();
    let actual = endpoints();
    let missing: Vec<String> = actual
        .difference(&rows)
        .map(|(k, m, p)| format!("{k}\t{m}\t{p}\t-\t?\t?\t?\t?\t?"))
        .collect();
    let stale: Vec<String> = rows
        .difference(&actual)
        .map(|(k, m, p)| format!("{k} {m} {p}"))
        .collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "authz_matrix.tsv is out of date.\nEndpoints without a row (add them, with the outcome \
         each role must get):\n{}\nRows naming no endpoint (remove them):\n{}",
        missing.join("\n"),
        stale.join("\n")
    );
}

/// The records a row's `{id}` and `{token}` stand for, made afresh for each row.
pub struct Fixture {
    filing: i32,
    account: i32,
    attachment: i32,
    token: i32,
    /// A submitter for the account administration rows to act on (`{user}`).
    user: i32,
}

pub async fn fixture(app: &TestApp) -> Fixture {
    let submitter = app.user("submitter").await;
    let now = app::server::use_case::Clock::fixed(crate::helpers::fixed_now()).now();
    let draft = app
        .as_api("submitter")
        .await
        .draft_open("douyin", "石柱教育")
        .await;
    let attachment = attachments::store(
        &app.case_at(&submitter, now),
        app.test_db.files.path(),
        Upload {
            filing_id: draft.id,
            kind: "contract",
            file_name: "contract.pdf",
            file: attachments::received_from(app.test_db.files.path(), b"%PDF-1.4\n%matrix\n")
                .await
                .unwrap(),
        },
    )
    .await
    .unwrap();
    static PEOPLE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = PEOPLE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let person = app
        .add_user(
            &format!("matrix.person.{n}"),
            "submitter",
            Some("education"),
        )
        .await;
    Fixture {
        filing: draft.id,
        account: app.account_id("education", "wechat_oa").await,
        attachment: attachment.id,
        token: app.token_for("submitter").await.view.id,
        user: person.id,
    }
}

pub fn fill(text: &str, row_path: &str, f: &Fixture) -> String {
    let id = if row_path.starts_with("/accounts") || row_path.starts_with("/api/v1/accounts") {
        f.account
    } else if row_path.starts_with("/attachments") {
        f.attachment
    } else if row_path.contains("tokens") {
        f.token
    } else {
        f.filing
    };
    text.replace("{id}", &id.to_string())
        .replace("{filing}", &f.filing.to_string())
        .replace("{account}", &f.account.to_string())
        .replace("{attachment}", &f.attachment.to_string())
        .replace("{token}", &f.token.to_string())
        .replace("{user}", &f.user.to_string())
}

/// What a response says about the caller's access.
async fn classify(response: reqwest::Response) -> Outcome {
    let status = response.status().as_u16();
    if response.status().is_redirection() {
        let to = location(&response);
        if to.starts_with("/login") {
            return Outcome::Login;
        }
        // Form posts come back to their page with the error in the flash (issue 17, item 3).
        if let Some(error) = flash_of(&response).and_then(|flash| flash.error) {
            {
                return match error.status() {
                    401 | 403 => Outcome::Deny,
                    404 => Outcome::None,
                    _ => Outcome::Ok,
                };
            }
        }
        return Outcome::Ok;
    }
    match status {
        401 | 403 => Outcome::Deny,
        404 => Outcome::None,
        _ => Outcome::Ok,
    }
}

/// Sends a row's request as one client.
async fn ask(app: &TestApp, client: &reqwest::Client, row: &Row, f: &Fixture) -> Outcome {
    classify(request(app, client, row, f, &[]).send().await.unwrap()).await
}

/// A row's request as one client, with extra headers.
pub fn request(
    app: &TestApp,
    client: &reqwest::Client,
    row: &Row,
    f: &Fixture,
    headers: &[(&str, &str)],
) -> reqwest::RequestBuilder {
    let path = fill(&row.path, &row.path, f);
    let method = Method::from_bytes(row.method.as_bytes()).unwrap();
    let mut request = client
        .request(method, app.url(&path))
        .header("Accept", "application/json");
    let sample = fill(&row.sample, &row.path, f);
    if let Some(form) = sample.strip_prefix("form:") {
        request = request
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form.to_string());
    } else if let Some(json) = sample.strip_prefix("json:") {
        request = request
            .header("Content-Type", "application/json")
            .body(json.to_string());
    } else if let Some(fields) = sample.strip_prefix("multipart:") {
        // Text fields as given, and a small PDF as `file`.
        let mut form = reqwest::multipart::Form::new();
        for pair in fields.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            form = form.text(key.to_string(), value.to_string());
        }
        let part = reqwest::multipart::Part::bytes(b"%PDF-1.4\n%matrix\n".to_vec())
            .file_name("file.pdf")
            .mime_str("application/pdf")
            .unwrap();
        request = request.multipart(form.part("file", part));
    } else if let Some(query) = sample.strip_prefix("query:") {
        let separator = if path.contains('?') { '&' } else { '?' };
        request = client
            .request(
                Method::from_bytes(row.method.as_bytes()).unwrap(),
                app.url(&format!("{path}{separator}{query}")),
            )
            .header("Accept", "application/json");
    } else {
        assert_eq!(sample, "-", "unknown sample {sample:?} in authz_matrix.tsv");
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request
}

#[tokio::test]
async fn every_role_gets_what_the_matrix_says_at_every_endpoint() {
    let app = TestApp::spawn_configured(
        crate::helpers::TestDb::new().await,
        true,
        crate::helpers::fixed_now(),
        |config| {
            // Hundreds of sign-ins from one address as a few people: the limits on sign-in are
            // not under test here.
            config.auth_rate = server::rate_limit::RateConfig {
                per_minute: 100_000,
                burst: 100_000,
            };
            config.auth_user_rate = config.auth_rate;
        },
    )
    .await;
    let print = std::env::var_os("AUTHZ_MATRIX_PRINT").is_some();
    let mut wrong = Vec::new();
    let mut observed_table = Vec::new();
    for row in table() {
        let f = fixture(&app).await;
        let mut observed = Vec::new();
        for role in ROLES {
            let client = match role {
                None => app.client(),
                Some(username) => app.signed_in(username).await,
            };
            observed.push(ask(&app, &client, &row, &f).await);
        }
        for ((role, want), got) in ROLES.iter().zip(&row.expected).zip(&observed) {
            if want != got {
                wrong.push(format!(
                    "{} {} as {}: expected {}, got {}",
                    row.method,
                    row.path,
                    role.unwrap_or("signed out"),
                    want.name(),
                    got.name()
                ));
            }
        }
        observed_table.push(format!(
            "{}\t{}\t{}\t{}\t{}",
            row.kind,
            row.method,
            row.path,
            row.sample,
            observed
                .iter()
                .map(|o| o.name())
                .collect::<Vec<_>>()
                .join("\t")
        ));
    }
    if print {
        println!("{}", observed_table.join("\n"));
    }
    assert!(
        wrong.is_empty(),
        "the authorisation matrix does not hold:\n{}",
        wrong.join("\n")
    );
}
