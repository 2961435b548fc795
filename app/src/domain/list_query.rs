//! What the registry's and the filings queue's URL queries share: cleaning text, holding the page
//! to its bounds, and writing the query back into a link.
use super::registry::{DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE, encode};

/// Longest text filter accepted; longer input is cut, never an error.
const MAX_TEXT: usize = 64;

/// Text as a filter takes it: trimmed, cut to 64 characters, and none when blank.
pub(super) fn cleaned(value: Option<&str>) -> Option<String> {
    let value = value?.trim();
    (!value.is_empty()).then(|| value.chars().take(MAX_TEXT).collect())
}

/// A page number within 1..=[`MAX_PAGE`], else the first page.
pub(super) fn page_in_bounds(page: u64) -> u64 {
    Some(page)
        .filter(|p| (1..=MAX_PAGE).contains(p))
        .unwrap_or(1)
}

/// A page size within 1..=[`MAX_PER_PAGE`], else [`DEFAULT_PER_PAGE`].
pub(super) fn per_page_in_bounds(per_page: u64) -> u64 {
    Some(per_page)
        .filter(|n| (1..=MAX_PER_PAGE).contains(n))
        .unwrap_or(DEFAULT_PER_PAGE)
}

/// Rows before `page`.
pub(super) fn offset(page: u64, per_page: u64) -> u64 {
    (page.clamp(1, MAX_PAGE) - 1).saturating_mul(per_page)
}

/// Pages needed for `total` rows (at least one, so an empty result still has a page 1).
pub(super) fn page_count(total: u64, per_page: u64) -> u64 {
    total.div_ceil(per_page.max(1)).max(1)
}

/// A query's parameters in the order a link writes them.
#[derive(Default)]
pub(super) struct Pairs(Vec<(&'static str, String)>);

impl Pairs {
    pub(super) fn with(mut self, key: &'static str, value: impl ToString) -> Self {
        self.0.push((key, value.to_string()));
        self
    }

    pub(super) fn some(self, key: &'static str, value: Option<impl ToString>) -> Self {
        match value {
            Some(value) => self.with(key, value),
            None => self,
        }
    }

    /// The sort (`sort`, and `dir=desc` when descending), the page size when not the default,
    /// and the page, as `?a=b&...`.
    pub(super) fn href(
        self,
        sort: Option<&'static str>,
        descending: bool,
        per_page: u64,
        page: u64,
    ) -> String {
        let pairs = self
            .some("sort", sort)
            .some("dir", (sort.is_some() && descending).then_some("desc"))
            .some(
                "per_page",
                (per_page != DEFAULT_PER_PAGE).then_some(per_page),
            )
            .with("page", page);
        let encoded: Vec<String> = pairs
            .0
            .into_iter()
            .map(|(k, v)| format!("{k}={}", encode(&v)))
            .collect();
        format!("?{}", encoded.join("&"))
    }
}
