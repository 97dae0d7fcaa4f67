//! A year of customer complaints (HR-4.2.7): logged by the departments'
//! 顧客情報管理責任者, first reported to the committee within the hours the
//! settings allow (a few late), the company's position settled and the
//! complaint closed — after a leak only once the stakeholders were told.
//! The last weeks' are still open.

use mamori_domain::Role;
use time::Duration;

use super::org::Org;
use super::{DAY, HOUR, Progress, ago, mix, one_in, pick, sized};
use crate::demo::demo_id;
use crate::ports::{Complaint, ComplaintUpdate};
use crate::{App, AppResult, DraftExt};

/// Complaints of a year at factor 1.
pub const COMPLAINTS: u64 = 240;

const CUSTOMERS: [&str; 6] = [
    "株式会社北斗精機",
    "東和商事株式会社",
    "有限会社みどり工業",
    "株式会社サンライズ物流",
    "関東メディカル株式会社",
    "個人のお客様",
];

/// What the customer said, and whether customer information leaked.
const CASES: [(&str, bool); 5] = [
    (
        "見積書が別の会社宛てのメールで届いた。自社の情報も他社に送られていないか確認したい。",
        true,
    ),
    (
        "問い合わせへの回答が届かない。担当者が不在の間の対応体制を示してほしい。",
        false,
    ),
    (
        "展示会で渡した名刺の情報で、希望していない案内が届くようになった。",
        false,
    ),
    (
        "納品書に記載された担当者の連絡先が古く、別人に連絡が行った。",
        false,
    ),
    (
        "貴社から届いたメールの添付ファイルがウイルス対策ソフトで検知された。",
        false,
    ),
];

impl App {
    pub(super) async fn scale_complaints(
        &self,
        factor: f64,
        org: &Org,
        progress: Progress<'_>,
    ) -> AppResult<u64> {
        let managers = org.holders(Role::CustomerInfoManager, None);
        if managers.is_empty() {
            return Ok(0);
        }
        let hours = self.alert_settings().await?.complaint_first_report_hours;
        let now = self.now();
        let total = sized(COMPLAINTS, factor);
        let span = 365 * DAY;
        for i in 0..total {
            // Oldest first, spread over the year.
            let received_at = ago(
                now,
                span - span * i / total + mix("complaint-hour", i) % HOUR,
            );
            let Some(manager) = pick(&managers, "complaint-manager", i) else {
                continue;
            };
            let (content, leaks) = CASES[(mix("complaint-case", i) % 5) as usize];
            let leak = leaks && one_in(2, "complaint-leak", i);
            let c = Complaint {
                id: demo_id("scale-complaint", &i.to_string()),
                ref_no: String::new(),
                customer: CUSTOMERS[(mix("complaint-customer", i) % 6) as usize].into(),
                content: content.into(),
                received_at,
                manager_id: manager.id,
                first_report_at: None,
                leak,
                position: None,
                stakeholders_notified_on: None,
                closed_at: None,
                version: 1,
            };
            let audit = self
                .draft(
                    Some(
                        &self
                            .actor_for((*manager).clone(), crate::access::Via::Cli)
                            .await?,
                    ),
                    "complaint.log",
                    "complaint",
                    Some(c.id.to_string()),
                )
                .after(&c);
            let before = self.store.insert_complaint(&c, audit).await?;
            // The first report: within the allowed hours, one in twelve late.
            let late = one_in(12, "complaint-late", i);
            let within = u64::from(hours) * HOUR;
            let report_at = received_at
                + Duration::seconds(if late {
                    (within + HOUR + mix("complaint-report", i) % (DAY)) as i64
                } else {
                    (HOUR / 2 + mix("complaint-report", i) % within.saturating_sub(HOUR).max(1))
                        as i64
                });
            if report_at >= now {
                progress("complaints", i + 1, total);
                continue;
            }
            let mut first = before.clone();
            first.first_report_at = Some(report_at);
            first.version += 1;
            let body = "受付内容と初動対応を報告します。事実関係を確認中です。";
            self.scale_complaint_update(&before, &first, report_at, body, "complaint.first_report")
                .await?;
            // Settled within three weeks.
            let close_at = report_at
                + Duration::seconds((3 * DAY + mix("complaint-close", i) % (18 * DAY)) as i64);
            if close_at >= now {
                progress("complaints", i + 1, total);
                continue;
            }
            let mut closed = first.clone();
            closed.position = Some("事実関係を確認し、お客様へ経緯と再発防止策を説明した。".into());
            if leak {
                closed.stakeholders_notified_on = Some(
                    (close_at - Duration::days(1))
                        .to_offset(crate::ORG_OFFSET)
                        .date(),
                );
            }
            closed.closed_at = Some(close_at);
            closed.version += 1;
            let body = "お客様への説明を終え、再発防止策を実施しました。本件を完了とします。";
            self.scale_complaint_update(&first, &closed, close_at, body, "complaint.update")
                .await?;
            progress("complaints", i + 1, total);
        }
        Ok(total)
    }

    /// A report line of the manager, as `report_complaint` records it.
    async fn scale_complaint_update(
        &self,
        before: &Complaint,
        after: &Complaint,
        at: time::OffsetDateTime,
        body: &str,
        action: &str,
    ) -> AppResult<()> {
        let update = ComplaintUpdate {
            id: demo_id(
                "scale-complaint-update",
                &format!("{}-{}", after.id, after.version),
            ),
            complaint_id: after.id,
            at,
            author_id: after.manager_id,
            body: body.into(),
        };
        let audit = self
            .draft(None, action, "complaint", Some(after.id.to_string()))
            .before(before)
            .after(after)
            .detail(after.ref_no.clone());
        self.store
            .update_complaint(after, Some(&update), &[], audit)
            .await?;
        Ok(())
    }
}
