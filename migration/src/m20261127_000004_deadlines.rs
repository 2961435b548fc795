//! The deadline clock's settings, its review periods, and the reminders it queues (Art. 11, Art. 29).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn between(column: &str, low: i32, high: i32) -> SimpleExpr {
    Expr::col(Alias::new(column)).between(low, high)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // DESIGN §3: every deadline figure is a setting. One row (id = 1), with the bounds the
        // application checks held here too.
        manager
            .create_table(
                Table::create()
                    .table("settings")
                    .col(
                        integer("id")
                            .primary_key()
                            .check(Expr::col(Alias::new("id")).eq(1)),
                    )
                    .col(integer("review_working_days").default(3).check(between(
                        "review_working_days",
                        1,
                        30,
                    )))
                    .col(
                        integer("reminder_hour")
                            .default(9)
                            .check(between("reminder_hour", 0, 23)),
                    )
                    .col(integer("password_rotation_days").default(90).check(between(
                        "password_rotation_days",
                        1,
                        3650,
                    )))
                    .col(timestamp_with_time_zone_null("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table("settings")
                    .columns(["id"])
                    .values_panic([1.into()])
                    .to_owned(),
            )
            .await?;

        // Art. 11: each receipt of a filing opens a review period; a return, an approval or a
        // rejection closes it. A resubmission opens a new one, so every period stays on record.
        manager
            .create_table(
                Table::create()
                    .table("review_periods")
                    .col(pk_auto("id"))
                    .col(integer("filing_id"))
                    .col(timestamp_with_time_zone("received_at"))
                    // The working days in force at receipt: a later change of the setting does
                    // not move periods already running.
                    .col(integer("working_days").check(between("working_days", 1, 30)))
                    .col(date("due_on"))
                    .col(boolean("due_provisional").default(false))
                    .col(timestamp_with_time_zone_null("closed_at"))
                    .col(
                        string_len_null("outcome", 16).check(
                            Expr::col(Alias::new("outcome"))
                                .is_in(["returned", "approved", "rejected"]),
                        ),
                    )
                    // Open periods have neither; closed periods have both.
                    .check(Expr::cust("(closed_at IS NULL) = (outcome IS NULL)"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_review_periods_filing")
                            .from("review_periods", "filing_id")
                            .to("filings", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // At most one open period per filing.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_review_periods_one_open ON review_periods (filing_id) \
             WHERE closed_at IS NULL",
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_review_periods_closed_at")
                    .table("review_periods")
                    .col("closed_at")
                    .to_owned(),
            )
            .await?;
        // Filings received before this migration: their current period, from what they record.
        db.execute_unprepared(
            "INSERT INTO review_periods \
             (filing_id, received_at, working_days, due_on, due_provisional, closed_at, outcome) \
             SELECT id, received_at, 3, due_on, due_provisional, \
               CASE WHEN state = 'submitted' THEN NULL ELSE decided_at END, \
               CASE WHEN state = 'submitted' THEN NULL \
                    WHEN state IN ('returned', 'withdrawn') THEN 'returned' \
                    WHEN state = 'rejected' THEN 'rejected' ELSE 'approved' END \
             FROM filings \
             WHERE received_at IS NOT NULL AND due_on IS NOT NULL \
               AND (state = 'submitted' OR decided_at IS NOT NULL)",
        )
        .await?;

        // Reminders the scheduler queues (until e-mail delivers them, notices shown in the UI).
        manager
            .create_table(
                Table::create()
                    .table("reminders")
                    .col(pk_auto("id"))
                    .col(
                        string_len("kind", 24).check(Expr::col(Alias::new("kind")).is_in([
                            "filing_due_today",
                            "filing_overdue",
                            "password_rotation",
                        ])),
                    )
                    // The China date the reminder is for.
                    .col(date("on_day"))
                    .col(integer_null("filing_id"))
                    .col(integer_null("unit_id"))
                    // What the reminder says (JSON): the due date, the accounts to rotate.
                    .col(text("details"))
                    .col(timestamp_with_time_zone("created_at"))
                    // A rotation reminder is for a unit; the others are for a filing.
                    .check(Expr::cust(
                        "(kind = 'password_rotation' AND unit_id IS NOT NULL) \
                         OR (kind <> 'password_rotation' AND filing_id IS NOT NULL)",
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_reminders_filing")
                            .from("reminders", "filing_id")
                            .to("filings", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_reminders_unit")
                            .from("reminders", "unit_id")
                            .to("units", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        // Never twice for the same filing and day, nor for the same unit and day.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_reminders_filing_day ON reminders (filing_id, on_day) \
             WHERE filing_id IS NOT NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_reminders_unit_day ON reminders (unit_id, on_day) \
             WHERE kind = 'password_rotation'",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("reminders").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("review_periods").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("settings").to_owned())
            .await
    }
}
