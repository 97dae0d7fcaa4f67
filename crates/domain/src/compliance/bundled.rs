//! The pack and Annex A data shipped with mamori (`policy/` in the repository).

use super::{Annex2013, Annex2022, Mapping, PolicyPack};

macro_rules! pack_files {
    ($($doc:literal),*) => {
        &[$(($doc, include_str!(concat!("../../../../policy/pack/", $doc, ".toml")))),*]
    };
}

const PACK: &[(&str, &str)] = pack_files!(
    "BP", "POL", "HR", "OUT", "DOC", "AUD", "PHY", "RISK", "INC", "CHG", "DEV", "SYS", "NET",
    "USE", "SMD", "SNS"
);
const ANNEX_2013: &str = include_str!("../../../../policy/annex-a/iso27001-2013.toml");
const ANNEX_2022: &str = include_str!("../../../../policy/annex-a/iso27001-2022.toml");
const MAPPING: &str = include_str!("../../../../policy/annex-a/mapping-2013-2022.csv");

/// Everything about compliance that is data.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub pack: PolicyPack,
    pub annex2013: Annex2013,
    pub annex2022: Annex2022,
    pub mapping: Mapping,
}

impl Bundle {
    /// Reads and validates the shipped data; every problem is reported.
    pub fn load() -> Result<Bundle, Vec<String>> {
        Bundle::from_texts(PACK, ANNEX_2013, ANNEX_2022, MAPPING)
    }

    /// The shipped Annex A data with a company's own pack (document code, TOML text).
    pub fn with_pack(pack: &[(&str, &str)]) -> Result<Bundle, Vec<String>> {
        Bundle::from_texts(pack, ANNEX_2013, ANNEX_2022, MAPPING)
    }

    /// Reads and validates everything from texts.
    pub fn from_texts(
        pack: &[(&str, &str)],
        annex2013: &str,
        annex2022: &str,
        mapping: &str,
    ) -> Result<Bundle, Vec<String>> {
        let pack = PolicyPack::parse(pack).map_err(|e| vec![e])?;
        let annex2013 =
            Annex2013::parse(annex2013).map_err(|e| vec![format!("iso27001-2013.toml: {e}")])?;
        let annex2022 =
            Annex2022::parse(annex2022).map_err(|e| vec![format!("iso27001-2022.toml: {e}")])?;
        let mapping =
            Mapping::parse_csv(mapping).map_err(|e| vec![format!("mapping-2013-2022.csv: {e}")])?;
        let mut problems = pack.validate(&annex2013);
        problems.extend(mapping.check(&annex2013, &annex2022));
        if problems.is_empty() {
            Ok(Bundle {
                pack,
                annex2013,
                annex2022,
                mapping,
            })
        } else {
            Err(problems)
        }
    }

    /// The obligations that cite a 2013 control (directly, or through its
    /// objective or clause).
    pub fn citing_2013(&self, control: &str) -> Vec<&super::Obligation> {
        self.pack
            .obligations
            .iter()
            .filter(|o| {
                o.annex.iter().any(|a| {
                    // `a` itself or a control under it (`A.9` cites `A.9.4.3`).
                    control
                        .strip_prefix(a.as_str())
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
                })
            })
            .collect()
    }

    /// The obligations behind a 2022 control, through the 2013 controls it comes from.
    pub fn citing_2022(&self, control: &str) -> Vec<&super::Obligation> {
        let mut out: Vec<&super::Obligation> = Vec::new();
        for c13 in self.mapping.to_2013(control) {
            for o in self.citing_2013(c13) {
                if !out.iter().any(|x| x.id == o.id) {
                    out.push(o);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle() -> Bundle {
        Bundle::load().unwrap_or_else(|p| panic!("{}", p.join("\n")))
    }

    #[test]
    fn pack_and_annex_load_and_validate() {
        let b = bundle();
        assert_eq!(b.annex2013.clauses.len(), 14);
        assert_eq!(b.annex2013.objectives.len(), 35);
        assert_eq!(b.annex2013.controls.len(), 114);
        assert_eq!(b.annex2022.themes.len(), 4);
        assert_eq!(b.annex2022.controls.len(), 93);
        assert_eq!(b.annex2022.controls.iter().filter(|c| c.new).count(), 11);
    }

    #[test]
    fn every_catalog_obligation_is_in_the_pack_in_order() {
        let ids = include_str!("../../../../../shared/spec/obligation-ids.txt");
        let expected: Vec<&str> = ids
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        let b = bundle();
        let mut expected_sorted = expected.clone();
        let mut actual: Vec<&str> = b.pack.obligations.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(actual.len(), expected.len());
        expected_sorted.sort_unstable();
        actual.sort_unstable();
        assert_eq!(actual, expected_sorted);
    }

    #[test]
    fn mapping_covers_every_control_of_both_editions() {
        let b = bundle();
        for c in &b.annex2013.controls {
            assert!(!b.mapping.to_2022(&c.id).is_empty(), "{}", c.id);
        }
        for c in &b.annex2022.controls {
            assert_eq!(b.mapping.to_2013(&c.id).is_empty(), c.new, "{}", c.id);
        }
        assert!(b.mapping.check(&b.annex2013, &b.annex2022).is_empty());
    }

    #[test]
    fn citing_follows_objectives_and_the_2022_mapping() {
        let b = bundle();
        let pw = b.citing_2013("A.9.4.3");
        assert!(
            pw.iter().any(|o| o.id.starts_with("SYS-4.1.5")),
            "password rules cite A.9.4.3"
        );
        assert!(!b.citing_2022("5.17").is_empty() || !b.citing_2022("8.5").is_empty());
    }
}
