//! The organisation's risk method (RISK-4.1.2, 4.1.7, 4.2(1); catalog §6.6):
//! the policy gives no scales, no formula and no acceptance level, so all of
//! them are settings. Each C/I/A dimension has its own scale; importance is
//! computed from the three ratings by a rule (max or sum, then bands); the
//! risk value is computed from likelihood and impact by a formula; a risk is
//! accepted when its value is at or below the acceptance level (受容レベル以下).

use serde::{Deserialize, Serialize};

use crate::org::{FieldError, Lang};

/// One level of a scale: its number and its name in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Level {
    pub value: u8,
    pub label_ja: String,
    pub label_en: String,
}

impl Level {
    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.label_ja,
            Lang::En => &self.label_en,
        }
    }
}

/// A rating scale: levels 1..=n in order, 2 ≤ n ≤ 10.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Scale {
    pub levels: Vec<Level>,
}

impl Scale {
    /// A scale from its labels, lowest first.
    pub fn of(labels: &[(&str, &str)]) -> Scale {
        Scale {
            levels: labels
                .iter()
                .enumerate()
                .map(|(i, (ja, en))| Level {
                    value: u8::try_from(i + 1).unwrap_or(u8::MAX),
                    label_ja: (*ja).into(),
                    label_en: (*en).into(),
                })
                .collect(),
        }
    }

    pub fn max(&self) -> u8 {
        self.levels.last().map(|l| l.value).unwrap_or(0)
    }

    /// The value if it is a level of this scale.
    pub fn check(&self, v: u8) -> Option<u8> {
        (1..=self.max()).contains(&v).then_some(v)
    }

    pub fn level(&self, v: u8) -> Option<&Level> {
        self.levels.iter().find(|l| l.value == v)
    }

    /// Parses "1".."n" entered in a form or a CSV cell; also accepts a label.
    pub fn parse(&self, s: &str) -> Option<u8> {
        let s = s.trim();
        if let Ok(v) = s.parse::<u8>() {
            return self.check(v);
        }
        self.levels
            .iter()
            .find(|l| l.label_ja == s || l.label_en.eq_ignore_ascii_case(s))
            .map(|l| l.value)
    }

    fn validate(&self, field: &'static str) -> Result<(), FieldError> {
        let n = self.levels.len();
        if !(2..=10).contains(&n) {
            return Err(FieldError::new(field, "scale_size"));
        }
        for (i, l) in self.levels.iter().enumerate() {
            if usize::from(l.value) != i + 1 {
                return Err(FieldError::new(field, "scale_order"));
            }
            if l.label_ja.trim().is_empty() || l.label_en.trim().is_empty() {
                return Err(FieldError::new(field, "scale_label"));
            }
        }
        Ok(())
    }

    /// The scale written one label per line, lowest first: `低 / Low`.
    pub fn to_text(&self) -> String {
        self.levels
            .iter()
            .map(|l| format!("{} / {}", l.label_ja, l.label_en))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Reads the form of `to_text`; a line without " / " uses the same label in both languages.
    pub fn from_text(field: &'static str, s: &str) -> Result<Scale, FieldError> {
        let labels: Vec<(String, String)> = s
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| match l.split_once('/') {
                Some((ja, en)) => (ja.trim().to_string(), en.trim().to_string()),
                None => (l.to_string(), l.to_string()),
            })
            .collect();
        let pairs: Vec<(&str, &str)> = labels
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let scale = Scale::of(&pairs);
        scale.validate(field)?;
        Ok(scale)
    }
}

id_enum! {
    /// How ratings or factors are combined into one number.
    Combine {
        /// The highest of them.
        Max => "max",
        /// Their sum.
        Sum => "sum",
        /// Their product.
        Product => "product",
    }
}

impl Combine {
    pub fn apply(self, xs: &[u8]) -> u32 {
        let it = xs.iter().map(|x| u32::from(*x));
        match self {
            Combine::Max => it.max().unwrap_or(0),
            Combine::Sum => it.sum(),
            Combine::Product => it.product(),
        }
    }
}

/// An importance level and the lowest combined rating that reaches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Band {
    /// Lowest combined value with this importance.
    pub from: u32,
    pub level: Level,
}

/// 重要度: the C, I and A ratings combined, then placed in bands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportanceRule {
    pub combine: Combine,
    /// Ascending by `from` and by level; the first starts at the lowest possible value.
    pub bands: Vec<Band>,
}

