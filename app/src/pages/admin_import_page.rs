//! Import of an existing register, for administrators (DESIGN §5): an upload form with a dry run
//! and an import, and the report of the run just made. The form is a plain multipart post to
//! `POST /admin/import`, which answers with this page and the report in its context, so all of it
//! works without JavaScript and no report is kept anywhere.
use crate::api::current_user;
use crate::components::error_notice::ErrorNotice;
use crate::domain::Role;
use crate::domain::import::{ImportMode, ImportReport, RowOutcome, RowReport};
use crate::error::AppError;
use crate::i18n::{Locale, Msg, use_locale};
use crate::labels;
use leptos::prelude::*;
use leptos_meta::Title;

/// What the post this page answers came to: the report (shortened for the page, see
/// [`ImportReport::for_display`]), or why the file could not be read.
#[derive(Debug, Clone)]
pub struct ImportOutcome(pub Result<ImportReport, AppError>);

#[component]
pub fn AdminImportPage() -> impl IntoView {
    let locale = use_locale();
    let outcome = use_context::<ImportOutcome>();
    view! {
        <Title text=format!("{} · {}", locale.t(Msg::ImportTitle), locale.t(Msg::AppTitle)) />
        <h1>{locale.t(Msg::ImportTitle)}</h1>
        <Suspense fallback=move || view! { <p role="status">{locale.t(Msg::CommonLoading)}</p> }>
            {move || {
                let outcome = outcome.clone();
                Suspend::new(async move {
                    match current_user().await {
                        // The route refuses everyone else too; this only spares them a form.
                        Ok(Some(user)) if user.role == Role::Admin => view! {
                            {outcome.map(|ImportOutcome(result)| match result {
                                Ok(report) => view! { <Report report locale /> }.into_any(),
                                Err(error) => view! {
                                    <div data-testid="import-error"><ErrorNotice error /></div>
                                }.into_any(),
                            })}
                            <ImportForm locale />
                        }
                        .into_any(),
                        Ok(Some(_)) => {
                            // The page's status says it too, for scripts and the access tests.
                            #[cfg(feature = "ssr")]
                            crate::server::context::set_status(http::StatusCode::FORBIDDEN);
                            view! { <ErrorNotice error=AppError::Forbidden /> }.into_any()
                        }
                        Ok(None) => view! { <ErrorNotice error=AppError::Unauthenticated /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn ImportForm(locale: Locale) -> impl IntoView {
    view! {
        <section aria-labelledby="import-form-title" class="card" id="import-form">
            <h2 id="import-form-title">{locale.t(Msg::NavImport)}</h2>
            <p class="hint">{locale.t(Msg::ImportIntro)}</p>
            <p class="hint">{locale.t(Msg::ImportColumnsHint)}</p>
            <p class="hint">{locale.t(Msg::ImportDuplicatesHint)}</p>
            <form method="post" action="/admin/import" enctype="multipart/form-data" class="stacked" data-testid="import-form">
                <label for="import-file">{locale.t(Msg::ImportFile)}</label>
                <input
                    id="import-file"
                    name="file"
                    type="file"
                    required
                    accept=".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"
                />
                <div class="inline-actions">
                    <button type="submit" name="mode" value="dry_run" data-testid="import-dry-run">
                        {locale.t(Msg::ImportDryRun)}
                    </button>
                    <button type="submit" name="mode" value="apply" class="secondary" data-testid="import-apply">
                        {locale.t(Msg::ImportApply)}
                    </button>
                </div>
            </form>
        </section>
    }
}

#[component]
fn Report(report: ImportReport, locale: Locale) -> impl IntoView {
    let title = match report.mode {
        ImportMode::DryRun => Msg::ImportReportDryRun,
        ImportMode::Apply => Msg::ImportReport,
    };
    let (class, role, testid, message) = if report.applied {
        let count = report.valid_rows.to_string();
        let text = locale.tf(Msg::ImportApplied, &[("count", &count)]);
        ("notice success", "status", "import-applied", text)
    } else if report.has_errors() {
        let text = locale.t(Msg::ImportRefused).to_string();
        ("notice error", "alert", "import-refused", text)
    } else {
        let text = format!(
            "{} {}",
            locale.t(Msg::ImportDryRunDone),
            locale.t(Msg::ImportReady)
        );
        ("notice success", "status", "import-ready", text)
    };
    let totals = [
        (Msg::ImportFormat, "format", report.format.clone()),
        (
            Msg::ImportHeaderRow,
            "header_row",
            report.header_row.to_string(),
        ),
        (Msg::ImportRows, "rows", report.rows.to_string()),
        (
            Msg::ImportValidRows,
            "valid_rows",
            report.valid_rows.to_string(),
        ),
        (
            Msg::ImportArt9Duplicates,
            "art9_duplicates",
            report.art9_duplicates.to_string(),
        ),
        (
            Msg::ImportErrorRows,
            "error_rows",
            report.error_rows.to_string(),
        ),
        (Msg::ImportErrors, "errors", report.errors.to_string()),
    ];
    let ignored = (!report.ignored_columns.is_empty()).then(|| {
        let columns = report.ignored_columns.join(match locale {
            Locale::ZhCn => "、",
            Locale::En => ", ",
        });
        view! {
            <p class="hint" data-testid="import-ignored">
                {locale.tf(Msg::ImportIgnoredColumns, &[("columns", &columns)])}
            </p>
        }
    });
    let caption = if report.errors_only {
        Msg::ImportCaptionErrors
    } else {
        Msg::ImportCaptionRows
    };
    let omitted = (report.lines_omitted > 0).then(|| {
        let count = report.lines_omitted.to_string();
        view! {
            <p class="hint" data-testid="import-omitted">{locale.tf(Msg::ImportOmitted, &[("count", &count)])}</p>
        }
    });
    let applied = report.applied;
    view! {
        <section aria-labelledby="import-report-title" data-testid="import-report">
            <h2 id="import-report-title">{locale.tf(title, &[("file", &report.file_name)])}</h2>
            <div class=class role=role data-testid=testid><p>{message}</p></div>
            <dl class="details" data-testid="import-totals">
                {totals.into_iter().map(|(label, key, value)| view! {
                    <div><dt>{locale.t(label)}</dt><dd data-total=key>{value}</dd></div>
                }).collect_view()}
            </dl>
            {ignored}
            <table class="registry" data-testid="import-rows">
                <caption>{locale.t(caption)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{locale.t(Msg::ImportColRow)}</th>
                        <th scope="col">{locale.t(Msg::ImportColUnit)}</th>
                        <th scope="col">{locale.t(Msg::ImportColPlatform)}</th>
                        <th scope="col">{locale.t(Msg::ImportColAccount)}</th>
                        <th scope="col">{locale.t(Msg::ImportColOutcome)}</th>
                    </tr>
                </thead>
                <tbody>
                    {report.lines.into_iter().map(|line| view! { <Line line applied locale /> }).collect_view()}
                </tbody>
            </table>
            {omitted}
        </section>
    }
}

#[component]
fn Line(line: RowReport, applied: bool, locale: Locale) -> impl IntoView {
    let created = if applied {
        Msg::ImportOutcomeCreated
    } else {
        Msg::ImportOutcomeCreate
    };
    let created = match line.account_id {
        Some(id) => view! { <a href=format!("/accounts/{id}")>{locale.t(created)}</a> }.into_any(),
        None => view! { {locale.t(created)} }.into_any(),
    };
    let (kind, outcome) = match &line.outcome {
        RowOutcome::Create => ("create", created),
        RowOutcome::Art9Duplicate => (
            "art9_duplicate",
            view! {
                {created}
                <p class="flag flag-rotation">{locale.t(Msg::ImportOutcomeDuplicate)}</p>
            }
            .into_any(),
        ),
        RowOutcome::Errors(errors) => (
            "errors",
            view! {
                <ul class="plain">
                    {errors.iter().map(|e| view! {
                        <li class="field-error">{labels::import_cell_error(e, locale)}</li>
                    }).collect_view()}
                </ul>
            }
            .into_any(),
        ),
    };
    view! {
        <tr data-testid="import-row" data-row=line.row.to_string() data-outcome=kind>
            <th scope="row">{line.row}</th>
            <td>{line.unit.clone()}</td>
            <td>{line.platform.clone()}</td>
            <td>{line.account.clone()}</td>
            <td>{outcome}</td>
        </tr>
    }
}
