//! The committee (POL-8, POL-9): meetings with their standing attendees and
//! the non-standing members the chair calls, an agenda filled from the
//! requests waiting for a committee decision, decisions per item that move
//! those requests on, action items with owners and due dates, and minutes
//! (議事録) published to the attendees. The 事務局 keeps the record.

use std::collections::HashMap;

use mamori_domain::Role;
use mamori_domain::org::{Person, required_text};
use mamori_domain::workflow::{self, Approver, CommitteeDecision, DecisionContext};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::access::{Actor, Permission};
use crate::error::{AppError, AppResult, Errors};
use crate::org::parse_date;
use crate::ports::{
    ActionItem, AgendaItem, AssignmentFilter, Attendee, Meeting, Notice, RequestRecord,
};
use crate::{App, DraftExt};

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct MeetingInput {
    /// `regular` (定例) or `extraordinary` (臨時).
    pub kind: String,
    pub title: String,
    /// Local date and time in Japan, `YYYY-MM-DDTHH:MM`.
    pub held_at: String,
    pub location: String,
}

/// A meeting with everything its page shows.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeetingView {
    pub meeting: Meeting,
    pub attendees: Vec<(Attendee, String)>,
    pub agenda: Vec<(AgendaItem, Option<RequestRecord>)>,
    pub actions: Vec<(ActionItem, String)>,
    /// Non-standing members the chair may call.
    pub callable: Vec<(Uuid, String)>,
    /// Who chairs it: the 委員長, or the 副委員長 as deputy (POL-8.5).
    pub presiding: String,
    /// The minutes as they would be published now.
    pub draft_minutes: String,
}

fn parse_local_datetime(
    field: &'static str,
    s: &str,
) -> Result<OffsetDateTime, mamori_domain::org::FieldError> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    time::PrimitiveDateTime::parse(s.trim(), &fmt)
        .map(|t| t.assume_offset(crate::ORG_OFFSET))
        .map_err(|_| mamori_domain::org::FieldError::new(field, "invalid_datetime"))
}

