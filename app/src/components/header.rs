//! The page header: the product name, navigation, the signed-in person with sign-out, and the
//! language switch.
use crate::components::lang_switch::{LangSwitch, current_path};
use crate::domain::Role;
use crate::i18n::{Msg, use_locale};
use crate::labels;
use leptos::prelude::*;
use leptos_router::components::A;

/// The signed-in person, read from the request while the page renders on the server. The header
/// is server-rendered only (islands mode), so it needs no resource and no Suspense: an awaited
/// resource here, beside the page's own Suspense, made some responses stall in tests.
fn signed_in() -> Option<crate::model::SessionUser> {
    #[cfg(feature = "ssr")]
    {
        crate::server::context::session_user()
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// A person signed in with a password they must change first (or a second factor still to give or
/// to enrol): they see who they are and may sign out, but get no links into the rest of the site.
fn pending_password_change() -> Option<crate::model::SessionUser> {
    #[cfg(feature = "ssr")]
    {
        use crate::server::auth::{PendingEnrolment, PendingPasswordChange, PendingSecondFactor};
        let parts = use_context::<http::request::Parts>()?;
        let extensions = &parts.extensions;
        extensions
            .get::<PendingPasswordChange>()
            .map(|pending| pending.user.clone())
            .or_else(|| {
                extensions
                    .get::<PendingSecondFactor>()
                    .map(|p| p.user.clone())
            })
            .or_else(|| extensions.get::<PendingEnrolment>().map(|p| p.user.clone()))
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

#[component]
pub fn Header() -> impl IntoView {
    let locale = use_locale();
    let user = signed_in();
    let pending = pending_password_change();
    let next = current_path();

    view! {
        <header class="site-header">
            <div class="brand">
                <span class="county">{locale.t(Msg::AppCounty)}</span>
                <A href="/" attr:class="product">{locale.t(Msg::AppTitle)}</A>
            </div>
            <Nav role=user.as_ref().map(|u| u.role) />
            <div class="session">
                <Session user pending />
                <LangSwitch next=next />
            </div>
        </header>
    }
}

/// The main navigation; the county-level and administrators' links only for those roles (their
/// pages refuse everyone else too).
#[component]
fn Nav(role: Option<Role>) -> impl IntoView {
    let locale = use_locale();
    // Art. 34's monthly report is the county level's.
    let county = role.is_some_and(|r| r != Role::Submitter && r.reads_filings());
    let admin = role == Some(Role::Admin);
    // 三权分立: the audit trail is the auditor's alone; roles, locks and the password policy the
    // security administrator's, who has no part in filings.
    let auditor = role == Some(Role::Auditor);
    let security = role == Some(Role::SecurityAdmin);
    let filings = role.is_none_or(Role::reads_filings);
    view! {
        <nav aria-label=locale.t(Msg::NavMain)>
            <ul>
                <li><A href="/">{locale.t(Msg::NavRegistry)}</A></li>
                {filings.then(|| view! {
                    <li><A href="/filings">{locale.t(Msg::NavFilings)}</A></li>
                    <li><A href="/dashboard">{locale.t(Msg::NavDashboard)}</A></li>
                })}
                {county.then(|| view! {
                    <li><A href="/reports/monthly" attr:data-testid="nav-reports">{locale.t(Msg::NavReports)}</A></li>
                })}
                {filings.then(|| view! {
                    <li><A href="/reminders">{locale.t(Msg::NavReminders)}</A></li>
                })}
                <li><A href="/admin/calendar">{locale.t(Msg::NavCalendar)}</A></li>
                {admin.then(|| view! {
                    <li><A href="/admin/outbox" attr:data-testid="nav-outbox">{locale.t(Msg::NavOutbox)}</A></li>
                    <li><A href="/admin/import" attr:data-testid="nav-import">{locale.t(Msg::NavImport)}</A></li>
                    <li><A href="/admin/users" attr:data-testid="nav-people">{locale.t(Msg::NavPeople)}</A></li>
                })}
                {security.then(|| view! {
                    <li><A href="/security" attr:data-testid="nav-security">{locale.t(Msg::NavSecurity)}</A></li>
                })}
                {auditor.then(|| view! {
                    <li><A href="/audit" attr:data-testid="nav-audit">{locale.t(Msg::NavAudit)}</A></li>
                })}
            </ul>
        </nav>
    }
}

/// Who is signed in, with their API tokens, password and sessions, and sign-out.
#[component]
fn Session(
    user: Option<crate::model::SessionUser>,
    pending: Option<crate::model::SessionUser>,
) -> impl IntoView {
    let locale = use_locale();
    match (user, pending) {
        (Some(user), _) => view! {
            <p data-testid="current-user">
                <span class="visually-hidden">{locale.t(Msg::UserSignedInAs)}" "</span>
                <span class="username">{user.username.clone()}</span>
                " · "
                <span class="role">{locale.t(labels::role(user.role))}</span>
                {user.unit_name.clone().map(|unit| view! { " · " <span class="unit">{unit}</span> })}
            </p>
            <p>
                <A href="/tokens" attr:data-testid="nav-tokens">{locale.t(Msg::NavTokens)}</A>
                " · "
                <A href="/account/password" attr:data-testid="nav-password">{locale.t(Msg::NavPassword)}</A>
                " · "
                <A href="/account/second-factor" attr:data-testid="nav-second-factor">{locale.t(Msg::NavSecondFactor)}</A>
            </p>
            <form method="post" action="/logout" class="inline">
                <button type="submit" data-testid="sign-out">{locale.t(Msg::UserSignOut)}</button>
            </form>
        }
        .into_any(),
        (None, Some(pending)) => view! {
            <p data-testid="current-user">
                <span class="visually-hidden">{locale.t(Msg::UserSignedInAs)}" "</span>
                <span class="username">{pending.username.clone()}</span>
            </p>
            <form method="post" action="/logout" class="inline">
                <button type="submit" data-testid="sign-out">{locale.t(Msg::UserSignOut)}</button>
            </form>
        }
        .into_any(),
        (None, None) => view! { <p data-testid="current-user"></p> }.into_any(),
    }
}
