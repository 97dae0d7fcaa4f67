//! ISO/IEC 27001 Annex A, 2013 and 2022 editions, and the 2013→2022 table.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
pub struct AnnexItem {
    pub id: String,
    pub title_en: String,
    pub title_ja: String,
    /// 2022 only: a control that is new in that edition.
    #[serde(default)]
    pub new: bool,
}

/// ISO/IEC 27001:2013 Annex A: 14 clauses, 35 objectives, 114 controls.
#[derive(Debug, Clone, Deserialize)]
pub struct Annex2013 {
    #[serde(rename = "clause")]
    pub clauses: Vec<AnnexItem>,
    #[serde(rename = "objective")]
    pub objectives: Vec<AnnexItem>,
    #[serde(rename = "control")]
    pub controls: Vec<AnnexItem>,
}

/// ISO/IEC 27001:2022 Annex A: 4 themes, 93 controls.
#[derive(Debug, Clone, Deserialize)]
pub struct Annex2022 {
    #[serde(rename = "theme")]
    pub themes: Vec<AnnexItem>,
    #[serde(rename = "control")]
    pub controls: Vec<AnnexItem>,
}

impl Annex2013 {
    pub fn parse(text: &str) -> Result<Annex2013, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }
    /// Is it a clause, objective or control id of this edition?
    pub fn knows(&self, id: &str) -> bool {
        self.clauses
            .iter()
            .chain(&self.objectives)
            .chain(&self.controls)
            .any(|c| c.id == id)
    }
    pub fn control(&self, id: &str) -> Option<&AnnexItem> {
        self.controls.iter().find(|c| c.id == id)
    }
    /// The controls an id stands for: itself, or those under a clause or objective.
    pub fn controls_under(&self, id: &str) -> Vec<&AnnexItem> {
        let prefix = format!("{id}.");
        self.controls
            .iter()
            .filter(|c| c.id == id || c.id.starts_with(&prefix))
            .collect()
    }
}

impl Annex2022 {
    pub fn parse(text: &str) -> Result<Annex2022, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }
    pub fn control(&self, id: &str) -> Option<&AnnexItem> {
        self.controls.iter().find(|c| c.id == id)
    }
}

/// The 2013→2022 correspondence: pairs; `None` on the 2013 side marks a new control.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    pub pairs: Vec<(Option<String>, String)>,
}

impl Mapping {
    /// Reads `iso27001_2013,iso27001_2022` lines.
    pub fn parse_csv(text: &str) -> Result<Mapping, String> {
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        match lines.next() {
            Some(h) if h.trim() == "iso27001_2013,iso27001_2022" => {}
            other => return Err(format!("unexpected header: {other:?}")),
        }
        let pairs = lines
            .map(|l| {
                let (a, b) = l.split_once(',').ok_or_else(|| format!("bad line: {l}"))?;
                let a = a.trim();
                Ok((
                    Some(a.to_string()).filter(|a| !a.is_empty()),
                    b.trim().to_string(),
                ))
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Mapping { pairs })
    }

    pub fn to_csv(&self) -> String {
        let mut out = String::from("iso27001_2013,iso27001_2022\n");
        for (a, b) in &self.pairs {
            out.push_str(&format!("{},{b}\n", a.as_deref().unwrap_or("")));
        }
        out
    }

    /// The 2022 controls a 2013 control became.
    pub fn to_2022(&self, id2013: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(a, _)| a.as_deref() == Some(id2013))
            .map(|(_, b)| b.as_str())
            .collect()
    }

    /// The 2013 controls behind a 2022 control (empty: new in 2022).
    pub fn to_2013(&self, id2022: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(_, b)| b == id2022)
            .filter_map(|(a, _)| a.as_deref())
            .collect()
    }

    /// Problems: unknown ids, controls of either edition left out.
    pub fn check(&self, a13: &Annex2013, a22: &Annex2022) -> Vec<String> {
        let mut out = Vec::new();
        for (a, b) in &self.pairs {
            if let Some(a) = a
                && a13.control(a).is_none()
            {
                out.push(format!("mapping: {a} is not a 2013 control"));
            }
            if a22.control(b).is_none() {
                out.push(format!("mapping: {b} is not a 2022 control"));
            }
        }
        for c in &a13.controls {
            if self.to_2022(&c.id).is_empty() {
                out.push(format!(
                    "mapping: 2013 control {} has no 2022 counterpart",
                    c.id
                ));
            }
        }
        for c in &a22.controls {
            let from: Vec<_> = self.pairs.iter().filter(|(_, b)| *b == c.id).collect();
            if from.is_empty() {
                out.push(format!("mapping: 2022 control {} is missing", c.id));
            }
            if c.new != self.to_2013(&c.id).is_empty() {
                out.push(format!(
                    "mapping: 2022 control {} new={} disagrees with the table",
                    c.id, c.new
                ));
            }
        }
        out
    }
}
