//! The page header: the product name, navigation, the signed-in person with sign-out, and the
//! language switch.
use crate::components::lang_switch::{LangSwitch, current_path};
use crate::components::post_button::PostButton;
use crate::domain::{Capability, Role};
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

/// What waits for the signed-in person (issue 17, item 1), counted for this request by the
/// server's middleware before the page renders; none for a visitor or a role with no filing work.
fn todo_totals() -> Option<crate::domain::todo::TodoTotals> {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()?
            .extensions
            .get::<crate::domain::todo::TodoTotals>()
            .copied()
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

/// One link of the main navigation: where it goes, its label, its test id, and who is offered it.
struct Link {
    href: &'static str,
    label: Msg,
    testid: Option<&'static str>,
    /// The capability the page needs (None: every signed-in role).
    needs: Option<Capability>,
    /// Offered before anyone has signed in (the page then asks them to).
    signed_out: bool,
}

/// The main navigation, in order. Each page refuses whoever lacks its capability; the menu reads
/// the same table ([`Role::may`]) so it offers nobody a page that would refuse them.
const MENU: &[Link] = &[
    // Everyone's home once signed in (issue 17, item 1), with its counts.
    Link {
        href: TODO,
        label: Msg::NavTodo,
        testid: Some("nav-todo"),
        needs: None,
        signed_out: false,
    },
    Link {
        href: "/",
        label: Msg::NavRegistry,
        testid: None,
        needs: None,
        signed_out: true,
    },
    Link {
        href: "/filings",
        label: Msg::NavFilings,
        testid: None,
        needs: Some(Capability::ReadFilings),
        signed_out: true,
    },
    Link {
        href: "/dashboard",
        label: Msg::NavDashboard,
        testid: None,
        needs: Some(Capability::ReadFilings),
        signed_out: true,
    },
    // Art. 34's monthly report is the county level's.
    Link {
        href: "/reports/monthly",
        label: Msg::NavReports,
        testid: Some("nav-reports"),
        needs: Some(Capability::ReadReports),
        signed_out: false,
    },
    Link {
        href: "/reminders",
        label: Msg::NavReminders,
        testid: None,
        needs: Some(Capability::ReadFilings),
        signed_out: true,
    },
    Link {
        href: "/admin/calendar",
        label: Msg::NavCalendar,
        testid: None,
        needs: None,
        signed_out: true,
    },
    Link {
        href: "/admin/outbox",
        label: Msg::NavOutbox,
        testid: Some("nav-outbox"),
        needs: Some(Capability::WorkOutbox),
        signed_out: false,
    },
    Link {
        href: "/admin/import",
        label: Msg::NavImport,
        testid: Some("nav-import"),
        needs: Some(Capability::ImportRegistry),
        signed_out: false,
    },
    Link {
        href: "/admin/users",
        label: Msg::NavPeople,
        testid: Some("nav-people"),
        needs: Some(Capability::ManagePeople),
        signed_out: false,
    },
    // 三权分立: roles, locks and the password policy are the security administrator's, who has no
    // part in filings; the audit trail is the auditor's alone.
    Link {
        href: "/security",
        label: Msg::NavSecurity,
        testid: Some("nav-security"),
        needs: Some(Capability::ManageSecurity),
        signed_out: false,
    },
    Link {
        href: "/audit",
        label: Msg::NavAudit,
        testid: Some("nav-audit"),
        needs: Some(Capability::ReadAuditTrail),
        signed_out: false,
    },
];

const TODO: &str = "/todo";

/// The links `role` is offered (no role: not signed in).
fn offered(link: &Link, role: Option<Role>) -> bool {
    match (role, link.needs) {
        (None, _) => link.signed_out,
        (Some(_), None) => true,
        (Some(role), Some(capability)) => role.may(capability),
    }
}

/// The main navigation.
#[component]
fn Nav(role: Option<Role>) -> impl IntoView {
    let locale = use_locale();
    let totals = todo_totals().filter(|t| t.steps > 0 || t.urgent > 0);
    let links = MENU
        .iter()
        .filter(|link| offered(link, role))
        .map(|link| {
            let counts = (link.href == TODO).then_some(totals).flatten().map(|t| {
                let spoken = locale.tf(
                    Msg::NavTodoCount,
                    &[("steps", &t.steps.to_string()), ("urgent", &t.urgent.to_string())],
                );
                view! {
                    <span class="count" aria-hidden="true" data-testid="nav-todo-steps">{t.steps}</span>
                    {(t.urgent > 0).then(|| view! {
                        <span class="count urgent" aria-hidden="true" data-testid="nav-todo-urgent">{t.urgent}</span>
                    })}
                    <span class="visually-hidden">" "{spoken}</span>
                }
            });
            view! {
                <li><A href=link.href attr:data-testid=link.testid>{locale.t(link.label)}{counts}</A></li>
            }
        })
        .collect_view();
    view! {
        <nav aria-label=locale.t(Msg::NavMain)>
            <ul>{links}</ul>
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
            <PostButton action="/logout" label=Msg::UserSignOut testid="sign-out" />
        }
        .into_any(),
        (None, Some(pending)) => view! {
            <p data-testid="current-user">
                <span class="visually-hidden">{locale.t(Msg::UserSignedInAs)}" "</span>
                <span class="username">{pending.username.clone()}</span>
            </p>
            <PostButton action="/logout" label=Msg::UserSignOut testid="sign-out" />
        }
        .into_any(),
        (None, None) => view! { <p data-testid="current-user"></p> }.into_any(),
    }
}
