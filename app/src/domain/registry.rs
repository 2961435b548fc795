//! The registry page's query: filters and paging as they travel in the URL.
use super::types::AccountStatus;
use serde::{Deserialize, Serialize};

pub const DEFAULT_PER_PAGE: u64 = 10;
pub const MAX_PER_PAGE: u64 = 100;
/// Far beyond any registry; keeps the offset within what databases take.
pub const MAX_PAGE: u64 = 1_000_000;
/// Longest text filter accepted; longer input is cut, never an error.
const MAX_TEXT: usize = 64;

/// A registry query with every field already sane: unknown codes are dropped, the page is at least 1
/// and the page size within bounds. Build it with [`RegistryQuery::from_params`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryQuery {
    pub unit: Option<String>,
    pub platform: Option<String>,
    pub status: Option<AccountStatus>,
    pub text: Option<String>,
    /// Only accounts in use whose password rotation is overdue (Art. 29).
    #[serde(default)]
    pub rotation_overdue: bool,
    pub page: u64,
    pub per_page: u64,
}

fn cleaned(value: Option<&str>) -> Option<String> {
    let value = value?.trim();
    (!value.is_empty()).then(|| value.chars().take(MAX_TEXT).collect())
}

impl RegistryQuery {
    /// From the URL's query parameters (`unit`, `platform`, `status`, `q`, `rotation=overdue`,
    /// `page`, `per_page`).
    /// A URL is user input: anything malformed falls back to the default rather than failing.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let number = |key: &str| get(key).and_then(|v| v.trim().parse::<u64>().ok());
        Self {
            unit: cleaned(get("unit").as_deref()),
            platform: cleaned(get("platform").as_deref()),
            status: get("status").and_then(|s| AccountStatus::parse(s.trim())),
            text: cleaned(get("q").as_deref()),
            rotation_overdue: get("rotation").is_some_and(|v| v.trim() == "overdue"),
            page: number("page")
                .filter(|p| (1..=MAX_PAGE).contains(p))
                .unwrap_or(1),
            per_page: number("per_page")
                .filter(|n| (1..=MAX_PER_PAGE).contains(n))
                .unwrap_or(DEFAULT_PER_PAGE),
        }
    }

    /// The query held to the bounds [`RegistryQuery::from_params`] keeps: a query that arrives
    /// whole (the `/api/registry` server function takes it as JSON or form fields) gets its text
    /// trimmed and cut to 64 characters, a page outside 1..=1,000,000 and a page size outside
    /// 1..=100 fall back to the defaults.
    pub fn sanitised(self) -> Self {
        Self {
            unit: cleaned(self.unit.as_deref()),
            platform: cleaned(self.platform.as_deref()),
            text: cleaned(self.text.as_deref()),
            page: Some(self.page)
                .filter(|p| (1..=MAX_PAGE).contains(p))
                .unwrap_or(1),
            per_page: Some(self.per_page)
                .filter(|n| (1..=MAX_PER_PAGE).contains(n))
                .unwrap_or(DEFAULT_PER_PAGE),
            ..self
        }
    }

    /// The same query on another page, as a URL query string (`?a=b&...`).
    pub fn href_for_page(&self, page: u64) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(unit) = &self.unit {
            pairs.push(("unit", unit.clone()));
        }
        if let Some(platform) = &self.platform {
            pairs.push(("platform", platform.clone()));
        }
        if let Some(status) = self.status {
            pairs.push(("status", status.as_str().to_string()));
        }
        if let Some(text) = &self.text {
            pairs.push(("q", text.clone()));
        }
        if self.rotation_overdue {
            pairs.push(("rotation", "overdue".to_string()));
        }
        if self.per_page != DEFAULT_PER_PAGE {
            pairs.push(("per_page", self.per_page.to_string()));
        }
        pairs.push(("page", page.to_string()));
        let encoded: Vec<String> = pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={}", encode(&v)))
            .collect();
        format!("?{}", encoded.join("&"))
    }

    pub fn offset(&self) -> u64 {
        (self.page.clamp(1, MAX_PAGE) - 1).saturating_mul(self.per_page)
    }

    /// Pages needed for `total` rows (at least one, so an empty result still has a page 1).
    pub fn page_count(&self, total: u64) -> u64 {
        total.div_ceil(self.per_page.max(1)).max(1)
    }
}

/// A page of a list other than the registry (the filings), within the registry's bounds: the page
/// at least 1 and at most [`MAX_PAGE`], the size 1 to [`MAX_PER_PAGE`] (default
/// [`DEFAULT_PER_PAGE`]). Anything out of bounds or malformed falls back to the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paging {
    pub page: u64,
    pub per_page: u64,
}

