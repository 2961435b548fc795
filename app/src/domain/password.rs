//! The password rules as pure checks: length, character classes and the username (GB/T 22239-2019
//! 等保 2.0, level 3, 8.1.4.1 a: 身份鉴别信息具有复杂度要求; OWASP ASVS 5.0.0 V6.2). The list of
//! common passwords and the history of a person's own passwords are the server's (they need data);
//! they come in here as a predicate.
//!
//! Where ASVS and 等保 disagree (ASVS 5.0.0 V6.2.5 wants no composition rules, V6.2.10 no rotation or
//! history), the regulation the county is inspected against wins: character classes, expiry and
//! history are required by 等保 level 3 and asked for by issue 8.

/// Shortest password accepted by default (issue 8).
pub const DEFAULT_MIN_LENGTH: usize = 10;
/// Character classes required by default, of the four (issue 8).
pub const DEFAULT_MIN_CLASSES: u8 = 3;
/// The lowest minimum length a county may configure: below 8 no policy is defensible (NIST SP
/// 800-63B 5.1.1.2; ASVS 5.0.0 V6.2.1 recommends 15).
pub const LOWEST_MIN_LENGTH: usize = 8;
/// Longest password accepted, in characters. ASVS 5.0.0 V6.2.9: at least 64 allowed; at most 128.
pub const MAX_LENGTH: usize = 128;

/// What a new password must be: configurable per county (`PASSWORD_MIN_LENGTH`,
/// `PASSWORD_MIN_CLASSES`), built only through [`PasswordRules::new`] so the bounds hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordRules {
    min_length: usize,
    min_classes: u8,
}

impl Default for PasswordRules {
    fn default() -> Self {
        PasswordRules {
            min_length: DEFAULT_MIN_LENGTH,
            min_classes: DEFAULT_MIN_CLASSES,
        }
    }
}

/// A configuration the rules cannot take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    #[error("the minimum length must be from {LOWEST_MIN_LENGTH} to {MAX_LENGTH} characters")]
    MinLength,
    #[error("the minimum number of character classes must be from 1 to 4")]
    MinClasses,
}

impl PasswordRules {
    pub fn new(min_length: usize, min_classes: u8) -> Result<Self, RulesError> {
        if !(LOWEST_MIN_LENGTH..=MAX_LENGTH).contains(&min_length) {
            return Err(RulesError::MinLength);
        }
        if !(1..=4).contains(&min_classes) {
            return Err(RulesError::MinClasses);
        }
        Ok(PasswordRules {
            min_length,
            min_classes,
        })
    }

    pub fn min_length(&self) -> usize {
        self.min_length
    }

    pub fn min_classes(&self) -> u8 {
        self.min_classes
    }
}

/// Why a new password is refused, in the order the checks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordFault {
    TooShort {
        min: usize,
    },
    TooLong {
        max: usize,
    },
    TooFewClasses {
        min: u8,
    },
    /// It is the username, or holds it (case-insensitively).
    ContainsUsername,
    /// It is on the list of common passwords (case-insensitively).
    Common,
}

/// How many of the four classes — lower-case letters, capitals, digits, anything else — a password
/// uses. Letters without case (Chinese characters) count as "anything else".
pub fn character_classes(password: &str) -> u8 {
    let (mut lower, mut upper, mut digit, mut other) = (false, false, false, false);
    for c in password.chars() {
        if c.is_lowercase() {
            lower = true;
        } else if c.is_uppercase() {
            upper = true;
        } else if c.is_ascii_digit() {
            digit = true;
        } else {
            other = true;
        }
    }
    [lower, upper, digit, other]
        .into_iter()
        .filter(|x| *x)
        .count() as u8
}

/// Whether a password is, or contains, the username. A username shorter than 3 characters is
/// only compared whole: "contains `li`" would refuse half the dictionary and protect nothing.
fn contains_username(username: &str, password: &str) -> bool {
    let username = username.trim().to_lowercase();
    if username.is_empty() {
        return false;
    }
    let password = password.to_lowercase();
    password == username || (username.chars().count() >= 3 && password.contains(&username))
}

/// A password that satisfies the rules. There is no other way to make one, so the services that
/// store passwords cannot store one the rules refuse. It is never printed (`Debug` hides it).
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

