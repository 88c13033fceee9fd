//! What the benchmarks share: fictional leavers loaded through the register's own function,
//! and the CSRF token of a page's form.
use aftercare::{
    app::state::AppState,
    config::Config,
    db,
    leavers::{forms::LeaverInput, queries, rules::PlacementType},
};
use chrono::{Days, NaiveDate, Utc};

/// Loads `records` fictional leavers in one transaction, assigned to `coordinator` if given.
pub async fn seed_leavers(
    state: &AppState,
    config: &Config,
    records: usize,
    coordinator: Option<i32>,
) -> anyhow::Result<()> {
    let today = Utc::now().with_timezone(&config.time_zone).date_naive();
    let txn = db::begin_write(&state.db).await?;
    let families = [
        "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村",
    ];
    let kana = [
        "サトウ",
        "スズキ",
        "タカハシ",
        "タナカ",
        "イトウ",
        "ワタナベ",
        "ヤマモト",
        "ナカムラ",
    ];
    for n in 0..records {
        let dob = NaiveDate::from_ymd_opt(2003, 4, 2).unwrap() + Days::new((n * 37 % 2500) as u64);
        let input = LeaverInput {
            case_number: format!("B-{n:06}"),
            family_name: families[n % 8].into(),
            given_name: format!("太郎{n}"),
            family_name_kana: Some(kana[n % 8].into()),
            given_name_kana: Some("タロウ".into()),
            date_of_birth: dob,
            placement_type: PlacementType::ALL[n % 7],
            placement_ended_on: (dob + Days::new(18 * 366)).min(today - Days::new(1)),
            living_situation: None,
            email: None,
            phone: None,
            address: None,
            contact_consent: false,
            // One in ten is the coordinator's own caseload.
            coordinator_id: coordinator.filter(|_| n % 10 == 0),
            notes: None,
            contact_every_days: None,
            language: aftercare::i18n::Lang::Ja,
        };
        queries::create(&txn, Utc::now(), None, &input, &config.window_rules).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The CSRF token of a page's form, as a browser would send it back.
pub fn csrf_token(page: &str) -> String {
    page.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or("")
        .replace("&#43;", "+")
        .replace("&#47;", "/")
        .replace("&#61;", "=")
}
