//! The filings list's query (issue 17, item 2): a tab by where a filing stands, filters, a text
//! search, a sort and the page, all in the URL, so a filtered queue can be bookmarked, sent, and
//! worked without JavaScript.
use super::filing::{FilingKind, FilingState};
use super::list_query::{Pairs, cleaned, offset, page_count, page_in_bounds, per_page_in_bounds};
use super::registry::DEFAULT_PER_PAGE;
use super::types::code_enum;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

code_enum!(
    /// Where a filing stands, as the queue's tabs group it: what waits for the county office,
    /// what waits for the unit, and what is done.
    QueueTab {
        /// 待审核: submitted, the Art. 11 clock running.
        Waiting => "waiting",
        /// 待确认完成: approved, the Art. 12 completion not yet confirmed.
        Completion => "completion",
        /// 已退回补正: back with the unit.
        Returned => "returned",
        /// 草稿: not yet submitted.
        Drafts => "drafts",
        /// 已办结: approved (nothing left to do), rejected, withdrawn or completed.
        Closed => "closed",
    }
);

code_enum!(
    /// Filings under review by their Art. 11 due date on the viewer's today.
    DueFilter {
        Overdue => "overdue",
        Today => "today",
    }
);

code_enum!(
    /// The columns a queue can be sorted by.
    QueueSort {
        Number => "number",
        Received => "received",
        Due => "due",
    }
);

impl QueueTab {
    /// The tab a filing in `state` is listed under.
    pub fn of(state: FilingState, completion_required: bool) -> QueueTab {
        match state {
            FilingState::Submitted => QueueTab::Waiting,
            FilingState::Approved if completion_required => QueueTab::Completion,
            FilingState::Returned => QueueTab::Returned,
            FilingState::Draft => QueueTab::Drafts,
            FilingState::Approved
            | FilingState::Rejected
            | FilingState::Withdrawn
            | FilingState::Completed => QueueTab::Closed,
        }
    }
}

/// A filings query with every field already sane: unknown codes and malformed dates are dropped,
/// the received-between dates in order, the page at least 1 and the page size within bounds.
/// Build it with [`FilingQuery::from_params`] (or [`FilingQuery::sanitised`] for one that
/// arrives whole).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilingQuery {
    pub tab: Option<QueueTab>,
    pub unit: Option<String>,
    pub kind: Option<FilingKind>,
    pub platform: Option<String>,
    pub received_from: Option<NaiveDate>,
    pub received_to: Option<NaiveDate>,
    pub due: Option<DueFilter>,
    /// Part of the filing's number or of its account's name.
    pub text: Option<String>,
    /// `None`: the list's own order (the reviewers' queue order, else newest first).
    pub sort: Option<QueueSort>,
    #[serde(default)]
    pub descending: bool,
    pub page: u64,
    pub per_page: u64,
}

impl Default for FilingQuery {
    fn default() -> Self {
        FilingQuery::from_params(|_| None)
    }
}

fn date(value: Option<&str>) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value?.trim(), "%Y-%m-%d").ok()
}

