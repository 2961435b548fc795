//! The page header: the product name, navigation, the signed-in person with sign-out, and the
//! language switch.
use crate::api::current_user;
use crate::components::lang_switch::{LangSwitch, current_path};
use crate::domain::Role;
use crate::i18n::{Msg, use_locale};
use crate::labels;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Header() -> impl IntoView {
    let locale = use_locale();
    let me = Resource::new(|| (), |_| current_user());
    let next = current_path();

    view! {
        <header class="site-header">
            <div class="brand">
                <span class="county">{locale.t(Msg::AppCounty)}</span>
                <A href="/" attr:class="product">{locale.t(Msg::AppTitle)}</A>
            </div>
            <nav aria-label=locale.t(Msg::NavMain)>
                <ul>
                    <li><A href="/">{locale.t(Msg::NavRegistry)}</A></li>
                    <li><A href="/filings">{locale.t(Msg::NavFilings)}</A></li>
                    <li><A href="/dashboard">{locale.t(Msg::NavDashboard)}</A></li>
                    // Art. 34's monthly report is the county level's; the page refuses submitters too.
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            let county = matches!(me.await, Ok(Some(user)) if user.role != Role::Submitter);
                            county.then(|| view! {
                                <li><A href="/reports/monthly" attr:data-testid="nav-reports">{locale.t(Msg::NavReports)}</A></li>
                            })
                        })}
                    </Suspense>
                    <li><A href="/reminders">{locale.t(Msg::NavReminders)}</A></li>
                    <li><A href="/admin/calendar">{locale.t(Msg::NavCalendar)}</A></li>
                    // The outbox and the import are for administrators alone; their pages refuse everyone else too.
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            let admin = matches!(me.await, Ok(Some(user)) if user.role == Role::Admin);
                            admin.then(|| view! {
                                <li><A href="/admin/outbox" attr:data-testid="nav-outbox">{locale.t(Msg::NavOutbox)}</A></li>
                                <li><A href="/admin/import" attr:data-testid="nav-import">{locale.t(Msg::NavImport)}</A></li>
                            })
                        })}
                    </Suspense>
                </ul>
            </nav>
            <div class="session">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match me.await {
                            Ok(Some(user)) => Some(view! {
                                <p data-testid="current-user">
                                    <span class="visually-hidden">{locale.t(Msg::UserSignedInAs)}" "</span>
                                    <span class="username">{user.username.clone()}</span>
                                    " · "
                                    <span class="role">{locale.t(labels::role(user.role))}</span>
                                    {user.unit_name.clone().map(|unit| view! { " · " <span class="unit">{unit}</span> })}
                                </p>
                                <form method="post" action="/logout" class="inline">
                                    <button type="submit" data-testid="sign-out">{locale.t(Msg::UserSignOut)}</button>
                                </form>
                            }.into_any()),
                            _ => Some(view! { <p data-testid="current-user"></p> }.into_any()),
                        }
                    })}
                </Suspense>
                <LangSwitch next=next />
            </div>
        </header>
    }
}
