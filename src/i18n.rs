//! Message catalogs (Fluent, English and Japanese), language choice, and date/yen formatting.
use chrono::{Datelike, NaiveDate};
use poem::i18n::{I18NBundle, I18NResources};
use unic_langid::langid;

pub use entity::money::Yen;

/// The languages the interface speaks (stored on accounts and emails).
pub use entity::users::Language as Lang;

/// The best language for an `Accept-Language` header; English when nothing matches.
pub fn negotiate(accept_language: &str) -> Lang {
    let mut ranges: Vec<(f32, usize, &str)> = accept_language
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';');
            let tag = pieces.next()?.trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            (q > 0.0 && !tag.is_empty()).then_some((q, i, tag))
        })
        .collect();
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranges
        .iter()
        .find_map(|(_, _, tag)| {
            let primary = tag.split('-').next().unwrap_or("").to_ascii_lowercase();
            Lang::parse(&primary)
        })
        .unwrap_or(Lang::En)
}

/// One catalog file per feature and language, compiled into the binary.
const CATALOGS: &[(&str, &str)] = &[
    ("en", include_str!("../locales/en/main.ftl")),
    ("en", include_str!("../locales/en/auth.ftl")),
    ("en", include_str!("../locales/en/users.ftl")),
    ("en", include_str!("../locales/en/audit.ftl")),
    ("en", include_str!("../locales/en/leavers.ftl")),
    ("en", include_str!("../locales/en/consultations.ftl")),
    ("en", include_str!("../locales/en/allowances.ftl")),
    ("en", include_str!("../locales/en/reminders.ftl")),
    ("en", include_str!("../locales/en/extensions.ftl")),
    ("en", include_str!("../locales/en/plans.ftl")),
    ("en", include_str!("../locales/en/reports.ftl")),
    ("en", include_str!("../locales/en/retention.ftl")),
    ("en", include_str!("../locales/en/disclosure.ftl")),
    ("en", include_str!("../locales/en/youth.ftl")),
    ("en", include_str!("../locales/en/mfa.ftl")),
    ("en", include_str!("../locales/en/integrations.ftl")),
    ("ja", include_str!("../locales/ja/main.ftl")),
    ("ja", include_str!("../locales/ja/auth.ftl")),
    ("ja", include_str!("../locales/ja/users.ftl")),
    ("ja", include_str!("../locales/ja/audit.ftl")),
    ("ja", include_str!("../locales/ja/leavers.ftl")),
    ("ja", include_str!("../locales/ja/consultations.ftl")),
    ("ja", include_str!("../locales/ja/allowances.ftl")),
    ("ja", include_str!("../locales/ja/reminders.ftl")),
    ("ja", include_str!("../locales/ja/extensions.ftl")),
    ("ja", include_str!("../locales/ja/plans.ftl")),
    ("ja", include_str!("../locales/ja/reports.ftl")),
    ("ja", include_str!("../locales/ja/retention.ftl")),
    ("ja", include_str!("../locales/ja/disclosure.ftl")),
    ("ja", include_str!("../locales/ja/youth.ftl")),
    ("ja", include_str!("../locales/ja/mfa.ftl")),
    ("ja", include_str!("../locales/ja/integrations.ftl")),
];

#[derive(Clone)]
pub struct Catalogs(I18NResources);

impl Catalogs {
    pub fn load() -> anyhow::Result<Self> {
        let mut builder = I18NResources::builder().default_language(langid!("en"));
        for (lang, ftl) in CATALOGS {
            builder = builder.add_ftl(*lang, *ftl);
        }
        Ok(Catalogs(builder.build()?))
    }

    pub fn translator(&self, lang: Lang) -> Tr {
        let id = match lang {
            Lang::En => langid!("en"),
            Lang::Ja => langid!("ja"),
        };
        Tr {
            lang,
            bundle: self.0.negotiate_languages(&[id]),
        }
    }
}

/// Translates message ids for one language.
pub struct Tr {
    pub lang: Lang,
    bundle: I18NBundle,
}

impl Tr {
    pub fn t(&self, id: &str) -> String {
        self.t_with(id, &[])
    }

