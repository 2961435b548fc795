//! Arrange steps shared by the suite, taken as the people in the story take them: through the JSON
//! API (`/api/v1`), each person with a bearer token of their own. A test that needs "a submitted
//! open request" or "an approved account" says so in one line, and a change to a service's
//! signature stops at the API's handlers instead of rippling through every test that needs a filing
//! in some state.
//!
//! The steps run at the app's clock (the fixed [`crate::helpers::fixed_now`] unless the test set
//! another); a test that needs a step at another instant calls the service with `case_at`.
use crate::helpers::{TestApp, fixed_now};
use app::domain::filing::{FilingForm, FilingKind};
use app::server::entities::{api_token, filing, user};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;
use serde_json::{Value, json};

/// The education unit's full name, as its forms give it (Art. 10: the verification subject).
const EDUCATION: &str = "石柱土家族自治县教育委员会";

/// A complete open request's form for an account called `name`: the education unit's, with its
/// custodian (谭明, 13812341234), the leader's consent and the collective decision.
pub fn open_form(name: &str) -> FilingForm {
    FilingForm {
        account_name: name.into(),
        platform_account_id: String::new(),
        verification_subject: EDUCATION.into(),
        operating_unit: EDUCATION.into(),
        outsourced: false,
        purpose: "发布教育政策与招生信息".into(),
        custodian_name: "谭明".into(),
        custodian_mobile: "13812341234".into(),
        leader_name: "马丽".into(),
        leader_consent_on: "2026-11-20".into(),
        collective_decision_on: "2026-11-18".into(),
        reason: String::new(),
    }
}

/// A complete closing form (suspension or deregistration): the leader's consent and the reason.
pub fn closing_form() -> FilingForm {
    FilingForm {
        leader_name: "马丽".into(),
        leader_consent_on: "2026-11-20".into(),
        reason: "职能调整，账号不再使用".into(),
        ..Default::default()
    }
}

/// A filing as `/api/v1/filings/{id}` answers it: the fields tests arrange with. A test that asserts
/// on what is stored reads the row ([`TestApp::filing_row`]).
#[derive(Debug, Clone, Deserialize)]
pub struct Filing {
    pub id: i32,
    pub number: String,
}

/// A step the API refused: its status and error body (`{"error": {"code", "message", …}}`).
pub type Refused = (StatusCode, Value);

pub type Answer = Result<Filing, Refused>;

/// One person acting through the API with a bearer token of their own.
pub struct ApiActor<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    pub username: String,
}

impl TestApp {
    /// `username` (a demo user or one the test added) at the API, for arranging.
    ///
    /// The token is written straight into the token table, with the same hash the app stores, instead
    /// of through `tokens::create`: that use case audits `token.created` and queues a notice to the
    /// owner, and a test that counts audit events or mail would then count the arrangement too.
    pub async fn as_api(&self, username: &str) -> ApiActor<'_> {
        use sha2::Digest;
        let owner = user::Entity::find()
            .filter(user::Column::Username.eq(username))
            .one(&self.db)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no user {username}"));
        let secret = format!("rgt_arrange{}", uuid::Uuid::new_v4().simple());
        let hash: String = sha2::Sha256::digest(secret.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        api_token::ActiveModel {
            user_id: Set(owner.id),
            name: Set("arrange".into()),
            prefix: Set(secret.chars().take(10).collect()),
            token_hash: Set(hash),
            created_at: Set(fixed_now()),
            created_by: Set(None),
            expires_at: Set(fixed_now() + chrono::Duration::days(3650)),
            scope: Set(app::server::tokens::Scope::Write),
            ..Default::default()
        }
        .insert(&self.db)
        .await
        .unwrap();
        ApiActor {
            app: self,
            client: self.bearer_client(&secret),
            username: username.to_string(),
        }
    }

    /// A filing's stored row, for what the API does not show (or shows in another shape).
    pub async fn filing_row(&self, id: i32) -> filing::Model {
        filing::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no filing {id}"))
    }
}

