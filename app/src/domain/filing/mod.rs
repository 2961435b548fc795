//! Filings (备案申请) under Art. 11: their kinds, their states, who may take which step, and the
//! checks a filing's form must pass before it is submitted (Art. 9, 10). The kinds and states are
//! here; the state machine is in `machine`, Art. 9's decision in `art9`, the form's checks in `form`.
use serde::{Deserialize, Serialize};

macro_rules! codes {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            pub fn parse(code: &str) -> Option<Self> { match code { $($code => Some($name::$variant),)+ _ => None } }
        }
    };
}

// Declared after `codes!`, which `machine` uses for `FilingAction`.
mod art9;
mod form;
mod machine;

pub use art9::{Art9Case, Art9Verdict, art9};
pub use form::{Field, FilingContext, FilingForm, Issue, Warning, issues, warnings};
pub use machine::{
    FilingAction, FilingFacts, FilingNotice, Refusal, ReviewPeriod, Transition, available, check,
    step,
};

codes!(
    /// What a filing asks for (Art. 11: open, change, suspend 关停, deregister 注销).
    FilingKind { Open => "open", Change => "change", Suspend => "suspend", Deregister => "deregister" }
);

codes!(
    /// DESIGN §4: draft → submitted → approved | returned | rejected; returned → submitted;
    /// draft | returned → withdrawn; approved → completed (Art. 12 cases).
    FilingState {
        Draft => "draft",
        Submitted => "submitted",
        Returned => "returned",
        Approved => "approved",
        Rejected => "rejected",
        Withdrawn => "withdrawn",
        Completed => "completed",
    }
);

impl FilingState {
    /// Whether a filing in this state holds its account (issue 15, item 11): the county office has
    /// it (submitted), it comes back to them (returned), or the registry changes only at Art. 12
    /// completion (approved, awaiting completion). The database holds one such filing per account
    /// (`ux_filings_one_pending_per_account`, the same predicate).
    pub fn holds_account(self, completion_required: bool) -> bool {
        match self {
            FilingState::Submitted | FilingState::Returned => true,
            FilingState::Approved => completion_required,
            _ => false,
        }
    }

    /// Not yet finished: a draft, or a filing that holds its account. While one exists the unit
    /// files no other request on the same account.
    pub fn open_on_account(self, completion_required: bool) -> bool {
        self == FilingState::Draft || self.holds_account(completion_required)
    }
}

impl FilingKind {
    /// Every kind but `open` acts on an account already in the registry.
    pub fn needs_account(self) -> bool {
        self != FilingKind::Open
    }

    /// Whether the filing's form describes the account (name, verification subject, operator,
    /// purpose, custodian): an opening states it, a change restates it (Art. 10); suspensions
    /// and deregistrations give a reason instead.
    pub fn describes_account(self) -> bool {
        match self {
            FilingKind::Open | FilingKind::Change => true,
            FilingKind::Suspend | FilingKind::Deregister => false,
        }
    }

    /// What approving (or completing) a filing of this kind does to the registry (Art. 11).
    pub fn registry_effect(self) -> RegistryEffect {
        match self {
            FilingKind::Open => RegistryEffect::OpenAccount,
            FilingKind::Change => RegistryEffect::ChangeAccount,
            FilingKind::Suspend => RegistryEffect::Suspend,
            FilingKind::Deregister => RegistryEffect::Deregister,
        }
    }

    /// Art. 12: a change, suspension (关停) or deregistration (注销) of an account in the national
    /// reporting system is finished on the platform (and announced) before the registry changes;
    /// an opening creates a new account, which is not in that system yet.
    pub fn needs_completion(self, account_in_national_system: bool) -> bool {
        match self {
            FilingKind::Open => false,
            FilingKind::Change | FilingKind::Suspend | FilingKind::Deregister => {
                account_in_national_system
            }
        }
    }
}

/// What an approved filing does to the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryEffect {
    /// A new account, from the form.
    OpenAccount,
    /// The account takes the form's values.
    ChangeAccount,
    /// The account is suspended (关停).
    Suspend,
    /// The account is deregistered (注销).
    Deregister,
}

#[cfg(test)]
mod tests {
    use super::*;
    use FilingState::*;

    #[test]
    fn kinds_say_what_their_form_describes_and_when_art12_applies() {
        use FilingKind::*;
        assert!(Open.describes_account() && Change.describes_account());
        assert!(!Suspend.describes_account() && !Deregister.describes_account());
        assert!(!Open.needs_completion(true));
        for kind in [Change, Suspend, Deregister] {
            assert!(kind.needs_completion(true) && !kind.needs_completion(false));
        }
    }

    #[test]
    fn drafts_and_filings_in_the_county_offices_hands_are_open_on_their_account() {
        for state in [Submitted, Returned] {
            assert!(state.holds_account(false) && state.open_on_account(false));
        }
        assert!(Approved.holds_account(true));
        assert!(!Approved.holds_account(false));
        assert!(!Draft.holds_account(false) && Draft.open_on_account(false));
        for state in [Rejected, Withdrawn, Completed] {
            assert!(!state.open_on_account(true), "{state:?}");
        }
    }
}
