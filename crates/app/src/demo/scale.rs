//! A large, realistic organisation for measuring mamori (issue: performance):
//! at factor 1 ("large") about 5,000 people in 40 departments with every
//! role held, 50,000 information assets and 20,000 risks — added beside the
//! demo company, deterministic (the same factor gives the same data), built
//! in bulk (one transaction per batch, not a request per row) and checked by
//! the same domain rules as data entered by users.

use mamori_domain::Role;
use mamori_domain::org::{
    Department, Email, EmploymentType, Lang, Person, RoleAssignment, parse_kana,
};
use mamori_domain::risk::{Form, RiskStatus, Treatment};
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::demo_id;
use crate::auth::{hash_password, new_credential};
use crate::ports::{Asset, OrgBatch, Risk};
use crate::{App, AppError, AppResult, DraftExt};

/// The sizes at factor 1.
pub const PEOPLE: u64 = 5_000;
pub const DEPARTMENTS: u64 = 40;
pub const ASSETS: u64 = 50_000;
pub const RISKS: u64 = 20_000;
pub const AUDIT_EVENTS: u64 = 1_000_000;
const BATCH: usize = 2_000;

/// What was built.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScaleReport {
    pub departments: u64,
    pub people: u64,
    pub roles: u64,
    pub assets: u64,
    pub risks: u64,
    pub audit_events: u64,
    /// Already there: nothing was added.
    pub existed: bool,
}

/// `large` is factor 1; a number is a factor of it (0.01: 50 people…).
pub fn parse_scale(s: &str) -> Option<f64> {
    match s.trim() {
        "large" => Some(1.0),
        n => n.parse::<f64>().ok().filter(|f| *f > 0.0 && *f <= 10.0),
    }
}

fn sized(n: u64, factor: f64) -> u64 {
    ((n as f64 * factor).round() as u64).max(1)
}

const PLACES: [&str; 4] = ["東京", "大阪", "名古屋", "福岡"];
const FUNCTIONS: [&str; 10] = [
    "営業部",
    "製造部",
    "設計部",
    "品質保証部",
    "購買部",
    "物流部",
    "総務部",
    "経理部",
    "人事部",
    "情報システム部",
];
const FAMILY: [(&str, &str); 20] = [
    ("佐藤", "さとう"),
    ("鈴木", "すずき"),
    ("高橋", "たかはし"),
    ("田中", "たなか"),
    ("伊藤", "いとう"),
    ("渡辺", "わたなべ"),
    ("山本", "やまもと"),
    ("中村", "なかむら"),
    ("小林", "こばやし"),
    ("加藤", "かとう"),
    ("吉田", "よしだ"),
    ("山田", "やまだ"),
    ("佐々木", "ささき"),
    ("山口", "やまぐち"),
    ("松本", "まつもと"),
    ("井上", "いのうえ"),
    ("木村", "きむら"),
    ("林", "はやし"),
    ("斎藤", "さいとう"),
    ("清水", "しみず"),
];
const GIVEN: [(&str, &str); 16] = [
    ("翔", "しょう"),
    ("陽菜", "ひな"),
    ("大輝", "だいき"),
    ("結衣", "ゆい"),
    ("健太", "けんた"),
    ("美咲", "みさき"),
    ("拓也", "たくや"),
    ("彩", "あや"),
    ("直樹", "なおき"),
    ("真央", "まお"),
    ("亮", "りょう"),
    ("千尋", "ちひろ"),
    ("隆", "たかし"),
    ("恵", "めぐみ"),
    ("誠", "まこと"),
    ("遥", "はるか"),
];
const ASSET_KINDS: [(&str, Form); 8] = [
    ("設計図面", Form::Electronic),
    ("顧客リスト", Form::Electronic),
    ("見積書", Form::Paper),
    ("契約書", Form::Paper),
    ("業務システム", Form::System),
    ("クラウドサービス", Form::Service),
    ("サーバ", Form::Facility),
    ("業務ノウハウ", Form::Person),
];

