//! The TOTP second factor's pure rules (issue 8; RFC 6238; GB/T 22239-2019 8.1.4.1 d; OWASP ASVS
//! 5.0.0 V6.5): who must have one when the deployment requires it, the parameters every
//! authenticator app understands, what a typed code or recovery code looks like, and the RFC 6238
//! time step. The HMAC itself and the database are in `crate::server::totp`.
use super::Role;

/// Digits of a code (RFC 4226 §5.3; what every authenticator app shows).
pub const DIGITS: usize = 6;
/// Seconds of a time step (RFC 6238 §5.2 recommends 30).
pub const STEP_SECONDS: i64 = 30;
/// Steps either side of now whose code is still accepted, for clock drift and typing time
/// (RFC 6238 §5.2 recommends at most one).
pub const SKEW_STEPS: i64 = 1;
/// Bytes of a secret: 160 bits, as RFC 4226 §4 recommends.
pub const SECRET_BYTES: usize = 20;
/// Recovery codes given at enrolment (and at each regeneration).
pub const RECOVERY_CODES: usize = 10;
/// Characters of a recovery code, without its separator.
pub const RECOVERY_CODE_LENGTH: usize = 10;
/// The alphabet of recovery codes: lower-case letters and digits without the ones that are easily
/// misread (0/o, 1/l/i). 31 symbols, so 10 of them are about 49.5 bits.
pub const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// Whether a person of this role must have a second factor when the deployment requires one
/// (`TOTP_REQUIRED`): the roles that decide filings or administer the system (issue 8 names the
/// administrator and the reviewer; the security administrator, who gives roles and resets other
/// people's passwords and second factors, holds the most power over accounts of all), and the
/// auditor (issue 15 item 7), who reads the whole trail with every person's actions and the
/// custodians' data in it. Every role but the submitter's. The one place this is decided; a new
/// privileged role is added here.
pub fn second_factor_required(role: Role) -> bool {
    matches!(
        role,
        Role::Admin | Role::Reviewer | Role::SecurityAdmin | Role::Auditor
    )
}

/// The RFC 6238 time step of a Unix time: T = floor(time / 30).
pub fn time_step(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// What someone typed into the code field: a six-digit code from their app, or a recovery code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondFactorInput {
    /// Six digits (spaces, as some apps show `123 456`, removed).
    Code(String),
    /// A recovery code in its canonical form (lower case, no separators).
    Recovery(String),
}

impl SecondFactorInput {
    /// Reads a typed code: six digits are an app's code; ten characters of the recovery alphabet
    /// (any case, with spaces or dashes) a recovery code; anything else nothing.
    pub fn parse(typed: &str) -> Option<SecondFactorInput> {
        if typed.len() > 64 {
            return None;
        }
        let compact: String = typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if compact.len() == DIGITS && compact.chars().all(|c| c.is_ascii_digit()) {
            return Some(SecondFactorInput::Code(compact));
        }
        let lower = compact.to_ascii_lowercase();
        (lower.len() == RECOVERY_CODE_LENGTH
            && lower.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)))
        .then_some(SecondFactorInput::Recovery(lower))
    }
}

/// A recovery code as shown to the person: two groups of five, `abcde-fghjk`.
pub fn display_recovery_code(canonical: &str) -> String {
    let (head, tail) = canonical.split_at(canonical.len().min(RECOVERY_CODE_LENGTH / 2));
    format!("{head}-{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deciding_and_administering_roles_need_a_second_factor_when_required() {
        assert!(second_factor_required(Role::Admin));
        assert!(second_factor_required(Role::Reviewer));
        assert!(second_factor_required(Role::SecurityAdmin));
        assert!(second_factor_required(Role::Auditor));
        assert!(!second_factor_required(Role::Submitter));
    }

    #[test]
    fn time_steps_are_thirty_seconds_from_the_epoch() {
        assert_eq!(time_step(59), 1);
        assert_eq!(time_step(60), 2);
        assert_eq!(time_step(1_111_111_109), 37_037_036);
    }

    #[test]
    fn typed_codes_are_read_as_app_codes_or_recovery_codes() {
        assert_eq!(
            SecondFactorInput::parse(" 123 456 "),
            Some(SecondFactorInput::Code("123456".into()))
        );
        assert_eq!(
            SecondFactorInput::parse("ABCDE-fghjk"),
            Some(SecondFactorInput::Recovery("abcdefghjk".into()))
        );
        for bad in [
            "",
            "12345",
            "1234567",
            "abcde-fghj",
            "abcde-fghj0",
            "１２３４５６",
        ] {
            assert_eq!(SecondFactorInput::parse(bad), None, "{bad}");
        }
        assert_eq!(display_recovery_code("abcdefghjk"), "abcde-fghjk");
    }
}
