//! Committee meetings: attendees, agenda, decisions, action items, minutes.

use async_trait::async_trait;
use mamori_app::ports::{
    ActionItem, AgendaItem, Attendee, AuditDraft, Meeting, MeetingRepo, Notice, StoreError,
};
use mamori_domain::workflow::CommitteeDecision;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::SqlStore;
use crate::audit::append_in;
use crate::db::Tx;
use crate::sql::Stmt;
use crate::workflow::{next_ref_in, notices_in};

#[derive(sqlx::FromRow)]
struct MeetingRow {
    id: Uuid,
    ref_no: String,
    kind: String,
    title: String,
    held_at: OffsetDateTime,
    location: String,
    state: String,
    minutes: Option<String>,
    version: i64,
    created_by: Uuid,
    published_at: Option<OffsetDateTime>,
}

impl From<MeetingRow> for Meeting {
    fn from(r: MeetingRow) -> Meeting {
        Meeting {
            id: r.id,
            ref_no: r.ref_no,
            kind: r.kind,
            title: r.title,
            held_at: r.held_at,
            location: r.location,
            state: r.state,
            minutes: r.minutes,
            version: r.version,
            created_by: r.created_by,
            published_at: r.published_at,
        }
    }
}

const MEETING_COLS: &str =
    "id, ref_no, kind, title, held_at, location, state, minutes, version, created_by, published_at";

#[derive(sqlx::FromRow)]
struct AttendeeRow {
    person_id: Uuid,
    standing: bool,
    present: bool,
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: Uuid,
    meeting_id: Uuid,
    position: i64,
    request_id: Option<Uuid>,
    title: String,
    decision: Option<String>,
    reasoning: Option<String>,
    conditions: Option<String>,
    decided_at: Option<OffsetDateTime>,
}

impl From<ItemRow> for AgendaItem {
    fn from(r: ItemRow) -> AgendaItem {
        AgendaItem {
            id: r.id,
            meeting_id: r.meeting_id,
            position: r.position,
            request_id: r.request_id,
            title: r.title,
            decision: r.decision.as_deref().and_then(CommitteeDecision::parse),
            reasoning: r.reasoning,
            conditions: r.conditions,
            decided_at: r.decided_at,
        }
    }
}

const ITEM_COLS: &str =
    "id, meeting_id, position, request_id, title, decision, reasoning, conditions, decided_at";

#[derive(sqlx::FromRow)]
struct ActionRow {
    id: Uuid,
    meeting_id: Uuid,
    agenda_item_id: Option<Uuid>,
    title: String,
    owner_id: Uuid,
    due_on: Date,
    done_at: Option<OffsetDateTime>,
}