    pub fn t_with(&self, id: &str, args: &[(&str, &str)]) -> String {
        let mut fluent_args = poem::i18n::I18NArgs::default();
        for (k, v) in args {
            // A whole number goes in as a number, so that plurals (`[one]`) select on it.
            fluent_args = match v.parse::<i64>() {
                Ok(n) if n.to_string() == *v => fluent_args.set(*k, n),
                _ => fluent_args.set(*k, v.to_string()),
            };
        }
        match self.bundle.text_with_args(id, fluent_args) {
            // Fluent isolates arguments with invisible marks; plain text and emails are
            // clearer without them.
            Ok(text) => text.replace(['\u{2068}', '\u{2069}'], ""),
            Err(e) => {
                tracing::warn!(message_id = id, error = %e, "missing translation");
                id.to_string()
            }
        }
    }

    /// Whether the catalog has a message with this id (in this language or the default one).
    pub fn has(&self, id: &str) -> bool {
        !matches!(
            self.bundle.text(id),
            Err(poem::error::I18NError::FluentMessageNotFound { .. })
        )
    }

    /// `2026-04-01` in English, `2026年4月1日` in Japanese.
    pub fn date(&self, d: NaiveDate) -> String {
        format_date(self.lang, d)
    }

    /// `2026-12` in English (like its dates), `2026年12月` in Japanese.
    pub fn month(&self, m: crate::clock::Month) -> String {
        format_month(self.lang, m)
    }

    /// A month on a chart's axis: `12` in English, `12月` in Japanese.
    pub fn month_number(&self, month: u32) -> String {
        match self.lang {
            Lang::En => month.to_string(),
            Lang::Ja => format!("{month}月"),
        }
    }

    /// A run of months, `2026-04 – 2027-03` or `2026年4月〜2027年3月`.
    pub fn months(&self, first: crate::clock::Month, last: crate::clock::Month) -> String {
        match self.lang {
            Lang::En => format!("{first} – {last}"),
            Lang::Ja => format!("{}〜{}", self.month(first), self.month(last)),
        }
    }
}

pub fn format_month(lang: Lang, m: crate::clock::Month) -> String {
    match lang {
        Lang::En => m.to_string(),
        Lang::Ja => {
            let d = m.first_day();
            format!("{}年{}月", d.year(), d.month())
        }
    }
}

pub fn format_date(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::En => d.format("%Y-%m-%d").to_string(),
        Lang::Ja => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
    }
}

