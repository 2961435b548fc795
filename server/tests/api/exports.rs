//! The registry export for upward reporting: CSV (UTF-8 with BOM) and XLSX in the upstream
//! template's columns, the registry page's filters, masking by role, audited, and the CLI.
use crate::helpers::{TestApp, fixed_now, xlsx_rows};
use app::server::entities::{account, unit};
use calamine::{Data, Reader, Xlsx};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::process::Command;

const HEADERS_ZH: [&str; 17] = [
    "序号",
    "主办单位",
    "统一社会信用代码",
    "单位类型",
    "平台",
    "账号名称",
    "账号ID/链接",
    "认证主体",
    "运维单位",
    "是否委托第三方",
    "功能定位",
    "开设日期",
    "状态",
    "是否纳入全国政务新媒体信息报送系统",
    "密码保管人",
    "保管人手机",
    "最近改密日期",
];

async fn download(app: &TestApp, client: &reqwest::Client, path: &str) -> reqwest::Response {
    let response = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response
}

/// The CSV's records, after checking the BOM.
async fn csv_rows(app: &TestApp, client: &reqwest::Client, path: &str) -> Vec<Vec<String>> {
    let response = download(app, client, path).await;
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"registry-2026-11-27.csv\"")
    );
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&bytes[3..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

fn row_named<'a>(rows: &'a [Vec<String>], unit: &str, platform: &str) -> &'a Vec<String> {
    rows.iter()
        .find(|r| r[1] == unit && r[4] == platform)
        .unwrap_or_else(|| panic!("no row for {unit} on {platform}"))
}

