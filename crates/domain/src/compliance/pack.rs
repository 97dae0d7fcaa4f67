//! The policy pack: every obligation of the policy set as data, validated.

use serde::{Deserialize, Serialize};

use super::annex::Annex2013;
use crate::Role;
use crate::schedule::Cadence;

/// What kind of duty an obligation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ObligationKind {
    Duty,
    Prohibition,
    Approval,
    /// A record to keep.
    Record,
    /// A duty at a cadence (年１回, 定期的 …).
    Periodic,
    /// Due a fixed time after an event (e.g. 12 hours after a complaint).
    Deadline,
}

/// Bodies and parties that act in the policy besides mamori's roles.
pub const BODIES: &[&str] = &[
    "committee",
    "company",
    "management",
    "board",
    "all_users",
    "is_department",
    "general_affairs",
    "user_department",
    "audit_organisation",
    "auditee",
    "asset_owner",
    "area_manager",
    "registered_member",
    "incident_lead",
    "response_organisation",
    "authorised_user",
    "change_implementer",
    "system_owner_department",
    "security_designer",
    "functional_designer",
    "outsourcing_requester",
    "contractor",
    "customer_info_collector",
    "third_party_inspector",
    "violator",
];

/// One obligation (a row of the catalog's §3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Obligation {
    pub id: String,
    /// Filled from the file name when loading.
    #[serde(default)]
    pub document: String,
    pub clause: String,
    pub actor: String,
    pub kind: ObligationKind,
    pub statement_ja: String,
    pub statement_en: String,
    pub trigger: String,
    pub evidence: String,
    pub annex: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cadence: Option<String>,
    #[serde(default)]
    pub cadence_is_example: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_hours: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Obligation {
    pub fn statement(&self, lang: crate::org::Lang) -> &str {
        match lang {
            crate::org::Lang::Ja => &self.statement_ja,
            crate::org::Lang::En => &self.statement_en,
        }
    }
    pub fn cadence(&self) -> Option<Cadence> {
        self.cadence.as_deref().and_then(Cadence::parse)
    }
    /// The role of mamori the actor is, if it is one.
    pub fn actor_role(&self) -> Option<Role> {
        self.actor.parse().ok()
    }
}

#[derive(Deserialize)]
struct PackFile {
    #[serde(default)]
    obligation: Vec<Obligation>,
}

/// All obligations, in catalog order.
#[derive(Debug, Clone, Default)]
pub struct PolicyPack {
    pub obligations: Vec<Obligation>,
}

/// The documents of the pack, in order, with the file each is read from.
pub const DOCUMENTS: &[&str] = &[
    "BP", "POL", "HR", "OUT", "DOC", "AUD", "PHY", "RISK", "INC", "CHG", "DEV", "SYS", "NET",
    "USE", "SMD", "SNS",
];

fn actor_known(a: &str) -> bool {
    a.parse::<Role>().is_ok() || BODIES.contains(&a)
}

impl PolicyPack {
    /// Reads the pack from (document code, TOML text) pairs.
    pub fn parse(files: &[(&str, &str)]) -> Result<PolicyPack, String> {
        let mut obligations = Vec::new();
        for (doc, text) in files {
            let f: PackFile = toml::from_str(text).map_err(|e| format!("{doc}.toml: {e}"))?;
            for mut o in f.obligation {
                o.document = (*doc).to_string();
                obligations.push(o);
            }
        }
        Ok(PolicyPack { obligations })
    }

    pub fn get(&self, id: &str) -> Option<&Obligation> {
        self.obligations.iter().find(|o| o.id == id)
    }

    /// Every problem: duplicate or foreign ids, unknown actors, bad cadences,
    /// Annex A ids that do not exist in the 2013 edition, empty texts.
    pub fn validate(&self, annex: &Annex2013) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for o in &self.obligations {
            let at = |m: &str| format!("{}: {m}", o.id);
            if !seen.insert(o.id.as_str()) {
                out.push(at("duplicate id"));
            }
            if !o.id.starts_with(&format!("{}-", o.document)) {
                out.push(at(&format!("id does not belong to {}", o.document)));
            }
            if !actor_known(&o.actor) {
                out.push(at(&format!("unknown actor `{}`", o.actor)));
            }
            if let Some(a) = &o.approver
                && !actor_known(a)
            {
                out.push(at(&format!("unknown approver `{a}`")));
            }
            if let Some(c) = &o.cadence
                && Cadence::parse(c).is_none()
            {
                out.push(at(&format!("bad cadence `{c}`")));
            }
            if o.kind == ObligationKind::Periodic && o.cadence.is_none() {
                out.push(at("periodic without a cadence"));
            }
            for a in &o.annex {
                if !annex.knows(a) {
                    out.push(at(&format!("Annex A id {a} is not in ISO/IEC 27001:2013")));
                }
            }
            for (name, text) in [
                ("statement_ja", &o.statement_ja),
                ("statement_en", &o.statement_en),
                ("clause", &o.clause),
            ] {
                if text.trim().is_empty() {
                    out.push(at(&format!("{name} is empty")));
                }
            }
        }
        out
    }
}