fn require_secretariat(actor: &Actor) -> AppResult<()> {
    if actor.has_role(Role::Secretariat) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn committee_reader(actor: &Actor) -> bool {
    [
        Role::Secretariat,
        Role::CommitteeChair,
        Role::CommitteeViceChair,
        Role::CommitteeMember,
        Role::CommitteeNonStandingMember,
        Role::President,
        Role::Auditor,
    ]
    .iter()
    .any(|r| actor.has_role(*r))
}

fn local(t: OffsetDateTime) -> String {
    let t = t.to_offset(crate::ORG_OFFSET);
    format!(
        "{:04}年{:02}月{:02}日 {:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

impl App {
    /// Standing members today: 委員長, 副委員長 and the 委員 (POL-8.2).
    async fn standing_members(&self) -> AppResult<Vec<Uuid>> {
        let today = self.today();
        let mut ids = Vec::new();
        for role in [
            Role::CommitteeChair,
            Role::CommitteeViceChair,
            Role::CommitteeMember,
        ] {
            for a in self
                .store
                .assignments(&AssignmentFilter {
                    role: Some(role),
                    active_on: Some(today),
                    ..Default::default()
                })
                .await?
            {
                if !ids.contains(&a.person_id) {
                    ids.push(a.person_id);
                }
            }
        }
        Ok(ids)
    }

    /// Requests whose current step the committee decides, not yet on an
    /// undecided agenda item.
    pub async fn pending_committee_items(&self, actor: &Actor) -> AppResult<Vec<RequestRecord>> {
        if !committee_reader(actor) {
            return Err(AppError::Forbidden);
        }
        let scheduled: std::collections::HashSet<Uuid> =
            self.store.scheduled_requests().await?.into_iter().collect();
        let mut out = Vec::new();
        for r in self.store.requests_in_review().await? {
            let Ok(flow) = crate::workflow::flow_of(&r) else {
                continue;
            };
            let committee = flow
                .steps
                .get(usize::try_from(r.step).unwrap_or(0))
                .is_some_and(|s| s.approver == Approver::Committee);
            if !committee {
                continue;
            }
            if !scheduled.contains(&r.id) {
                out.push(r);
            }
        }
        Ok(out)
    }

    pub async fn meetings(&self, actor: &Actor) -> AppResult<Vec<Meeting>> {
        if !committee_reader(actor) {
            return Err(AppError::Forbidden);
        }
        Ok(self.store.meetings(200).await?)
    }

    /// The 事務局 convenes a meeting: standing members attend; the agenda
    /// takes every request waiting for the committee.
    pub async fn create_meeting(&self, actor: &Actor, input: &MeetingInput) -> AppResult<Meeting> {
        require_secretariat(actor)?;
        self.convene(actor, input, &[]).await
    }

    /// Creates a meeting with the standing members, the requests waiting for
    /// the committee and any further topics; the caller has checked who may
    /// convene it (the 事務局; the 顧客情報管理責任者 after a leak, HR-4.2.7(2)).
    pub(crate) async fn convene(
        &self,
        actor: &Actor,
        input: &MeetingInput,
        topics: &[String],
    ) -> AppResult<Meeting> {
        let mut e = Errors::default();
        if !matches!(input.kind.as_str(), "regular" | "extraordinary") {
            e.push("kind", "invalid");
        }
        let title = e.take(required_text("title", &input.title, 200));
        let held_at = e.take(parse_local_datetime("held_at", &input.held_at));
        let location = e.take(required_text("location", &input.location, 200));
        e.done()?;
        let (Some(title), Some(held_at), Some(location)) = (title, held_at, location) else {
            return Err(AppError::field("title", "required"));
        };
        let m = Meeting {
            id: Uuid::now_v7(),
            ref_no: String::new(),
            kind: input.kind.clone(),
            title,
            held_at,
            location,
            state: "planned".into(),
            minutes: None,
            version: 1,
            created_by: actor.id(),
            published_at: None,
        };
        let attendees: Vec<Attendee> = self
            .standing_members()
            .await?
            .into_iter()
            .map(|person_id| Attendee {
                person_id,
                standing: true,
                present: true,
            })
            .collect();
        let system = crate::auth::system_actor(self.today());
        let mut titles: Vec<(Option<Uuid>, String)> =
            topics.iter().map(|t| (None, t.clone())).collect();
        titles.extend(
            self.pending_committee_items(&system)
                .await?
                .into_iter()
                .map(|r| (Some(r.id), format!("{} {}", r.ref_no, r.title))),
        );
        let agenda: Vec<AgendaItem> = titles
            .into_iter()
            .enumerate()
            .map(|(i, (request_id, title))| AgendaItem {
                id: Uuid::now_v7(),
                meeting_id: m.id,
                position: i64::try_from(i).unwrap_or(0) + 1,
                request_id,
                title,
                decision: None,
                reasoning: None,
                conditions: None,
                decided_at: None,
            })
            .collect();
        let audit = self
            .draft(
                Some(actor),
                "meeting.create",
                "meeting",
                Some(m.id.to_string()),
            )
            .after(&m);
        Ok(self
            .store
            .insert_meeting(&m, &attendees, &agenda, audit)
            .await?)
    }

    pub async fn meeting_view(&self, actor: &Actor, id: Uuid) -> AppResult<MeetingView> {
        let meeting = self.store.meeting(id).await?;
        let attendees = self.store.attendees(id).await?;
        if !committee_reader(actor) && !attendees.iter().any(|a| a.person_id == actor.id()) {
            return Err(AppError::NotFound);
        }
        let names: HashMap<Uuid, String> = self
            .store
            .all_people()
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        let name = |id: &Uuid| names.get(id).cloned().unwrap_or_default();
        let mut agenda = Vec::new();
        for item in self.store.agenda(id).await? {
            let r = match item.request_id {
                Some(rid) => Some(self.store.request(rid).await?),
                None => None,
            };
            agenda.push((item, r));
        }
        let actions = self
            .store
            .action_items(Some(id), None, false)
            .await?
            .into_iter()
            .map(|a| (a.clone(), name(&a.owner_id)))
            .collect();
        let callable = self
            .store
            .assignments(&AssignmentFilter {
                role: Some(Role::CommitteeNonStandingMember),
                active_on: Some(self.today()),
                ..Default::default()
            })
            .await?
            .into_iter()
            .filter(|a| !attendees.iter().any(|x| x.person_id == a.person_id))
            .map(|a| (a.person_id, name(&a.person_id)))
            .collect();
        let attendees: Vec<(Attendee, String)> = attendees
            .into_iter()
            .map(|a| (a.clone(), name(&a.person_id)))
            .collect();
        let presiding = self.presiding(meeting.held_at, &names).await?;
        let mut view = MeetingView {
            meeting,
            attendees,
            agenda,
            actions,
            callable,
            presiding,
            draft_minutes: String::new(),
        };
        view.draft_minutes = minutes_text(&view);
        Ok(view)
    }

    /// The chair at a time: the 委員長, unless recorded unavailable, then the deputy.
    async fn presiding(
        &self,
        at: OffsetDateTime,
        names: &HashMap<Uuid, String>,
    ) -> AppResult<String> {
        let name = |id: &Uuid| names.get(id).cloned().unwrap_or_default();
        let delegation = self.store.delegations().await?.into_iter().find(|d| {
            d.role == Role::CommitteeChair && d.starts_at <= at && d.ends_at.is_none_or(|e| at < e)
        });
        if let Some(d) = delegation {
            return Ok(format!(
                "副委員長 {}（委員長 {} 不在のため代行）",
                name(&d.deputy_person_id),
                name(&d.absent_person_id)
            ));
        }
        let chair = self
            .store
            .assignments(&AssignmentFilter {
                role: Some(Role::CommitteeChair),
                active_on: Some(at.to_offset(crate::ORG_OFFSET).date()),
                ..Default::default()
            })
            .await?;
        Ok(chair
            .first()
            .map(|a| format!("委員長 {}", name(&a.person_id)))
            .unwrap_or_default())
    }

    /// The 委員長 (or the deputy) calls a non-standing member (POL-8.3).
    pub async fn call_non_standing_member(
        &self,
        actor: &Actor,
        meeting_id: Uuid,
        person_id: Uuid,
    ) -> AppResult<()> {
        if !actor.has_role(Role::CommitteeChair) {
            return Err(AppError::Forbidden);
        }
        let m = self.store.meeting(meeting_id).await?;
        if m.state == "published" {
            return Err(AppError::Conflict("minutes_published"));
        }
        let holds = self
            .store
            .assignments(&AssignmentFilter {
                person_id: Some(person_id),
                role: Some(Role::CommitteeNonStandingMember),
                active_on: Some(self.today()),
                ..Default::default()
            })
            .await?;
        if holds.is_empty() {
            return Err(AppError::field("person_id", "not_non_standing_member"));
        }
        let a = Attendee {
            person_id,
            standing: false,
            present: true,
        };
        let audit = self
            .draft(
                Some(actor),
                "meeting.call_member",
                "meeting",
                Some(meeting_id.to_string()),
            )
            .after(&a);
        Ok(self.store.set_attendance(meeting_id, &a, audit).await?)
    }

    pub async fn set_presence(
        &self,
        actor: &Actor,
        meeting_id: Uuid,
        person_id: Uuid,
        present: bool,
    ) -> AppResult<()> {
        require_secretariat(actor)?;
        let attendees = self.store.attendees(meeting_id).await?;
        let mut a = attendees
            .into_iter()
            .find(|a| a.person_id == person_id)
            .ok_or(AppError::NotFound)?;
        a.present = present;
        let audit = self
            .draft(
                Some(actor),
                "meeting.attendance",
                "meeting",
                Some(meeting_id.to_string()),
            )
            .after(&a);
        Ok(self.store.set_attendance(meeting_id, &a, audit).await?)
    }

    pub async fn add_agenda_topic(
        &self,
        actor: &Actor,
        meeting_id: Uuid,
        title: &str,
    ) -> AppResult<()> {
        require_secretariat(actor)?;
        let title = required_text("title", title, 300)?;
        let m = self.store.meeting(meeting_id).await?;
        if m.state == "published" {
            return Err(AppError::Conflict("minutes_published"));
        }
        let position = self.store.agenda(meeting_id).await?.len() as i64 + 1;
        let item = AgendaItem {
            id: Uuid::now_v7(),
            meeting_id,
            position,
            request_id: None,
            title,
            decision: None,
            reasoning: None,
            conditions: None,
            decided_at: None,
        };
        let audit = self
            .draft(
                Some(actor),
                "meeting.agenda_add",
                "meeting",
                Some(meeting_id.to_string()),
            )
            .after(&item);
        Ok(self.store.add_agenda_item(&item, audit).await?)
    }

    /// Records the committee's decision on an item; a decided request moves
    /// to its next state as a decision of this meeting.
    pub async fn decide_agenda_item(
        &self,
        actor: &Actor,
        meeting_id: Uuid,
        item_id: Uuid,
        decision: CommitteeDecision,
        reasoning: &str,
        conditions: &str,
    ) -> AppResult<()> {
        require_secretariat(actor)?;
        let m = self.store.meeting(meeting_id).await?;
        if m.state == "published" {
            return Err(AppError::Conflict("minutes_published"));
        }
        let mut item = self
            .store
            .agenda(meeting_id)
            .await?
            .into_iter()
            .find(|i| i.id == item_id)
            .ok_or(AppError::NotFound)?;
        if item.decision.is_some() {
            return Err(AppError::Conflict("already_decided"));
        }
        let reasoning = mamori_domain::org::required_multiline("reasoning", reasoning, 4000)?;
        let conditions = Some(conditions.trim().to_string()).filter(|c| !c.is_empty());
        if decision == CommitteeDecision::ConditionallyApproved && conditions.is_none() {
            return Err(AppError::field("conditions", "required"));
        }
        // Check the request can take the decision before recording anything.
        let request = match (item.request_id, decision.as_decision()) {
            (Some(rid), Some(d)) => {
                let r = self.store.request(rid).await?;
                self.check_not_expired(&r, d)?;
                let flow = crate::workflow::flow_of(&r)?;
                let ctx = DecisionContext {
                    state: r.state,
                    step: usize::try_from(r.step).unwrap_or(usize::MAX),
                    requester: r.requester_id,
                    actor: actor.id(),
                    actor_is_approver: true,
                    in_meeting: true,
                    earlier_deciders: &[],
                };
                workflow::decide(&flow, &ctx, d).map_err(|e| AppError::Conflict(e.code()))?;
                Some((r, flow, d))
            }
            _ => None,
        };
        item.decision = Some(decision);
        item.reasoning = Some(reasoning.clone());
        item.conditions = conditions.clone();
        item.decided_at = Some(self.now());
        let audit = self
            .draft(
                Some(actor),
                "meeting.decision",
                "agenda_item",
                Some(item.id.to_string()),
            )
            .after(&item)
            .detail(format!("{}: {} — {}", m.ref_no, item.title, decision.id()));
        self.store.record_decision(&item, audit).await?;
        if let Some((mut r, flow, d)) = request {
            r.conditions = conditions.clone();
            let comment = match &conditions {
                Some(c) => format!("{}（{}）: {reasoning} / 条件: {c}", m.ref_no, decision.id()),
                None => format!("{}（{}）: {reasoning}", m.ref_no, decision.id()),
            };
            self.apply(actor, r, &flow, d, Some(comment), true, true)
                .await?;
        }
        Ok(())
    }

    /// An action item with an owner and a due date; the owner is told.
    pub async fn add_action_item(
        &self,
        actor: &Actor,
        meeting_id: Uuid,
        title: &str,
        owner_id: Uuid,
        due_on: &str,
    ) -> AppResult<ActionItem> {
        require_secretariat(actor)?;
        let mut e = Errors::default();
        let title = e.take(required_text("title", title, 300));
        let due = e.take(
            parse_date("due_on", Some(due_on))
                .and_then(|d| d.ok_or(mamori_domain::org::FieldError::new("due_on", "required"))),
        );
        e.done()?;
        let (Some(title), Some(due_on)) = (title, due) else {
            return Err(AppError::field("title", "required"));
        };
        let m = self.store.meeting(meeting_id).await?;
        let owner: Person = self
            .store
            .person(owner_id)
            .await
            .map_err(|_| AppError::field("owner_id", "unknown_person"))?;
        let a = ActionItem {
            id: Uuid::now_v7(),
            meeting_id,
            agenda_item_id: None,
            title,
            owner_id,
            due_on,
            done_at: None,
        };
        let immediate = self
            .store
            .notify_mode(owner.id)
            .await?
            .is_none_or(|m| m == "immediate");
        let notice = Notice {
            person_id: owner.id,
            dedupe_key: format!("action:{}:assigned", a.id),
            kind: "action_item".into(),
            title: format!(
                "【mamori】{} のアクション: {}（期限 {}）",
                m.ref_no, a.title, a.due_on
            ),
            body: format!(
                "{} で次の対応があなたに割り当てられました: {}",
                m.title, a.title
            ),
            link: self.link("/tasks"),
            mail_to: immediate.then(|| owner.email.clone()),
        };
        let audit = self
            .draft(
                Some(actor),
                "meeting.action_item",
                "action_item",
                Some(a.id.to_string()),
            )
            .after(&a);
        self.store.add_action_item(&a, &[notice], audit).await?;
        Ok(a)
    }

    pub async fn complete_action_item(&self, actor: &Actor, id: Uuid) -> AppResult<()> {
        let audit = self.draft(
            Some(actor),
            "meeting.action_done",
            "action_item",
            Some(id.to_string()),
        );
        Ok(self
            .store
            .complete_action_item(id, actor.id(), self.now(), audit)
            .await?)
    }

    /// Open action items of the actor (for "my tasks").
    pub async fn my_action_items(&self, actor: &Actor) -> AppResult<Vec<ActionItem>> {
        Ok(self
            .store
            .action_items(None, Some(actor.id()), true)
            .await?)
    }

    /// Publishes the minutes to the attendees once every item is decided.
    pub async fn publish_minutes(
        &self,
        actor: &Actor,
        meeting_id: Uuid,
        version: i64,
    ) -> AppResult<Meeting> {
        require_secretariat(actor)?;
        let view = self.meeting_view(actor, meeting_id).await?;
        let mut m = view.meeting.clone();
        if m.version != version {
            return Err(AppError::Conflict("stale_version"));
        }
        if m.state == "published" {
            return Err(AppError::Conflict("minutes_published"));
        }
        if view.agenda.iter().any(|(i, _)| i.decision.is_none()) {
            return Err(AppError::Conflict("undecided_items"));
        }
        m.minutes = Some(view.draft_minutes.clone());
        m.state = "published".into();
        m.published_at = Some(self.now());
        m.version += 1;
        let mut notices = Vec::new();
        for (a, _) in &view.attendees {
            let p = self.store.person(a.person_id).await?;
            let immediate = self
                .store
                .notify_mode(p.id)
                .await?
                .is_none_or(|mode| mode == "immediate");
            notices.push(Notice {
                person_id: p.id,
                dedupe_key: format!("meeting:{}:minutes:{}", m.id, p.id),
                kind: "minutes".into(),
                title: format!("【mamori】議事録: {} {}", m.ref_no, m.title),
                body: format!("{} の議事録が公開されました。", m.title),
                link: self.link(&format!("/committee/{}", m.id)),
                mail_to: immediate.then(|| p.email.clone()),
            });
        }
        let audit = self
            .draft(
                Some(actor),
                "meeting.publish_minutes",
                "meeting",
                Some(m.id.to_string()),
            )
            .after(&m);
        self.store.publish_minutes(&m, &notices, audit).await?;
        Ok(m)
    }

    /// Who may see a meeting (for the UI's navigation).
    pub fn reads_committee(actor: &Actor) -> bool {
        committee_reader(actor) || actor.can(Permission::ViewAudit)
    }
}

/// 議事録, produced from the record of the meeting.
pub fn minutes_text(v: &MeetingView) -> String {
    let m = &v.meeting;
    let kind = if m.kind == "extraordinary" {
        "臨時"
    } else {
        "定例"
    };
    let mut out = format!(
        "情報セキュリティ委員会 議事録（{kind}）\n{} {}\n日時: {}\n場所: {}\n議長: {}\n\n出席者:\n",
        m.ref_no,
        m.title,
        local(m.held_at),
        m.location,
        v.presiding
    );
    for (a, name) in &v.attendees {
        let role = if a.standing {
            "常勤委員"
        } else {
            "非常勤委員（委員長の招集）"
        };
        let present = if a.present { "出席" } else { "欠席" };
        out.push_str(&format!("  - {name}（{role}、{present}）\n"));
    }
    out.push_str("\n議題と決定:\n");
    for (i, (item, _)) in v.agenda.iter().enumerate() {
        let decision = match item.decision {
            Some(CommitteeDecision::Approved) => "承認",
            Some(CommitteeDecision::Rejected) => "否決",
            Some(CommitteeDecision::Continued) => "継続審議",
            Some(CommitteeDecision::ConditionallyApproved) => "条件付き承認",
            None => "未決",
        };
        out.push_str(&format!("  {}. {} — {decision}\n", i + 1, item.title));
        if let Some(r) = &item.reasoning {
            out.push_str(&format!("     理由: {r}\n"));
        }
        if let Some(c) = &item.conditions {
            out.push_str(&format!("     条件: {c}\n"));
        }
    }
    if !v.actions.is_empty() {
        out.push_str("\nアクション:\n");
        for (a, owner) in &v.actions {
            out.push_str(&format!(
                "  - {}（担当: {owner}、期限: {}）\n",
                a.title, a.due_on
            ));
        }
    }
    out
}

/// The due time of an action item: the end of its day in Japan.
pub fn action_due(d: Date) -> OffsetDateTime {
    (d + time::Duration::days(1))
        .midnight()
        .assume_offset(crate::ORG_OFFSET)
}
