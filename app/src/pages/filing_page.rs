//! One filing: its 备案表, the rules' findings, its attachments and history, and a form for each step
//! the viewer may take. Every step is a plain form post, so the page works without JavaScript.
use crate::components::confirm_step::FilingStep;
use crate::components::deadline_badge::DeadlineBadge;
use crate::components::done_notice::DoneNotice;
use crate::components::error_notice::{FlashError, flash_done};
use crate::components::filing_fields::FilingFields;
use crate::components::history_table::HistoryTable;
use crate::components::loaded::ById;
use crate::domain::filing::{FilingAction, FilingKind, Warning};
use crate::error::issue_msg;
use crate::filing_api::get_filing;
use crate::i18n::{Locale, Msg, use_locale};
use crate::labels;
use crate::model::{FilingDetail, PeriodView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn FilingPage() -> impl IntoView {
    let locale = use_locale();
    view! {
        <p class="back"><A href="/filings">{locale.t(Msg::FilingsTitle)}</A></p>
        <FlashError />
        <ById fetch=get_filing show=move |filing| view! { <Filing filing locale /> } />
    }
}

/// What the step that led here did, in words (issue 17, item 3): a submission says by when the
/// county office decides.
fn done_text(code: &str, filing: &FilingDetail, locale: Locale) -> Option<String> {
    let msg = match code {
        "saved" => Msg::FlashSaved,
        "submit" => {
            let due = filing
                .due_on
                .as_ref()
                .map(|(d, p)| labels::due(d, *p, locale));
            return Some(match due {
                Some(due) => locale.tf(Msg::FlashSubmitted, &[("due", &due)]),
                None => locale.t(Msg::FlashSubmittedNoDue).to_string(),
            });
        }
        "withdraw" => Msg::FlashWithdrawn,
        "approve" => Msg::FlashApproved,
        "return" => Msg::FlashReturned,
        "reject" => Msg::FlashRejected,
        "grant_waiver" => Msg::FlashWaiverGranted,
        "confirm_completion" => Msg::FlashCompletionConfirmed,
        "reported" => Msg::FlashReported,
        "report_corrected" => Msg::FlashReportCorrected,
        "completion_recorded" => Msg::FlashCompletionRecorded,
        _ => return None,
    };
    Some(locale.t(msg).to_string())
}

fn warning_text(warning: &Warning, locale: Locale) -> String {
    match warning {
        Warning::NameDiffersFromOtherPlatforms { other_names } => locale.tf(
            Msg::WarningNameDiffers,
            &[("names", &other_names.join("、"))],
        ),
        Warning::NameUnrelatedToUnit => locale.t(Msg::WarningNameUnrelated).into(),
    }
}

#[component]
fn Filing(filing: FilingDetail, locale: Locale) -> impl IntoView {
    let title = locale.tf(Msg::FilingTitle, &[("number", &filing.number)]);
    let can = |a: FilingAction| filing.actions.contains(&a);
    let id = filing.id;
    let step_url = "/api/filing_step";
    let editable = can(FilingAction::Edit);
    let decides = can(FilingAction::Approve);
    let has_steps = filing.actions.iter().any(|a| *a != FilingAction::Edit);
    let summary = vec![
        (Msg::FilingUnit, filing.unit_name.clone()),
        (
            Msg::FilingKind,
            locale.t(labels::kind(filing.kind)).to_string(),
        ),
        (
            Msg::FilingState,
            locale
                .t(labels::state(filing.state, filing.awaiting_completion))
                .to_string(),
        ),
        (
            Msg::FilingForAccount,
            filing
                .account
                .as_ref()
                .map(|(_, n)| n.clone())
                .unwrap_or_default(),
        ),
        (Msg::FilingPlatform, filing.platform_name(locale)),
        (
            Msg::FilingReceivedAt,
            filing
                .received_at
                .as_deref()
                .map(labels::china_time)
                .unwrap_or_default(),
        ),
        (
            Msg::FilingDecisionNote,
            filing.decision_note.clone().unwrap_or_default(),
        ),
        (
            Msg::FilingWaiver,
            filing.art9_waiver.clone().unwrap_or_default(),
        ),
    ];
    // Issue 17, item 3: the steps that cannot be undone ask first.
    let number = filing.number.clone();
    let ask = move |step: FilingStep| step.ask(locale, &number);
    let issues = filing.issues.clone();
    let done = flash_done().and_then(|code| done_text(&code, &filing, locale));
    view! {
        <Title text=format!("{title} · {}", locale.t(Msg::AppTitle)) />
        {done.map(|text| view! { <DoneNotice text testid="step-done" /> })}
        <h1>{title}" "<span class=format!("state state-{}", filing.state.as_str()) data-testid="filing-state">{locale.t(labels::state(filing.state, filing.awaiting_completion))}</span></h1>
        <p><a href=format!("/filings/{id}/print") data-testid="print-link">{locale.t(Msg::FilingPrint)}</a></p>
        <section class="card">
            <dl class="details">
                {summary.into_iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| view! { <div><dt>{locale.t(k)}</dt><dd>{v}</dd></div> }).collect_view()}
            </dl>
        </section>
        {(!filing.warnings.is_empty()).then(|| view! {
            <section class="notice warning" aria-labelledby="warnings-title" data-testid="warnings">
                <h2 id="warnings-title">{locale.t(Msg::FilingWarningsTitle)}</h2>
                <ul>{filing.warnings.iter().map(|w| view! { <li>{warning_text(w, locale)}</li> }).collect_view()}</ul>
            </section>
        })}
        {(!issues.is_empty()).then(|| view! {
            <section class="notice error" aria-labelledby="issues-title" data-testid="issues">
                <h2 id="issues-title">{locale.t(Msg::FilingIssuesTitle)}</h2>
                <ul>{issues.iter().map(|(f, i)| view! { <li>{locale.t(labels::field(*f))}"："{locale.t(issue_msg(*i))}</li> }).collect_view()}</ul>
            </section>
        })}
        {(!filing.changes.is_empty()).then(|| view! {
            <section class="card" aria-labelledby="changes-title">
                <h2 id="changes-title">{locale.t(Msg::FilingChangesTitle)}</h2>
                <table class="history">
                    <thead><tr>
                        <th scope="col">{locale.t(Msg::FilingChangeField)}</th>
                        <th scope="col">{locale.t(Msg::FilingChangeOld)}</th>
                        <th scope="col">{locale.t(Msg::FilingChangeNew)}</th>
                    </tr></thead>
                    <tbody>{filing.changes.iter().map(|(f, old, new)| view! {
                        <tr><th scope="row">{locale.t(labels::field(*f))}</th><td><del>{old.clone()}</del></td><td><ins>{new.clone()}</ins></td></tr>
                    }).collect_view()}</tbody>
                </table>
            </section>
        })}
        <section class="card" aria-labelledby="form-title">
            <h2 id="form-title">{locale.t(Msg::FilingForm)}</h2>
            {if editable {
                let selected = filing.platform.as_ref().map(|p| p.code.clone());
                view! {
                    <form method="post" action="/api/filing_save" class="filing-form" data-testid="filing-form">
                        <input type="hidden" name="id" value=id.to_string() />
                        <FilingFields kind=filing.kind form=filing.form.clone() issues=issues.clone() platforms=filing.platforms.clone() selected_platform=selected />
                        <button type="submit" class="secondary" data-testid="save-filing">{locale.t(Msg::ActionEdit)}</button>
                    </form>
                }.into_any()
            } else {
                view! { <ReadOnlyForm filing=filing.clone() locale /> }.into_any()
            }}
        </section>
        <section class="card" aria-labelledby="steps-title" data-testid="steps" hidden=!has_steps>
            <h2 id="steps-title">{locale.t(Msg::FilingSteps)}</h2>
            {(can(FilingAction::Submit) || can(FilingAction::Withdraw)).then(|| view! {
                <form method="post" action=step_url class="inline-actions">
                    <input type="hidden" name="id" value=id.to_string() />
                    {can(FilingAction::Submit).then(|| view! { <button type="submit" name="step" value="submit" data-testid="step-submit">{locale.t(Msg::ActionSubmit)}</button> })}
                    {can(FilingAction::Withdraw).then(|| ask(FilingStep::Withdraw))}
                </form>
            })}
            {(decides || can(FilingAction::GrantWaiver)).then(|| view! {
                <form method="post" action=step_url class="stacked">
                    <input type="hidden" name="id" value=id.to_string() />
                    <label for="step-note">{locale.t(Msg::FilingNoteRequired)}</label>
                    <textarea id="step-note" name="note" rows="2"></textarea>
                    <div class="inline-actions">
                        {decides.then(|| view! {
                            {ask(FilingStep::Approve)}
                            <button type="submit" name="step" value="return" class="secondary" data-testid="step-return">{locale.t(Msg::ActionReturn)}</button>
                            {ask(FilingStep::Reject)}
                        })}
                        {(filing.kind == FilingKind::Open && can(FilingAction::GrantWaiver)).then(|| view! {
                            <button type="submit" name="step" value="grant_waiver" class="secondary" data-testid="step-waiver">{locale.t(Msg::ActionGrantWaiver)}</button>
                        })}
                    </div>
                </form>
            })}
            {can(FilingAction::RecordCompletion).then(|| view! {
                <RecordForm action="/api/filing_completion" testid="completion-form" title=Msg::FilingCompletion id>
                    <label for="platform-done-on">{locale.t(Msg::FilingPlatformDoneOn)}</label>
                    <input id="platform-done-on" name="platform_done_on" type="date" required />
                    <label for="announcement-url">{locale.t(Msg::FilingAnnouncementUrl)}</label>
                    <input id="announcement-url" name="announcement_url" type="url" required />
                    <button type="submit" data-testid="step-record-completion">{locale.t(Msg::ActionRecordCompletion)}</button>
                </RecordForm>
            })}
            {can(FilingAction::ConfirmCompletion).then(|| view! {
                <form method="post" action=step_url>
                    <input type="hidden" name="id" value=id.to_string() />
                    {ask(FilingStep::ConfirmCompletion)}
                </form>
            })}
            {can(FilingAction::RecordReport).then(|| view! {
                <RecordForm action="/api/filing_report" testid="report-form" title=Msg::FilingReport id>
                    <label for="reported-on">{locale.t(Msg::FilingReportedOn)}</label>
                    <input id="reported-on" name="reported_on" type="date" required />
                    <label for="reported-to">{locale.t(Msg::FilingReportedTo)}</label>
                    <input id="reported-to" name="reported_to" type="text" required maxlength="128" />
                    <label for="report-reference">{locale.t(Msg::FilingReportReference)}</label>
                    <input id="report-reference" name="reference" type="text" required maxlength="128" />
                    <button type="submit" data-testid="step-record-report">{locale.t(Msg::ActionRecordReport)}</button>
                </RecordForm>
            })}
            // Issue 15, item 12: a recorded report is corrected as such, with the reason.
            {can(FilingAction::CorrectReport).then(|| {
                let (on, to, reference) = filing.report.clone().unwrap_or_default();
                view! {
                    <RecordForm action="/api/filing_report_correct" testid="report-correction-form" title=Msg::ActionCorrectReport
                        hint=Msg::FilingReportCorrectionHint id>
                        <label for="corrected-on">{locale.t(Msg::FilingReportedOn)}</label>
                        <input id="corrected-on" name="reported_on" type="date" required value=on />
                        <label for="corrected-to">{locale.t(Msg::FilingReportedTo)}</label>
                        <input id="corrected-to" name="reported_to" type="text" required maxlength="128" value=to />
                        <label for="corrected-reference">{locale.t(Msg::FilingReportReference)}</label>
                        <input id="corrected-reference" name="reference" type="text" required maxlength="128" value=reference />
                        <label for="correction-reason">{locale.t(Msg::FilingCorrectionReason)}</label>
                        <textarea id="correction-reason" name="reason" rows="2" required maxlength="2000"></textarea>
                        <button type="submit" class="secondary" data-testid="step-correct-report">{locale.t(Msg::ActionCorrectReport)}</button>
                    </RecordForm>
                }
            })}
        </section>
        <Attachments filing=filing.clone() locale />
        {filing.report.clone().map(|(on, to, reference)| view! {
            <section class="card"><h2>{locale.t(Msg::FilingReport)}</h2>
                <p>{on}" · "{to}" · "{reference}</p>
            </section>
        })}
        {filing.completion.clone().map(|(on, url)| view! {
            <section class="card"><h2>{locale.t(Msg::FilingCompletion)}</h2>
                // Only a web address is a link: a recorded `javascript:` URL stays text.
                <p>{on}" · "{match labels::history::safe_href(&url) {
                    Some(href) => view! { <a href=href.to_string() rel="noopener noreferrer" data-testid="announcement-link">{url.clone()}</a> }.into_any(),
                    None => url.clone().into_any(),
                }}</p>
            </section>
        })}
        <Periods periods=filing.periods.clone() locale />
        <HistoryTable entries=filing.history.clone() title=Msg::FilingHistory />
    }
}

