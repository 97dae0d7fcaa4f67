//! The demo company (株式会社みなと精機): mamori's own invented data, loaded
//! into an empty database by `mamori demo`. Later modules add their records.

mod risk;
pub mod scale;

use std::collections::HashMap;

use mamori_domain::Role;
use mamori_domain::org::{Department, EmploymentType, Lang, Person, RoleAssignment};
use serde::Deserialize;
use time::Date;
use uuid::Uuid;

use crate::auth::{hash_password, new_credential};
use crate::error::{AppError, AppResult};
use crate::ports::{IncidentFilter, OrgBatch};
use crate::{App, DraftExt};

const COMPANY_JSON: &str = include_str!("demo/company.json");

/// The password every demo account signs in with.
pub const DEMO_PASSWORD: &str = "Mamori#Demo2026";

#[derive(Debug, Deserialize)]
pub struct DemoCompany {
    pub company: CompanyName,
    departments: Vec<DemoDepartment>,
    people: Vec<DemoPerson>,
    roles: Vec<DemoRole>,
    pub demo_sign_ins: Vec<DemoSignIn>,
}

#[derive(Debug, Deserialize)]
pub struct CompanyName {
    pub name: String,
    pub name_en: String,
}

#[derive(Debug, Deserialize)]
struct DemoDepartment {
    code: String,
    name: String,
    parent: Option<String>,
    is_information_systems: bool,
    is_audit: bool,
}

#[derive(Debug, Deserialize)]
struct DemoPerson {
    employee_no: String,
    name: String,
    name_kana: String,
    email: String,
    employment_type: EmploymentType,
    department: String,
    joined_on: Option<Date>,
    transferred_on: Option<Date>,
    left_on: Option<Date>,
    language: Lang,
}

#[derive(Debug, Deserialize)]
struct DemoRole {
    employee_no: String,
    role: Role,
    department: Option<String>,
    starts_on: Date,
    ends_on: Option<Date>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DemoSignIn {
    pub employee_no: String,
    pub label_ja: String,
    pub label_en: String,
}

/// One demo sign-in to print: who, with which e-mail.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub email: String,
    pub name: String,
    pub label_ja: String,
    pub label_en: String,
}

pub fn demo_company() -> AppResult<DemoCompany> {
    serde_json::from_str(COMPANY_JSON).map_err(|e| AppError::Internal(format!("demo data: {e}")))
}

/// Stable ids so that a rebuilt demo has the same links.
fn demo_id(kind: &str, key: &str) -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_OID,
        format!("mamori-demo/{kind}/{key}").as_bytes(),
    )
}

/// The demo company's policy set: mamori's own short sample texts in the
/// structure of a Japanese policy (not copies of any real company's).
pub const DEMO_POLICY: &str = include_str!("demo/policy.txt");
/// Comprehension checks for five of the demo documents, by title.
const DEMO_QUIZZES: &str = include_str!("demo/quizzes.json");

impl App {
    /// Puts the demo policy set in the library (unless it holds documents),
    /// in force from 1 April, and sends five documents with their
    /// comprehension checks to their readers.
    pub async fn seed_demo_documents(&self, docs: &[crate::documents::ImportDoc]) -> AppResult<()> {
        use mamori_domain::documents::{Quiz, VersionState};
        if !self.store.documents().await?.is_empty() {
            return Ok(());
        }
        let today = self.today();
        let actor = crate::auth::system_actor(today);
        let april = Date::from_calendar_date(
            if u8::from(today.month()) >= 4 {
                today.year()
            } else {
                today.year() - 1
            },
            time::Month::April,
            1,
        )
        .map_err(|e| AppError::Internal(e.to_string()))?;
        self.import_documents(&actor, docs, april).await?;
        let quizzes: HashMap<String, Quiz> = serde_json::from_str(DEMO_QUIZZES)
            .map_err(|e| AppError::Internal(format!("demo quizzes: {e}")))?;
        for d in self.store.documents().await? {
            let Some(q) = quizzes.get(&d.title) else {
                continue;
            };
            q.validate()?;
            for mut v in self.store.doc_versions(d.id).await? {
                if v.state != VersionState::Current {
                    continue;
                }
                v.quiz = Some(q.clone());
                v.version += 1;
                let audit = self
                    .draft(
                        None,
                        "document.quiz",
                        "document_version",
                        Some(v.id.to_string()),
                    )
                    .detail(format!("{} demo check", d.ref_no));
                self.store.update_doc_version(&v, audit).await?;
                self.distribute_by(&actor, v.id, false).await?;
            }
        }
        Ok(())
    }

