//! What the rows are checked against, read once from the database: the units (by name, short
//! name and credit code), the platforms, the statuses' spellings and the accounts already there.
use super::super::entities::{account, platform, unit};
use crate::domain::AccountStatus;
use crate::domain::import::{RowProblem, name_key};
use crate::error::AppError;
use crate::i18n::Locale;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect};
use std::collections::{HashMap, HashSet};

/// What an account is known by when deciding that a row repeats one: its unit, platform, name,
/// platform account ID and opening date.
pub(super) type Identity = (i32, i32, String, String, NaiveDate);

/// The units, platforms and accounts the rows are checked against, read once.
pub(super) struct Lookups {
    pub(super) units: Vec<unit::Model>,
    pub(super) by_name: HashMap<String, Vec<usize>>,
    pub(super) by_short_name: HashMap<String, Vec<usize>>,
    pub(super) by_credit_code: HashMap<String, usize>,
    pub(super) platforms: Vec<platform::Model>,
    pub(super) platform_by_name: HashMap<String, usize>,
    pub(super) statuses: HashMap<String, AccountStatus>,
    /// Live accounts per (unit, platform) already registered (Art. 9).
    pub(super) live: HashMap<(i32, i32), u32>,
    pub(super) registered: HashSet<Identity>,
    /// Today in China: no date may be later.
    pub(super) today: NaiveDate,
}

pub(super) fn identity(
    unit_id: i32,
    platform_id: i32,
    name: &str,
    account_id: Option<&str>,
    opened_on: NaiveDate,
) -> Identity {
    (
        unit_id,
        platform_id,
        name_key(name),
        name_key(account_id.unwrap_or_default()),
        opened_on,
    )
}

impl Lookups {
    pub(super) async fn load<C: ConnectionTrait>(
        conn: &C,
        now: DateTime<Utc>,
    ) -> Result<Self, AppError> {
        let units = unit::Entity::find().all(conn).await?;
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_short_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_credit_code = HashMap::new();
        for (i, u) in units.iter().enumerate() {
            by_name.entry(name_key(&u.name)).or_default().push(i);
            if let Some(short) = u.short_name.as_deref().filter(|s| !s.is_empty()) {
                by_short_name.entry(name_key(short)).or_default().push(i);
            }
            if let Some(code) = &u.credit_code {
                by_credit_code.insert(code.clone(), i);
            }
        }
        let platforms = platform::Entity::find().all(conn).await?;
        let mut platform_by_name = HashMap::new();
        for (i, p) in platforms.iter().enumerate() {
            for name in [&p.name_zh, &p.name_en, &p.code] {
                platform_by_name.insert(name_key(name), i);
            }
        }
        let mut statuses = HashMap::new();
        for status in AccountStatus::ALL {
            let label = crate::labels::status(*status);
            for name in [status.as_str(), Locale::ZhCn.t(label), Locale::En.t(label)] {
                statuses.insert(name_key(name), *status);
            }
        }
        // How older registers write the statuses.
        for (name, status) in [
            ("正常", AccountStatus::Active),
            ("正常运营", AccountStatus::Active),
            ("运行中", AccountStatus::Active),
            ("关停", AccountStatus::Suspended),
            ("已停用", AccountStatus::Suspended),
            ("注销", AccountStatus::Deregistered),
        ] {
            statuses.insert(name_key(name), status);
        }
        let accounts: Vec<(i32, i32, String, Option<String>, NaiveDate, AccountStatus)> =
            account::Entity::find()
                .select_only()
                .columns([
                    account::Column::HostUnitId,
                    account::Column::PlatformId,
                    account::Column::Name,
                    account::Column::PlatformAccountId,
                    account::Column::OpenedOn,
                    account::Column::Status,
                ])
                .into_tuple()
                .all(conn)
                .await?;
        let mut live = HashMap::new();
        let mut registered = HashSet::new();
        for (unit_id, platform_id, name, account_id, opened_on, status) in accounts {
            if status.is_live() {
                *live.entry((unit_id, platform_id)).or_default() += 1;
            }
            registered.insert(identity(
                unit_id,
                platform_id,
                &name,
                account_id.as_deref(),
                opened_on,
            ));
        }
        Ok(Lookups {
            units,
            by_name,
            by_short_name,
            by_credit_code,
            platforms,
            platform_by_name,
            statuses,
            live,
            registered,
            today: crate::domain::calendar::china_date(now),
        })
    }

    /// The unit of this name (full name first, then short name); an error when several share it.
    pub(super) fn unit_named(&self, name: &str) -> Result<Option<usize>, RowProblem> {
        let key = name_key(name);
        for table in [&self.by_name, &self.by_short_name] {
            match table.get(&key).map(Vec::as_slice) {
                Some([one]) => return Ok(Some(*one)),
                Some([_, _, ..]) => return Err(RowProblem::AmbiguousUnit),
                _ => {}
            }
        }
        Ok(None)
    }
}
