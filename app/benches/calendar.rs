//! Benchmarks of the working-day calendar over the published 2025 and 2026 notices:
//! `cargo bench -p app --bench calendar` (figures in docs/benchmarks.md).
use std::hint::black_box;

use app::domain::calendar::{ART_11_WORKING_DAYS, WorkingCalendar, published_calendars};
use chrono::{DateTime, NaiveDate};
use criterion::{Criterion, criterion_group, criterion_main};

/// A receipt date right before National Day (10/1–10/7 off, 10/10 a makeup Saturday), the longest
/// kind of walk a real period takes, and an ordinary week.
fn dates() -> [(&'static str, NaiveDate); 2] {
    [
        (
            "before National Day",
            NaiveDate::from_ymd_opt(2026, 9, 30).expect("a date"),
        ),
        (
            "ordinary week",
            NaiveDate::from_ymd_opt(2026, 3, 11).expect("a date"),
        ),
    ]
}

fn add_working_days(c: &mut Criterion) {
    let calendar = WorkingCalendar::new(published_calendars());
    let mut group = c.benchmark_group("add_working_days");
    for n in [ART_11_WORKING_DAYS, 10] {
        for (label, from) in dates() {
            group.bench_function(format!("n={n}, {label}"), |b| {
                b.iter(|| calendar.add_working_days(black_box(from), black_box(n)))
            });
        }
    }
    group.finish();
}

fn due_date(c: &mut Criterion) {
    let calendar = WorkingCalendar::new(published_calendars());
    // 2026-09-30 01:30 in China: already the next day there.
    let received_at = DateTime::parse_from_rfc3339("2026-09-29T17:30:00Z")
        .expect("an instant")
        .to_utc();
    c.bench_function("due_date n=3, before National Day", |b| {
        b.iter(|| calendar.due_date(black_box(received_at), black_box(ART_11_WORKING_DAYS)))
    });
}

fn working_days_between(c: &mut Criterion) {
    let calendar = WorkingCalendar::new(published_calendars());
    let after = NaiveDate::from_ymd_opt(2025, 1, 1).expect("a date");
    let up_to = NaiveDate::from_ymd_opt(2026, 12, 31).expect("a date");
    c.bench_function("working_days_between, two whole years", |b| {
        b.iter(|| calendar.working_days_between(black_box(after), black_box(up_to)))
    });
}

criterion_group!(benches, add_working_days, due_date, working_days_between);
criterion_main!(benches);
