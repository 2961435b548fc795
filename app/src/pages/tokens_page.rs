//! API tokens (issue 7): the signed-in person's tokens for the JSON API, everyone's for
//! administrators; creating one for oneself (its secret shown once) and revoking. Plain form posts,
//! so all of it works without JavaScript.
use crate::components::done_notice::DoneNotice;
use crate::components::error_notice::{ErrorNotice, flash_error};
use crate::components::loaded::Loaded;
use crate::components::post_button::PostButton;
use crate::i18n::{Locale, Msg, use_locale};
use crate::labels;
use crate::model::{TokenRow, TokensView};
use crate::token_api::fetch_tokens;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn TokensPage() -> impl IntoView {
    let locale = use_locale();
    let params = use_query_map();
    let number = move |key: &str| {
        params
            .read()
            .get(key)
            .and_then(|id| id.trim().parse::<i32>().ok())
    };
    let created = number("created");
    let revoked = number("revoked");
    let error = flash_error();
    view! {
        <Title text=format!("{} · {}", locale.t(Msg::TokensTitle), locale.t(Msg::AppTitle)) />
        <h1>{locale.t(Msg::TokensTitle)}</h1>
        <p class="hint">{locale.t(Msg::TokensHint)}</p>
        {revoked.map(|id| view! {
            <DoneNotice text=locale.tf(Msg::TokensRevokedNotice, &[("id", &id.to_string())]) testid="token-revoked" />
        })}
        {error.map(|error| view! { <ErrorNotice error focus=true /> })}
        <Loaded load=fetch_tokens show=move |tokens| view! { <Tokens tokens created locale /> } />
    }
}

#[component]
fn Tokens(tokens: TokensView, created: Option<i32>, locale: Locale) -> impl IntoView {
    let TokensView {
        rows,
        all_users,
        fresh,
        second_factor,
    } = tokens;
    // Re-authentication (issue 15, item 6): the password, or the second factor's current code.
    let proof = if second_factor {
        view! {
            <div class="field">
                <label for="token-code">{locale.t(Msg::TokensReauthCode)}</label>
                <input id="token-code" name="code" type="text" required inputmode="numeric"
                    autocomplete="one-time-code" maxlength="64" aria-describedby="token-reauth-hint" />
            </div>
        }
        .into_any()
    } else {
        view! {
            <div class="field">
                <label for="token-password">{locale.t(Msg::TokensReauthPassword)}</label>
                <input id="token-password" name="password" type="password" required
                    autocomplete="current-password" maxlength="1024" aria-describedby="token-reauth-hint" />
            </div>
        }
        .into_any()
    };
    // The secret comes only with the redirect right after creating it (from its one-time cookie).
    let fresh = created.zip(fresh).map(|(id, secret)| {
        view! {
            <DoneNotice text=locale.tf(Msg::TokensCreated, &[("id", &id.to_string())]) testid="token-created">
                <p>
                    <label for="new-token">{locale.t(Msg::TokensSecret)}</label>
                    " "
                    <input id="new-token" type="text" readonly size="72" value=secret
                        class="token-secret" data-testid="token-secret" />
                </p>
            </DoneNotice>
        }
    });
    let table = if rows.is_empty() {
        view! { <p class="empty" data-testid="tokens-empty">{locale.t(Msg::TokensEmpty)}</p> }
            .into_any()
    } else {
        view! { <TokenTable rows all_users locale /> }.into_any()
    };
    view! {
        {fresh}
        {all_users.then(|| view! { <p class="hint">{locale.t(Msg::TokensHintAdmin)}</p> })}
        <section aria-labelledby="token-new-title" class="card">
            <h2 id="token-new-title">{locale.t(Msg::TokensCreateTitle)}</h2>
            <form method="post" action="/api/token_create" class="filters" data-testid="token-form">
                <div class="field">
                    <label for="token-name">{locale.t(Msg::TokensName)}</label>
                    <input id="token-name" name="name" type="text" required maxlength="100" />
                </div>
                <div class="field">
                    <label for="token-expires">{locale.t(Msg::TokensExpiresDays)}</label>
                    <input id="token-expires" name="expires_days" type="number" min="1" max="365"
                        value="90" required aria-describedby="token-expires-hint" />
                    <p class="hint" id="token-expires-hint">{locale.t(Msg::TokensExpiresHint)}</p>
                </div>
                <fieldset class="field" data-testid="token-scope">
                    <legend>{locale.t(Msg::TokensScope)}</legend>
                    <label>
                        <input type="radio" name="scope" value="read" checked data-testid="token-scope-read" />
                        " "{locale.t(Msg::TokensScopeRead)}
                    </label>
                    <label>
                        <input type="radio" name="scope" value="write" data-testid="token-scope-write" />
                        " "{locale.t(Msg::TokensScopeWrite)}
                    </label>
                </fieldset>
                <p class="hint" id="token-reauth-hint">{locale.t(Msg::TokensReauthHint)}</p>
                {proof}
                <div class="actions">
                    <button type="submit" data-testid="token-create">{locale.t(Msg::TokensCreate)}</button>
                </div>
            </form>
        </section>
        {table}
    }
}

