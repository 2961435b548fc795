//! The HTML shell, the root component and the one route table.
use crate::components::header::Header;
use crate::i18n::{Locale, Msg};
use crate::pages::audit_page::AuditPage;
use crate::pages::second_factor_page::SecondFactorPage;
use crate::pages::second_factor_sign_in_page::SecondFactorSignInPage;
use crate::pages::{
    account_page::AccountPage, admin_calendar_page::AdminCalendarPage,
    admin_import_page::AdminImportPage, admin_outbox_page::AdminOutboxPage,
    dashboard_page::DashboardPage, filing_page::FilingPage, filing_print_page::FilingPrintPage,
    filings_page::FilingsPage, login_page::LoginPage, monthly_report_page::MonthlyReportPage,
    new_filing_page::NewFilingPage, not_found_page::NotFoundPage, password_page::PasswordPage,
    registry_page::RegistryPage, reminders_page::RemindersPage, tokens_page::TokensPage,
};
use crate::pages::{
    admin_users_page::AdminUsersPage, security_page::SecurityPage, todo_page::TodoPage,
};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

/// Marks the page once its wasm has loaded and hydrated: browser tests wait for it, since a page
/// whose wasm failed still shows its server HTML.
#[island]
fn HydrationMarker() -> impl IntoView {
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}

/// The page's language: on the server from the request (cookie, then Accept-Language); in the
/// browser from `<html lang>`, which the server wrote.
fn page_locale() -> Locale {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .map(|parts| Locale::from_headers(&parts.headers))
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .document_element()
            .and_then(|html| html.get_attribute("lang"))
            .and_then(|tag| Locale::parse(&tag))
            .unwrap_or_default()
    }
}

pub fn shell(options: LeptosOptions) -> impl IntoView {
    let locale = page_locale();
    view! {
        <!DOCTYPE html>
        <html lang=locale.tag()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <AutoReload options=options.clone() />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let locale = page_locale();
    provide_context(locale);

    view! {
        <Stylesheet id="leptos" href="/pkg/registry.css" />
        <Title text=locale.t(Msg::AppTitle) />
        <Router>
            <a class="skip-link" href="#main">{locale.t(Msg::NavSkip)}</a>
            <HydrationMarker />
            <Header />
            <main id="main" tabindex="-1">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=RegistryPage ssr=SsrMode::Async />
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/accounts/:id") view=AccountPage ssr=SsrMode::Async />
                    <Route path=path!("/filings") view=FilingsPage ssr=SsrMode::Async />
                    <Route path=path!("/filings/new") view=NewFilingPage ssr=SsrMode::Async />
                    <Route path=path!("/filings/:id") view=FilingPage ssr=SsrMode::Async />
                    <Route path=path!("/filings/:id/print") view=FilingPrintPage ssr=SsrMode::Async />
                    <Route path=path!("/todo") view=TodoPage ssr=SsrMode::Async />
                    <Route path=path!("/dashboard") view=DashboardPage ssr=SsrMode::Async />
                    <Route path=path!("/reminders") view=RemindersPage ssr=SsrMode::Async />
                    <Route path=path!("/reports/monthly") view=MonthlyReportPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/calendar") view=AdminCalendarPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/outbox") view=AdminOutboxPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/import") view=AdminImportPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/users") view=AdminUsersPage ssr=SsrMode::Async />
                    <Route path=path!("/security") view=SecurityPage ssr=SsrMode::Async />
                    <Route path=path!("/tokens") view=TokensPage ssr=SsrMode::Async />
                    <Route path=path!("/audit") view=AuditPage ssr=SsrMode::Async />
                    <Route path=path!("/account/password") view=PasswordPage ssr=SsrMode::Async />
                    <Route path=path!("/account/second-factor") view=SecondFactorPage ssr=SsrMode::Async />
                    <Route path=path!("/login/second-factor") view=SecondFactorSignInPage ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
}
