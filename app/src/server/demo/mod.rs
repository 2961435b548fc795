//! Demo data for Shizhu County (石柱土家族自治县, Chongqing): the county office, departments, towns and
//! sub-districts, a public institution, an internal division, the platform catalogue, about thirty
//! accounts and one user per role. Loaded once: a database that already has units is left alone.
use super::audit::{self, Actor, Event};
use super::auth::{self, NewUser};
use super::db::begin_write;
use super::entities::{account, platform, unit};
use super::units::{self, NewUnit};
use crate::domain::AccountStatus;
use crate::domain::credit_code::check_character;
use crate::error::AppError;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, PaginatorTrait, Set,
};
use std::collections::HashMap;

mod data;
use data::{ACCOUNTS, GIVEN, PLATFORMS, SURNAMES, UNITS};
pub use data::{DEMO_PASSWORD, DEMO_USERS};

/// A valid unified social credit code for a demo unit: 11 (government organ) or 12 (public
/// institution), Shizhu's region code 500240, a made-up organisation code, and the GB 32100 check.
fn demo_credit_code(kind: &str, seed: u32) -> String {
    let category = if kind == "public_institution" {
        "12"
    } else {
        "11"
    };
    let body = format!("{category}500240MB{:07}", 1_520_000 + seed);
    let check = check_character(&body).expect("demo codes use the code alphabet");
    format!("{body}{check}")
}

/// What happened when asked to load the demo data.
#[derive(Debug, PartialEq, Eq)]
pub enum DemoLoad {
    Loaded {
        units: usize,
        accounts: usize,
        users: usize,
    },
    AlreadyPresent,
}

/// What loading the reference data added (nothing when it was all there).
#[derive(Debug, PartialEq, Eq)]
pub struct ReferenceLoad {
    pub units: usize,
    pub platforms: usize,
}

/// The reference data by code: each unit's id and full name, each platform's id and whether it
/// has platform account IDs.
struct Reference {
    units: HashMap<&'static str, (i32, String)>,
    platforms: HashMap<&'static str, (i32, bool)>,
    added: ReferenceLoad,
}

/// Inserts the units and platforms whose codes are not there yet, in `txn`.
async fn insert_reference(
    txn: &DatabaseTransaction,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Reference, AppError> {
    let mut present: HashMap<String, unit::Model> = unit::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|u| (u.code.clone(), u))
        .collect();
    let mut added = ReferenceLoad {
        units: 0,
        platforms: 0,
    };
    let mut unit_ids = HashMap::new();
    for (code, kind, name, short, seed) in UNITS {
        let unit = match present.remove(*code) {
            Some(unit) => unit,
            None => {
                added.units += 1;
                units::insert(
                    txn,
                    actor,
                    &NewUnit {
                        code: code.to_string(),
                        kind: kind.to_string(),
                        name: name.to_string(),
                        short_name: Some(short.to_string()),
                        credit_code: seed.map(|s| demo_credit_code(kind, s)),
                        parent_code: (*kind == "internal_division")
                            .then(|| "county-office".to_string()),
                    },
                    now,
                )
                .await?
            }
        };
        unit_ids.insert(*code, (unit.id, unit.name));
    }
    let mut present: HashMap<String, platform::Model> = platform::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|p| (p.code.clone(), p))
        .collect();
    let mut platform_ids = HashMap::new();
    for (order, (code, zh, en, approved, has_id)) in PLATFORMS.iter().enumerate() {
        let platform = match present.remove(*code) {
            Some(platform) => platform,
            None => {
                added.platforms += 1;
                platform::ActiveModel {
                    code: Set(code.to_string()),
                    name_zh: Set(zh.to_string()),
                    name_en: Set(en.to_string()),
                    nationally_approved: Set(*approved),
                    has_account_id: Set(*has_id),
                    sort_order: Set(order as i32),
                    ..Default::default()
                }
                .insert(txn)
                .await?
            }
        };
        platform_ids.insert(*code, (platform.id, platform.has_account_id));
    }
    Ok(Reference {
        units: unit_ids,
        platforms: platform_ids,
        added,
    })
}