impl ApiActor<'_> {
    async fn answer(&self, request: reqwest::RequestBuilder, what: &str) -> Answer {
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let status = response.status();
        let body: Value = response
            .json()
            .await
            .unwrap_or_else(|e| panic!("{what}: {status}, not JSON: {e}"));
        if status.is_success() {
            Ok(serde_json::from_value(body).unwrap_or_else(|e| panic!("{what}: {e}")))
        } else {
            Err((status, body))
        }
    }

    async fn step(&self, id: i32, step: &str, body: Option<Value>) -> Answer {
        let mut request = self
            .client
            .post(self.app.url(&format!("/api/v1/filings/{id}/{step}")));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let what = format!("{} {step} {id}", self.username);
        self.answer(request, &what).await
    }

    /// `POST /api/v1/filings`: a draft for the actor's unit.
    pub async fn create(
        &self,
        kind: FilingKind,
        platform: Option<&str>,
        account_id: Option<i32>,
        form: FilingForm,
    ) -> Answer {
        let body = json!({
            "kind": kind,
            "platform": platform,
            "account_id": account_id,
            "form": form,
        });
        let request = self
            .client
            .post(self.app.url("/api/v1/filings"))
            .json(&body);
        let what = format!("{} creates a {} draft", self.username, kind.as_str());
        self.answer(request, &what).await
    }

    /// A draft open request for an account called `name` on `platform`, with a complete form.
    pub async fn draft_open(&self, platform: &str, name: &str) -> Filing {
        let form = open_form(name);
        let draft = self.create(FilingKind::Open, Some(platform), None, form);
        draft.await.expect("creating an open request")
    }

    pub async fn submit(&self, id: i32) -> Answer {
        self.step(id, "submit", None).await
    }

    pub async fn approve(&self, id: i32, note: &str) -> Answer {
        self.step(id, "approve", Some(json!({ "note": note })))
            .await
    }

    pub async fn return_for_correction(&self, id: i32, comment: &str) -> Answer {
        let body = json!({ "comment": comment });
        self.step(id, "return", Some(body)).await
    }

    pub async fn reject(&self, id: i32, reason: &str) -> Answer {
        self.step(id, "reject", Some(json!({ "reason": reason })))
            .await
    }

    pub async fn grant_waiver(&self, id: i32, reason: &str) -> Answer {
        let body = json!({ "reason": reason });
        self.step(id, "grant-waiver", Some(body)).await
    }

    /// Records that the decision was reported upward on `on` (YYYY-MM-DD).
    pub async fn report_upstream(&self, id: i32, on: &str, to: &str, reference: &str) -> Answer {
        let body = json!({ "reported_on": on, "reported_to": to, "reference": reference });
        self.step(id, "report-upstream", Some(body)).await
    }
}

/// A draft of `who`'s unit: `ApiActor::create`, for a test that needs nothing else of the person.
pub async fn draft(
    app: &TestApp,
    who: &str,
    kind: FilingKind,
    platform: Option<&str>,
    account_id: Option<i32>,
    form: FilingForm,
) -> Filing {
    let who = app.as_api(who).await;
    let draft = who.create(kind, platform, account_id, form).await;
    draft.expect("creating a draft")
}

/// A draft open request of `who`'s unit for an account called `name` on `platform`.
pub async fn draft_open(app: &TestApp, who: &str, platform: &str, name: &str) -> Filing {
    app.as_api(who).await.draft_open(platform, name).await
}

/// A draft open request by `submitter`, submitted: the Art. 11 period runs.
pub async fn submitted_open(app: &TestApp, submitter: &str, platform: &str, name: &str) -> Filing {
    let submitter = app.as_api(submitter).await;
    let draft = submitter.draft_open(platform, name).await;
    submitter.submit(draft.id).await.expect("submitting")
}

/// An open request by `submitter` approved by `reviewer`: the account is in the registry.
pub async fn approved_open(
    app: &TestApp,
    submitter: &str,
    reviewer: &str,
    platform: &str,
    name: &str,
) -> Filing {
    let f = submitted_open(app, submitter, platform, name).await;
    let reviewer = app.as_api(reviewer).await;
    reviewer.approve(f.id, "").await.expect("approving")
}

/// A second factor (TOTP) enrolled as a person enrols it on their page, with the plain form posts a
/// browser without JavaScript sends.
pub mod second_factor {
    use crate::helpers::{TestApp, person, post_form};
    use chrono::{DateTime, Utc};

    /// The code an authenticator app shows at `at` for a base32 secret (SHA-1, 6 digits, 30 s).
    pub fn code_at(secret: &str, at: DateTime<Utc>) -> String {
        let bytes = totp_rs::Secret::try_from_base32(secret)
            .expect("a base32 secret")
            .as_ref()
            .to_vec();
        totp_rs::Builder::new()
            .with_secret(bytes)
            .build()
            .unwrap()
            .generate(at.timestamp() as u64)
            .to_string()
    }

    /// The recovery codes a page shows.
    pub fn codes_on(html: &str) -> Vec<String> {
        html.split("data-testid=\"totp-recovery-code\"")
            .skip(1)
            .filter_map(|rest| {
                let start = rest.find('>')? + 1;
                let end = rest[start..].find('<')?;
                Some(rest[start..start + end].to_string())
            })
            .collect()
    }

    /// Begins an enrolment on the page; returns the secret the server stored.
    pub async fn begin(app: &TestApp, client: &reqwest::Client, username: &str) -> String {
        let to = post_form(app, client, "/api/second_factor_begin", &[]).await;
        assert_eq!(to, "/account/second-factor");
        person(app, username)
            .await
            .totp_secret
            .expect("a pending secret")
    }

    /// Enrols `username` (signed in on `client`) with the server's clock at `now`; returns the secret
    /// and the recovery codes the page showed.
    pub async fn enrol(
        app: &TestApp,
        client: &reqwest::Client,
        username: &str,
        now: DateTime<Utc>,
    ) -> (String, Vec<String>) {
        let secret = begin(app, client, username).await;
        let to = post_form(
            app,
            client,
            "/api/second_factor_confirm",
            &[("code", &code_at(&secret, now))],
        )
        .await;
        assert_eq!(to, "/account/second-factor?enabled=1");
        let html = app.html(client, &to).await;
        let codes = codes_on(&html);
        assert_eq!(codes.len(), 10, "{html}");
        (secret, codes)
    }
}
