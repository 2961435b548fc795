//! The codes themselves: RFC 6238 time-based codes, recovery codes and enrolment codes, and the
//! `otpauth://` URI with its QR code. Pure functions; no database.
use super::Enrolment;
use crate::domain::totp::{
    self, DIGITS, RECOVERY_ALPHABET, RECOVERY_CODE_LENGTH, RECOVERY_CODES, SECRET_BYTES,
    SKEW_STEPS, STEP_SECONDS,
};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use rand::TryRngCore;
use sha2::{Digest, Sha256};

// ---------------------------------------------------------------------------------------------
// RFC 6238
// ---------------------------------------------------------------------------------------------

/// The RFC 6238 generator for a secret: SHA-1, six digits, 30-second steps.
pub(super) fn generator(secret: &[u8]) -> Result<totp_rs::Totp, AppError> {
    totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(DIGITS as u8)
        .with_step_duration(STEP_SECONDS as u64)
        .with_skew(SKEW_STEPS as u16)
        .with_secret(secret.to_vec())
        .build()
        .map_err(|e| AppError::internal(anyhow::anyhow!("TOTP parameters: {e:?}")))
}

pub(super) fn decode_secret(base32: &str) -> Result<Vec<u8>, AppError> {
    totp_rs::Secret::try_from_base32(base32)
        .map(|secret| secret.as_ref().to_vec())
        .map_err(|_| AppError::internal(anyhow::anyhow!("a stored TOTP secret is not base32")))
}

/// The code of a secret (base32) at a time step, as an authenticator app shows it.
pub fn code_at_step(secret_base32: &str, step: i64) -> Result<String, AppError> {
    let secret = decode_secret(secret_base32)?;
    Ok(generator(&secret)?
        .generate(step.max(0) as u64 * STEP_SECONDS as u64)
        .to_string())
}

/// The time step whose code `code` is, among now's and the ones [`SKEW_STEPS`] either side,
/// skipping steps at or before `last_step` (already used: RFC 6238 §5.2). None: no such step.
pub fn accepted_step(
    secret_base32: &str,
    code: &str,
    now: DateTime<Utc>,
    last_step: Option<i64>,
) -> Result<Option<i64>, AppError> {
    let secret = decode_secret(secret_base32)?;
    let generator = generator(&secret)?;
    let current = totp::time_step(now.timestamp());
    for step in (current - SKEW_STEPS)..=(current + SKEW_STEPS) {
        if step < 0 || last_step.is_some_and(|last| step <= last) {
            continue;
        }
        // Compared in constant time (issue 15): how much of a guess matched never shows in the
        // time the answer takes.
        let expected = generator
            .generate(step as u64 * STEP_SECONDS as u64)
            .to_string();
        if bool::from(subtle::ConstantTimeEq::ct_eq(
            expected.as_bytes(),
            code.as_bytes(),
        )) {
            return Ok(Some(step));
        }
    }
    Ok(None)
}

/// A new 160-bit secret from the operating system's RNG, in base32.
pub(super) fn new_secret() -> Result<String, AppError> {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| AppError::internal(anyhow::anyhow!("the OS RNG failed: {e}")))?;
    Ok(totp_rs::Secret::from(bytes.to_vec()).to_base32())
}

use crate::domain::registry::encode as uri_component;

/// The `otpauth://totp/` URI authenticator apps read from the QR code: the label is
/// `issuer:username`, and the issuer is repeated as a parameter, as the apps expect.
pub fn otpauth_uri(issuer: &str, username: &str, secret_base32: &str) -> String {
    let issuer = uri_component(issuer);
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret_base32}&issuer={issuer}\
         &algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        account = uri_component(username),
    )
}

