//! The unified social credit code (统一社会信用代码) of GB 32100-2015: 18 characters from a 31-symbol
//! alphabet, the last one a check character over the first 17.
use serde::{Deserialize, Serialize};
use std::fmt;

/// The code alphabet: digits and capital letters without I, O, Z, S, V.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1..=17 (3^(i-1) mod 31).
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("a unified social credit code has 18 characters")]
    WrongLength,
    #[error("character {position} is not allowed in a unified social credit code")]
    BadCharacter { position: usize },
    #[error("the check character does not match (expected {expected})")]
    CheckMismatch { expected: char },
}

/// A unified social credit code whose check character is right. The only way to build one is
/// [`CreditCode::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

fn value_of(symbol: u8) -> Option<u32> {
    ALPHABET.iter().position(|&c| c == symbol).map(|v| v as u32)
}

/// The check character for the first 17 characters of a code; `None` when one of them is not in the
/// alphabet.
pub fn check_character(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (symbol, weight) in bytes.iter().zip(WEIGHTS) {
        sum += value_of(*symbol)? * weight;
    }
    let check = (31 - sum % 31) % 31;
    Some(ALPHABET[check as usize] as char)
}

impl CreditCode {
    /// Parses a code as typed: surrounding spaces are ignored and lower case is accepted.
    pub fn parse(input: &str) -> Result<Self, CreditCodeError> {
        let code = input.trim().to_ascii_uppercase();
        if code.chars().count() != 18 {
            return Err(CreditCodeError::WrongLength);
        }
        let not_allowed = |c: char| !c.is_ascii() || value_of(c as u8).is_none();
        if let Some(position) = code.chars().position(not_allowed) {
            return Err(CreditCodeError::BadCharacter {
                position: position + 1,
            });
        }
        let expected = check_character(&code[..17]).expect("17 symbols of the alphabet");
        if code.as_bytes()[17] as char != expected {
            return Err(CreditCodeError::CheckMismatch { expected });
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CreditCode {
    type Error = CreditCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CreditCode> for String {
    fn from(code: CreditCode) -> Self {
        code.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_published_code_is_accepted() {
        // The worked example used in GB 32100-2015 explanations.
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
    }

    #[test]
    fn lower_case_and_spaces_are_normalised() {
        let code = CreditCode::parse(" 91350100m000100y43 ").unwrap();
        assert_eq!(code.as_str(), "91350100M000100Y43");
    }

    #[test]
    fn a_wrong_check_character_is_refused_naming_the_right_one() {
        assert_eq!(
            CreditCode::parse("91350100M000100Y44"),
            Err(CreditCodeError::CheckMismatch { expected: '3' })
        );
    }

    #[test]
    fn letters_outside_the_alphabet_are_refused_with_their_position() {
        assert_eq!(
            CreditCode::parse("91350100M000100I43"),
            Err(CreditCodeError::BadCharacter { position: 16 })
        );
    }

    #[test]
    fn a_short_code_is_refused() {
        assert_eq!(
            CreditCode::parse("9135010"),
            Err(CreditCodeError::WrongLength)
        );
        assert_eq!(
            CreditCode::parse("中华人民共和国中华人民共和国中华人"),
            Err(CreditCodeError::WrongLength)
        );
    }

    #[test]
    fn eighteen_characters_that_are_not_code_symbols_are_refused_by_position() {
        assert_eq!(
            CreditCode::parse("9135中华人民共和国中华人民共和国"),
            Err(CreditCodeError::BadCharacter { position: 5 })
        );
    }

    proptest! {
        #[test]
        fn every_code_completed_with_its_check_character_parses(body in "[0-9A-HJ-NP-RTUW-Y]{17}") {
            let full = format!("{body}{}", check_character(&body).unwrap());
            prop_assert!(CreditCode::parse(&full).is_ok());
        }

        #[test]
        fn changing_one_character_is_always_detected(body in "[0-9A-HJ-NP-RTUW-Y]{17}", pos in 0usize..17, delta in 1u32..31) {
            let full = format!("{body}{}", check_character(&body).unwrap());
            let mut bytes = full.into_bytes();
            let v = value_of(bytes[pos]).unwrap();
            bytes[pos] = ALPHABET[((v + delta) % 31) as usize];
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(CreditCode::parse(&changed).is_err());
        }
    }
}