/// The demo units and platforms alone, without accounts or users: what a county that imports
/// its existing register starts from. Idempotent: what is already there (by code) is kept.
#[tracing::instrument(skip_all, fields(use_case = "demo.load_reference"))]
pub async fn load_reference(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<ReferenceLoad, AppError> {
    let txn = begin_write(db).await?;
    let reference = insert_reference(&txn, &Actor::operator("demo"), now).await?;
    txn.commit().await?;
    Ok(reference.added)
}

#[tracing::instrument(skip_all, fields(use_case = "demo.load"))]
pub async fn load(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<DemoLoad, AppError> {
    if unit::Entity::find().count(db).await? > 0 {
        return Ok(DemoLoad::AlreadyPresent);
    }
    let actor = Actor::operator("demo");
    let txn = begin_write(db).await?;
    // The same reference data as `load_reference`, in this one transaction with the accounts.
    let Reference {
        units: unit_ids,
        platforms: platform_ids,
        ..
    } = insert_reference(&txn, &actor, now).await?;
    insert_accounts(&txn, &unit_ids, &platform_ids, now).await?;
    audit::record(
        &txn,
        &actor,
        Event::new(crate::domain::AuditAction::DemoLoaded, "registry").after(serde_json::json!({
            "units": UNITS.len(), "platforms": PLATFORMS.len(), "accounts": ACCOUNTS.len(),
        })),
        now,
    )
    .await?;
    txn.commit().await?;

    create_users(db, &actor, now).await?;
    Ok(DemoLoad::Loaded {
        units: UNITS.len(),
        accounts: ACCOUNTS.len(),
        users: DEMO_USERS.len(),
    })
}

/// The demo accounts, spread over the units and platforms.
async fn insert_accounts(
    txn: &DatabaseTransaction,
    unit_ids: &HashMap<&str, (i32, String)>,
    platform_ids: &HashMap<&str, (i32, bool)>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let epoch = NaiveDate::from_ymd_opt(2019, 3, 1).expect("valid date");
    for (i, (unit_code, platform_code, name, status, national)) in ACCOUNTS.iter().enumerate() {
        let (unit_id, unit_name) = unit_ids[unit_code].clone();
        let (platform_id, has_id) = platform_ids[platform_code];
        let i32i = i as i32;
        let status = AccountStatus::parse(status)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("demo account status {status}")))?;
        account::ActiveModel {
            host_unit_id: Set(unit_id),
            platform_id: Set(platform_id),
            name: Set(name.to_string()),
            platform_account_id: Set(if has_id {
                Some(format!("gh_sz{:06}", 100_000 + i * 7919))
            } else {
                Some(format!("https://app.shizhu.gov.cn/{unit_code}"))
            }),
            verification_subject: Set(unit_name.clone()),
            operating_unit: Set(if i % 5 == 3 {
                "重庆某文化传媒有限公司".into()
            } else {
                unit_name
            }),
            outsourced: Set(i % 5 == 3),
            purpose: Set("政务信息发布、政策解读与便民服务".into()),
            opened_on: Set(epoch + chrono::Days::new((i as u64) * 53)),
            status: Set(status),
            in_national_system: Set(*national),
            custodian_name: Set(format!("{}{}", SURNAMES[i % 8], GIVEN[(i * 3) % 8])),
            custodian_mobile: Set(format!("13{}{:08}", 5 + i % 5, 23_450_000 + i32i * 137)),
            // Art. 29: spread over the last 130 days, so some rotations are overdue (> 90 days).
            password_rotated_on: Set(Some(
                crate::domain::calendar::china_date(now) - chrono::Days::new((i as u64 * 11) % 130),
            )),
            art9_waiver: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// One user per role, with the published demo password.
async fn create_users(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    for (username, role, unit) in DEMO_USERS {
        auth::create_user(
            db,
            actor,
            NewUser {
                username: username.to_string(),
                display_name: None,
                role: role.to_string(),
                unit_code: unit.map(str::to_string),
                // Reserved for documentation (RFC 2606): demo notices reach nobody.
                email: Some(format!("{username}@shizhu.example")),
                locale: None,
                password: DEMO_PASSWORD.to_string(),
                // The operator loads the demo to show it: its published passwords are not changed
                // at first sign-in, or every demo would start on the change-password page.
                must_change_password: false,
            },
            // The default policy, which the demo password satisfies, whatever the deployment's.
            &super::passwords::PasswordPolicy::default(),
            now,
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CreditCode;

    #[test]
    fn every_demo_credit_code_is_valid_and_distinct() {
        let codes: std::collections::HashSet<String> = UNITS
            .iter()
            .filter_map(|(_, kind, _, _, seed)| seed.map(|s| demo_credit_code(kind, s)))
            .inspect(|code| assert!(CreditCode::parse(code).is_ok(), "{code}"))
            .collect();
        assert_eq!(codes.len(), UNITS.len() - 1);
    }

    #[test]
    fn demo_accounts_respect_art9_one_live_account_per_unit_and_platform() {
        let mut seen = std::collections::HashSet::new();
        for (unit, platform, _, status, _) in ACCOUNTS {
            assert!(AccountStatus::parse(status).is_some(), "{status}");
            if *status != "deregistered" {
                assert!(
                    seen.insert((unit, platform)),
                    "{unit} has two live {platform} accounts"
                );
            }
        }
    }
}