    /// A demo company part-way through: one incident being handled (a lost
    /// USB memory, triaged, contained) and one customer complaint already
    /// first-reported. Only when no incident exists yet.
    pub async fn seed_demo_incidents(&self) -> AppResult<()> {
        if !self
            .store
            .incidents(&IncidentFilter {
                limit: 1,
                ..IncidentFilter::default()
            })
            .await?
            .items
            .is_empty()
        {
            return Ok(());
        }
        let reporter = self.cli_actor("m.aoki@minato-seiki.example").await?;
        let secretariat = self.cli_actor("m.suzuki@minato-seiki.example").await?;
        let lead = self.cli_actor("j.smith@minato-seiki.example").await?;
        let drawings = self
            .store
            .systems()
            .await?
            .into_iter()
            .find(|s| s.name == "設計図面管理サーバ")
            .map(|s| s.id);
        let i = self
            .report_incident(
                &reporter,
                &crate::incidents::ReportInput {
                    kind: "lost_device".into(),
                    description: "客先訪問の帰りに USB メモリを紛失しました。\n図面の一部が入っていた可能性があります。".into(),
                    occurred_at: String::new(),
                    location: "客先からの帰路（タクシー車内）".into(),
                    systems: drawings.into_iter().collect(),
                },
                &[],
            )
            .await?;
        let i = self
            .triage_incident(
                &secretariat,
                i.id,
                &crate::incidents::TriageInput {
                    version: i.version,
                    kind: "lost_device".into(),
                    title: "USB メモリの紛失（図面データ）".into(),
                    confirmed: true,
                    systems: drawings.into_iter().collect(),
                    lead_id: Some(lead.id()),
                    procedure_name: String::new(),
                    board_victim: false,
                    board_perpetrator: false,
                },
            )
            .await?;
        self.add_incident_entry(
            &lead,
            i.id,
            "containment",
            "タクシー会社に遺失物の照会。USB メモリは暗号化済みであることを確認。",
            None,
        )
        .await?;
        let c = self
            .log_complaint(
                &secretariat,
                &crate::incidents::ComplaintInput {
                    customer: "株式会社あおば製作所".into(),
                    content: "見積書の宛名が他社になっていたとの指摘。".into(),
                    received_at: String::new(),
                    leak: false,
                },
            )
            .await?;
        self.report_complaint(
            &secretariat,
            c.id,
            &crate::incidents::ComplaintReport {
                version: c.version,
                body: "第一報: 営業部で事実関係を確認中。".into(),
                ..Default::default()
            },
        )
        .await?;
        Ok(())
    }

    /// Loads the demo company unless the database already holds people.
    /// Returns the accounts to print.
    pub async fn seed_demo(&self) -> AppResult<Vec<DemoAccount>> {
        let company = demo_company()?;
        let already = !self.store.all_people().await?.is_empty();
        if !already {
            self.insert_demo(&company).await?;
        }
        self.seed_risk_catalogues(mamori_domain::org::Lang::Ja)
            .await?;
        let people = self.store.all_people().await?;
        let by_no: HashMap<&str, &Person> =
            people.iter().map(|p| (p.employee_no.as_str(), p)).collect();
        Ok(company
            .demo_sign_ins
            .iter()
            .filter_map(|s| {
                by_no.get(s.employee_no.as_str()).map(|p| DemoAccount {
                    email: p.email.clone(),
                    name: p.name.clone(),
                    label_ja: s.label_ja.clone(),
                    label_en: s.label_en.clone(),
                })
            })
            .collect())
    }

