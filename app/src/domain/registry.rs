//! The registry page's query: filters and paging as they travel in the URL.
use super::list_query::{Pairs, cleaned, offset, page_count, page_in_bounds, per_page_in_bounds};
use super::types::{AccountStatus, code_enum};
use serde::{Deserialize, Serialize};

pub const DEFAULT_PER_PAGE: u64 = 10;
pub const MAX_PER_PAGE: u64 = 100;
/// Far beyond any registry; keeps the offset within what databases take.
pub const MAX_PAGE: u64 = 1_000_000;

code_enum!(
    /// The registry's sortable columns (issue 17, item 2).
    RegistrySort {
        Name => "name",
        Status => "status",
        Opened => "opened",
    }
);

/// The `status` value for accounts in use (active or suspended): the registry page's default, so a
/// deregistered account stays out of the way until asked for (issue 17, item 2).
pub const IN_USE: &str = "in_use";
/// The `status` value for every account, deregistered ones included.
pub const ALL_STATUSES: &str = "all";

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
    /// Only accounts in use (not deregistered), when no status is chosen.
    #[serde(default)]
    pub in_use_only: bool,
    /// `None`: the registry's own order (by unit, then platform).
    #[serde(default)]
    pub sort: Option<RegistrySort>,
    #[serde(default)]
    pub descending: bool,
    pub page: u64,
    pub per_page: u64,
}

impl RegistryQuery {
    /// From the URL's query parameters (`unit`, `platform`, `status` (a status, `in_use` or
    /// `all`), `q`, `rotation=overdue`, `sort`, `dir=desc`, `page`, `per_page`). Without a
    /// status, every account: what an export or a link from elsewhere means.
    /// A URL is user input: anything malformed falls back to the default rather than failing.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let number = |key: &str| get(key).and_then(|v| v.trim().parse::<u64>().ok());
        let status = get("status").map(|s| s.trim().to_string());
        let sort = get("sort").and_then(|s| RegistrySort::parse(s.trim()));
        Self {
            unit: cleaned(get("unit").as_deref()),
            platform: cleaned(get("platform").as_deref()),
            status: status.as_deref().and_then(AccountStatus::parse),
            in_use_only: status.as_deref() == Some(IN_USE),
            text: cleaned(get("q").as_deref()),
            rotation_overdue: get("rotation").is_some_and(|v| v.trim() == "overdue"),
            sort,
            descending: sort.is_some() && get("dir").is_some_and(|v| v.trim() == "desc"),
            page: page_in_bounds(number("page").unwrap_or(1)),
            per_page: per_page_in_bounds(number("per_page").unwrap_or(DEFAULT_PER_PAGE)),
        }
    }

    /// The registry page's reading of its URL: [`RegistryQuery::from_params`], except that no
    /// status (or an empty one, the filter form's first choice) means the accounts in use.
    pub fn for_page(get: impl Fn(&str) -> Option<String>) -> Self {
        let unchosen = get("status").is_none_or(|s| s.trim().is_empty());
        let query = Self::from_params(get);
        Self {
            in_use_only: query.in_use_only || unchosen,
            ..query
        }
    }

    /// The `status` value this query carries in a URL: a status, `in_use`, or `all`.
    pub fn status_param(&self) -> &'static str {
        match self.status {
            Some(status) => status.as_str(),
            None if self.in_use_only => IN_USE,
            None => ALL_STATUSES,
        }
    }

    /// The same query sorted by `sort`: ascending first, descending when it is already sorted
    /// ascending by it; from the first page.
    pub fn sorted_by(&self, sort: RegistrySort) -> Self {
        Self {
            sort: Some(sort),
            descending: self.sort == Some(sort) && !self.descending,
            page: 1,
            ..self.clone()
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
            in_use_only: self.in_use_only && self.status.is_none(),
            descending: self.descending && self.sort.is_some(),
            page: page_in_bounds(self.page),
            per_page: per_page_in_bounds(self.per_page),
            ..self
        }
    }

    /// The same query on another page, as a URL query string (`?a=b&...`).
    pub fn href_for_page(&self, page: u64) -> String {
        Pairs::default()
            .some("unit", self.unit.as_ref())
            .some("platform", self.platform.as_ref())
            // Always written: the page and an export read a missing status differently.
            .with("status", self.status_param())
            .some("q", self.text.as_ref())
            .some("rotation", self.rotation_overdue.then_some("overdue"))
            .href(
                self.sort.map(RegistrySort::as_str),
                self.descending,
                self.per_page,
                page,
            )
    }

    pub fn offset(&self) -> u64 {
        offset(self.page, self.per_page)
    }

    /// Pages needed for `total` rows (at least one, so an empty result still has a page 1).
    pub fn page_count(&self, total: u64) -> u64 {
        page_count(total, self.per_page)
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
    fn the_page_shows_accounts_in_use_unless_told_otherwise_and_says_which_in_its_links() {
        let get = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let page = RegistryQuery::for_page(get(&[]));
        assert!(page.in_use_only);
        assert_eq!(page.href_for_page(2), "?status=in_use&page=2");
        assert!(RegistryQuery::for_page(get(&[("status", "")])).in_use_only);
        let all = RegistryQuery::for_page(get(&[("status", "all")]));
        assert!(!all.in_use_only && all.status.is_none());
        assert_eq!(
            RegistryQuery::for_page(get(&[("status", "all")])).href_for_page(1),
            "?status=all&page=1"
        );
        let one = RegistryQuery::for_page(get(&[("status", "suspended")]));
        assert!(!one.in_use_only);
        // An export or another link without a status means every account.
        assert!(!RegistryQuery::from_params(get(&[])).in_use_only);
        assert!(RegistryQuery::from_params(get(&[("status", "in_use")])).in_use_only);
    }

    #[test]
    fn a_column_sorts_ascending_then_descending() {
        let q = query(&[("page", "3")]).sorted_by(RegistrySort::Name);
        assert_eq!(
            (q.sort, q.descending, q.page),
            (Some(RegistrySort::Name), false, 1)
        );
        let q = q.sorted_by(RegistrySort::Name);
        assert!(q.descending);
        assert_eq!(q.href_for_page(1), "?status=all&sort=name&dir=desc&page=1");
        assert!(!q.sorted_by(RegistrySort::Opened).descending);
        assert!(
            !query(&[("dir", "desc")]).descending,
            "no sort, no direction"
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
