//! Form shape (issue 16, item 7): the limits of an input's fields — lengths, e-mail addresses,
//! URLs, ranges — are declared on its type with `#[derive(Validate)]`, and a broken one is read back
//! here as the problem the form already shows. The shape only lets well-formed text through; the
//! types parse it and the domain keeps the regulation's rules.
use super::{AppError, Problem};
use std::borrow::Cow;
use validator::{Validate, ValidationError, ValidationErrors};

/// An input whose fields' shape is declared with `#[derive(Validate)]`.
pub trait Shaped: Validate {
    /// The fields in the order the form shows them: of several that are wrong, the first is named
    /// (one that is not listed is named after them all, so none is ever let through).
    const FIELDS: &'static [&'static str];

    /// The problem a broken constraint on `field` shows: by the constraint unless the input says
    /// otherwise.
    fn problem(field: &str, error: &ValidationError) -> Problem {
        let _ = field;
        problem(error)
    }

    /// `Invalid` naming the first field whose shape is wrong, if any.
    fn check_shape(&self) -> Result<(), AppError> {
        match self.validate() {
            Ok(()) => Ok(()),
            Err(errors) => Err(match first(&errors, Self::FIELDS) {
                Some((field, error)) => AppError::invalid(&field, Self::problem(&field, error)),
                // `validate` fails with at least one field error; a struct-level one has no field.
                None => AppError::invalid("", Problem::OutOfRange),
            }),
        }
    }
}

/// The problem each kind of constraint stands for.
pub fn problem(error: &ValidationError) -> Problem {
    match error.code.as_ref() {
        // `length(min = 1)` on a trimmed value: nothing was typed.
        "length" if is_empty(error) => Problem::Required,
        "length" => Problem::TooLong,
        "required" => Problem::Required,
        "email" => Problem::BadEmail,
        "url" => Problem::BadUrl,
        // `range`, and any other bound on a figure.
        _ => Problem::OutOfRange,
    }
}

/// The value the constraint judged was empty (the derive adds it to every error as `value`).
fn is_empty(error: &ValidationError) -> bool {
    error
        .params
        .get("value")
        .and_then(serde_json::Value::as_str)
        .is_some_and(str::is_empty)
}

/// The first field in `order` with a broken constraint, then any other by name; and its first
/// broken constraint.
fn first<'e>(
    errors: &'e ValidationErrors,
    order: &[&str],
) -> Option<(Cow<'static, str>, &'e ValidationError)> {
    let mut fields: Vec<_> = errors.field_errors().into_iter().collect();
    fields.sort_by_cached_key(|(name, _)| {
        let place = order.iter().position(|listed| listed == name);
        (place.unwrap_or(order.len()), name.clone())
    });
    fields
        .into_iter()
        .find_map(|(name, broken)| Some((name, broken.first()?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Validate)]
    struct Person {
        #[validate(length(min = 1, max = 4))]
        name: String,
        #[validate(email)]
        email: Option<String>,
        #[validate(url)]
        page: String,
        #[validate(range(min = 1, max = 30))]
        days: u32,
        #[validate(length(max = 4))]
        unlisted: String,
    }

    impl Shaped for Person {
        const FIELDS: &'static [&'static str] = &["name", "email", "page", "days"];
    }

    fn person() -> Person {
        Person {
            name: "谭明".into(),
            email: Some("tan@shizhu.example".into()),
            page: "https://www.cqsz.gov.cn/".into(),
            days: 3,
            unlisted: String::new(),
        }
    }

    fn shape(person: Person) -> Result<(), AppError> {
        person.check_shape()
    }

    #[test]
    fn each_kind_of_constraint_is_the_problem_the_forms_show() {
        assert_eq!(shape(person()), Ok(()));
        let cases = [
            (
                Person {
                    name: String::new(),
                    ..person()
                },
                AppError::invalid("name", Problem::Required),
            ),
            (
                Person {
                    name: "谭明谭明谭".into(),
                    ..person()
                },
                AppError::invalid("name", Problem::TooLong),
            ),
            (
                Person {
                    email: Some("not an address".into()),
                    ..person()
                },
                AppError::invalid("email", Problem::BadEmail),
            ),
            (
                Person {
                    page: "www.cqsz.gov.cn".into(),
                    ..person()
                },
                AppError::invalid("page", Problem::BadUrl),
            ),
            (
                Person {
                    days: 31,
                    ..person()
                },
                AppError::invalid("days", Problem::OutOfRange),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(shape(input), Err(expected));
        }
        // No address given is not a bad one.
        let none = Person {
            email: None,
            ..person()
        };
        assert_eq!(shape(none), Ok(()));
    }

    #[test]
    fn the_first_wrong_field_in_the_forms_order_is_named_and_an_unlisted_one_is_not_lost() {
        let all_wrong = Person {
            name: String::new(),
            email: Some("x".into()),
            page: "x".into(),
            days: 0,
            unlisted: "xxxxx".into(),
        };
        assert_eq!(
            shape(all_wrong),
            Err(AppError::invalid("name", Problem::Required))
        );
        let days_wrong = Person {
            days: 0,
            unlisted: "xxxxx".into(),
            ..person()
        };
        assert_eq!(
            shape(days_wrong),
            Err(AppError::invalid("days", Problem::OutOfRange))
        );
        let unlisted_wrong = Person {
            unlisted: "xxxxx".into(),
            ..person()
        };
        assert_eq!(
            shape(unlisted_wrong),
            Err(AppError::invalid("unlisted", Problem::TooLong))
        );
    }
}