#[tokio::test]
async fn the_county_office_exports_every_account_in_the_templates_columns() {
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in("reviewer").await;
    let rows = csv_rows(&app, &reviewer, "/exports/registry.csv").await;
    assert_eq!(rows[0], HEADERS_ZH);
    let accounts = account::Entity::find().count(&app.db).await.unwrap();
    assert_eq!(rows.len() as u64 - 1, accounts);
    // Numbered from 1, in the registry's order.
    let numbers: Vec<String> = rows[1..].iter().map(|r| r[0].clone()).collect();
    let expected: Vec<String> = (1..=accounts).map(|n| n.to_string()).collect();
    assert_eq!(numbers, expected);

    let education = unit::Entity::find()
        .filter(unit::Column::Code.eq("education"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let id = app.account_id("education", "wechat_oa").await;
    let a = account::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let row = row_named(&rows, "石柱土家族自治县教育委员会", "微信公众号");
    assert_eq!(
        row[1..],
        [
            education.name.clone(),
            education.credit_code.clone().unwrap(),
            "县级部门".into(),
            "微信公众号".into(),
            a.name.clone(),
            a.platform_account_id.clone().unwrap_or_default(),
            a.verification_subject.clone(),
            a.operating_unit.clone(),
            if a.outsourced { "是" } else { "否" }.into(),
            a.purpose.clone(),
            a.opened_on.to_string(),
            "运营中".into(),
            if a.in_national_system { "是" } else { "否" }.into(),
            a.custodian_name.clone(),
            a.custodian_mobile.clone(),
            a.password_rotated_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ]
    );
    let exported = app.audit_actions("registry.exported").await;
    assert_eq!(exported.len(), 1, "the export is audited");
}

#[tokio::test]
async fn mobiles_are_masked_for_roles_that_may_not_see_them() {
    let app = TestApp::spawn().await;
    let masked = regex_like_masked;
    // Administrators see names with masked mobiles.
    let admin = app.signed_in("admin").await;
    let rows = csv_rows(&app, &admin, "/exports/registry.csv").await;
    assert!(
        rows[1..]
            .iter()
            .all(|r| masked(&r[15]) && !r[14].is_empty())
    );
    // A unit sees its own custodians in full, and nothing of another unit's: neither the name nor
    // the mobile, not even masked (withheld, as README and docs/security.md say; issue 15).
    let submitter = app.signed_in("submitter").await;
    let rows = csv_rows(&app, &submitter, "/exports/registry.csv").await;
    let mut others = 0;
    for r in &rows[1..] {
        if r[1] == "石柱土家族自治县教育委员会" {
            assert!(r[15].len() == 11 && !masked(&r[15]), "{r:?}");
        } else {
            others += 1;
            assert!(r[15].is_empty() && r[14].is_empty(), "{r:?}");
        }
    }
    assert!(others > 0);
    let (file, _) = app::server::export::registry_xlsx(
        &app.as_user("submitter").await,
        &app::domain::RegistryQuery::default(),
        app::i18n::Locale::ZhCn,
    )
    .await
    .unwrap();
    let rows = xlsx_rows(&std::fs::read(file.path()).unwrap());
    for r in rows[1..]
        .iter()
        .filter(|r| r[1] != "石柱土家族自治县教育委员会")
    {
        assert!(
            r.len() <= 14 || r[14..16].iter().all(String::is_empty),
            "{r:?}"
        );
    }
}

/// `138****1234`
fn regex_like_masked(mobile: &str) -> bool {
    mobile.len() == 11
        && mobile[3..7] == *"****"
        && mobile[..3].bytes().all(|b| b.is_ascii_digit())
        && mobile[7..].bytes().all(|b| b.is_ascii_digit())
}

#[tokio::test]
async fn the_export_takes_the_registry_pages_filters_and_english_headers() {
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in("reviewer").await;
    let rows = csv_rows(
        &app,
        &reviewer,
        "/exports/registry.csv?platform=weibo&lang=en",
    )
    .await;
    assert_eq!(rows[0][0], "No.");
    assert_eq!(rows[0][13], "In the national reporting system");
    assert!(rows.len() > 1);
    assert!(rows[1..].iter().all(|r| r[4] == "Weibo"), "{rows:?}");
    assert!(
        rows[1..]
            .iter()
            .all(|r| r[12] == "Active" || r[12] == "Suspended" || r[12] == "Deregistered")
    );
    // The registry page links to exactly this.
    let html = app.html(&reviewer, "/?platform=weibo").await;
    assert!(
        html.contains("href=\"/exports/registry.csv?platform=weibo&amp;status=in_use&amp;page=1\"")
    );
    let total = account::Entity::find()
        .filter(account::Column::Status.eq("active"))
        .count(&app.db)
        .await
        .unwrap();
    let active = csv_rows(&app, &reviewer, "/exports/registry.csv?status=active").await;
    assert_eq!(active.len() as u64 - 1, total);
}

#[tokio::test]
async fn the_xlsx_export_reads_back_with_the_same_headers_and_values() {
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in("reviewer").await;
    let csv = csv_rows(&app, &reviewer, "/exports/registry.csv").await;
    let response = download(&app, &reviewer, "/exports/registry.xlsx").await;
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let xlsx = xlsx_rows(&response.bytes().await.unwrap());
    assert_eq!(xlsx[0], HEADERS_ZH);
    assert_eq!(xlsx, csv, "the same rows, Chinese text intact");
}

#[tokio::test]
async fn signed_out_nobody_exports() {
    let app = TestApp::spawn().await;
    let response = app
        .client()
        .get(app.url("/exports/registry.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert!(app.audit_actions("registry.exported").await.is_empty());
}

#[tokio::test]
async fn an_operator_exports_the_registry_from_the_command_line() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let url = app.test_db.url.clone();
    let run = move |format: &str, out: Option<std::path::PathBuf>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
        command
            .args(["export", "registry", "--format", format])
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "warn");
        if let Some(out) = out {
            command.arg("--out").arg(out);
        }
        command.output().unwrap()
    };
    let csv_path = dir.path().join("registry.csv");
    let xlsx_path = dir.path().join("registry.xlsx");
    let (csv_out, xlsx_out, stdout_out, bad) = tokio::task::spawn_blocking({
        let (c, x) = (csv_path.clone(), xlsx_path.clone());
        move || {
            (
                run("csv", Some(c)),
                run("xlsx", Some(x)),
                run("csv", None),
                run("pdf", None),
            )
        }
    })
    .await
    .unwrap();
    assert!(
        csv_out.status.success(),
        "{}",
        String::from_utf8_lossy(&csv_out.stderr)
    );
    assert!(
        xlsx_out.status.success(),
        "{}",
        String::from_utf8_lossy(&xlsx_out.stderr)
    );
    assert_eq!(bad.status.code(), Some(2));
    let file = std::fs::read(&csv_path).unwrap();
    assert_eq!(
        file, stdout_out.stdout,
        "the same export to a file or to stdout"
    );
    let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&file[3..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let accounts = account::Entity::find().count(&app.db).await.unwrap();
    assert_eq!(rows.len() as u64 - 1, accounts);
    // The operator sees custodians in full.
    assert!(rows[1..].iter().all(|r| !r[15].contains('*')));
    assert_eq!(xlsx_rows(&std::fs::read(&xlsx_path).unwrap()), rows);
    assert_eq!(app.audit_actions("registry.exported").await.len(), 3);
    // Every custodian's mobile in full: the files are the operator's alone (issue 15).
    #[cfg(unix)]
    for path in [&csv_path, &xlsx_path] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", path.display());
    }
    let _ = fixed_now();
}

/// The workbook's sheet XML, as Excel and WPS read it.
fn sheet_xml(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    archive
        .by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

/// The pages of a PDF LibreOffice wrote (its `/Type/Page` objects; the page tree's root is a
/// `/Type/Pages`), each as whether it is wider than tall.
fn pdf_pages(pdf: &[u8]) -> Vec<bool> {
    let text = String::from_utf8_lossy(pdf);
    text.split("endobj")
        .filter(|object| {
            let compact: String = object.split_whitespace().collect();
            compact.contains("/Type/Page") && !compact.contains("/Type/Pages")
        })
        .map(|page| {
            let boxed: Vec<f64> = page
                .split("/MediaBox")
                .nth(1)
                .expect("a page has its MediaBox")
                .split(['[', ']'])
                .nth(1)
                .unwrap()
                .split_whitespace()
                .map(|n| n.parse().unwrap())
                .collect();
            boxed[2] - boxed[0] > boxed[3] - boxed[1]
        })
        .collect()
}

/// Converts `xlsx` to PDF with LibreOffice (Debian's `libreoffice-calc-nogui`, which
/// `scripts/ensure-tools.sh` installs), as a reviewer printing the file would.
fn printed(dir: &std::path::Path, xlsx: &[u8]) -> Vec<u8> {
    let input = dir.join("registry.xlsx");
    std::fs::write(&input, xlsx).unwrap();
    let output = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}/profile",
            dir.display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir)
        .arg(&input)
        .output()
        .expect("LibreOffice (soffice) is installed");
    assert!(output.status.success(), "{output:?}");
    std::fs::read(dir.join("registry.pdf")).expect("soffice wrote the PDF")
}