/// A step that records facts about the filing (its completion, its report): a heading, a hint where
/// one is needed, the filing's id, then the fields and the button (`children`).
#[component]
fn RecordForm(
    action: &'static str,
    testid: &'static str,
    title: Msg,
    #[prop(optional)] hint: Option<Msg>,
    id: i32,
    children: Children,
) -> impl IntoView {
    let locale = use_locale();
    view! {
        <form method="post" action=action class="stacked" data-testid=testid>
            <h3>{locale.t(title)}</h3>
            {hint.map(|hint| view! { <p class="hint">{locale.t(hint)}</p> })}
            <input type="hidden" name="id" value=id.to_string() />
            {children()}
        </form>
    }
}

#[component]
fn ReadOnlyForm(filing: FilingDetail, locale: Locale) -> impl IntoView {
    let f = &filing.form;
    let rows: Vec<(Msg, String)> = vec![
        (Msg::RegistryColName, f.account_name.clone()),
        (Msg::AccountPlatformAccountId, f.platform_account_id.clone()),
        (
            Msg::AccountVerificationSubject,
            f.verification_subject.clone(),
        ),
        (Msg::AccountOperatingUnit, f.operating_unit.clone()),
        (
            Msg::AccountOutsourced,
            locale.t(labels::yes_no(f.outsourced)).into(),
        ),
        (Msg::AccountPurpose, f.purpose.clone()),
        (Msg::AccountCustodianName, f.custodian_name.clone()),
        (Msg::AccountCustodianMobile, f.custodian_mobile.clone()),
        (Msg::FieldReason, f.reason.clone()),
        (Msg::FieldLeaderName, f.leader_name.clone()),
        (Msg::FieldLeaderConsentOn, f.leader_consent_on.clone()),
        (
            Msg::FieldCollectiveDecisionOn,
            f.collective_decision_on.clone(),
        ),
    ];
    view! {
        <dl class="details">
            {rows.into_iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| view! { <div><dt>{locale.t(k)}</dt><dd>{v}</dd></div> }).collect_view()}
        </dl>
    }
}

