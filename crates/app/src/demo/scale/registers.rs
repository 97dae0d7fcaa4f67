//! The registers: 50,000 information assets owned across the departments,
//! valued by the company's method, and 20,000 risks on them scored and
//! given their status by the same rules as the risk pages use.

use mamori_domain::risk::{Form, RiskStatus, Treatment};
use time::Date;
use uuid::Uuid;

use super::org::{FUNCTIONS, PLACES};
use super::{ASSETS, BATCH, Progress, RISKS, sized};
use crate::demo::demo_id;
use crate::ports::{Asset, Risk};
use crate::{App, AppResult, DraftExt};

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
    pub(super) async fn scale_assets(
        &self,
        factor: f64,
        owners: &[(Uuid, Option<Uuid>)],
        today: Date,
        progress: Progress<'_>,
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

    pub(super) async fn scale_risks(&self, factor: f64, progress: Progress<'_>) -> AppResult<u64> {
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