#[tokio::test]
async fn the_xlsx_opens_as_a_clerk_expects_and_prints_one_page_wide() {
    // Issue 17, item 12.
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in("reviewer").await;
    let response = download(&app, &reviewer, "/exports/registry.xlsx").await;
    let bytes = response.bytes().await.unwrap().to_vec();

    // 序号 a number, dates dates, the rest text.
    let mut book = Xlsx::new(std::io::Cursor::new(bytes.clone())).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).unwrap();
    let first = range.rows().nth(1).expect("a data row");
    assert!(
        matches!(first[0], Data::Float(n) if n == 1.0),
        "{:?}",
        first[0]
    );
    let opened = HEADERS_ZH.iter().position(|h| *h == "开设日期").unwrap();
    let dated = range
        .rows()
        .skip(1)
        .find(|r| !matches!(r[opened], Data::Empty));
    assert!(
        matches!(dated.map(|r| &r[opened]), Some(Data::DateTime(_))),
        "开设日期 is a date: {dated:?}"
    );
    assert!(matches!(first[1], Data::String(_)));

    // Columns as wide as their contents, the header frozen, and the print setup: landscape A4,
    // one page wide, the header row repeated.
    let xml = sheet_xml(&bytes);
    // `<col min="1" max="1" width="…"/>`, adjacent columns of one width sharing an element.
    let attribute = |element: &str, name: &str| -> f64 {
        let value = element.split(&format!(" {name}=\"")).nth(1).unwrap();
        value[..value.find('"').unwrap()].parse().unwrap()
    };
    let widths: Vec<f64> = xml
        .match_indices("<col ")
        .flat_map(|(at, _)| {
            let element = &xml[at..at + xml[at..].find("/>").unwrap()];
            let (min, max) = (attribute(element, "min"), attribute(element, "max"));
            std::iter::repeat_n(attribute(element, "width"), (max - min) as usize + 1)
        })
        .collect();
    assert_eq!(
        widths.len(),
        HEADERS_ZH.len(),
        "every column has a width: {xml:.400}"
    );
    let name = HEADERS_ZH.iter().position(|h| *h == "主办单位").unwrap();
    assert!(widths[name] > widths[0], "{widths:?}");
    assert!(
        widths.iter().all(|w| (6.0..=49.0).contains(w)),
        "{widths:?}"
    );
    assert!(xml.contains("orientation=\"landscape\""), "{xml:.2000}");
    assert!(xml.contains("paperSize=\"9\""));
    assert!(xml.contains("fitToHeight=\"0\"") && xml.contains("fitToPage=\"1\""));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.as_slice())).unwrap();
    let mut workbook = String::new();
    std::io::Read::read_to_string(
        &mut archive.by_name("xl/workbook.xml").unwrap(),
        &mut workbook,
    )
    .unwrap();
    assert!(workbook.contains("_xlnm.Print_Titles"), "{workbook}");

    // Printed by LibreOffice: landscape pages, every column on the first (the demo registry fits
    // one page; without fitting to the width its 17 columns would spill over three or more).
    let dir = tempfile::tempdir().unwrap();
    let pdf = tokio::task::spawn_blocking({
        let dir = dir.path().to_path_buf();
        move || printed(&dir, &bytes)
    })
    .await
    .unwrap();
    assert_eq!(pdf_pages(&pdf), [true], "one landscape page");
}