/// Everything the organisation decides about how risk is measured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RiskMethod {
    /// 機密性
    pub confidentiality: Scale,
    /// 完全性
    pub integrity: Scale,
    /// 可用性
    pub availability: Scale,
    pub importance: ImportanceRule,
    /// Assets of this importance or higher are "important": their threats,
    /// vulnerabilities and risks must be analysed (RISK-4.1.3).
    pub important_from: u8,
    /// 起こりやすさ
    pub likelihood: Scale,
    /// 影響度 (damage to the company)
    pub impact: Scale,
    /// Risk value = likelihood (formula) impact.
    pub formula: Combine,
    /// 受容レベル: risks with a value at or below it are accepted.
    pub acceptance_level: u32,
}

impl Default for RiskMethod {
    /// The starting method, clearly labelled as mamori's default: C/I/A on
    /// 1–3, importance = the highest of them, important from 中 (2);
    /// likelihood and impact on 1–5, risk = likelihood × impact, accepted up to 6.
    fn default() -> RiskMethod {
        let three = Scale::of(&[("低", "Low"), ("中", "Medium"), ("高", "High")]);
        RiskMethod {
            confidentiality: three.clone(),
            integrity: three.clone(),
            availability: three.clone(),
            importance: ImportanceRule {
                combine: Combine::Max,
                bands: three
                    .levels
                    .iter()
                    .map(|l| Band {
                        from: u32::from(l.value),
                        level: l.clone(),
                    })
                    .collect(),
            },
            important_from: 2,
            likelihood: Scale::of(&[
                ("ほとんど起こらない", "Rare"),
                ("起こりにくい", "Unlikely"),
                ("起こりうる", "Possible"),
                ("起こりやすい", "Likely"),
                ("頻繁に起こる", "Almost certain"),
            ]),
            impact: Scale::of(&[
                ("軽微", "Negligible"),
                ("小", "Minor"),
                ("中", "Moderate"),
                ("大", "Major"),
                ("甚大", "Severe"),
            ]),
            formula: Combine::Product,
            acceptance_level: 6,
        }
    }
}

/// An asset's C, I and A ratings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Cia {
    pub c: u8,
    pub i: u8,
    pub a: u8,
}

impl RiskMethod {
    /// Checks the method is usable; the field names the offending setting.
    pub fn validate(&self) -> Result<(), FieldError> {
        self.confidentiality.validate("confidentiality")?;
        self.integrity.validate("integrity")?;
        self.availability.validate("availability")?;
        self.likelihood.validate("likelihood")?;
        self.impact.validate("impact")?;
        let bands = &self.importance.bands;
        if bands.is_empty() || bands.len() > 10 {
            return Err(FieldError::new("importance", "scale_size"));
        }
        let lowest = self.importance.combine.apply(&[1, 1, 1]);
        if bands[0].from > lowest {
            return Err(FieldError::new("importance", "band_gap"));
        }
        for (i, b) in bands.iter().enumerate() {
            if usize::from(b.level.value) != i + 1 {
                return Err(FieldError::new("importance", "scale_order"));
            }
            if b.level.label_ja.trim().is_empty() || b.level.label_en.trim().is_empty() {
                return Err(FieldError::new("importance", "scale_label"));
            }
            if i > 0 && b.from <= bands[i - 1].from {
                return Err(FieldError::new("importance", "band_order"));
            }
        }
        if self.important_from == 0 || usize::from(self.important_from) > bands.len() {
            return Err(FieldError::new("important_from", "out_of_range"));
        }
        let (lo, hi) = self.score_range();
        if !(lo..=hi).contains(&self.acceptance_level) {
            return Err(FieldError::new("acceptance_level", "out_of_range"));
        }
        Ok(())
    }

    /// The ratings if each is a level of its own scale.
    pub fn cia(&self, c: u8, i: u8, a: u8) -> Result<Cia, FieldError> {
        Ok(Cia {
            c: self
                .confidentiality
                .check(c)
                .ok_or(FieldError::new("c", "out_of_range"))?,
            i: self
                .integrity
                .check(i)
                .ok_or(FieldError::new("i", "out_of_range"))?,
            a: self
                .availability
                .check(a)
                .ok_or(FieldError::new("a", "out_of_range"))?,
        })
    }

    /// 重要度 of an asset rated `cia`.
    pub fn importance(&self, cia: Cia) -> u8 {
        let raw = self.importance.combine.apply(&[cia.c, cia.i, cia.a]);
        self.importance
            .bands
            .iter()
            .rev()
            .find(|b| raw >= b.from)
            .map(|b| b.level.value)
            .unwrap_or(1)
    }

