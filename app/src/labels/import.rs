//! The labels of the registry import's findings.
use super::*;
use crate::domain::import::{CellError, FileProblem, RowProblem};

/// Why a file cannot be imported, in the reader's language.
pub fn import_file_problem(problem: &FileProblem, locale: crate::i18n::Locale) -> String {
    match problem {
        FileProblem::Empty => locale.t(Msg::ImportFileEmpty).into(),
        FileProblem::TooLarge { max_mb } => {
            locale.tf(Msg::ImportFileTooLarge, &[("max", &max_mb.to_string())])
        }
        FileProblem::UploadFailed => locale.t(Msg::ImportFileUploadFailed).into(),
        FileProblem::NotASpreadsheet => locale.t(Msg::ImportFileNotASpreadsheet).into(),
        FileProblem::OldOrEncryptedWorkbook => locale.t(Msg::ImportFileOldOrEncrypted).into(),
        FileProblem::BadWorkbook => locale.t(Msg::ImportFileBadWorkbook).into(),
        FileProblem::UnreadableEncoding => locale.t(Msg::ImportFileUnreadableEncoding).into(),
        FileProblem::BadCsv { row } => {
            locale.tf(Msg::ImportFileBadCsv, &[("row", &row.to_string())])
        }
        FileProblem::NoHeader => locale.t(Msg::ImportFileNoHeader).into(),
        FileProblem::MissingColumns { columns } => {
            let names: Vec<&str> = columns
                .iter()
                .map(|c| match locale {
                    crate::i18n::Locale::ZhCn => c.zh.as_str(),
                    crate::i18n::Locale::En => c.en.as_str(),
                })
                .collect();
            let separator = match locale {
                crate::i18n::Locale::ZhCn => "、",
                crate::i18n::Locale::En => ", ",
            };
            locale.tf(
                Msg::ImportFileMissingColumns,
                &[("columns", &names.join(separator))],
            )
        }
        FileProblem::DuplicateColumn { header } => {
            locale.tf(Msg::ImportFileDuplicateColumn, &[("header", header)])
        }
        FileProblem::NoRows => locale.t(Msg::ImportFileNoRows).into(),
        FileProblem::TooManyRows { max } => {
            locale.tf(Msg::ImportFileTooManyRows, &[("max", &max.to_string())])
        }
        FileProblem::UnpackedTooLarge { max_mb } => locale.tf(
            Msg::ImportFileUnpackedTooLarge,
            &[("max", &max_mb.to_string())],
        ),
        FileProblem::TooManyEntries { max } => {
            locale.tf(Msg::ImportFileTooManyEntries, &[("max", &max.to_string())])
        }
    }
}

/// What is wrong with a cell of a row to import, in the reader's language.
pub fn import_row_problem(problem: &RowProblem, locale: crate::i18n::Locale) -> String {
    let msg = match problem {
        RowProblem::TooLong { max } => {
            return locale.tf(Msg::ImportProblemTooLong, &[("max", &max.to_string())]);
        }
        RowProblem::RepeatsRow { row } => {
            return locale.tf(Msg::ImportProblemRepeatsRow, &[("row", &row.to_string())]);
        }
        RowProblem::Required => Msg::ImportProblemRequired,
        RowProblem::UnknownUnit => Msg::ImportProblemUnknownUnit,
        RowProblem::AmbiguousUnit => Msg::ImportProblemAmbiguousUnit,
        RowProblem::UnknownPlatform => Msg::ImportProblemUnknownPlatform,
        RowProblem::BadCreditCode => Msg::ImportProblemBadCreditCode,
        RowProblem::CreditCodeMismatch => Msg::ImportProblemCreditCodeMismatch,
        RowProblem::BadDate => Msg::ImportProblemBadDate,
        RowProblem::FutureDate => Msg::ImportProblemFutureDate,
        RowProblem::BadMobile => Msg::ImportProblemBadMobile,
        RowProblem::MaskedMobile => Msg::ImportProblemMaskedMobile,
        RowProblem::BadYesNo => Msg::ImportProblemBadYesNo,
        RowProblem::UnknownStatus => Msg::ImportProblemUnknownStatus,
        RowProblem::UnitMayNotHost => Msg::ImportProblemUnitMayNotHost,
        RowProblem::PlatformNotApproved => Msg::ImportProblemPlatformNotApproved,
        RowProblem::AlreadyRegistered => Msg::ImportProblemAlreadyRegistered,
    };
    locale.t(msg).into()
}

/// One problem of a row: the column as the file heads it, what is wrong, and the value found.
pub fn import_cell_error(error: &CellError, locale: crate::i18n::Locale) -> String {
    let problem = import_row_problem(&error.problem, locale);
    if error.value.is_empty() {
        locale.tf(
            Msg::ImportCellErrorEmpty,
            &[("column", &error.column), ("problem", &problem)],
        )
    } else {
        locale.tf(
            Msg::ImportCellError,
            &[
                ("column", &error.column),
                ("problem", &problem),
                ("value", &error.value),
            ],
        )
    }
}
