//! `aftercare demo`: fictional coordinators and about 200 fictional care leavers, so a new
//! team can try the system. Every name is made up, every phone number starts with 000 and
//! every address is marked （架空）.
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use sea_orm::{DatabaseConnection, EntityTrait};

use crate::{
    auth::password,
    db,
    i18n::Lang,
    leavers::{
        forms::LeaverInput,
        queries::{self as leaver_queries, StatusChange},
        rules::{PlacementType, Status},
        window::{WindowRules, age_on},
    },
    roles::Role,
    users::{
        forms::{Email, UserDetails},
        queries as user_queries,
    },
};

pub const LEAVERS: usize = 200;

const FAMILY: &[(&str, &str)] = &[
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("山口", "ヤマグチ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
];
const GIVEN: &[(&str, &str)] = &[
    ("陽翔", "ハルト"),
    ("蓮", "レン"),
    ("湊", "ミナト"),
    ("大和", "ヤマト"),
    ("悠真", "ユウマ"),
    ("結菜", "ユイナ"),
    ("陽葵", "ヒマリ"),
    ("凛", "リン"),
    ("咲良", "サクラ"),
    ("美咲", "ミサキ"),
    ("翔太", "ショウタ"),
    ("彩花", "アヤカ"),
    ("健太", "ケンタ"),
    ("花子", "ハナコ"),
];

/// A small deterministic generator: the same demo data every time.
struct Dice(u64);

impl Dice {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % below as u64) as usize
    }
}

pub struct Loaded {
    pub accounts: Vec<(String, String)>,
    pub leavers: usize,
}

/// Loads the demo data; refuses when it is already there.
pub async fn load(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    today: NaiveDate,
    rules: &WindowRules,
) -> anyhow::Result<Loaded> {
    let already = entity::leavers::Entity::find()
        .all(db)
        .await?
        .iter()
        .any(|l| l.case_number.starts_with("DEMO-"));
    if already {
        anyhow::bail!("the demo data is already loaded");
    }
    let need_admin = !user_queries::list(db)
        .await?
        .iter()
        .any(|u| u.role == crate::roles::Role::Admin && u.active);
    let mut people: Vec<(Role, String, String)> = (1..=4)
        .map(|i| {
            (
                Role::Coordinator,
                format!("demo.coordinator{i}@example.com"),
                format!("デモ 支援員{i}"),
            )
        })
        .collect();
    people.push((
        Role::Finance,
        "demo.finance@example.com".into(),
        "デモ 経理".into(),
    ));
    if need_admin {
        people.push((
            Role::Admin,
            "demo.admin@example.com".into(),
            "デモ 管理者".into(),
        ));
    }
    let mut accounts = Vec::new();
    let mut hashes = Vec::new();
    for _ in &people {
        let pw = password::generate();
        hashes.push(password::hash(pw.clone()).await?);
        accounts.push(pw);
    }
    let txn = db::begin_write(db).await?;
    let mut coordinator_ids = Vec::new();
    let mut printed = Vec::new();
    for ((role, email, name), (pw, hash)) in people.iter().zip(accounts.into_iter().zip(hashes)) {
        let details = UserDetails {
            name: name.clone(),
            email: Email::parse(email).expect("demo addresses are valid"),
            role: *role,
            language: Lang::Ja,
        };
        let user = user_queries::create(&txn, now, None, "create", &details, hash)
            .await
            .map_err(|e| anyhow::anyhow!("demo account {email}: {e}"))?;
        if *role == Role::Coordinator {
            coordinator_ids.push(user.id);
        }
        printed.push((email.clone(), pw));
    }
    let mut dice = Dice(2026);
    for n in 1..=LEAVERS {
        let (family, family_kana) = FAMILY[dice.next(FAMILY.len())];
        let (given, given_kana) = GIVEN[dice.next(GIVEN.len())];
        // Born between April 2003 and March 2010: some already past their window.
        let date_of_birth = NaiveDate::from_ymd_opt(2003, 4, 2).expect("date")
            + Days::new(dice.next(365 * 7) as u64);
        // Placements usually end on 31 March after the 18th birthday; some end earlier.
        let leaving_age = [18, 18, 18, 17, 16, 19][dice.next(6)];
        let year = date_of_birth.year() + leaving_age + i32::from(date_of_birth.ordinal() > 90);
        let planned = NaiveDate::from_ymd_opt(year, 3, 31).expect("date");
        let placement_ended_on = planned.min(today - Days::new(1));
        if age_on(date_of_birth, placement_ended_on) < 15 {
            continue;
        }
        let input = LeaverInput {
            case_number: format!("DEMO-{n:04}"),
            family_name: family.into(),
            given_name: given.into(),
            family_name_kana: Some(family_kana.into()),
            given_name_kana: Some(given_kana.into()),
            date_of_birth,
            placement_type: PlacementType::ALL[dice.next(PlacementType::ALL.len())],
            placement_ended_on,
            living_situation: Some("デモ用の架空の生活状況です。".into()),
            email: Some(format!("demo{n}@example.com")),
            phone: Some(format!("000-0000-{n:04}")),
            address: Some(format!("（架空）札幌市中央区デモ{n}番地")),
            contact_consent: dice.next(3) > 0,
            coordinator_id: Some(coordinator_ids[dice.next(coordinator_ids.len())]),
            notes: Some("デモ用の架空データです。".into()),
            contact_every_days: Some(56),
            language: crate::i18n::Lang::Ja,
        };
        let saved = leaver_queries::create(&txn, now, None, &input, rules).await?;
        let status = match dice.next(20) {
            0 => Some((Status::Closed, Some("デモ：転居のため終結"))),
            1 => Some((Status::LostContact, None)),
            _ => None,
        };
        if let Some((to, reason)) = status {
            let change = StatusChange {
                version: saved.version,
                to,
                reason,
            };
            leaver_queries::change_status(&txn, now, today, None, saved.id, &change).await?;
        }
    }
    txn.commit().await?;
    let leavers = entity::leavers::Entity::find()
        .all(db)
        .await?
        .iter()
        .filter(|l| l.case_number.starts_with("DEMO-"))
        .count();
    Ok(Loaded {
        accounts: printed,
        leavers,
    })
}
