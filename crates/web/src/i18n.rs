//! Translations (Fluent): Japanese by default, English on request. Keys are
//! the same in both languages (a test proves it).

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};
use mamori_domain::org::{FieldError, Lang};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./i18n",
        fallback_language: "ja",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static JA: LanguageIdentifier = langid!("ja");
static EN: LanguageIdentifier = langid!("en");

/// A translator for one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tr(pub Lang);

impl Tr {
    fn id(&self) -> &'static LanguageIdentifier {
        match self.0 {
            Lang::Ja => &JA,
            Lang::En => &EN,
        }
    }

    pub fn lang(&self) -> &'static str {
        self.0.code()
    }

    /// The text for `key`; the key itself when missing (a test prevents that).
    pub fn t(&self, key: &str) -> String {
        LOCALES
            .try_lookup(self.id(), key)
            .unwrap_or_else(|| key.to_string())
    }

    /// The text for `key` with one argument.
    pub fn t1(&self, key: &str, name: &'static str, value: impl std::fmt::Display) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
        args.insert(Cow::Borrowed(name), FluentValue::from(value.to_string()));
        LOCALES
            .try_lookup_with_args(self.id(), key, &args)
            .unwrap_or_else(|| key.to_string())
    }

    /// A translation if one exists.
    pub fn try_t(&self, key: &str) -> Option<String> {
        LOCALES.try_lookup(self.id(), key)
    }

    /// "Field: reason", translated.
    pub fn field_error(&self, e: &FieldError) -> String {
        format!("{}: {}", self.field(e.field), self.error(e.code))
    }

    pub fn field(&self, field: &str) -> String {
        self.try_t(&format!("field-{field}"))
            .unwrap_or_else(|| field.to_string())
    }

    pub fn error(&self, code: &str) -> String {
        self.try_t(&format!("err-{code}"))
            .unwrap_or_else(|| code.to_string())
    }

    pub fn role(&self, role: mamori_domain::Role) -> &'static str {
        role.name(self.0)
    }
}

