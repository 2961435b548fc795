//! CSV cells safe to open in a spreadsheet (OWASP "CSV injection"; ASVS 5.0 V1.2.10). Excel and
//! WPS read a cell that starts with `=`, `+`, `-` or `@` (WPS also their full-width forms
//! `＝＋－＠`), or with a tab, carriage return or NUL before one, as a formula: a unit could put
//! `=HYPERLINK(...)` into an account's name or purpose and have it run on the county office's
//! computer when the registry export is opened. Every CSV the app writes passes its cells through
//! [`neutralise`] (in `server::export::csv_lines`, the one CSV writer); an import of CSV text
//! passes them through [`restore`], so a value exported and imported again is the value it was.
//! XLSX cells are written as strings and need neither.

/// The characters that make a spreadsheet read a cell as a formula when they come first.
const TRIGGERS: [char; 11] = [
    '=', '+', '-', '@', '\t', '\r', '\0', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}',
];

/// The quote a spreadsheet shows as text and does not evaluate.
const QUOTE: char = '\'';

/// Whether a cell starting this way needs the quote: a formula trigger, or the quote itself (so
/// that a value that really starts with a quote survives [`restore`]).
fn needs_quote(value: &str) -> bool {
    value.starts_with(TRIGGERS) || value.starts_with(QUOTE)
}

/// The cell as written to CSV: with a leading apostrophe when it would be read as a formula (or
/// starts with an apostrophe), else unchanged.
pub fn neutralise(value: &str) -> std::borrow::Cow<'_, str> {
    if needs_quote(value) {
        std::borrow::Cow::Owned(format!("{QUOTE}{value}"))
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}

/// The value a CSV cell written by [`neutralise`] holds: the apostrophe it added taken off.
/// An apostrophe before anything else (a file written by another program) is kept.
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix(QUOTE) {
        Some(rest) if needs_quote(rest) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_triggers_get_a_leading_apostrophe() {
        for value in [
            "=HYPERLINK(\"http://evil.example\",\"点击\")",
            "+1+1",
            "-2+3",
            "@SUM(A1:A2)",
            "\t=1+1",
            "\r=1+1",
            "\0=1+1",
            "＝HYPERLINK(\"x\")",
            "＋1",
            "－1",
            "＠SUM(A1)",
        ] {
            assert_eq!(neutralise(value), format!("'{value}"), "{value:?}");
        }
    }

    #[test]
    fn ordinary_text_is_unchanged() {
        for value in [
            "石柱县教育局",
            "2026-11-27",
            "138****1234",
            "",
            "a=b",
            " =1",
            "否",
        ] {
            assert_eq!(neutralise(value), value, "{value:?}");
        }
    }

    #[test]
    fn a_leading_apostrophe_is_doubled_so_it_survives_the_round_trip() {
        assert_eq!(neutralise("'quoted"), "''quoted");
        assert_eq!(restore("''quoted"), "'quoted");
    }

    #[test]
    fn restore_undoes_neutralise() {
        for value in [
            "=1+1", "'=1+1", "''", "'", "-", "＝", "plain", "", "'plain", "\t@x", "a'b",
        ] {
            assert_eq!(restore(&neutralise(value)), value, "{value:?}");
        }
    }

    #[test]
    fn an_apostrophe_another_program_wrote_is_kept() {
        assert_eq!(restore("'0123"), "'0123");
        assert_eq!(restore("'"), "'");
    }
}