impl App {
    /// Builds the large organisation once; `progress(what, done, total)`
    /// is told after each batch.
    pub async fn seed_scale(
        &self,
        factor: f64,
        progress: &(dyn Fn(&str, u64, u64) + Sync),
    ) -> AppResult<ScaleReport> {
        let first = demo_id("scale-department", "L001");
        if self.store.department(first).await.is_ok() {
            return Ok(ScaleReport {
                existed: true,
                ..ScaleReport::default()
            });
        }
        let today = self.today();
        let now = self.now();
        let mut report = ScaleReport::default();
        let (departments, people, assignments) = self.scale_org(factor, today, now).await?;
        report.departments = departments.len() as u64;
        report.people = people.len() as u64;
        report.roles = assignments.len() as u64;
        let hash = hash_password(super::DEMO_PASSWORD).await?;
        let mut batch = OrgBatch {
            departments,
            ..OrgBatch::default()
        };
        batch.credentials = people
            .iter()
            .map(|p| {
                let mut c = new_credential(p.id, now);
                c.password_hash = Some(hash.clone());
                c.must_change = false;
                c
            })
            .collect();
        batch.people = people;
        batch.assignments = assignments;
        let summary = self
            .draft(None, "demo.scale", "organisation", None)
            .detail(format!(
                "large organisation ×{factor}: {} departments, {} people, {} roles",
                report.departments, report.people, report.roles
            ));
        self.store.insert_batch(&batch, vec![summary]).await?;
        progress("people", report.people, report.people);
        let owners: Vec<(Uuid, Option<Uuid>)> = batch
            .people
            .iter()
            .map(|p| (p.id, p.department_id))
            .collect();
        report.assets = self.scale_assets(factor, &owners, today, progress).await?;
        report.risks = self.scale_risks(factor, progress).await?;
        let actors: Vec<(Uuid, String)> = batch
            .people
            .iter()
            .map(|p| (p.id, format!("{} <{}>", p.name, p.email)))
            .collect();
        report.audit_events = self.scale_audit(factor, &actors, progress).await?;
        Ok(report)
    }

    async fn scale_org(
        &self,
        factor: f64,
        today: Date,
        _now: OffsetDateTime,
    ) -> AppResult<(Vec<Department>, Vec<Person>, Vec<RoleAssignment>)> {
        let n_people = sized(PEOPLE, factor).max(DEPARTMENTS * 3);
        let departments: Vec<Department> = (0..DEPARTMENTS)
            .map(|i| {
                let code = format!("L{:03}", i + 1);
                let name = format!(
                    "{}{}",
                    PLACES[(i / 10) as usize % 4],
                    FUNCTIONS[i as usize % 10]
                );
                Department {
                    id: demo_id("scale-department", &code),
                    code,
                    name,
                    parent_id: None,
                    is_information_systems: false,
                    is_audit: false,
                    version: 1,
                }
            })
            .collect();
        let joined = Date::from_calendar_date(2015, time::Month::April, 1)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let mut people = Vec::with_capacity(n_people as usize);
        for i in 0..n_people {
            let (family, family_kana) = FAMILY[(i % 20) as usize];
            let (given, given_kana) = GIVEN[((i / 20) % 16) as usize];
            let no = format!("L{:05}", i + 1);
            let email = Email::parse(&format!("l{:05}@large.minato-seiki.example", i + 1))?;
            people.push(Person {
                id: demo_id("scale-person", &no),
                employee_no: no,
                name: format!("{family} {given}"),
                name_kana: parse_kana(&format!("{family_kana} {given_kana}"))?,
                email: email.as_str().to_string(),
                employment_type: if i % 25 == 0 {
                    EmploymentType::Contract
                } else {
                    EmploymentType::Regular
                },
                department_id: Some(departments[(i % DEPARTMENTS) as usize].id),
                joined_on: Some(joined),
                transferred_on: None,
                left_on: None,
                language: if i % 50 == 7 { Lang::En } else { Lang::Ja },
                version: 1,
            });
        }
        // Each department: its head (also a committee member), its
        // 情報セキュリティ担当者, and for sales its 顧客情報管理責任者; company-wide
        // roles go to the first people of the information-systems departments.
        let mut assignments = Vec::new();
        let mut assign = |person: &Person, role: Role, department: Option<Uuid>| {
            assignments.push(RoleAssignment {
                id: demo_id(
                    "scale-role",
                    &format!("{}-{}-{:?}", person.employee_no, role.id(), department),
                ),
                person_id: person.id,
                role,
                department_id: department,
                starts_on: today,
                ends_on: None,
            });
        };
        for (d, dept) in departments.iter().enumerate() {
            let members: Vec<&Person> = people
                .iter()
                .skip(d)
                .step_by(DEPARTMENTS as usize)
                .take(3)
                .collect();
            if let [head, officer, third] = members[..] {
                assign(head, Role::DepartmentHead, Some(dept.id));
                assign(head, Role::CommitteeMember, Some(dept.id));
                assign(officer, Role::SecurityOfficer, Some(dept.id));
                if dept.name.ends_with("営業部") {
                    assign(third, Role::CustomerInfoManager, Some(dept.id));
                }
                if dept.name.ends_with("情報システム部") {
                    for role in [
                        Role::SystemAdmin,
                        Role::ServerAdmin,
                        Role::NetworkAdmin,
                        Role::ClientAdmin,
                        Role::Operator,
                    ] {
                        assign(third, role, None);
                    }
                }
                if dept.name.ends_with("人事部") {
                    assign(third, Role::HrOfficer, None);
                    assign(third, Role::EducationOfficer, None);
                }
                if dept.name.ends_with("品質保証部") {
                    assign(third, Role::Auditor, None);
                }
            }
        }
        Ok((departments, people, assignments))
    }