/// The best language for an `Accept-Language` header (Japanese unless
/// English comes first).
pub fn from_accept_language(header: &str) -> Lang {
    let mut best: Option<(f32, Lang)> = None;
    for part in header.split(',') {
        let mut it = part.trim().split(';');
        let tag = it.next().unwrap_or_default();
        let q = it
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        if let Some(lang) = Lang::parse(tag)
            && best.is_none_or(|(bq, _)| q > bq)
        {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_language_is_honoured() {
        assert_eq!(from_accept_language("en-US,en;q=0.9,ja;q=0.8"), Lang::En);
        assert_eq!(from_accept_language("ja,en-US;q=0.9"), Lang::Ja);
        assert_eq!(from_accept_language("fr-FR,fr;q=0.9"), Lang::Ja);
        assert_eq!(from_accept_language("fr;q=1, en;q=0.5"), Lang::En);
        assert_eq!(from_accept_language(""), Lang::Ja);
    }

    fn keys(lang: &str) -> std::collections::BTreeSet<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("i18n")
            .join(lang);
        let mut out = std::collections::BTreeSet::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            for line in text.lines() {
                if let Some((k, _)) = line.split_once(" =")
                    && !k.starts_with(' ')
                    && !k.starts_with('#')
                    && !k.is_empty()
                {
                    out.insert(k.trim().to_string());
                }
            }
        }
        out
    }

    #[test]
    fn both_languages_have_the_same_keys() {
        let (ja, en) = (keys("ja"), keys("en"));
        assert!(ja.len() > 100, "{}", ja.len());
        let only_ja: Vec<_> = ja.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&ja).collect();
        assert!(
            only_ja.is_empty() && only_en.is_empty(),
            "only ja: {only_ja:?}; only en: {only_en:?}"
        );
    }

    /// Both bundles load: a key defined twice would make every page fail.
    #[test]
    fn bundles_load_without_duplicates() {
        for lang in [Lang::Ja, Lang::En] {
            assert_ne!(Tr(lang).t("nav-home"), "nav-home");
        }
    }

    /// Keys built at run time from enums and codes exist in both languages.
    #[test]
    fn every_dynamic_key_exists() {
        use mamori_domain::compliance::pack::BODIES;
        use mamori_domain::compliance::status::ObligationStatus;
        use mamori_domain::schedule::DueStatus;
        use mamori_domain::workflow::{CommitteeDecision, RequestState};
        let json_id = |v: serde_json::Value| v.as_str().map(str::to_string).unwrap_or_default();
        let mut keys: Vec<String> = Vec::new();
        keys.extend(
            ObligationStatus::ALL
                .iter()
                .map(|s| format!("ostatus-{}", s.id())),
        );
        keys.extend(
            mamori_domain::Role::ALL
                .iter()
                .map(|r| format!("actor-{}", r.id())),
        );
        keys.extend(BODIES.iter().map(|b| format!("actor-{b}")));
        keys.extend(
            [
                RequestState::InReview,
                RequestState::Returned,
                RequestState::Approved,
                RequestState::Rejected,
                RequestState::Withdrawn,
            ]
            .iter()
            .map(|s| format!("state-{}", s.id())),
        );
        for d in [
            DueStatus::Open,
            DueStatus::DueSoon,
            DueStatus::Overdue,
            DueStatus::Done,
            DueStatus::DoneLate,
        ] {
            let id = json_id(serde_json::to_value(d).unwrap_or_default());
            keys.push(format!("due-{id}"));
            keys.push(format!("status-{id}"));
        }
        keys.extend(
            [
                "active",
                "expired",
                "not_yet",
                "approved",
                "rejected",
                "withdrawn",
                "returned",
            ]
            .iter()
            .map(|s| format!("status-{s}")),
        );
        keys.extend(
            CommitteeDecision::ALL
                .iter()
                .map(|d| format!("decision-{}", d.id())),
        );
        keys.extend(
            [
                "duty",
                "prohibition",
                "approval",
                "record",
                "periodic",
                "deadline",
            ]
            .iter()
            .map(|k| format!("okind-{k}")),
        );
        keys.extend(
            mamori_app::Permission::ALL
                .iter()
                .map(|p| format!("perm-{}", p.id())),
        );
        keys.extend(
            [
                "approval",
                "committee_item",
                "action_item",
                "periodic_duty",
                "checklist",
                "corrective",
                "comprehension_check",
                "incident",
                "complaint",
                "survey",
                "risk_control",
                "risk_review",
            ]
            .iter()
            .map(|t| format!("task-{t}")),
        );
        {
            use mamori_domain::documents::{Confidentiality, RecordKind, Tier, VersionState};
            keys.extend(Tier::ALL.iter().map(|t| format!("tier-{}", t.id())));
            keys.extend(
                RecordKind::ALL
                    .iter()
                    .map(|k| format!("record-kind-{}", k.id())),
            );
            keys.extend(
                Confidentiality::ALL
                    .iter()
                    .map(|c| format!("label-{}", c.id())),
            );
            keys.extend(
                VersionState::ALL
                    .iter()
                    .map(|v| format!("version-{}", v.id())),
            );
            keys.extend(
                ["done", "pending", "overdue", "exempted"]
                    .iter()
                    .map(|r| format!("read-{r}")),
            );
            use mamori_domain::incidents::{Category, EntryKind, Kind, State};
            keys.extend(
                Kind::ALL
                    .iter()
                    .map(|k| format!("incident-kind-{}", k.id())),
            );
            keys.extend(
                State::ALL
                    .iter()
                    .map(|k| format!("incident-state-{}", k.id())),
            );
            keys.extend(
                Category::ALL
                    .iter()
                    .map(|k| format!("incident-category-{}", k.id())),
            );
            keys.extend(
                EntryKind::ALL
                    .iter()
                    .map(|k| format!("entry-kind-{}", k.id())),
            );
            keys.extend(
                Kind::ALL
                    .iter()
                    .filter_map(|k| k.first_steps())
                    .map(|k| format!("incident-first-steps-{k}")),
            );
            keys.extend(
                ["no_deadline", "on_track", "at_risk", "overdue", "recovered"]
                    .iter()
                    .map(|r| format!("recovery-{r}")),
            );
            keys.extend(
                ["president", "committee", "none"]
                    .iter()
                    .map(|a| format!("authority-{a}")),
            );
        }
        {
            use mamori_domain::risk::catalogue::ThreatSource;
            use mamori_domain::risk::{Combine, ContextKind, Form, LinkKind, RiskStatus};
            keys.extend(Form::ALL.iter().map(|f| format!("asset-form-{}", f.id())));
            keys.extend(
                LinkKind::ALL
                    .iter()
                    .map(|k| format!("asset-link-{}", k.id())),
            );
            keys.extend(
                LinkKind::ALL
                    .iter()
                    .map(|k| format!("asset-link-{}-rev", k.id())),
            );
            keys.extend(
                RiskStatus::ALL
                    .iter()
                    .map(|k| format!("risk-status-{}", k.id())),
            );
            keys.extend(
                ThreatSource::ALL
                    .iter()
                    .map(|k| format!("threat-source-{}", k.id())),
            );
            keys.extend(
                ContextKind::ALL
                    .iter()
                    .map(|k| format!("context-kind-{}", k.id())),
            );
            keys.extend(
                Combine::ALL
                    .iter()
                    .map(|k| format!("risk-combine-{}", k.id())),
            );
            keys.extend((1..=5).map(|r| format!("survey-rating-{r}")));
            keys.extend(
                [
                    "confidentiality",
                    "integrity",
                    "availability",
                    "likelihood",
                    "impact",
                ]
                .iter()
                .map(|k| format!("method-{k}")),
            );
            keys.extend(
                ["ref_no", "name", "importance", "updated"]
                    .iter()
                    .map(|k| format!("assets-sort-{k}")),
            );
            keys.extend(
                ["ref_no", "score", "residual", "updated"]
                    .iter()
                    .map(|k| format!("risks-sort-{k}")),
            );
            keys.extend(
                [
                    "scale_size",
                    "scale_order",
                    "scale_label",
                    "band_gap",
                    "band_order",
                    "scale_in_use",
                    "no_treatment",
                    "no_controls",
                    "no_residual",
                    "residual_above",
                    "in_approval",
                    "already_submitted",
                    "not_identified",
                    "unknown",
                    "unknown_asset",
                    "self_link",
                    "outside_scope",
                    "unknown_annex",
                    "unknown_obligation",
                    "invalid_number",
                    "duplicate_ref",
                    "invalid_rating",
                    "invalid_form",
                    "file_unreadable",
                    "survey_closed",
                    "already_approved",
                    "invalid_cadence",
                    "not_periodic",
                ]
                .iter()
                .map(|c| format!("err-{c}")),
            );
        }
        keys.extend(
            [
                "submit", "approve", "reject", "return", "resubmit", "withdraw",
            ]
            .iter()
            .map(|a| format!("action-request-{a}")),
        );
        keys.extend(
            ["planned", "published"]
                .iter()
                .map(|m| format!("meeting-{m}")),
        );
        keys.extend(
            ["yes", "no", "partly"]
                .iter()
                .map(|a| format!("checklist-answer-{a}")),
        );
        keys.extend(
            [
                "department_without_security_officer",
                "no_committee_chair",
                "chair_not_executive",
                "no_vice_chair",
                "vice_chair_not_is_head",
                "head_not_committee_member",
                "server_group_understaffed",
                "leaver_holds_roles",
                "leaver_can_sign_in",
            ]
            .iter()
            .map(|c| format!("health-{c}")),
        );
        keys.extend(
            mamori_domain::settings::SecuritySettings::default()
                .rows()
                .iter()
                .map(|r| format!("field-{}", r.key)),
        );
        keys.extend(
            mamori_domain::password::PasswordProblem::iter_all()
                .iter()
                .map(|p| format!("err-{}", p.code())),
        );
        for lang in ["ja", "en"] {
            let known = super::tests::keys(lang);
            let missing: Vec<&String> = keys.iter().filter(|k| !known.contains(*k)).collect();
            assert!(missing.is_empty(), "{lang}: {missing:?}");
        }
    }

    #[test]
    fn every_key_used_in_code_and_templates_exists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let ja = keys("ja");
        let mut missing = Vec::new();
        let mut stack = vec![root.join("src"), root.join("templates")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let p = entry.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                for (i, _) in text.match_indices(".t(\"") {
                    let rest = &text[i + 4..];
                    if let Some(end) = rest.find('"') {
                        let key = &rest[..end];
                        if !ja.contains(key) {
                            missing.push(format!("{}: {key}", p.display()));
                        }
                    }
                }
            }
        }
        assert!(missing.is_empty(), "{missing:#?}");
    }
}