#[component]
fn Attachments(filing: FilingDetail, locale: Locale) -> impl IntoView {
    let may_upload = filing.actions.contains(&FilingAction::Edit)
        || filing.actions.contains(&FilingAction::RecordCompletion);
    let id = filing.id;
    view! {
        <section class="card" aria-labelledby="attachments-title" data-testid="attachments">
            <h2 id="attachments-title">{locale.t(Msg::FilingAttachments)}</h2>
            {if filing.attachments.is_empty() {
                view! { <p class="hint">{locale.t(Msg::FilingNoAttachments)}</p> }.into_any()
            } else {
                view! {
                    <ul>{filing.attachments.iter().map(|a| {
                        let kind = labels::attachment_kind(&a.kind).map(|m| locale.t(m)).unwrap_or("");
                        view! { <li><a href=format!("/attachments/{}", a.id)>{a.file_name.clone()}</a>" · "{kind}" · "{labels::history::file_size(&a.size_bytes.to_string(), locale)}</li> }
                    }).collect_view()}</ul>
                }.into_any()
            }}
            {may_upload.then(|| view! {
                <form method="post" action=format!("/filings/{id}/attachments") enctype="multipart/form-data" class="stacked" data-testid="upload-form">
                    <label for="attachment-kind">{locale.t(Msg::FilingAttachmentKind)}</label>
                    <select id="attachment-kind" name="kind">
                        {["signed_form", "announcement_screenshot", "contract", "confidentiality_agreement"].into_iter().map(|k| {
                            let label = labels::attachment_kind(k).map(|m| locale.t(m)).unwrap_or(k);
                            view! { <option value=k>{label}</option> }
                        }).collect_view()}
                    </select>
                    <label for="attachment-file">{locale.t(Msg::FilingFile)}</label>
                    <input id="attachment-file" name="file" type="file" accept="application/pdf,image/png,image/jpeg" required />
                    <button type="submit" class="secondary" data-testid="upload-attachment">{locale.t(Msg::FilingUpload)}</button>
                </form>
            })}
        </section>
    }
}

