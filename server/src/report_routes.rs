//! Reports as files: `GET /exports/filings.csv` and `/exports/filings.xlsx` (报备: the filings
//! received in `from`..=`to`, China dates) and `GET /reports/monthly.xlsx` (Art. 34's monthly
//! report, one sheet per section). `lang=en` gives English headers. The filings CSV streams as it
//! is read and the workbooks are built in temporary files and then streamed, so memory stays
//! bounded whatever the period. Bad input is refused before anything is read, with a translated
//! page and 400.
use crate::downloads::{attachment, file_locale, refused, stream_csv, stream_file};
use crate::startup::AppState;
use app::error::AppError;
use app::model::SessionUser;
use app::server::audit::Actor;
use app::server::reports::ReportDownload;
use app::server::use_case::RequestMeta;
use app::server::{export, reports};
use axum::extract::{Extension, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use std::collections::HashMap;

fn param<'a>(params: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    params.get(name).map(String::as_str)
}

/// `GET /exports/filings.csv?from=YYYY-MM-DD&to=YYYY-MM-DD[&lang=en]`
pub async fn filings_csv(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    user: Option<Extension<SessionUser>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let locale = file_locale(&params);
    let now = state.clock.now();
    let opened = async {
        let Extension(user) = user.ok_or(AppError::Unauthenticated)?;
        let period = reports::read_period(param(&params, "from"), param(&params, "to"))?;
        let report = reports::FilingsReport::open(&state.db, &user, period, locale, now).await?;
        let download = ReportDownload::Filings {
            period,
            format: "csv",
        };
        reports::record_download(&state.db, &Actor::user(&user, &meta), download, now).await?;
        Ok::<_, AppError>((period, report))
    }
    .await;
    let (period, report) = match opened {
        Ok(opened) => opened,
        Err(error) => return refused(&error, &params, &headers),
    };
    let body = stream_csv(reports::filings_headers(locale), report);
    let name = reports::filings_file_name(period, locale, "csv");
    attachment(body, "text/csv; charset=utf-8", name)
}

/// `GET /exports/filings.xlsx?from=YYYY-MM-DD&to=YYYY-MM-DD[&lang=en]`
pub async fn filings_xlsx(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    user: Option<Extension<SessionUser>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let locale = file_locale(&params);
    let built = async {
        let Extension(user) = user.ok_or(AppError::Unauthenticated)?;
        let period = reports::read_period(param(&params, "from"), param(&params, "to"))?;
        let now = state.clock.now();
        let (file, _) = reports::filings_xlsx(&state.db, &user, period, locale, now).await?;
        let download = ReportDownload::Filings {
            period,
            format: "xlsx",
        };
        reports::record_download(&state.db, &Actor::user(&user, &meta), download, now).await?;
        Ok::<_, AppError>((stream_file(file).await?, period))
    }
    .await;
    match built {
        Ok((body, period)) => {
            let name = reports::filings_file_name(period, locale, "xlsx");
            attachment(body, export::XLSX_TYPE, name)
        }
        Err(error) => refused(&error, &params, &headers),
    }
}

/// `GET /reports/monthly.xlsx?month=YYYY-MM[&lang=en]`: the county level's (Art. 34).
pub async fn monthly_xlsx(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    user: Option<Extension<SessionUser>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let locale = file_locale(&params);
    let built = async {
        let Extension(user) = user.ok_or(AppError::Unauthenticated)?;
        let now = state.clock.now();
        let report = reports::monthly(&state.db, &user, param(&params, "month"), now).await?;
        let file = reports::monthly_xlsx(&report, locale)?;
        let download = ReportDownload::Monthly {
            month: &report.month,
        };
        reports::record_download(&state.db, &Actor::user(&user, &meta), download, now).await?;
        Ok::<_, AppError>((stream_file(file).await?, report))
    }
    .await;
    match built {
        Ok((body, report)) => {
            let name = reports::monthly_file_name(&report, locale);
            attachment(body, export::XLSX_TYPE, name)
        }
        Err(error) => refused(&error, &params, &headers),
    }
}