/// Whole yen with thousands separators: `¥12,345`.
pub fn format_yen(amount: Yen) -> String {
    let amount = amount.get();
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 2);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{}¥{out}", if amount < 0 { "-" } else { "" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn months_read_naturally_in_each_language() {
        let m = crate::clock::Month::parse("2026-12").unwrap();
        assert_eq!(format_month(Lang::En, m), "2026-12");
        assert_eq!(format_month(Lang::Ja, m), "2026年12月");
        let jan = crate::clock::Month::parse("2027-01").unwrap();
        assert_eq!(format_month(Lang::Ja, jan), "2027年1月");
    }

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(negotiate("ja-JP,ja;q=0.9,en;q=0.8"), Lang::Ja);
        assert_eq!(negotiate("en-US,en;q=0.9,ja;q=0.8"), Lang::En);
        assert_eq!(negotiate("fr-FR, ja;q=0.5, en;q=0.4"), Lang::Ja);
        assert_eq!(negotiate("en;q=0.2, ja;q=0.7"), Lang::Ja);
        assert_eq!(negotiate("ja;q=0, en"), Lang::En);
        assert_eq!(negotiate("de"), Lang::En);
        assert_eq!(negotiate(""), Lang::En);
        assert_eq!(negotiate("garbage;q=x"), Lang::En);
    }

    #[test]
    fn dates_and_yen_are_formatted_per_language() {
        let d = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
        assert_eq!(format_date(Lang::En, d), "2026-04-01");
        assert_eq!(format_date(Lang::Ja, d), "2026年4月1日");
        assert_eq!(format_yen(Yen(0)), "¥0");
        assert_eq!(format_yen(Yen(999)), "¥999");
        assert_eq!(format_yen(Yen(1000)), "¥1,000");
        assert_eq!(format_yen(Yen(12345)), "¥12,345");
        assert_eq!(format_yen(Yen(1234567)), "¥1,234,567");
        assert_eq!(format_yen(Yen(-50000)), "-¥50,000");
    }

    #[test]
    fn the_glossary_is_kept() {
        for lang in ["en", "ja"] {
            let files: Vec<&str> = CATALOGS
                .iter()
                .filter(|(l, _)| *l == lang)
                .map(|(_, ftl)| *ftl)
                .collect();
            let avoid: Vec<&str> = files
                .iter()
                .flat_map(|ftl| ftl.lines())
                .filter_map(|l| l.strip_prefix("# avoid: "))
                .map(str::trim)
                .collect();
            assert!(avoid.len() >= 3, "{lang}: the glossary lists what to avoid");
            for line in files
                .iter()
                .flat_map(|ftl| ftl.lines())
                .filter(|l| !l.starts_with('#'))
            {
                for word in &avoid {
                    assert!(!line.contains(word), "{lang}: \"{word}\" in: {line}");
                }
            }
        }
    }

    fn message_ids(ftl: &str) -> BTreeSet<String> {
        ftl.lines()
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_string()))
            .collect()
    }

    #[test]
    fn english_and_japanese_catalogs_have_the_same_messages() {
        let ids = |lang: &str| -> BTreeSet<String> {
            CATALOGS
                .iter()
                .filter(|(l, _)| *l == lang)
                .flat_map(|(_, ftl)| message_ids(ftl))
                .collect()
        };
        let (en, ja) = (ids("en"), ids("ja"));
        let only_en: Vec<_> = en.difference(&ja).collect();
        let only_ja: Vec<_> = ja.difference(&en).collect();
        assert!(only_en.is_empty(), "missing in Japanese: {only_en:?}");
        assert!(only_ja.is_empty(), "missing in English: {only_ja:?}");
        assert!(en.len() > 20);
    }

    #[test]
    fn every_message_used_by_a_template_exists() {
        let catalogs = Catalogs::load().unwrap();
        let en = catalogs.translator(Lang::En);
        let ja = catalogs.translator(Lang::Ja);
        let mut checked = 0;
        for entry in walk(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/templates"
        ))) {
            let text = std::fs::read_to_string(&entry).unwrap();
            // `ctx.t` in pages, `tr.t` where a page is rendered in another language.
            let uses = text
                .split("ctx.t(\"")
                .skip(1)
                .chain(text.split("tr.t(\"").skip(1));
            for piece in uses {
                let id = piece.split('"').next().unwrap();
                for tr in [&en, &ja] {
                    assert_ne!(
                        tr.t(id),
                        id,
                        "{} uses unknown message {id}",
                        entry.display()
                    );
                }
                checked += 1;
            }
        }
        assert!(checked > 20);
    }

    #[test]
    fn every_message_id_written_in_the_code_exists() {
        // Literal ids passed to flashes, field errors, page messages and `t`.
        const PREFIXES: &[&str] = &[
            "account-",
            "action-",
            "audit-",
            "dashboard-",
            "error-",
            "field-",
            "filter-",
            "form-",
            "language-",
            "leaver-",
            "leavers-",
            "login-",
            "nav-",
            "pager-",
            "placement-",
            "role-",
            "select-",
            "setup-",
            "users-",
        ];
        let catalogs = Catalogs::load().unwrap();
        let translators = [catalogs.translator(Lang::En), catalogs.translator(Lang::Ja)];
        let mut checked = 0;
        for file in walk(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))) {
            let code = std::fs::read_to_string(&file).unwrap();
            for literal in code.split('"').skip(1).step_by(2) {
                let is_id = PREFIXES.iter().any(|p| literal.starts_with(p))
                    && literal.len() > 6
                    && literal
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !literal.ends_with('-');
                if is_id {
                    for tr in &translators {
                        assert!(
                            tr.has(literal),
                            "{} uses unknown message {literal}",
                            file.display()
                        );
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 30, "{checked}");
    }

    fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
        out
    }
}