    async fn scale_assets(
        &self,
        factor: f64,
        owners: &[(Uuid, Option<Uuid>)],
        today: Date,
        progress: &(dyn Fn(&str, u64, u64) + Sync),
    ) -> AppResult<u64> {
        let method = self.store.risk_method().await?;
        let total = sized(ASSETS, factor);
        let now = self.now();
        let mut done = 0;
        let mut chunk = Vec::with_capacity(BATCH);
        for i in 0..total {
            let (kind, form) = ASSET_KINDS[(i % 8) as usize];
            let (owner, department) = owners[(i % owners.len() as u64) as usize];
            let cia = method.cia(
                (1 + i % 3) as u8,
                (1 + (i / 3) % 3) as u8,
                (1 + (i / 9) % 3) as u8,
            )?;
            chunk.push(Asset {
                id: demo_id("scale-asset", &i.to_string()),
                ref_no: format!("LA-{:06}", i + 1),
                name: format!("{kind} {:05}", i + 1),
                process: FUNCTIONS[(i % 10) as usize]
                    .trim_end_matches('部')
                    .to_string(),
                group: kind.to_string(),
                form,
                location: format!("{}拠点", PLACES[(i % 4) as usize]),
                usage: "社内".into(),
                users: "部門内".into(),
                owner_id: owner,
                department_id: department,
                c: cia.c,
                i: cia.i,
                a: cia.a,
                importance: method.importance(cia),
                leak_impact: String::new(),
                registered_on: today,
                note: String::new(),
                retired_on: None,
                version: 1,
                updated_at: now,
            });
            if chunk.len() == BATCH || i + 1 == total {
                let audit = self
                    .draft(None, "asset.import", "asset", None)
                    .detail(format!(
                        "large organisation: assets {}–{}",
                        done + 1,
                        done + chunk.len() as u64
                    ));
                self.store.save_assets(&chunk, audit).await?;
                done += chunk.len() as u64;
                chunk.clear();
                progress("assets", done, total);
            }
        }
        Ok(total)
    }

    /// A year of the trail a company this size leaves: sign-ins, reads,
    /// approvals and register changes, oldest first, sealed into the chain.
    async fn scale_audit(
        &self,
        factor: f64,
        actors: &[(Uuid, String)],
        progress: &(dyn Fn(&str, u64, u64) + Sync),
    ) -> AppResult<u64> {
        const KINDS: [(&str, &str); 8] = [
            ("auth.sign_in", "session"),
            ("document.understood", "document_version"),
            ("asset.update", "asset"),
            ("request.approve", "request"),
            ("duty.complete", "periodic_duty"),
            ("incident.entry", "incident"),
            ("risk.update", "risk"),
            ("checklist.submit", "checklist_run"),
        ];
        let (existing, _) = self.store.head().await?;
        let total =
            sized(AUDIT_EVENTS, factor).saturating_sub(u64::try_from(existing).unwrap_or(0));
        let end = self.now();
        let start = end - time::Duration::days(365);
        let step =
            (time::Duration::days(365).whole_microseconds() / i128::from(total.max(1))).max(1);
        let mut done = 0u64;
        while done < total {
            let n = (total - done).min(20_000);
            let drafts = (done..done + n)
                .map(|i| {
                    let (action, entity) = KINDS[(i % 8) as usize];
                    let (actor, label) = &actors[(i % actors.len() as u64) as usize];
                    let at = start
                        + time::Duration::microseconds(
                            i64::try_from(i128::from(i) * step).unwrap_or(0),
                        );
                    crate::ports::AuditDraft {
                        occurred_at: at.min(end),
                        actor_id: Some(*actor),
                        actor_label: label.clone(),
                        action: action.into(),
                        entity_type: entity.into(),
                        entity_id: Some(
                            demo_id("scale-entity", &(i % 5_000).to_string()).to_string(),
                        ),
                        before: None,
                        after: None,
                        detail: Some(format!("large organisation #{}", i + 1)),
                    }
                })
                .collect();
            self.store.append_many(drafts).await?;
            done += n;
            progress("audit events", done, total);
        }
        Ok(total)
    }