    pub fn importance_level(&self, v: u8) -> Option<&Level> {
        self.importance
            .bands
            .iter()
            .find(|b| b.level.value == v)
            .map(|b| &b.level)
    }

    /// Is an asset of this importance one whose risks must be analysed?
    pub fn is_important(&self, importance: u8) -> bool {
        importance >= self.important_from
    }

    /// The risk value of a likelihood and an impact.
    pub fn score(&self, likelihood: u8, impact: u8) -> u32 {
        self.formula.apply(&[likelihood, impact])
    }

    /// Lowest and highest possible risk values.
    pub fn score_range(&self) -> (u32, u32) {
        (
            self.score(1, 1),
            self.score(self.likelihood.max(), self.impact.max()),
        )
    }

    /// 受容レベル以下.
    pub fn is_acceptable(&self, score: u32) -> bool {
        score <= self.acceptance_level
    }

    /// The formula in words, e.g. "起こりやすさ × 影響度".
    pub fn formula_text(&self, lang: Lang) -> String {
        let (l, i) = match lang {
            Lang::Ja => ("起こりやすさ", "影響度"),
            Lang::En => ("likelihood", "impact"),
        };
        match self.formula {
            Combine::Product => format!("{l} × {i}"),
            Combine::Sum => format!("{l} + {i}"),
            Combine::Max => match lang {
                Lang::Ja => format!("max({l}, {i})"),
                Lang::En => format!("max({l}, {i})"),
            },
        }
    }

    /// The heat map: rows from the highest impact down, columns from the
    /// lowest likelihood; each cell counts the risks at that point.
    pub fn heat_map(&self, points: &[(u8, u8)]) -> Vec<Vec<Cell>> {
        let (lmax, imax) = (self.likelihood.max(), self.impact.max());
        (1..=imax)
            .rev()
            .map(|impact| {
                (1..=lmax)
                    .map(|likelihood| {
                        let score = self.score(likelihood, impact);
                        Cell {
                            likelihood,
                            impact,
                            score,
                            above: !self.is_acceptable(score),
                            count: points
                                .iter()
                                .filter(|p| **p == (likelihood, impact))
                                .count(),
                        }
                    })
                    .collect()
            })
            .collect()
    }
}