#[tokio::test]
async fn every_workbook_prints_landscape_one_page_wide_with_its_header_on_each_page() {
    // Issue 17, item 12: the filings report and every sheet of the monthly workbook too.
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in("reviewer").await;
    for path in [
        "/exports/filings.xlsx?from=2026-11-01&to=2026-11-30",
        "/reports/monthly.xlsx?month=2026-11",
    ] {
        let response = download(&app, &reviewer, path).await;
        assert_eq!(response.status(), 200, "{path}");
        let bytes = response.bytes().await.unwrap().to_vec();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.as_slice())).unwrap();
        let sheets: Vec<String> = archive
            .file_names()
            .filter(|n| n.starts_with("xl/worksheets/sheet"))
            .map(str::to_string)
            .collect();
        assert!(!sheets.is_empty());
        for name in &sheets {
            let mut xml = String::new();
            std::io::Read::read_to_string(&mut archive.by_name(name).unwrap(), &mut xml).unwrap();
            assert!(xml.contains("orientation=\"landscape\""), "{path} {name}");
            assert!(xml.contains("fitToPage=\"1\"") && xml.contains("fitToHeight=\"0\""));
            assert!(xml.contains("<col "), "{path} {name}: columns have widths");
        }
        let mut workbook = String::new();
        std::io::Read::read_to_string(
            &mut archive.by_name("xl/workbook.xml").unwrap(),
            &mut workbook,
        )
        .unwrap();
        assert_eq!(
            workbook.matches("_xlnm.Print_Titles").count(),
            sheets.len(),
            "{path}: the header row repeats on every sheet's pages"
        );
    }
}
