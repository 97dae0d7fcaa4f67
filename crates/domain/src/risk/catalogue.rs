//! The starter catalogues of threats and vulnerabilities (RISK-4.1.3,
//! 4.1.4), written for mamori in Japanese and English and bundled in the
//! binary. A company starts from them and keeps its own copy.

use serde::Deserialize;

use super::Form;

id_enum! {
    /// Where a threat comes from.
    ThreatSource {
        /// 意図的（人為）
        Deliberate => "deliberate",
        /// 偶発的（人為）: mistakes and accidents
        Accidental => "accidental",
        /// 環境的: nature, facilities
        Environmental => "environmental",
        /// 技術的: failures of equipment and software
        Technical => "technical",
    }
}

/// A threat of the starter set.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StarterThreat {
    pub code: String,
    pub source: ThreatSource,
    pub name_ja: String,
    pub name_en: String,
    pub description_ja: String,
    pub description_en: String,
}

/// A vulnerability of the starter set, with the asset forms it concerns.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StarterVulnerability {
    pub code: String,
    pub forms: Vec<Form>,
    pub name_ja: String,
    pub name_en: String,
    pub description_ja: String,
    pub description_en: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Starter {
    #[serde(rename = "threat")]
    pub threats: Vec<StarterThreat>,
    #[serde(rename = "vulnerability")]
    pub vulnerabilities: Vec<StarterVulnerability>,
}

const STARTER: &str = include_str!("starter.toml");

/// The bundled starter catalogues.
pub fn starter() -> Result<Starter, String> {
    toml::from_str(STARTER).map_err(|e| format!("risk starter catalogue: {e}"))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn starter_set_loads_with_unique_codes_in_both_languages() {
        let s = starter().unwrap();
        assert!(s.threats.len() >= 30, "{} threats", s.threats.len());
        assert!(
            s.vulnerabilities.len() >= 30,
            "{} vulnerabilities",
            s.vulnerabilities.len()
        );
        let mut codes = HashSet::new();
        for t in &s.threats {
            assert!(codes.insert(t.code.clone()), "duplicate {}", t.code);
            assert!(t.code.starts_with("T-"), "{}", t.code);
            for text in [&t.name_ja, &t.name_en, &t.description_ja, &t.description_en] {
                assert!(!text.trim().is_empty(), "{} has an empty text", t.code);
            }
        }
        for v in &s.vulnerabilities {
            assert!(codes.insert(v.code.clone()), "duplicate {}", v.code);
            assert!(v.code.starts_with("V-"), "{}", v.code);
            assert!(!v.forms.is_empty(), "{} names no form", v.code);
            for text in [&v.name_ja, &v.name_en, &v.description_ja, &v.description_en] {
                assert!(!text.trim().is_empty(), "{} has an empty text", v.code);
            }
        }
        for src in ThreatSource::ALL {
            assert!(
                s.threats.iter().any(|t| t.source == *src),
                "no {src:?} threat"
            );
        }
    }
}