/// The URI as a QR code drawn in SVG (no XML declaration, so it can sit inside HTML).
pub fn qr_svg(uri: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::with_error_correction_level(uri.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::internal(anyhow::anyhow!("drawing the enrolment QR code: {e}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok(match svg.find("<svg") {
        Some(start) => svg[start..].to_string(),
        None => svg,
    })
}

pub(super) fn enrolment(issuer: &str, username: &str, secret: &str) -> Result<Enrolment, AppError> {
    let uri = otpauth_uri(issuer, username, secret);
    Ok(Enrolment {
        secret: secret.to_string(),
        qr_svg: qr_svg(&uri)?,
        uri,
    })
}

// ---------------------------------------------------------------------------------------------
// Recovery codes
// ---------------------------------------------------------------------------------------------

pub(super) fn recovery_hash(canonical: &str) -> String {
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// Ten new recovery codes (canonical form) from the OS RNG, without bias (rejection sampling).
pub(super) fn new_recovery_codes() -> Result<Vec<String>, AppError> {
    let alphabet = RECOVERY_ALPHABET.len() as u16;
    // Bytes from the largest multiple of the alphabet's size up are redrawn, so that every symbol
    // is equally likely.
    let limit = 256 - 256 % alphabet;
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    while codes.len() < RECOVERY_CODES {
        let mut code = String::with_capacity(RECOVERY_CODE_LENGTH);
        while code.len() < RECOVERY_CODE_LENGTH {
            let mut byte = [0u8; 1];
            rand::rngs::OsRng
                .try_fill_bytes(&mut byte)
                .map_err(|e| AppError::internal(anyhow::anyhow!("the OS RNG failed: {e}")))?;
            if u16::from(byte[0]) < limit {
                code.push(
                    RECOVERY_ALPHABET[usize::from(byte[0]) % RECOVERY_ALPHABET.len()] as char,
                );
            }
        }
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    Ok(codes)
}

/// Characters of an enrolment code: 16 of the recovery alphabet, about 79 bits.
pub const ENROLMENT_CODE_LENGTH: usize = 16;

pub(super) fn new_enrolment_code() -> Result<String, AppError> {
    let alphabet = RECOVERY_ALPHABET.len() as u16;
    let limit = 256 - 256 % alphabet;
    let mut code = String::with_capacity(ENROLMENT_CODE_LENGTH);
    while code.len() < ENROLMENT_CODE_LENGTH {
        let mut byte = [0u8; 1];
        rand::rngs::OsRng
            .try_fill_bytes(&mut byte)
            .map_err(|e| AppError::internal(anyhow::anyhow!("the OS RNG failed: {e}")))?;
        if u16::from(byte[0]) < limit {
            code.push(RECOVERY_ALPHABET[usize::from(byte[0]) % RECOVERY_ALPHABET.len()] as char);
        }
    }
    Ok(code)
}

/// A typed enrolment code in its canonical form (lower case, no dashes or spaces), if it is one.
pub fn canonical_enrolment_code(typed: &str) -> Option<String> {
    if typed.len() > 64 {
        return None;
    }
    let compact: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_ascii_lowercase();
    (compact.len() == ENROLMENT_CODE_LENGTH
        && compact.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)))
    .then_some(compact)
}

/// An enrolment code as shown: four groups of four, `abcd-efgh-jkmn-pqrs`.
pub fn display_enrolment_code(canonical: &str) -> String {
    canonical
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::totp::SecondFactorInput;
    use chrono::TimeZone;

    /// RFC 6238 Appendix B: the SHA-1 secret is the ASCII of "12345678901234567890"; the table
    /// gives eight digits, whose last six are the six-digit code (the same truncation, mod 10^6).
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn the_rfc_6238_appendix_b_sha1_vectors_hold() {
        let secret = totp_rs::Secret::from(RFC_SECRET.to_vec()).to_base32();
        for (time, eight_digits) in [
            (59_i64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            let step = totp::time_step(time);
            assert_eq!(
                code_at_step(&secret, step).unwrap(),
                eight_digits[2..],
                "T = {time}"
            );
            let eight = totp_rs::Builder::new()
                .with_digits(8)
                .with_secret(RFC_SECRET.to_vec())
                .build()
                .unwrap()
                .generate(time as u64)
                .to_string();
            assert_eq!(eight, eight_digits, "T = {time}, eight digits");
        }
    }

    #[test]
    fn a_code_is_accepted_one_step_either_side_and_never_at_a_used_step() {
        let secret = totp_rs::Secret::from(RFC_SECRET.to_vec()).to_base32();
        let now = Utc.timestamp_opt(1_111_111_111, 0).unwrap();
        let step = totp::time_step(now.timestamp());
        let code = |s: i64| code_at_step(&secret, s).unwrap();
        for offset in [-1, 0, 1] {
            assert_eq!(
                accepted_step(&secret, &code(step + offset), now, None).unwrap(),
                Some(step + offset)
            );
        }
        for offset in [-2, 2] {
            assert_eq!(
                accepted_step(&secret, &code(step + offset), now, None).unwrap(),
                None
            );
        }
        assert_eq!(
            accepted_step(&secret, &code(step), now, Some(step)).unwrap(),
            None
        );
        assert_eq!(
            accepted_step(&secret, &code(step - 1), now, Some(step - 1)).unwrap(),
            None
        );
        assert_eq!(
            accepted_step(&secret, &code(step + 1), now, Some(step)).unwrap(),
            Some(step + 1)
        );
    }

    #[test]
    fn new_secrets_are_160_random_bits_and_the_uri_names_issuer_and_account() {
        let a = new_secret().unwrap();
        let b = new_secret().unwrap();
        assert_ne!(a, b);
        assert_eq!(decode_secret(&a).unwrap().len(), 20);
        assert_eq!(a.len(), 32, "160 bits are 32 base32 characters");
        let uri = otpauth_uri("石柱 registry", "tan.ming", &a);
        assert_eq!(
            uri,
            format!(
                "otpauth://totp/%E7%9F%B3%E6%9F%B1%20registry:tan.ming?secret={a}\
                 &issuer=%E7%9F%B3%E6%9F%B1%20registry&algorithm=SHA1&digits=6&period=30"
            )
        );
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
    }

    #[test]
    fn recovery_codes_are_ten_distinct_codes_of_the_alphabet() {
        let codes = new_recovery_codes().unwrap();
        assert_eq!(codes.len(), RECOVERY_CODES);
        for code in &codes {
            assert_eq!(code.len(), RECOVERY_CODE_LENGTH);
            assert!(code.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)));
            assert_eq!(
                SecondFactorInput::parse(&totp::display_recovery_code(code)),
                Some(SecondFactorInput::Recovery(code.clone()))
            );
        }
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), codes.len());
    }
}
