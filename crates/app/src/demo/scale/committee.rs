//! A year of the 情報セキュリティ委員会 (POL-8.4): a 定例委員会 each month
//! with its members present (now and then one absent), the standing items
//! of the month decided — the incident report, the quarter's 運用確認事項,
//! the risk assessment, rule changes (some continued to a later meeting) —
//! action items given to members (the recent ones still open) and the
//! minutes published a few days later, as the committee pages record them.

use mamori_domain::Role;
use mamori_domain::schedule::add_months;
use mamori_domain::workflow::CommitteeDecision;
use time::Duration;

use super::org::Org;
use super::{DAY, Progress, mix, one_in, pick};
use crate::access::Via;
use crate::demo::demo_id;
use crate::ports::{ActionItem, AgendaItem, Attendee, Meeting};
use crate::{App, AppError, AppResult, DraftExt};

/// Meetings held, and the action items they gave.
#[derive(Debug, Default)]
pub(super) struct Held {
    pub meetings: u64,
    pub actions: u64,
    /// Of them, not done yet.
    pub open_actions: u64,
}

/// A topic: title, the decision, its reasoning, conditions, and the action it gives.
type Topic = (
    &'static str,
    CommitteeDecision,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

const MONTHLY: [Topic; 2] = [
    (
        "前月のインシデント発生状況と再発防止策の報告",
        CommitteeDecision::Approved,
        "報告内容を了承。紛失・誤送信の再発防止策を各部門へ展開する。",
        None,
        Some("紛失・誤送信の再発防止策を部門会議で周知する"),
    ),
    (
        "例外適用申請・変更申請の審議状況",
        CommitteeDecision::Approved,
        "審議状況を確認。期限を過ぎた申請の督促を事務局に依頼。",
        None,
        None,
    ),
];

const OCCASIONAL: [Topic; 5] = [
    (
        "リスクアセスメント結果と残留リスクの承認",
        CommitteeDecision::ConditionallyApproved,
        "重要資産の残留リスクは受容可能と判断。",
        Some("対策未了のリスクは次回委員会で進捗を報告すること。"),
        Some("対策未了リスクの進捗を取りまとめる"),
    ),
    (
        "情報セキュリティ教育計画（次期）",
        CommitteeDecision::Approved,
        "計画案のとおり実施する。",
        None,
        Some("教育計画を各部門の情報セキュリティ担当者へ通知する"),
    ),
    (
        "規程改定案（パスワード要件の見直し）",
        CommitteeDecision::Continued,
        "多要素認証の導入時期と合わせて再審議する。",
        None,
        Some("多要素認証の導入計画を作成する"),
    ),
    (
        "外部委託先の定期評価結果",
        CommitteeDecision::Approved,
        "評価結果を了承。評価 C の委託先には改善計画の提出を求める。",
        None,
        Some("評価 C の委託先へ改善計画の提出を依頼する"),
    ),
    (
        "内部監査の指摘事項と是正計画",
        CommitteeDecision::Approved,
        "是正計画を承認。期限までの完了を各部門長に求める。",
        None,
        Some("是正計画の進捗を確認する"),
    ),
];

impl App {
    /// The twelve 定例委員会 before the next one, oldest first.
    pub(super) async fn scale_committee(
        &self,
        org: &Org,
        progress: Progress<'_>,
    ) -> AppResult<Held> {
        let secretariat = org.secretariat()?;
        let clerk = self.actor_for(secretariat.clone(), Via::Cli).await?;
        let mut members: Vec<&mamori_domain::org::Person> = Vec::new();
        for role in [
            Role::CommitteeChair,
            Role::CommitteeViceChair,
            Role::CommitteeMember,
        ] {
            for p in org.holders(role, None) {
                if !members.iter().any(|m| m.id == p.id) {
                    members.push(p);
                }
            }
        }
        let now = self.now();
        let today = self.today();
        let mut held = Held::default();
        let a_year_ago = today - Duration::days(365);
        for month in (1..=12u64).rev() {
            // One a month: the first a year ago, the last a month ago.
            let day = add_months(a_year_ago, (12 - month) as u32);
            let held_at = day
                .with_hms(15, 0, 0)
                .map_err(|e| AppError::Internal(e.to_string()))?
                .assume_offset(crate::ORG_OFFSET);
            let key = format!("{}-{}", day.year(), u8::from(day.month()));
            let m = Meeting {
                id: demo_id("scale-past-meeting", &key),
                ref_no: String::new(),
                kind: "regular".into(),
                title: format!(
                    "定例情報セキュリティ委員会（{}年{}月）",
                    day.year(),
                    u8::from(day.month())
                ),
                held_at,
                location: "本社 大会議室".into(),
                state: "planned".into(),
                minutes: None,
                version: 1,
                created_by: secretariat.id,
                published_at: None,
            };
            let attendees: Vec<Attendee> = members
                .iter()
                .enumerate()
                .map(|(k, p)| Attendee {
                    person_id: p.id,
                    standing: true,
                    present: k < 2 || !one_in(10, &key, k as u64),
                })
                .collect();
            let mut topics: Vec<&Topic> = MONTHLY.iter().collect();
            if month % 3 == 0 {
                topics.push(&OCCASIONAL[0]);
            }
            topics.extend(pick(&OCCASIONAL[1..], &key, month));
            let decided_at = held_at + Duration::hours(1);
            let agenda: Vec<AgendaItem> = topics
                .iter()
                .enumerate()
                .map(
                    |(k, (title, decision, reasoning, conditions, _))| AgendaItem {
                        id: demo_id("scale-past-agenda", &format!("{key}-{k}")),
                        meeting_id: m.id,
                        position: k as i64 + 1,
                        request_id: None,
                        title: (*title).into(),
                        decision: Some(*decision),
                        reasoning: Some((*reasoning).into()),
                        conditions: conditions.map(Into::into),
                        decided_at: Some(decided_at),
                    },
                )
                .collect();
            let audit = self
                .draft(
                    Some(&clerk),
                    "meeting.create",
                    "meeting",
                    Some(m.id.to_string()),
                )
                .after(&m);
            let m = self
                .store
                .insert_meeting(&m, &attendees, &agenda, audit)
                .await?;
            for (k, (item, topic)) in agenda.iter().zip(&topics).enumerate() {
                let Some(action) = topic.4 else {
                    continue;
                };
                let Some(owner) = pick(&members, &key, 100 + k as u64) else {
                    continue;
                };
                let due_on = day + Duration::days(30);
                let done =
                    held_at + Duration::seconds((DAY * (5 + mix(&key, k as u64) % 20)) as i64);
                let a = ActionItem {
                    id: demo_id("scale-past-action", &format!("{key}-{k}")),
                    meeting_id: m.id,
                    agenda_item_id: Some(item.id),
                    title: action.into(),
                    owner_id: owner.id,
                    due_on,
                    // The last two meetings' actions are half still open.
                    done_at: (done < now && !(month <= 2 && one_in(2, &key, k as u64)))
                        .then_some(done),
                };
                held.actions += 1;
                held.open_actions += u64::from(a.done_at.is_none());
                let audit = self
                    .draft(
                        Some(&clerk),
                        "meeting.action_item",
                        "action_item",
                        Some(a.id.to_string()),
                    )
                    .after(&a);
                self.store.add_action_item(&a, &[], audit).await?;
            }
            let mut published = m.clone();
            published.minutes = Some(self.meeting_view(&clerk, m.id).await?.draft_minutes);
            published.state = "published".into();
            published.published_at = Some((held_at + Duration::days(3)).min(now));
            published.version += 1;
            let audit = self
                .draft(
                    Some(&clerk),
                    "meeting.publish_minutes",
                    "meeting",
                    Some(m.id.to_string()),
                )
                .before(&m)
                .after(&published);
            self.store.publish_minutes(&published, &[], audit).await?;
            held.meetings += 1;
            progress("committee meetings", 13 - month, 12);
        }
        Ok(held)
    }
}