#[component]
fn TokenTable(rows: Vec<TokenRow>, all_users: bool, locale: Locale) -> impl IntoView {
    let never = locale.t(Msg::TokensNever);
    let time = move |t: Option<&str>| {
        t.map(labels::china_time)
            .unwrap_or_else(|| never.to_string())
    };
    view! {
        <table class="registry tokens" data-testid="tokens-table">
            <caption class="visually-hidden">{locale.t(Msg::TokensCaption)}</caption>
            <thead>
                <tr>
                    <th scope="col">{locale.t(Msg::TokensColName)}</th>
                    {all_users.then(|| view! { <th scope="col">{locale.t(Msg::TokensColUser)}</th> })}
                    <th scope="col">{locale.t(Msg::TokensColPrefix)}</th>
                    <th scope="col">{locale.t(Msg::TokensColScope)}</th>
                    <th scope="col">{locale.t(Msg::TokensColCreated)}</th>
                    <th scope="col">{locale.t(Msg::TokensColExpires)}</th>
                    <th scope="col">{locale.t(Msg::TokensColLastUsed)}</th>
                    <th scope="col">{locale.t(Msg::TokensColStatus)}</th>
                    <th scope="col">{locale.t(Msg::TokensColAction)}</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|t| {
                    let status = if t.revoked_at.is_some() {
                        Msg::TokensStatusRevoked
                    } else if t.active {
                        Msg::TokensStatusActive
                    } else {
                        Msg::TokensStatusExpired
                    };
                    let revoke = t.active.then(|| {
                        let which = locale.tf(Msg::TokensRevokeWhich, &[("id", &t.id.to_string())]);
                        view! {
                            <PostButton action="/api/token_revoke" id=t.id.to_string() label=Msg::TokensRevoke
                                which secondary=true testid="token-revoke" />
                        }
                    });
                    view! {
                        <tr data-testid="token-row" data-token-id=t.id.to_string()>
                            <td>{t.name.clone()}</td>
                            {all_users.then(|| view! { <td>{t.username.clone()}</td> })}
                            <td><code>{format!("{}…", t.prefix)}</code></td>
                            <td data-testid="token-scope-cell">{locale.t(if t.scope == "write" {
                                Msg::TokensScopeWriteShort
                            } else {
                                Msg::TokensScopeReadShort
                            })}</td>
                            <td>{time(Some(&t.created_at))}</td>
                            <td>{time(Some(&t.expires_at))}</td>
                            <td>{time(t.last_used_at.as_deref())}</td>
                            <td data-testid="token-status">{locale.t(status)}</td>
                            <td>{revoke}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
