//! Where the application may send a person after signing in or switching the language: back to one
//! of its own pages, and nowhere else: no open redirect (ASVS 5.0 V3.7.2, redirects only to
//! allow-listed destinations; V1.2.2, only safe URLs built from untrusted data). The allow list is
//! the application's own route table.
//!
//! A `next` value is followed only when it is plain visible ASCII, has no backslash, no
//! percent-encoded character in its path (so neither `%2f` nor `%5c` nor `%09` can turn into a
//! second slash once a browser has decoded or stripped it), no `.` or `..` segment, and its path
//! matches one of the application's own routes. Anything else goes to `/`.
use std::sync::OnceLock;

/// One segment of a route pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// `:id` (Leptos) or `{id}` (axum): one non-empty segment of unreserved characters.
    Parameter,
}

/// The paths of the application's own pages and downloads.
#[derive(Debug, Clone, Default)]
pub struct LocalRoutes {
    patterns: Vec<Vec<Segment>>,
}

impl LocalRoutes {
    /// Route patterns such as `/`, `/filings/{id}/print` or `/accounts/:id`.
    pub fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Self {
        let patterns = patterns
            .into_iter()
            .map(|pattern| {
                segments(pattern)
                    .map(|segment| {
                        if segment.starts_with(':')
                            || (segment.starts_with('{') && segment.ends_with('}'))
                        {
                            Segment::Parameter
                        } else {
                            Segment::Literal(segment.to_string())
                        }
                    })
                    .collect()
            })
            .collect();
        LocalRoutes { patterns }
    }

    /// Whether `path` (no query) is one of the routes.
    fn matches(&self, path: &str) -> bool {
        let given: Vec<&str> = segments(path).collect();
        self.patterns.iter().any(|pattern| {
            pattern.len() == given.len()
                && pattern
                    .iter()
                    .zip(&given)
                    .all(|(expected, actual)| match expected {
                        Segment::Literal(literal) => literal == actual,
                        Segment::Parameter => !actual.is_empty() && actual.bytes().all(unreserved),
                    })
        })
    }

    /// `next` when it is one of the application's own pages, otherwise `/`.
    pub fn follow<'a>(&self, next: Option<&'a str>) -> &'a str {
        match next {
            Some(next) if self.is_local(next) => next,
            _ => "/",
        }
    }

    fn is_local(&self, next: &str) -> bool {
        // Visible ASCII only: no control characters (a browser strips TAB, CR and LF from a URL,
        // so `/\t/evil.example` would become `//evil.example`), no spaces, nothing non-ASCII.
        if !next.bytes().all(|b| b.is_ascii_graphic()) || next.contains('\\') {
            return false;
        }
        let (path, _query) = next.split_once('?').unwrap_or((next, ""));
        if next.contains('#') || !path.starts_with('/') || path.starts_with("//") {
            return false;
        }
        // The path itself is plain: encoded characters (`%2f`, `%5c`, `%09`) could decode into a
        // separator; dot segments could climb out of a matched prefix.
        if path.contains('%') || segments(path).any(|s| s == "." || s == "..") {
            return false;
        }
        self.matches(path)
    }
}

/// The segments of a path: `/` has none, `/filings/3` has `filings` and `3`. A doubled or trailing
/// slash gives an empty segment, which no route has.
fn segments(path: &str) -> impl Iterator<Item = &str> {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    trimmed.split('/').filter({
        let root = trimmed.is_empty();
        move |_| !root
    })
}

fn unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~')
}

static ROUTES: OnceLock<LocalRoutes> = OnceLock::new();

/// Records the application's routes (the router does, once; they are the same for every
/// application in the process).
pub fn register<'a>(patterns: impl IntoIterator<Item = &'a str>) {
    let _ = ROUTES.get_or_init(|| LocalRoutes::new(patterns));
}

/// `next` when it is one of the application's own pages (see [`LocalRoutes::follow`]), otherwise
/// `/`. Before the router has registered its routes, only `/` is followed.
pub fn safe_next(next: Option<&str>) -> &str {
    match ROUTES.get() {
        Some(routes) => routes.follow(next),
        None => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes() -> LocalRoutes {
        LocalRoutes::new([
            "/",
            "/login",
            "/accounts/:id",
            "/filings",
            "/filings/{id}",
            "/filings/{id}/print",
            "/exports/registry.csv",
        ])
    }

    #[test]
    fn the_applications_own_pages_are_followed_with_their_queries() {
        let routes = routes();
        for local in [
            "/",
            "/accounts/3",
            "/accounts/3?x=1",
            "/filings?status=submitted&page=2",
            "/filings/12/print",
            "/exports/registry.csv?unit=3&q=%E6%95%99",
            "/login",
        ] {
            assert_eq!(routes.follow(Some(local)), local, "{local}");
        }
    }

    #[test]
    fn anything_else_goes_home() {
        let routes = routes();
        for hostile in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/\t/evil.example",
            "/\r\n/evil.example",
            "/ /evil.example",
            "/%09/evil.example",
            "/%2f/evil.example",
            "/%2F%2Fevil.example",
            "/%5cevil.example",
            "/accounts/%2e%2e",
            "/accounts/..",
            "/accounts/3/../../evil",
            "/accounts/",
            "/accounts//3",
            "/accounts/3#x",
            "/unknown",
            "/filings/3/delete",
            "javascript:alert(1)",
            "evil.example",
            "",
            "/accounts/３",
        ] {
            assert_eq!(routes.follow(Some(hostile)), "/", "{hostile:?}");
        }
        assert_eq!(routes.follow(None), "/");
    }
}