    async fn scale_risks(
        &self,
        factor: f64,
        progress: &(dyn Fn(&str, u64, u64) + Sync),
    ) -> AppResult<u64> {
        let method = self.store.risk_method().await?;
        let threats = self.store.threats().await?;
        let total = sized(RISKS, factor);
        let assets = sized(ASSETS, factor);
        let now = self.now();
        let year = now.to_offset(crate::ORG_OFFSET).year();
        let mut done = 0;
        let mut chunk = Vec::with_capacity(BATCH);
        for i in 0..total {
            let likelihood = (1 + i % 5) as u8;
            let impact = (1 + (i / 5) % 5) as u8;
            let score = method.score(likelihood, impact);
            let treated = !method.is_acceptable(score) && i % 3 != 0;
            let mut r = Risk {
                id: demo_id("scale-risk", &i.to_string()),
                ref_no: format!("LR-{year}-{:06}", i + 1),
                asset_id: demo_id("scale-asset", &((i * 2) % assets).to_string()),
                threat_id: threats
                    .get((i % threats.len().max(1) as u64) as usize)
                    .map(|t| t.id),
                vulnerability_id: None,
                occasion: "業務時間中".into(),
                situation: "通常の業務".into(),
                cause: "管理の不備".into(),
                manner: "情報が外部に漏れる".into(),
                impact_text: "取引先への影響".into(),
                exclusions: String::new(),
                identified: i % 20 != 0,
                identification_reason: "過去の事例から発生しうる".into(),
                likelihood,
                impact,
                likelihood_basis: "年1回程度".into(),
                damage_yen: Some(1_000_000 * i64::from(impact)),
                damage_scope: "部門内".into(),
                stakeholders: Some(10),
                conditions: "1 件あたりの対応費用から算定".into(),
                score,
                treatments: if treated {
                    vec![Treatment::ChangeLikelihood]
                } else {
                    vec![]
                },
                decision_materials: if treated {
                    "対策の比較表".into()
                } else {
                    String::new()
                },
                residual_likelihood: treated.then_some(1),
                residual_impact: treated.then_some(impact),
                residual_score: treated.then(|| method.score(1, impact)),
                procedure: String::new(),
                communicated_on: None,
                communicated_to: String::new(),
                status: RiskStatus::NeedsTreatment,
                request_id: None,
                approved_fingerprint: None,
                approved_on: None,
                needs_review: i % 97 == 0,
                owner_id: None,
                review_on: None,
                version: 1,
                updated_at: now,
            };
            r.status = RiskStatus::of(
                &method,
                mamori_domain::risk::Facts {
                    identified: r.identified,
                    score,
                    treatments: r.treatments.len(),
                    in_approval: false,
                    approved: None,
                },
            );
            chunk.push(r);
            if chunk.len() == BATCH || i + 1 == total {
                let audit = self
                    .draft(None, "risk.import", "risk", None)
                    .detail(format!(
                        "large organisation: risks {}–{}",
                        done + 1,
                        done + chunk.len() as u64
                    ));
                self.store.insert_risks(&chunk, audit).await?;
                done += chunk.len() as u64;
                chunk.clear();
                progress("risks", done, total);
            }
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_read_as_people_write_them() {
        assert_eq!(parse_scale("large"), Some(1.0));
        assert_eq!(parse_scale("0.01"), Some(0.01));
        assert_eq!(parse_scale("0"), None);
        assert_eq!(parse_scale("huge"), None);
        assert_eq!(sized(ASSETS, 0.01), 500);
        assert_eq!(sized(PEOPLE, 0.0001), 1);
    }
}