impl FilingQuery {
    /// From the URL's query parameters (`tab`, `unit`, `kind`, `platform`, `from`, `to`, `due`,
    /// `q`, `sort`, `dir=desc`, `page`, `per_page`). A URL is user input: anything malformed
    /// falls back to the default rather than failing.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let number = |key: &str| get(key).and_then(|v| v.trim().parse::<u64>().ok());
        let code = |key: &str| get(key).map(|v| v.trim().to_string());
        FilingQuery {
            tab: code("tab").and_then(|c| QueueTab::parse(&c)),
            unit: cleaned(get("unit").as_deref()),
            kind: code("kind").and_then(|c| FilingKind::parse(&c)),
            platform: cleaned(get("platform").as_deref()),
            received_from: date(get("from").as_deref()),
            received_to: date(get("to").as_deref()),
            due: code("due").and_then(|c| DueFilter::parse(&c)),
            text: cleaned(get("q").as_deref()),
            sort: code("sort").and_then(|c| QueueSort::parse(&c)),
            descending: code("dir").as_deref() == Some("desc"),
            page: number("page").unwrap_or(1),
            per_page: number("per_page").unwrap_or(DEFAULT_PER_PAGE),
        }
        .sanitised()
    }

    /// The query held to the bounds [`FilingQuery::from_params`] keeps.
    pub fn sanitised(self) -> Self {
        let (received_from, received_to) = match (self.received_from, self.received_to) {
            // Dates given the wrong way round mean the same days.
            (Some(from), Some(to)) if from > to => (Some(to), Some(from)),
            dates => dates,
        };
        FilingQuery {
            unit: cleaned(self.unit.as_deref()),
            platform: cleaned(self.platform.as_deref()),
            text: cleaned(self.text.as_deref()),
            received_from,
            received_to,
            descending: self.descending && self.sort.is_some(),
            page: page_in_bounds(self.page),
            per_page: per_page_in_bounds(self.per_page),
            ..self
        }
    }

    /// Whether any filter or search narrows the list (the tab aside).
    pub fn is_filtered(&self) -> bool {
        self.unit.is_some()
            || self.kind.is_some()
            || self.platform.is_some()
            || self.received_from.is_some()
            || self.received_to.is_some()
            || self.due.is_some()
            || self.text.is_some()
    }

    /// The same query on another tab, from its first page.
    pub fn on_tab(&self, tab: Option<QueueTab>) -> FilingQuery {
        FilingQuery {
            tab,
            page: 1,
            ..self.clone()
        }
    }

    /// The same query sorted by `sort`: ascending first, descending when it is already sorted
    /// ascending by it; from the first page.
    pub fn sorted_by(&self, sort: QueueSort) -> FilingQuery {
        let descending = self.sort == Some(sort) && !self.descending;
        FilingQuery {
            sort: Some(sort),
            descending,
            page: 1,
            ..self.clone()
        }
    }

    /// The query as a URL query string (`?a=b&...`), on `page`.
    pub fn href_for_page(&self, page: u64) -> String {
        Pairs::default()
            .some("tab", self.tab.map(QueueTab::as_str))
            .some("unit", self.unit.as_ref())
            .some("kind", self.kind.map(FilingKind::as_str))
            .some("platform", self.platform.as_ref())
            .some("from", self.received_from)
            .some("to", self.received_to)
            .some("due", self.due.map(DueFilter::as_str))
            .some("q", self.text.as_ref())
            .href(
                self.sort.map(QueueSort::as_str),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::registry::{MAX_PAGE, MAX_PER_PAGE};
    use std::collections::HashMap;

    fn parse(pairs: &[(&str, &str)]) -> FilingQuery {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        FilingQuery::from_params(|k| map.get(k).cloned())
    }

    #[test]
    fn every_filter_survives_its_own_link() {
        let q = parse(&[
            ("tab", "waiting"),
            ("unit", "JYW"),
            ("kind", "deregister"),
            ("platform", "wechat"),
            ("from", "2026-11-01"),
            ("to", "2026-11-30"),
            ("due", "overdue"),
            ("q", "县 50%_"),
            ("sort", "due"),
            ("dir", "desc"),
            ("per_page", "50"),
            ("page", "3"),
        ]);
        let href = q.href_for_page(3);
        let back: HashMap<String, String> = href
            .trim_start_matches('?')
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap();
                (k.to_string(), percent_decode(v))
            })
            .collect();
        assert_eq!(FilingQuery::from_params(|k| back.get(k).cloned()), q);
        assert_eq!(q.offset(), 100);
    }

    fn percent_decode(v: &str) -> String {
        let bytes = v.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&v[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn malformed_input_falls_back_to_the_defaults() {
        let q = parse(&[
            ("tab", "everything"),
            ("kind", "OPEN"),
            ("from", "2026-13-01"),
            ("due", "soon"),
            ("sort", "name"),
            ("dir", "desc"),
            ("page", "0"),
            ("per_page", "100000"),
            ("q", "   "),
        ]);
        assert_eq!(q, FilingQuery::default());
        assert_eq!(q.href_for_page(1), "?page=1");
        assert!(!q.is_filtered());
    }

    #[test]
    fn a_page_is_clamped_like_the_registrys() {
        assert_eq!(
            (FilingQuery::default().page, FilingQuery::default().per_page),
            (1, DEFAULT_PER_PAGE)
        );
        let out_of_bounds = parse(&[
            ("page", &(MAX_PAGE + 1).to_string()),
            ("per_page", &(MAX_PER_PAGE + 1).to_string()),
        ]);
        assert_eq!(out_of_bounds, FilingQuery::default());
        let q = parse(&[("page", " 3 "), ("per_page", "25")]);
        assert_eq!((q.offset(), q.page_count(51), q.page_count(0)), (50, 3, 1));
        assert_eq!(q.href_for_page(2), "?per_page=25&page=2");
    }

    #[test]
    fn dates_the_wrong_way_round_mean_the_same_days() {
        let q = parse(&[("from", "2026-11-30"), ("to", "2026-11-01")]);
        assert_eq!(q.received_from, NaiveDate::from_ymd_opt(2026, 11, 1));
        assert_eq!(q.received_to, NaiveDate::from_ymd_opt(2026, 11, 30));
        assert!(q.is_filtered());
    }

    #[test]
    fn a_column_sorts_ascending_then_descending_and_a_tab_starts_at_page_one() {
        let q = parse(&[("page", "4")]);
        let by_due = q.sorted_by(QueueSort::Due);
        assert_eq!(
            (by_due.sort, by_due.descending, by_due.page),
            (Some(QueueSort::Due), false, 1)
        );
        let again = by_due.sorted_by(QueueSort::Due);
        assert!(again.descending);
        assert!(!again.sorted_by(QueueSort::Due).descending);
        assert!(!again.sorted_by(QueueSort::Number).descending);
        let tab = parse(&[("page", "4"), ("q", "x")]).on_tab(Some(QueueTab::Returned));
        assert_eq!((tab.page, tab.text.as_deref()), (1, Some("x")));
    }

    #[test]
    fn every_state_falls_under_one_tab() {
        use FilingState::*;
        assert_eq!(QueueTab::of(Submitted, false), QueueTab::Waiting);
        assert_eq!(QueueTab::of(Approved, true), QueueTab::Completion);
        assert_eq!(QueueTab::of(Approved, false), QueueTab::Closed);
        assert_eq!(QueueTab::of(Returned, false), QueueTab::Returned);
        assert_eq!(QueueTab::of(Draft, false), QueueTab::Drafts);
        for state in [Rejected, Withdrawn, Completed] {
            assert_eq!(QueueTab::of(state, false), QueueTab::Closed);
        }
    }
}
