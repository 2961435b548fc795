//! The official working calendar (Art. 11 deadlines): per year, its source notice, and its statutory
//! holidays and makeup working days (调休). Seeded with 2025 and 2026 as the State Council published
//! them; administrators add later years.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (year, source notice)
const YEARS: [(i32, &str); 2] = [
    (
        2025,
        "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）",
    ),
    (
        2026,
        "国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号）",
    ),
];

/// (first day, last day, kind, name): ranges of holidays and single makeup working days.
const DAYS: &[(&str, &str, &str, &str)] = &[
    ("2025-01-01", "2025-01-01", "holiday", "元旦"),
    ("2025-01-28", "2025-02-04", "holiday", "春节"),
    ("2025-01-26", "2025-01-26", "workday", "春节调休"),
    ("2025-02-08", "2025-02-08", "workday", "春节调休"),
    ("2025-04-04", "2025-04-06", "holiday", "清明节"),
    ("2025-05-01", "2025-05-05", "holiday", "劳动节"),
    ("2025-04-27", "2025-04-27", "workday", "劳动节调休"),
    ("2025-05-31", "2025-06-02", "holiday", "端午节"),
    ("2025-10-01", "2025-10-08", "holiday", "国庆节、中秋节"),
    ("2025-09-28", "2025-09-28", "workday", "国庆节调休"),
    ("2025-10-11", "2025-10-11", "workday", "国庆节调休"),
    ("2026-01-01", "2026-01-03", "holiday", "元旦"),
    ("2026-01-04", "2026-01-04", "workday", "元旦调休"),
    ("2026-02-15", "2026-02-23", "holiday", "春节"),
    ("2026-02-14", "2026-02-14", "workday", "春节调休"),
    ("2026-02-28", "2026-02-28", "workday", "春节调休"),
    ("2026-04-04", "2026-04-06", "holiday", "清明节"),
    ("2026-05-01", "2026-05-05", "holiday", "劳动节"),
    ("2026-05-09", "2026-05-09", "workday", "劳动节调休"),
    ("2026-06-19", "2026-06-21", "holiday", "端午节"),
    ("2026-09-25", "2026-09-27", "holiday", "中秋节"),
    ("2026-10-01", "2026-10-07", "holiday", "国庆节"),
    ("2026-09-20", "2026-09-20", "workday", "国庆节调休"),
    ("2026-10-10", "2026-10-10", "workday", "国庆节调休"),
];

/// Every date from `first` to `last` (ISO strings, same month or across a month end).
fn dates(first: &str, last: &str) -> Vec<String> {
    let parse = |d: &str| -> (i32, u32, u32) {
        let mut parts = d
            .split('-')
            .map(|p| p.parse::<i64>().expect("seed dates are well formed"));
        (
            parts.next().unwrap() as i32,
            parts.next().unwrap() as u32,
            parts.next().unwrap() as u32,
        )
    };
    let days_in = |y: i32, m: u32| match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    let (mut y, mut m, mut d) = parse(first);
    let end = parse(last);
    let mut out = Vec::new();
    loop {
        out.push(format!("{y:04}-{m:02}-{d:02}"));
        if (y, m, d) == end {
            return out;
        }
        d += 1;
        if d > days_in(y, m) {
            d = 1;
            m += 1;
            if m > 12 {
                m = 1;
                y += 1;
            }
        }
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("calendar_years")
                    .col(integer("year").primary_key())
                    .col(text("source"))
                    .col(timestamp_with_time_zone_null("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("calendar_days")
                    .col(date("day").primary_key())
                    .col(integer("year"))
                    .col(
                        string_len("kind", 16)
                            .check(Expr::col(Alias::new("kind")).is_in(["holiday", "workday"])),
                    )
                    .col(string_len("name", 64))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_calendar_days_year")
                            .from("calendar_days", "year")
                            .to("calendar_years", "year")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (year, source) in YEARS {
            let insert = Query::insert()
                .into_table("calendar_years")
                .columns(["year", "source"])
                .values_panic([year.into(), source.into()])
                .to_owned();
            manager.exec_stmt(insert).await?;
        }
        let postgres =
            manager.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::Postgres;
        for (first, last, kind, name) in DAYS {
            for day in dates(first, last) {
                let year: i32 = day[..4].parse().expect("a four-digit year");
                let insert = Query::insert()
                    .into_table("calendar_days")
                    .columns(["day", "year", "kind", "name"])
                    .values_panic([
                        // A date literal: PostgreSQL wants the DATE type; SQLite keeps dates as text.
                        if postgres {
                            Expr::cust(format!("DATE '{day}'"))
                        } else {
                            Expr::val(day.clone())
                        },
                        year.into(),
                        (*kind).into(),
                        (*name).into(),
                    ])
                    .to_owned();
                manager.exec_stmt(insert).await?;
            }
        }
        // Art. 11: the due date of each filing, counted on this calendar when it is received.
        manager
            .alter_table(
                Table::alter()
                    .table("filings")
                    .add_column(date_null("due_on"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("filings")
                    .add_column(boolean("due_provisional").default(false))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("filings")
                    .drop_column("due_provisional")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("filings")
                    .drop_column("due_on")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table("calendar_days").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("calendar_years").to_owned())
            .await
    }
}