impl Default for Paging {
    fn default() -> Self {
        Paging::new(None, None)
    }
}

impl Paging {
    pub fn new(page: Option<u64>, per_page: Option<u64>) -> Self {
        Paging {
            page: page.filter(|p| (1..=MAX_PAGE).contains(p)).unwrap_or(1),
            per_page: per_page
                .filter(|n| (1..=MAX_PER_PAGE).contains(n))
                .unwrap_or(DEFAULT_PER_PAGE),
        }
    }

    /// From a URL's `page` and `per_page` parameters.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let number = |key: &str| get(key).and_then(|v| v.trim().parse::<u64>().ok());
        Paging::new(number("page"), number("per_page"))
    }

    pub fn offset(&self) -> u64 {
        (self.page - 1).saturating_mul(self.per_page)
    }

    /// Pages needed for `total` rows (at least one).
    pub fn page_count(&self, total: u64) -> u64 {
        total.div_ceil(self.per_page.max(1)).max(1)
    }

    /// The query string of page `page` of the same size (`?page=2`, `?per_page=50&page=2`).
    pub fn href_for_page(&self, page: u64) -> String {
        if self.per_page == DEFAULT_PER_PAGE {
            format!("?page={page}")
        } else {
            format!("?per_page={}&page={page}", self.per_page)
        }
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters pass through).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn a_query_sent_whole_is_held_to_the_bounds_of_the_url() {
        let sent = RegistryQuery {
            unit: Some("  ".into()),
            text: Some(format!("  {}  ", "教".repeat(500))),
            page: 0,
            per_page: 1_000_000,
            ..RegistryQuery::default()
        }
        .sanitised();
        assert_eq!(sent.unit, None);
        assert_eq!(sent.text.as_deref().map(|t| t.chars().count()), Some(64));
        assert_eq!((sent.page, sent.per_page), (1, DEFAULT_PER_PAGE));
        let fine = query(&[("q", "教育"), ("page", "3"), ("per_page", "50")]);
        assert_eq!(fine.clone().sanitised(), fine);
    }

    fn query(pairs: &[(&str, &str)]) -> RegistryQuery {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        RegistryQuery::from_params(|k| map.get(k).cloned())
    }

    #[test]
    fn a_list_page_is_clamped_like_the_registrys() {
        assert_eq!(
            Paging::new(None, None),
            Paging {
                page: 1,
                per_page: DEFAULT_PER_PAGE
            }
        );
        assert_eq!(Paging::new(Some(0), Some(0)), Paging::default());
        assert_eq!(
            Paging::new(Some(MAX_PAGE + 1), Some(MAX_PER_PAGE + 1)),
            Paging::default()
        );
        let p = Paging::new(Some(3), Some(25));
        assert_eq!((p.offset(), p.page_count(51)), (50, 3));
        assert_eq!(p.href_for_page(2), "?per_page=25&page=2");
        assert_eq!(Paging::default().href_for_page(2), "?page=2");
        let from_url = Paging::from_params(|k| (k == "page").then(|| " 2 ".to_string()));
        assert_eq!(from_url.page, 2);
    }

    #[test]
    fn an_empty_url_is_the_first_page_of_everything() {
        let q = query(&[]);
        assert_eq!(
            q,
            RegistryQuery {
                page: 1,
                per_page: DEFAULT_PER_PAGE,
                ..Default::default()
            }
        );
    }

    #[test]
    fn malformed_paging_and_unknown_statuses_fall_back_to_defaults() {
        let q = query(&[
            ("page", "0"),
            ("per_page", "100000"),
            ("status", "gone"),
            ("q", "   "),
        ]);
        assert_eq!(
            (q.page, q.per_page, q.status, q.text),
            (1, DEFAULT_PER_PAGE, None, None)
        );
    }

    #[test]
    fn the_page_link_keeps_every_filter_and_encodes_chinese_text() {
        let q = query(&[
            ("platform", "weibo"),
            ("status", "active"),
            ("q", "石柱"),
            ("page", "2"),
        ]);
        assert_eq!(
            q.href_for_page(3),
            "?platform=weibo&status=active&q=%E7%9F%B3%E6%9F%B1&page=3"
        );
    }

    #[test]
    fn paging_arithmetic() {
        let q = query(&[("page", "3")]);
        assert_eq!(q.offset(), 20);
        assert_eq!(q.page_count(0), 1);
        assert_eq!(q.page_count(31), 4);
    }
}