    async fn insert_demo(&self, c: &DemoCompany) -> AppResult<()> {
        let dept_id: HashMap<&str, Uuid> = c
            .departments
            .iter()
            .map(|d| (d.code.as_str(), demo_id("department", &d.code)))
            .collect();
        let lookup = |code: &str| {
            dept_id
                .get(code)
                .copied()
                .ok_or_else(|| AppError::Internal(format!("demo: unknown department {code}")))
        };
        let mut batch = OrgBatch::default();
        for d in &c.departments {
            batch.departments.push(Department {
                id: lookup(&d.code)?,
                code: d.code.clone(),
                name: d.name.clone(),
                parent_id: d.parent.as_deref().map(lookup).transpose()?,
                is_information_systems: d.is_information_systems,
                is_audit: d.is_audit,
                version: 1,
            });
        }
        // Parents before children.
        batch.departments.sort_by_key(|d| d.parent_id.is_some());
        let now = self.now();
        let hash = hash_password(DEMO_PASSWORD).await?;
        for p in &c.people {
            let id = demo_id("person", &p.employee_no);
            batch.people.push(Person {
                id,
                employee_no: p.employee_no.clone(),
                name: p.name.clone(),
                name_kana: p.name_kana.clone(),
                email: p.email.clone(),
                employment_type: p.employment_type,
                department_id: Some(lookup(&p.department)?),
                joined_on: p.joined_on,
                transferred_on: p.transferred_on,
                left_on: p.left_on,
                language: p.language,
                version: 1,
            });
            if p.left_on.is_none() {
                let mut cred = new_credential(id, now);
                cred.password_hash = Some(hash.clone());
                cred.must_change = false;
                batch.credentials.push(cred);
            }
        }
        for (i, r) in c.roles.iter().enumerate() {
            batch.assignments.push(RoleAssignment {
                id: demo_id("role", &format!("{i}-{}-{}", r.employee_no, r.role)),
                person_id: demo_id("person", &r.employee_no),
                role: r.role,
                department_id: r.department.as_deref().map(lookup).transpose()?,
                starts_on: r.starts_on,
                ends_on: r.ends_on,
            });
        }
        let summary = self
            .draft(None, "demo.seed", "organisation", None)
            .detail(format!(
                "{}: {} departments, {} people, {} role assignments",
                c.company.name,
                batch.departments.len(),
                batch.people.len(),
                batch.assignments.len()
            ));
        self.store.insert_batch(&batch, vec![summary]).await?;
        self.insert_demo_duties(c).await?;
        self.insert_demo_systems().await
    }

    /// The recovery-priority register of the demo company (INC-4.1(4)).
    async fn insert_demo_systems(&self) -> AppResult<()> {
        let actor = crate::auth::system_actor(self.today());
        for (name, business, priority) in [
            ("受注・生産管理システム", "受注から出荷までの生産管理", "3"),
            ("設計図面管理サーバ", "設計図面・加工プログラムの保管", "2"),
            ("メール・グループウェア", "社内外の連絡", "2"),
            ("経理システム", "会計・支払", "1"),
            ("社内ポータル", "社内のお知らせ", "0"),
        ] {
            let input = crate::incidents::SystemInput {
                name: name.into(),
                business: business.into(),
                priority: priority.into(),
                decided_on: "2026-04-01".into(),
            };
            self.save_system(&actor, None, 0, &input).await?;
        }
        Ok(())
    }

