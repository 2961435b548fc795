//! The closed sets of codes the tables store as text (kinds, states, statuses, roles), read and
//! written as their enums: sea-orm's value traits for each, by the enum's own `as_str` and
//! `parse`. The columns stay text and the migrations' CHECK constraints keep the lists; a code the
//! enum does not know (which those constraints allow none of) is a database error when read, and so
//! an internal error in the service that read it, never a panic or a default.
//!
//! Here rather than as derives on the enums, so that the domain, which the browser compiles too,
//! knows nothing of sea-orm.
use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, StringLen, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbErr, QueryResult, TryGetError, TryGetable, Value};

/// The error of reading a code its column's enum does not know.
fn unknown(enum_name: &str, column: impl std::fmt::Debug, code: &str) -> TryGetError {
    TryGetError::DbErr(DbErr::Type(format!(
        "column {column:?} holds {code:?}, which is no {enum_name}"
    )))
}

/// `stored_as_code!(Type, …)`: each type, which has `as_str(self) -> &'static str` and
/// `parse(&str) -> Option<Self>`, is stored as its code.
macro_rules! stored_as_code {
    ($($ty:ty),+ $(,)?) => {$(
        impl From<$ty> for Value {
            fn from(code: $ty) -> Value {
                Value::String(Some(code.as_str().to_string()))
            }
        }

        impl TryGetable for $ty {
            fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
                let code = String::try_get_by(res, index)?;
                <$ty>::parse(&code).ok_or_else(|| unknown(stringify!($ty), index, &code))
            }
        }

        impl ValueType for $ty {
            fn try_from(value: Value) -> Result<Self, ValueTypeErr> {
                <$ty>::parse(&<String as ValueType>::try_from(value)?).ok_or(ValueTypeErr)
            }

            fn type_name() -> String {
                stringify!($ty).to_string()
            }

            fn array_type() -> ArrayType {
                ArrayType::String
            }

            fn column_type() -> ColumnType {
                ColumnType::String(StringLen::None)
            }
        }

        impl Nullable for $ty {
            fn null() -> Value {
                Value::String(None)
            }
        }

        impl sea_orm::IntoActiveValue<$ty> for $ty {
            fn into_active_value(self) -> sea_orm::ActiveValue<$ty> {
                sea_orm::ActiveValue::Set(self)
            }
        }
    )+};
}

use crate::domain::filing::{FilingKind, FilingState};
use crate::domain::{AccountStatus, RequestKind, Role, UnitKind};
use crate::server::token_scope::Scope;

stored_as_code!(
    FilingKind,
    FilingState,
    Role,
    AccountStatus,
    UnitKind,
    RequestKind,
    Scope,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_written_and_read_as_its_enum_s_code() {
        for kind in FilingKind::ALL {
            let value = Value::from(*kind);
            assert_eq!(value, Value::String(Some(kind.as_str().to_string())));
            assert_eq!(<FilingKind as ValueType>::try_from(value).ok(), Some(*kind));
        }
        assert!(<Role as ValueType>::try_from(Value::from("superuser")).is_err());
        assert_eq!(
            <Option<Role> as ValueType>::try_from(Role::null()).ok(),
            Some(None)
        );
    }

    /// The audit trail's before/after JSON takes these fields as they are: their serde names must
    /// be the stored codes, as they were when the fields were strings.
    #[test]
    fn a_code_s_json_is_its_stored_code() {
        fn same<T: serde::Serialize + Copy>(all: &[T], code: fn(T) -> &'static str) {
            for v in all {
                assert_eq!(serde_json::to_value(v).unwrap(), code(*v));
            }
        }
        same(FilingKind::ALL, FilingKind::as_str);
        same(FilingState::ALL, FilingState::as_str);
        same(Role::ALL, Role::as_str);
        same(AccountStatus::ALL, AccountStatus::as_str);
        same(UnitKind::ALL, UnitKind::as_str);
        same(RequestKind::ALL, RequestKind::as_str);
        same(&Scope::ALL, Scope::as_str);
    }

    #[test]
    fn an_unknown_code_is_an_error_that_names_it() {
        let TryGetError::DbErr(error) = unknown("FilingState", "state", "lost") else {
            panic!("not a database error");
        };
        assert_eq!(
            error.to_string(),
            "Type Error: column \"state\" holds \"lost\", which is no FilingState"
        );
    }
}