/// Art. 11: the filing's review periods, each with its due date and how it ended.
#[component]
fn Periods(periods: Vec<PeriodView>, locale: Locale) -> impl IntoView {
    (!periods.is_empty()).then(|| view! {
        <section aria-labelledby="filing-periods" data-testid="periods">
            <h2 id="filing-periods">{locale.t(Msg::PeriodsTitle)}</h2>
            <table class="registry">
                <thead>
                    <tr>
                        <th scope="col">{locale.t(Msg::FilingReceivedAt)}</th>
                        <th scope="col">{locale.t(Msg::PeriodsWorkingDays)}</th>
                        <th scope="col">{locale.t(Msg::FilingDueOn)}</th>
                        <th scope="col">{locale.t(Msg::FilingDecidedAt)}</th>
                        <th scope="col">{locale.t(Msg::DeadlineTitle)}</th>
                    </tr>
                </thead>
                <tbody>
                    {periods.into_iter().map(|p| view! {
                        <tr data-testid="period">
                            <td>{labels::china_time(&p.received_at)}</td>
                            <td>{p.working_days}</td>
                            <td data-testid="period-due">{labels::due(&p.due_on, p.provisional, locale)}</td>
                            <td>
                                {p.closed_at.as_deref().map(labels::china_time).unwrap_or_default()}
                                {p.outcome.map(|o| view! { " · " {locale.t(labels::state(o, false))} })}
                            </td>
                            <td><DeadlineBadge status=p.status /></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    })
}