    /// A year of recorded evidence, so the compliance dashboard shows a
    /// company part-way through: most of two documents kept, a few periodic
    /// duties overdue, one not kept.
    async fn insert_demo_assessments(&self, c: &DemoCompany, today: Date) -> AppResult<()> {
        use mamori_domain::compliance::status::Finding;
        let Some(secretariat) = c
            .roles
            .iter()
            .find(|r| r.role == Role::Secretariat)
            .map(|r| demo_id("person", &r.employee_no))
        else {
            return Ok(());
        };
        let pack = &crate::compliance::bundle()?.pack;
        let system = crate::auth::system_actor(today);
        for (i, o) in pack
            .obligations
            .iter()
            .filter(|o| o.document == "HR" || o.document == "DOC")
            .enumerate()
        {
            let overdue_training = o.kind == mamori_domain::compliance::ObligationKind::Periodic
                && !o.annex.is_empty()
                && i % 2 == 0;
            let (finding, days_ago, note) = match i % 11 {
                _ if overdue_training => (Finding::Kept, 400, "前年度の実施記録"),
                7 => (Finding::NotKept, 20, "一部の部門で未実施"),
                3 | 5 => (Finding::Kept, 400, "前回の確認"),
                _ => (Finding::Kept, 30 + (i as i64 % 90), "確認済み"),
            };
            let at = self.now() - time::Duration::days(days_ago);
            let a = crate::ports::Assessment {
                id: demo_id("assessment", &o.id),
                obligation_id: o.id.clone(),
                finding,
                note: note.into(),
                evidence: if finding == Finding::Kept {
                    format!("文書管理台帳 {}", o.id)
                } else {
                    String::new()
                },
                assessed_by: secretariat,
                assessed_at: at,
                assessed_on: (at).to_offset(crate::ORG_OFFSET).date(),
            };
            let audit = self
                .draft(
                    Some(&system),
                    "obligation.assess",
                    "obligation",
                    Some(o.id.clone()),
                )
                .after(&a);
            self.store.add_assessment(&a, audit).await?;
        }
        Ok(())
    }

    /// A few of the policy's periodic duties, so "my tasks" is not empty.
    async fn insert_demo_duties(&self, c: &DemoCompany) -> AppResult<()> {
        let owner_of = |role: Role| {
            c.roles
                .iter()
                .find(|r| r.role == role && r.ends_on.is_none())
                .map(|r| demo_id("person", &r.employee_no))
        };
        let today = self.today();
        let duties = [
            (
                "規程の年次見直し（人的管理規程）",
                "HR-9c",
                Role::Secretariat,
                "yearly",
                40,
            ),
            (
                "規程の年次見直し（外部委託先管理規程）",
                "OUT-9c",
                Role::Secretariat,
                "yearly",
                75,
            ),
            (
                "アカウント棚卸し",
                "SYS-4.1.3(2)",
                Role::SystemAdmin,
                "yearly",
                20,
            ),
            (
                "ログの定期分析",
                "SYS-4.8.1",
                Role::SystemAdmin,
                "monthly",
                5,
            ),
            (
                "運用確認事項の報告",
                "POL-7.6",
                Role::SecurityOfficer,
                "quarterly",
                -3,
            ),
            (
                "運用確認事項（システム管理規程）",
                "SYS-5",
                Role::SystemAdmin,
                "quarterly",
                2,
            ),
        ];
        let system = crate::auth::system_actor(today);
        self.insert_demo_assessments(c, today).await?;
        for (title, source, role, cadence, in_days) in duties {
            let Some(owner_id) = owner_of(role) else {
                continue;
            };
            let d = crate::ports::PeriodicDuty {
                id: demo_id("duty", source),
                title: title.into(),
                source: source.into(),
                owner_id,
                cadence: cadence.into(),
                next_due: today + time::Duration::days(in_days),
                version: 1,
            };
            let audit = self
                .draft(
                    Some(&system),
                    "duty.create",
                    "periodic_duty",
                    Some(d.id.to_string()),
                )
                .after(&d);
            self.store.insert_duty(&d, audit).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_data_parses_and_every_reference_resolves() {
        let c = demo_company().unwrap_or_else(|e| panic!("{e}"));
        let codes: Vec<&str> = c.departments.iter().map(|d| d.code.as_str()).collect();
        assert!(c.people.len() >= 55, "about sixty people");
        for p in &c.people {
            assert!(codes.contains(&p.department.as_str()), "{}", p.employee_no);
        }
        for r in &c.roles {
            assert!(c.people.iter().any(|p| p.employee_no == r.employee_no));
            assert_eq!(
                r.role.is_departmental(),
                r.department.is_some(),
                "{} {}",
                r.employee_no,
                r.role
            );
        }
    }
}