impl NewPassword {
    /// Checks `candidate` for `username` against the rules and the list of common passwords
    /// (`is_common` is given the password in lower case). The password is taken as typed: no
    /// trimming, so what was typed is what must be typed at sign-in.
    pub fn parse(
        rules: &PasswordRules,
        username: &str,
        candidate: &str,
        is_common: impl Fn(&str) -> bool,
    ) -> Result<NewPassword, PasswordFault> {
        let length = candidate.chars().count();
        if length < rules.min_length {
            return Err(PasswordFault::TooShort {
                min: rules.min_length,
            });
        }
        if length > MAX_LENGTH {
            return Err(PasswordFault::TooLong { max: MAX_LENGTH });
        }
        if character_classes(candidate) < rules.min_classes {
            return Err(PasswordFault::TooFewClasses {
                min: rules.min_classes,
            });
        }
        if contains_username(username, candidate) {
            return Err(PasswordFault::ContainsUsername);
        }
        if is_common(&candidate.to_lowercase()) {
            return Err(PasswordFault::Common);
        }
        Ok(NewPassword(candidate.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Why a person must change their password before they may do anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeReason {
    /// Someone else chose it: an operator creating the account or resetting the password.
    SetBySomeoneElse,
    /// It is older than the maximum age (等保 8.1.4.1 a: 定期更换).
    Expired,
}

/// Whether a password set at `changed_at` must be changed at `now`. `max_age` none: passwords do
/// not expire.
pub fn change_reason(
    set_by_someone_else: bool,
    changed_at: chrono::DateTime<chrono::Utc>,
    max_age: Option<chrono::Duration>,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<ChangeReason> {
    if set_by_someone_else {
        Some(ChangeReason::SetBySomeoneElse)
    } else if max_age.is_some_and(|age| changed_at + age <= now) {
        Some(ChangeReason::Expired)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never(_: &str) -> bool {
        false
    }

    fn check(candidate: &str) -> Result<NewPassword, PasswordFault> {
        NewPassword::parse(&PasswordRules::default(), "tan.ming", candidate, never)
    }

    #[test]
    fn classes_are_counted_once_each() {
        assert_eq!(character_classes("abc"), 1);
        assert_eq!(character_classes("abcABC"), 2);
        assert_eq!(character_classes("aB3"), 3);
        assert_eq!(character_classes("aB3-"), 4);
        assert_eq!(
            character_classes("石柱县2026"),
            2,
            "Chinese characters are 'other'"
        );
        assert_eq!(character_classes(""), 0);
    }

    #[test]
    fn a_long_password_of_three_classes_passes() {
        assert!(check("shizhu-demo-2026").is_ok());
        assert!(check("Correct horse 7").is_ok());
        assert!(check("石柱县政务新媒体2026shizhu").is_ok());
    }

    #[test]
    fn length_is_counted_in_characters_between_the_bounds() {
        assert_eq!(check("Ab1-short"), Err(PasswordFault::TooShort { min: 10 }));
        assert!(check("Ab1-shorty").is_ok(), "exactly 10");
        let long = format!("Ab1-{}", "x".repeat(MAX_LENGTH - 4));
        assert!(check(&long).is_ok(), "exactly the maximum");
        assert_eq!(
            check(&format!("{long}x")),
            Err(PasswordFault::TooLong { max: MAX_LENGTH })
        );
    }

    #[test]
    fn two_classes_are_not_enough_by_default() {
        assert_eq!(
            check("onlylowercaseand1234"),
            Err(PasswordFault::TooFewClasses { min: 3 })
        );
        assert_eq!(
            check("only lower case"),
            Err(PasswordFault::TooFewClasses { min: 3 })
        );
    }

    #[test]
    fn the_username_may_not_be_the_password_or_inside_it() {
        assert_eq!(check("Tan.Ming-2026"), Err(PasswordFault::ContainsUsername));
        assert_eq!(
            NewPassword::parse(
                &PasswordRules::default(),
                "Reviewer",
                "my-REVIEWER-1",
                never
            ),
            Err(PasswordFault::ContainsUsername)
        );
        // A two-letter username is compared whole only.
        assert!(
            NewPassword::parse(&PasswordRules::default(), "li", "Lions-roar-42", never).is_ok()
        );
    }

    #[test]
    fn a_common_password_is_refused_in_any_case() {
        let common = |p: &str| p == "p@ssw0rd123";
        assert_eq!(
            NewPassword::parse(&PasswordRules::default(), "tan.ming", "P@SSW0RD123", common),
            Err(PasswordFault::Common)
        );
    }

    #[test]
    fn the_rules_are_configurable_within_bounds() {
        let strict = PasswordRules::new(16, 4).unwrap();
        assert_eq!(
            NewPassword::parse(&strict, "x", "Correct horse 7", never),
            Err(PasswordFault::TooShort { min: 16 })
        );
        assert_eq!(PasswordRules::new(7, 3), Err(RulesError::MinLength));
        assert_eq!(PasswordRules::new(129, 3), Err(RulesError::MinLength));
        assert_eq!(PasswordRules::new(10, 0), Err(RulesError::MinClasses));
        assert_eq!(PasswordRules::new(10, 5), Err(RulesError::MinClasses));
    }

    #[test]
    fn a_password_expires_at_its_maximum_age_and_one_set_by_someone_else_at_once() {
        use chrono::{Duration, TimeZone, Utc};
        let set = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let age = Some(Duration::days(90));
        assert_eq!(
            change_reason(false, set, age, set + Duration::days(89)),
            None
        );
        assert_eq!(
            change_reason(false, set, age, set + Duration::days(90)),
            Some(ChangeReason::Expired)
        );
        assert_eq!(
            change_reason(false, set, None, set + Duration::days(900)),
            None
        );
        assert_eq!(
            change_reason(true, set, age, set),
            Some(ChangeReason::SetBySomeoneElse)
        );
    }

    #[test]
    fn a_new_password_is_never_printed() {
        let password = check("shizhu-demo-2026").unwrap();
        assert!(!format!("{password:?}").contains("shizhu"));
    }
}
