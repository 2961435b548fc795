//! Mainland China mobile numbers, as recorded for account custodians (Art. 29), and their masked form.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MobileError {
    #[error("a mobile number has 11 digits and starts with 13 to 19")]
    Malformed,
}

/// An 11-digit mainland mobile number (1[3-9]xxxxxxxxx).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Mobile(String);

impl Mobile {
    /// Accepts spaces and hyphens between digit groups, as people type them.
    pub fn parse(input: &str) -> Result<Self, MobileError> {
        let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let bytes = digits.as_bytes();
        let well_formed = bytes.len() == 11
            && bytes.iter().all(u8::is_ascii_digit)
            && bytes[0] == b'1'
            && (b'3'..=b'9').contains(&bytes[1]);
        if well_formed {
            Ok(Self(digits))
        } else {
            Err(MobileError::Malformed)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****1234`: what roles that may not see the number are shown.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

impl TryFrom<String> for Mobile {
    type Error = MobileError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Mobile> for String {
    fn from(mobile: Mobile) -> Self {
        mobile.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_is_masked_to_its_first_three_and_last_four_digits() {
        assert_eq!(
            Mobile::parse("13812341234").unwrap().masked(),
            "138****1234"
        );
    }

    #[test]
    fn spaces_and_hyphens_are_ignored() {
        assert_eq!(
            Mobile::parse("138-1234 1234").unwrap().as_str(),
            "13812341234"
        );
    }

    #[test]
    fn landlines_short_numbers_and_letters_are_refused() {
        for bad in [
            "02388881234",
            "1381234123",
            "138123412345",
            "1381234123a",
            "12812341234",
            "",
        ] {
            assert_eq!(Mobile::parse(bad), Err(MobileError::Malformed), "{bad}");
        }
    }
}
