//! Languages: Simplified Chinese by default, English available. The language comes from the `lang`
//! cookie (set by the switch on every page), else the browser's Accept-Language, else zh-CN.
use serde::{Deserialize, Serialize};

include!(concat!(env!("OUT_DIR"), "/messages.rs"));

/// The cookie that keeps the chosen language.
pub const LOCALE_COOKIE: &str = "lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, Serialize, Deserialize)]
pub enum Locale {
    #[default]
    ZhCn,
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::ZhCn, Locale::En];

    /// The BCP 47 tag, as written in `<html lang>` and the cookie.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    /// The language's own name, for the switch.
    pub fn endonym(self) -> &'static str {
        // Endonyms read the same in every locale file.
        self.t(match self {
            Locale::ZhCn => Msg::LangNameZhCn,
            Locale::En => Msg::LangNameEn,
        })
    }

    /// Exact tags and their common spellings (`zh`, `zh-Hans`, `en-US`, ...).
    pub fn parse(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Locale::ZhCn),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// The best supported language in an Accept-Language header, by its q-values.
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut best: Option<(f32, Locale)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let Some(locale) = parts.next().and_then(Locale::parse) else {
                continue;
            };
            let q = parts
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, locale));
            }
        }
        best.map(|(_, locale)| locale)
    }

    /// The cookie wins, then Accept-Language, then the default.
    pub fn resolve(cookie: Option<&str>, accept_language: Option<&str>) -> Self {
        cookie
            .and_then(Locale::parse)
            .or_else(|| accept_language.and_then(Locale::from_accept_language))
            .unwrap_or_default()
    }

    /// Resolves from request headers (`Cookie`, `Accept-Language`).
    pub fn from_headers(headers: &http::HeaderMap) -> Self {
        let cookie = headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == LOCALE_COOKIE)
            .map(|(_, value)| value.to_string());
        let accept = headers
            .get(http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        Locale::resolve(cookie.as_deref(), accept)
    }

    pub fn t(self, msg: Msg) -> &'static str {
        let index = msg as usize;
        match self {
            Locale::ZhCn => ZH_CN[index],
            Locale::En => EN[index],
        }
    }

    /// A message with `{name}` placeholders filled in.
    pub fn tf(self, msg: Msg, args: &[(&str, &str)]) -> String {
        let mut text = self.t(msg).to_string();
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }
}

/// The page's language, provided by the root component.
pub fn use_locale() -> Locale {
    leptos::prelude::use_context::<Locale>().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_the_default() {
        assert_eq!(Locale::resolve(None, None), Locale::ZhCn);
        assert_eq!(Locale::resolve(None, Some("fr-FR,de;q=0.8")), Locale::ZhCn);
    }

    #[test]
    fn accept_language_is_honoured_by_quality() {
        assert_eq!(Locale::resolve(None, Some("en-US,en;q=0.9")), Locale::En);
        assert_eq!(
            Locale::resolve(None, Some("en;q=0.5,zh-CN;q=0.9")),
            Locale::ZhCn
        );
        assert_eq!(Locale::resolve(None, Some("fr,en;q=0.3")), Locale::En);
    }

    #[test]
    fn the_cookie_beats_the_browser() {
        assert_eq!(Locale::resolve(Some("en"), Some("zh-CN")), Locale::En);
        assert_eq!(Locale::resolve(Some("bogus"), Some("en")), Locale::En);
    }

    #[test]
    fn placeholders_are_filled() {
        assert!(
            Locale::En
                .tf(Msg::RegistryTotal, &[("count", "31")])
                .contains("31")
        );
        assert!(
            Locale::ZhCn
                .tf(Msg::RegistryTotal, &[("count", "31")])
                .contains("31")
        );
    }
}