/// A cell of the heat map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Cell {
    pub likelihood: u8,
    pub impact: u8,
    pub score: u32,
    /// Above the acceptance level.
    pub above: bool,
    pub count: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn default_method_is_valid_and_labelled() {
        let m = RiskMethod::default();
        assert_eq!(m.validate(), Ok(()));
        assert_eq!(m.formula_text(Lang::Ja), "起こりやすさ × 影響度");
        assert_eq!(m.score_range(), (1, 25));
        assert!(m.is_acceptable(6));
        assert!(!m.is_acceptable(7));
    }

    #[test]
    fn importance_by_max_and_by_sum_bands() {
        let mut m = RiskMethod::default();
        let cia = |c, i, a| Cia { c, i, a };
        assert_eq!(m.importance(cia(1, 1, 1)), 1);
        assert_eq!(m.importance(cia(1, 3, 1)), 3);
        assert!(!m.is_important(1));
        assert!(m.is_important(2));
        m.importance = ImportanceRule {
            combine: Combine::Sum,
            bands: vec![
                Band {
                    from: 3,
                    level: Level {
                        value: 1,
                        label_ja: "C".into(),
                        label_en: "C".into(),
                    },
                },
                Band {
                    from: 5,
                    level: Level {
                        value: 2,
                        label_ja: "B".into(),
                        label_en: "B".into(),
                    },
                },
                Band {
                    from: 7,
                    level: Level {
                        value: 3,
                        label_ja: "A".into(),
                        label_en: "A".into(),
                    },
                },
            ],
        };
        assert_eq!(m.validate(), Ok(()));
        assert_eq!(m.importance(cia(1, 3, 1)), 2);
        assert_eq!(m.importance(cia(1, 1, 2)), 1);
        assert_eq!(m.importance(cia(3, 3, 1)), 3);
    }

    #[test]
    fn each_dimension_has_its_own_scale() {
        let m = RiskMethod {
            availability: Scale::of(&[("1", "1"), ("2", "2"), ("3", "3"), ("4", "4")]),
            ..RiskMethod::default()
        };
        assert_eq!(m.validate(), Ok(()));
        assert!(m.cia(3, 3, 4).is_ok());
        assert_eq!(m.cia(4, 3, 4), Err(FieldError::new("c", "out_of_range")));
        assert_eq!(m.cia(1, 0, 1), Err(FieldError::new("i", "out_of_range")));
    }

    #[test]
    fn bad_methods_are_refused_with_the_field() {
        let m = RiskMethod {
            acceptance_level: 26,
            ..RiskMethod::default()
        };
        assert_eq!(m.validate().map_err(|e| e.field), Err("acceptance_level"));
        let m = RiskMethod {
            important_from: 4,
            ..RiskMethod::default()
        };
        assert_eq!(m.validate().map_err(|e| e.field), Err("important_from"));
        let m = RiskMethod {
            impact: Scale::of(&[("only", "only")]),
            ..RiskMethod::default()
        };
        assert_eq!(m.validate(), Err(FieldError::new("impact", "scale_size")));
        let mut m = RiskMethod::default();
        m.importance.bands[0].from = 2;
        assert_eq!(m.validate(), Err(FieldError::new("importance", "band_gap")));
        let mut m = RiskMethod::default();
        m.importance.bands[2].from = 2;
        assert_eq!(
            m.validate(),
            Err(FieldError::new("importance", "band_order"))
        );
    }

    #[test]
    fn scales_read_and_write_as_text() {
        let s = Scale::from_text("impact", "軽微 / Negligible\n\n 大 / Major \n甚大").unwrap();
        assert_eq!(s.max(), 3);
        assert_eq!(s.levels[2].label_en, "甚大");
        assert_eq!(Scale::from_text("impact", &s.to_text()).unwrap(), s);
        assert_eq!(s.parse("2"), Some(2));
        assert_eq!(s.parse("major"), Some(2));
        assert_eq!(s.parse("4"), None);
        assert!(Scale::from_text("impact", "one").is_err());
    }

    #[test]
    fn heat_map_puts_each_risk_in_its_cell() {
        let m = RiskMethod::default();
        let map = m.heat_map(&[(5, 5), (1, 1), (1, 1), (3, 2)]);
        assert_eq!(map.len(), 5);
        assert_eq!(
            map[0][4],
            Cell {
                likelihood: 5,
                impact: 5,
                score: 25,
                above: true,
                count: 1
            }
        );
        assert_eq!(map[4][0].count, 2);
        assert_eq!(map[3][2].score, 6);
        assert!(!map[3][2].above);
    }

    fn scale_len() -> impl Strategy<Value = u8> {
        2u8..=10
    }

    proptest! {
        /// Raising any rating never lowers importance.
        #[test]
        fn importance_is_monotonic(c in 1u8..=3, i in 1u8..=3, a in 1u8..=3, which in 0usize..3, sum in any::<bool>()) {
            let mut m = RiskMethod::default();
            if sum {
                m.importance.combine = Combine::Sum;
                m.importance.bands[1].from = 5;
                m.importance.bands[2].from = 7;
            }
            let base = Cia { c, i, a };
            let mut up = base;
            match which { 0 => up.c = (c + 1).min(3), 1 => up.i = (i + 1).min(3), _ => up.a = (a + 1).min(3) }
            prop_assert!(m.importance(up) >= m.importance(base));
            let imp = m.importance(base);
            prop_assert!((1..=3).contains(&imp));
        }

        /// Risk values stay in range, grow with each factor, and acceptance
        /// is exactly "at or below the level".
        #[test]
        fn scores_are_monotonic_and_bounded(n in scale_len(), l in 1u8..=10, i in 1u8..=10, f in 0usize..3, level in 0u32..=100) {
            let mut m = RiskMethod::default();
            let labels: Vec<(String, String)> = (1..=n).map(|k| (k.to_string(), k.to_string())).collect();
            let pairs: Vec<(&str, &str)> = labels.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            m.likelihood = Scale::of(&pairs);
            m.impact = Scale::of(&pairs);
            m.formula = Combine::ALL[f];
            let (l, i) = (l.min(n), i.min(n));
            let (lo, hi) = m.score_range();
            let s = m.score(l, i);
            prop_assert!(lo <= s && s <= hi);
            prop_assert!(m.score(l.saturating_add(1).min(n), i) >= s);
            prop_assert!(m.score(l, i.saturating_add(1).min(n)) >= s);
            m.acceptance_level = level;
            prop_assert_eq!(m.is_acceptable(s), s <= level);
            let map = m.heat_map(&[(l, i)]);
            let total: usize = map.iter().flatten().map(|c| c.count).sum();
            prop_assert_eq!(total, 1);
        }
    }
}