async fn insert_item_in(tx: &mut Tx, i: &AgendaItem) -> Result<(), StoreError> {
    tx.execute(
        &Stmt::new(&format!(
            "INSERT INTO agenda_items ({ITEM_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(i.id)
        .bind(i.meeting_id)
        .bind(i.position)
        .bind(i.request_id)
        .bind(i.title.as_str())
        .bind(i.decision.map(|d| d.id()))
        .bind(i.reasoning.clone())
        .bind(i.conditions.clone())
        .bind(i.decided_at),
    )
    .await
    .map(|_| ())
}

#[async_trait]
impl MeetingRepo for SqlStore {
    async fn insert_meeting(
        &self,
        m: &Meeting,
        attendees: &[Attendee],
        agenda: &[AgendaItem],
        audit: AuditDraft,
    ) -> Result<Meeting, StoreError> {
        let mut tx = self.db.begin().await?;
        let mut m = m.clone();
        m.ref_no = next_ref_in(&mut tx, "MTG", m.held_at).await?;
        tx.execute(
            &Stmt::new(&format!("INSERT INTO meetings ({MEETING_COLS}, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"))
                .bind(m.id)
                .bind(m.ref_no.as_str())
                .bind(m.kind.as_str())
                .bind(m.title.as_str())
                .bind(m.held_at)
                .bind(m.location.as_str())
                .bind(m.state.as_str())
                .bind(m.minutes.clone())
                .bind(m.version)
                .bind(m.created_by)
                .bind(m.published_at)
                .bind(audit.occurred_at),
        )
        .await?;
        for a in attendees {
            tx.execute(
                &Stmt::new("INSERT INTO meeting_attendees (meeting_id, person_id, standing, present) VALUES (?, ?, ?, ?)")
                    .bind(m.id)
                    .bind(a.person_id)
                    .bind(a.standing)
                    .bind(a.present),
            )
            .await?;
        }
        for i in agenda {
            insert_item_in(&mut tx, i).await?;
        }
        let mut audit = audit;
        audit.detail = Some(m.ref_no.clone());
        append_in(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(m)
    }

    async fn meeting(&self, id: Uuid) -> Result<Meeting, StoreError> {
        let r: MeetingRow = self
            .db
            .fetch_one(
                &Stmt::new(&format!("SELECT {MEETING_COLS} FROM meetings WHERE id = ?")).bind(id),
            )
            .await?;
        Ok(r.into())
    }

    async fn meetings(&self, limit: u32) -> Result<Vec<Meeting>, StoreError> {
        let rows: Vec<MeetingRow> = self
            .db
            .fetch_all(
                &Stmt::new(&format!(
                    "SELECT {MEETING_COLS} FROM meetings ORDER BY held_at DESC, id"
                ))
                .limit(limit),
            )
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn attendees(&self, meeting_id: Uuid) -> Result<Vec<Attendee>, StoreError> {
        let rows: Vec<AttendeeRow> = self
            .db
            .fetch_all(&Stmt::new("SELECT person_id, standing, present FROM meeting_attendees WHERE meeting_id = ? ORDER BY standing DESC, person_id").bind(meeting_id))
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| Attendee {
                person_id: r.person_id,
                standing: r.standing,
                present: r.present,
            })
            .collect())
    }

    async fn set_attendance(
        &self,
        meeting_id: Uuid,
        a: &Attendee,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Stmt::new(
                "INSERT INTO meeting_attendees (meeting_id, person_id, standing, present) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (meeting_id, person_id) DO UPDATE SET present = excluded.present",
            )
            .bind(meeting_id)
            .bind(a.person_id)
            .bind(a.standing)
            .bind(a.present),
        )
        .await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn agenda(&self, meeting_id: Uuid) -> Result<Vec<AgendaItem>, StoreError> {
        let rows: Vec<ItemRow> = self
            .db
            .fetch_all(&Stmt::new(&format!("SELECT {ITEM_COLS} FROM agenda_items WHERE meeting_id = ? ORDER BY position, id")).bind(meeting_id))
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn agenda_items_for_request(
        &self,
        request_id: Uuid,
    ) -> Result<Vec<AgendaItem>, StoreError> {
        let rows: Vec<ItemRow> = self
            .db
            .fetch_all(&Stmt::new(&format!("SELECT {ITEM_COLS} FROM agenda_items WHERE request_id = ? ORDER BY position, id")).bind(request_id))
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn scheduled_requests(&self) -> Result<Vec<Uuid>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            request_id: Uuid,
        }
        let rows: Vec<Row> = self
            .db
            .fetch_all(&Stmt::new(
                "SELECT DISTINCT request_id FROM agenda_items WHERE request_id IS NOT NULL AND decision IS NULL",
            ))
            .await?;
        Ok(rows.into_iter().map(|r| r.request_id).collect())
    }

    async fn add_agenda_item(
        &self,
        item: &AgendaItem,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        insert_item_in(&mut tx, item).await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn record_decision(
        &self,
        item: &AgendaItem,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                &Stmt::new("UPDATE agenda_items SET decision = ?, reasoning = ?, conditions = ?, decided_at = ? WHERE id = ? AND decision IS NULL")
                    .bind(item.decision.map(|d| d.id()))
                    .bind(item.reasoning.clone())
                    .bind(item.conditions.clone())
                    .bind(item.decided_at)
                    .bind(item.id),
            )
            .await?;
        if n != 1 {
            return Err(StoreError::Stale);
        }
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn add_action_item(
        &self,
        a: &ActionItem,
        notices: &[Notice],
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Stmt::new(
                "INSERT INTO action_items (id, meeting_id, agenda_item_id, title, owner_id, due_on, done_at, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(a.id)
            .bind(a.meeting_id)
            .bind(a.agenda_item_id)
            .bind(a.title.as_str())
            .bind(a.owner_id)
            .bind(a.due_on)
            .bind(a.done_at)
            .bind(audit.occurred_at),
        )
        .await?;
        notices_in(&mut tx, notices, audit.occurred_at).await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn action_items(
        &self,
        meeting_id: Option<Uuid>,
        owner_id: Option<Uuid>,
        open_only: bool,
    ) -> Result<Vec<ActionItem>, StoreError> {
        let mut s = Stmt::new(
            "SELECT id, meeting_id, agenda_item_id, title, owner_id, due_on, done_at FROM action_items WHERE 1 = 1",
        );
        if let Some(m) = meeting_id {
            s = s.push_bind(" AND meeting_id = ?", m);
        }
        if let Some(o) = owner_id {
            s = s.push_bind(" AND owner_id = ?", o);
        }
        if open_only {
            s = s.push(" AND done_at IS NULL");
        }
        s = s.push(" ORDER BY due_on, id");
        let rows: Vec<ActionRow> = self.db.fetch_all(&s).await?;
        Ok(rows
            .into_iter()
            .map(|r| ActionItem {
                id: r.id,
                meeting_id: r.meeting_id,
                agenda_item_id: r.agenda_item_id,
                title: r.title,
                owner_id: r.owner_id,
                due_on: r.due_on,
                done_at: r.done_at,
            })
            .collect())
    }

    async fn complete_action_item(
        &self,
        id: Uuid,
        owner_id: Uuid,
        at: OffsetDateTime,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(&Stmt::new("UPDATE action_items SET done_at = ? WHERE id = ? AND owner_id = ? AND done_at IS NULL").bind(at).bind(id).bind(owner_id))
            .await?;
        if n != 1 {
            return Err(StoreError::NotFound);
        }
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn publish_minutes(
        &self,
        m: &Meeting,
        notices: &[Notice],
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                &Stmt::new("UPDATE meetings SET state = ?, minutes = ?, published_at = ?, version = ? WHERE id = ? AND version = ?")
                    .bind(m.state.as_str())
                    .bind(m.minutes.clone())
                    .bind(m.published_at)
                    .bind(m.version)
                    .bind(m.id)
                    .bind(m.version - 1),
            )
            .await?;
        if n != 1 {
            return Err(StoreError::Stale);
        }
        notices_in(&mut tx, notices, audit.occurred_at).await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }
}
