//! Incidents, their systems, attachments and append-only timeline; the
//! recovery-priority register; customer complaints and their updates.

use async_trait::async_trait;
use mamori_app::ports::{
    AuditDraft, Complaint, ComplaintUpdate, Drill, Incident, IncidentEntry, IncidentFacts,
    IncidentFilter, IncidentRepo, Notice, Page, ResponseProcedure, StoreError, SystemRecord,
};
use mamori_domain::incidents::{EntryKind, Kind, State};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::SqlStore;
use crate::audit::{append_in, escape_like};
use crate::db::Tx;
use crate::sql::Stmt;
use crate::workflow::{insert_rows, next_ref_in, notices_in};

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Other(format!("unreadable {what}: {v}"))
}

/// A page of incidents, newest report first (one more than asked, to tell
/// whether there is a next page).
pub(crate) fn incident_list(f: &IncidentFilter) -> Stmt {
    let limit = f.limit.clamp(1, 500);
    let mut s = Stmt::new(&format!("SELECT {INC_COLS} FROM incidents WHERE 1 = 1"));
    if let Some(p) = f.involving {
        s = s
            .push_bind(" AND (reporter_id = ?", p)
            .push_bind(" OR lead_id = ?)", p);
    }
    if let Some(st) = f.state {
        s = s.push_bind(" AND state = ?", st.id());
    }
    if let Some(k) = f.kind {
        s = s.push_bind(" AND kind = ?", k.id());
    }
    if let Some(text) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pat = format!("%{}%", escape_like(&text.to_lowercase()));
        s = s
            .push_bind(" AND (LOWER(ref_no) LIKE ? ESCAPE '\\'", pat.as_str())
            .push_bind(" OR LOWER(title) LIKE ? ESCAPE '\\')", pat.as_str());
    }
    if let Some((at, id)) = f.after.as_deref().and_then(parse_cursor) {
        s = s
            .push_bind(" AND (reported_at < ?", at)
            .push_bind(" OR (reported_at = ?", at)
            .push_bind(" AND id < ?))", id);
    }
    s = s
        .push(" ORDER BY reported_at DESC, id DESC")
        .limit(i64::from(limit) + 1);
    s
}

/// A page's cursor: the last incident's report time and id.
fn cursor_of(i: &Incident) -> String {
    hex::encode(format!(
        "{}\n{}",
        i.reported_at.unix_timestamp_nanos(),
        i.id
    ))
}

fn parse_cursor(c: &str) -> Option<(OffsetDateTime, Uuid)> {
    let text = String::from_utf8(hex::decode(c).ok()?).ok()?;
    let (nanos, id) = text.split_once('\n')?;
    let at = OffsetDateTime::from_unix_timestamp_nanos(nanos.parse().ok()?).ok()?;
    Some((at, id.parse().ok()?))
}

#[derive(sqlx::FromRow)]
struct SystemRow {
    id: Uuid,
    name: String,
    business: String,
    priority: i64,
    decided_on: Date,
    version: i64,
}

const INC_COLS: &str = "id, ref_no, reporter_id, kind, state, title, description, location, occurred_at, reported_at, \
     confirmed, lead_id, procedure_name, recovery_due_at, recovered_at, board_victim, board_perpetrator, \
     board_reported_on, plan_technical, plan_organisational, plan_document_id, lessons, closed_at, version";

#[derive(sqlx::FromRow)]
struct IncRow {
    id: Uuid,
    ref_no: String,
    reporter_id: Uuid,
    kind: String,
    state: String,
    title: String,
    description: String,
    location: String,
    occurred_at: OffsetDateTime,
    reported_at: OffsetDateTime,
    confirmed: bool,
    lead_id: Option<Uuid>,
    procedure_name: Option<String>,
    recovery_due_at: Option<OffsetDateTime>,
    recovered_at: Option<OffsetDateTime>,
    board_victim: bool,
    board_perpetrator: bool,
    board_reported_on: Option<Date>,
    plan_technical: Option<String>,
    plan_organisational: Option<String>,
    plan_document_id: Option<Uuid>,
    lessons: Option<String>,
    closed_at: Option<OffsetDateTime>,
    version: i64,
}

impl TryFrom<IncRow> for Incident {
    type Error = StoreError;
    fn try_from(r: IncRow) -> Result<Incident, StoreError> {
        Ok(Incident {
            kind: Kind::parse(&r.kind).ok_or_else(|| corrupt("kind", &r.kind))?,
            state: State::parse(&r.state).ok_or_else(|| corrupt("state", &r.state))?,
            id: r.id,
            ref_no: r.ref_no,
            reporter_id: r.reporter_id,
            title: r.title,
            description: r.description,
            location: r.location,
            occurred_at: r.occurred_at,
            reported_at: r.reported_at,
            confirmed: r.confirmed,
            lead_id: r.lead_id,
            procedure_name: r.procedure_name,
            recovery_due_at: r.recovery_due_at,
            recovered_at: r.recovered_at,
            board_victim: r.board_victim,
            board_perpetrator: r.board_perpetrator,
            board_reported_on: r.board_reported_on,
            plan_technical: r.plan_technical,
            plan_organisational: r.plan_organisational,
            plan_document_id: r.plan_document_id,
            lessons: r.lessons,
            closed_at: r.closed_at,
            version: r.version,
        })
    }
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: Uuid,
    incident_id: Uuid,
    at: OffsetDateTime,
    author_id: Uuid,
    kind: String,
    body: String,
    corrects_id: Option<Uuid>,
}

const CMP_COLS: &str = "id, ref_no, customer, content, received_at, manager_id, first_report_at, leak, position, \
     stakeholders_notified_on, closed_at, version";

#[derive(sqlx::FromRow)]
struct CmpRow {
    id: Uuid,
    ref_no: String,
    customer: String,
    content: String,
    received_at: OffsetDateTime,
    manager_id: Uuid,
    first_report_at: Option<OffsetDateTime>,
    leak: bool,
    position: Option<String>,
    stakeholders_notified_on: Option<Date>,
    closed_at: Option<OffsetDateTime>,
    version: i64,
}

impl From<CmpRow> for Complaint {
    fn from(r: CmpRow) -> Complaint {
        Complaint {
            id: r.id,
            ref_no: r.ref_no,
            customer: r.customer,
            content: r.content,
            received_at: r.received_at,
            manager_id: r.manager_id,
            first_report_at: r.first_report_at,
            leak: r.leak,
            position: r.position,
            stakeholders_notified_on: r.stakeholders_notified_on,
            closed_at: r.closed_at,
            version: r.version,
        }
    }
}

const PROC_COLS: &str = "id, name, kinds, start_trigger, end_trigger, roles, lead_id, internal_contacts, \
     external_contacts, drill_duty_id, version";

#[derive(sqlx::FromRow)]
struct ProcRow {
    id: Uuid,
    name: String,
    kinds: String,
    start_trigger: String,
    end_trigger: String,
    roles: String,
    lead_id: Option<Uuid>,
    internal_contacts: String,
    external_contacts: String,
    drill_duty_id: Option<Uuid>,
    version: i64,
}

impl TryFrom<ProcRow> for ResponseProcedure {
    type Error = StoreError;
    fn try_from(r: ProcRow) -> Result<ResponseProcedure, StoreError> {
        Ok(ResponseProcedure {
            kinds: serde_json::from_str(&r.kinds).map_err(|_| corrupt("kinds", &r.kinds))?,
            id: r.id,
            name: r.name,
            start_trigger: r.start_trigger,
            end_trigger: r.end_trigger,
            roles: r.roles,
            lead_id: r.lead_id,
            internal_contacts: r.internal_contacts,
            external_contacts: r.external_contacts,
            drill_duty_id: r.drill_duty_id,
            version: r.version,
        })
    }
}

#[derive(sqlx::FromRow)]
struct DrillRow {
    id: Uuid,
    procedure_id: Uuid,
    held_on: Date,
    scenario: String,
    participants: String,
    problems: String,
    changes: String,
    recorded_by: Uuid,
    recorded_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct IdRow {
    id: Uuid,
}

#[derive(sqlx::FromRow)]
struct UpdateRow {
    id: Uuid,
    complaint_id: Uuid,
    at: OffsetDateTime,
    author_id: Uuid,
    body: String,
}

const ENTRY_INSERT: &str =
    "INSERT INTO incident_entries (id, incident_id, at, author_id, kind, body, corrects_id)";

fn entry_values(s: Stmt, e: &IncidentEntry) -> Stmt {
    s.bind(e.id)
        .bind(e.incident_id)
        .bind(e.at)
        .bind(e.author_id)
        .bind(e.kind.id())
        .bind(e.body.as_str())
        .bind(e.corrects_id)
}

async fn insert_entry_in(tx: &mut Tx, e: &IncidentEntry) -> Result<(), StoreError> {
    insert_rows(tx, ENTRY_INSERT, 7, std::slice::from_ref(e), |s, e| {
        Ok(entry_values(s, e))
    })
    .await
}

const INCIDENT_INSERT: &str = "INSERT INTO incidents (id, ref_no, reporter_id, reported_at, kind, state, title, description, \
     location, occurred_at, confirmed, lead_id, procedure_name, recovery_due_at, recovered_at, board_victim, \
     board_perpetrator, board_reported_on, plan_technical, plan_organisational, plan_document_id, lessons, \
     closed_at, version, updated_at)";

/// The 25 values of a new incident row as `INCIDENT_INSERT` names them.
fn new_incident_values(s: Stmt, i: &Incident, updated_at: OffsetDateTime) -> Stmt {
    let s = s
        .bind(i.id)
        .bind(i.ref_no.as_str())
        .bind(i.reporter_id)
        .bind(i.reported_at);
    incident_values(s, i).bind(updated_at)
}

fn incident_values(s: Stmt, i: &Incident) -> Stmt {
    s.bind(i.kind.id())
        .bind(i.state.id())
        .bind(i.title.as_str())
        .bind(i.description.as_str())
        .bind(i.location.as_str())
        .bind(i.occurred_at)
        .bind(i.confirmed)
        .bind(i.lead_id)
        .bind(i.procedure_name.clone())
        .bind(i.recovery_due_at)
        .bind(i.recovered_at)
        .bind(i.board_victim)
        .bind(i.board_perpetrator)
        .bind(i.board_reported_on)
        .bind(i.plan_technical.clone())
        .bind(i.plan_organisational.clone())
        .bind(i.plan_document_id)
        .bind(i.lessons.clone())
        .bind(i.closed_at)
        .bind(i.version)
}

async fn link_systems_in(tx: &mut Tx, incident: Uuid, systems: &[Uuid]) -> Result<(), StoreError> {
    tx.execute(&Stmt::new("DELETE FROM incident_systems WHERE incident_id = ?").bind(incident))
        .await?;
    for s in systems {
        tx.execute(
            &Stmt::new("INSERT INTO incident_systems (incident_id, system_id) VALUES (?, ?)")
                .bind(incident)
                .bind(*s),
        )
        .await?;
    }
    Ok(())
}

#[async_trait]
impl IncidentRepo for SqlStore {
    async fn systems(&self) -> Result<Vec<SystemRecord>, StoreError> {
        let rows: Vec<SystemRow> = self
            .db
            .fetch_all(&Stmt::new(
                "SELECT id, name, business, priority, decided_on, version FROM systems ORDER BY priority DESC, name",
            ))
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| SystemRecord {
                id: r.id,
                name: r.name,
                business: r.business,
                priority: r.priority,
                decided_on: r.decided_on,
                version: r.version,
            })
            .collect())
    }

    async fn save_system(&self, s: &SystemRecord, audit: AuditDraft) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let now = OffsetDateTime::now_utc();
        let n = if s.version == 1 {
            tx.execute(
                &Stmt::new(
                    "INSERT INTO systems (id, name, business, priority, decided_on, version, created_at, updated_at) \
                     VALUES (?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT (name) DO NOTHING",
                )
                .bind(s.id)
                .bind(s.name.as_str())
                .bind(s.business.as_str())
                .bind(s.priority)
                .bind(s.decided_on)
                .bind(now)
                .bind(now),
            )
            .await?
        } else {
            tx.execute(
                &Stmt::new(
                    "UPDATE systems SET name = ?, business = ?, priority = ?, decided_on = ?, version = ?, updated_at = ? \
                     WHERE id = ? AND version = ?",
                )
                .bind(s.name.as_str())
                .bind(s.business.as_str())
                .bind(s.priority)
                .bind(s.decided_on)
                .bind(s.version)
                .bind(now)
                .bind(s.id)
                .bind(s.version - 1),
            )
            .await?
        };
        if n != 1 {
            return Err(if s.version == 1 {
                StoreError::Duplicate("name")
            } else {
                StoreError::Stale
            });
        }
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn insert_incident(
        &self,
        i: &Incident,
        systems: &[Uuid],
        attachments: &[Uuid],
        notices: &[Notice],
        audit: AuditDraft,
    ) -> Result<Incident, StoreError> {
        let mut tx = self.db.begin().await?;
        let mut i = i.clone();
        i.ref_no = next_ref_in(&mut tx, "INC", i.reported_at).await?;
        let reported = i.reported_at;
        insert_rows(
            &mut tx,
            INCIDENT_INSERT,
            25,
            std::slice::from_ref(&i),
            |s, i| Ok(new_incident_values(s, i, reported)),
        )
        .await?;
        link_systems_in(&mut tx, i.id, systems).await?;
        for a in attachments {
            tx.execute(
                &Stmt::new(
                    "INSERT INTO incident_attachments (incident_id, attachment_id) VALUES (?, ?)",
                )
                .bind(i.id)
                .bind(*a),
            )
            .await?;
        }
        let notices: Vec<Notice> = notices
            .iter()
            .map(|n| Notice {
                title: n.title.replace("{ref}", &i.ref_no),
                body: n.body.replace("{ref}", &i.ref_no),
                dedupe_key: n.dedupe_key.replace("{ref}", &i.ref_no),
                ..n.clone()
            })
            .collect();
        notices_in(&mut tx, &notices, i.reported_at).await?;
        let mut audit = audit;
        audit.detail = Some(format!("{} {}", i.ref_no, i.title));
        append_in(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(i)
    }

    async fn update_incident(
        &self,
        i: &Incident,
        systems: Option<&[Uuid]>,
        entries: &[IncidentEntry],
        notices: &[Notice],
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let s = Stmt::new(
            "UPDATE incidents SET kind = ?, state = ?, title = ?, description = ?, location = ?, occurred_at = ?, \
             confirmed = ?, lead_id = ?, procedure_name = ?, recovery_due_at = ?, recovered_at = ?, board_victim = ?, \
             board_perpetrator = ?, board_reported_on = ?, plan_technical = ?, plan_organisational = ?, \
             plan_document_id = ?, lessons = ?, closed_at = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?",
        );
        let n = tx
            .execute(
                &incident_values(s, i)
                    .bind(OffsetDateTime::now_utc())
                    .bind(i.id)
                    .bind(i.version - 1),
            )
            .await?;
        if n != 1 {
            return Err(StoreError::Stale);
        }
        if let Some(systems) = systems {
            link_systems_in(&mut tx, i.id, systems).await?;
        }
        for e in entries {
            insert_entry_in(&mut tx, e).await?;
        }
        notices_in(&mut tx, notices, OffsetDateTime::now_utc()).await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn insert_incidents(
        &self,
        incidents: &[Incident],
        systems: &[(Uuid, Uuid)],
        entries: &[IncidentEntry],
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let now = audit.occurred_at;
        insert_rows(&mut tx, INCIDENT_INSERT, 25, incidents, |s, i| {
            Ok(new_incident_values(s, i, now))
        })
        .await?;
        insert_rows(
            &mut tx,
            "INSERT INTO incident_systems (incident_id, system_id)",
            2,
            systems,
            |s, (i, sys)| Ok(s.bind(*i).bind(*sys)),
        )
        .await?;
        insert_rows(&mut tx, ENTRY_INSERT, 7, entries, |s, e| {
            Ok(entry_values(s, e))
        })
        .await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn incidents(&self, f: &IncidentFilter) -> Result<Page<Incident>, StoreError> {
        let limit = f.limit.clamp(1, 500);
        let s = incident_list(f);
        let rows: Vec<IncRow> = self.db.fetch_all(&s).await?;
        let items = rows
            .into_iter()
            .map(TryInto::try_into)
            .collect::<Result<Vec<Incident>, _>>()?;
        Ok(Page::cut(items, limit, cursor_of))
    }

    async fn unclosed_incidents(&self) -> Result<Vec<Incident>, StoreError> {
        let open: Vec<&str> = State::ALL
            .iter()
            .filter(|st| **st != State::Closed)
            .map(|st| st.id())
            .collect();
        let marks = vec!["?"; open.len()].join(", ");
        let mut s = Stmt::new(&format!(
            "SELECT {INC_COLS} FROM incidents WHERE state IN ({marks}) ORDER BY reported_at DESC, id DESC"
        ));
        for st in open {
            s = s.bind(st);
        }
        let rows: Vec<IncRow> = self.db.fetch_all(&s).await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn incidents_by_id(&self, ids: &[Uuid]) -> Result<Vec<Incident>, StoreError> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let mut s = Stmt::new(&format!(
                "SELECT {INC_COLS} FROM incidents WHERE id IN ({marks})"
            ));
            for id in chunk {
                s = s.bind(*id);
            }
            let rows: Vec<IncRow> = self.db.fetch_all(&s).await?;
            for r in rows {
                out.push(Incident::try_from(r)?);
            }
        }
        out.sort_by_key(|i| std::cmp::Reverse((i.reported_at, i.id)));
        Ok(out)
    }

    async fn incident_facts(&self) -> Result<Vec<IncidentFacts>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct FactRow {
            kind: String,
            state: String,
            occurred_at: OffsetDateTime,
            reported_at: OffsetDateTime,
            recovery_due_at: Option<OffsetDateTime>,
            recovered_at: Option<OffsetDateTime>,
        }
        let rows: Vec<FactRow> = self
            .db
            .fetch_all(&Stmt::new(
                "SELECT kind, state, occurred_at, reported_at, recovery_due_at, recovered_at FROM incidents",
            ))
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(IncidentFacts {
                    kind: Kind::parse(&r.kind).ok_or_else(|| corrupt("kind", &r.kind))?,
                    state: State::parse(&r.state).ok_or_else(|| corrupt("state", &r.state))?,
                    occurred_at: r.occurred_at,
                    reported_at: r.reported_at,
                    recovery_due_at: r.recovery_due_at,
                    recovered_at: r.recovered_at,
                })
            })
            .collect()
    }

    async fn open_incidents_led_by(&self, lead_id: Uuid) -> Result<Vec<Incident>, StoreError> {
        let rows: Vec<IncRow> = self
            .db
            .fetch_all(
                &Stmt::new(&format!(
                    "SELECT {INC_COLS} FROM incidents WHERE lead_id = ? AND recovered_at IS NULL \
                     AND state <> 'closed' ORDER BY reported_at DESC"
                ))
                .bind(lead_id),
            )
            .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn incident(&self, id: Uuid) -> Result<Incident, StoreError> {
        let r: IncRow = self
            .db
            .fetch_one(
                &Stmt::new(&format!("SELECT {INC_COLS} FROM incidents WHERE id = ?")).bind(id),
            )
            .await?;
        r.try_into()
    }

    async fn incident_systems(&self, id: Uuid) -> Result<Vec<Uuid>, StoreError> {
        let rows: Vec<IdRow> = self
            .db
            .fetch_all(
                &Stmt::new("SELECT system_id AS id FROM incident_systems WHERE incident_id = ?")
                    .bind(id),
            )
            .await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    async fn incident_attachments(&self, id: Uuid) -> Result<Vec<Uuid>, StoreError> {
        let rows: Vec<IdRow> = self
            .db
            .fetch_all(
                &Stmt::new(
                    "SELECT attachment_id AS id FROM incident_attachments WHERE incident_id = ?",
                )
                .bind(id),
            )
            .await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    async fn incident_entries(&self, id: Uuid) -> Result<Vec<IncidentEntry>, StoreError> {
        let rows: Vec<EntryRow> = self
            .db
            .fetch_all(
                &Stmt::new(
                    "SELECT id, incident_id, at, author_id, kind, body, corrects_id FROM incident_entries \
                     WHERE incident_id = ? ORDER BY at, id",
                )
                .bind(id),
            )
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(IncidentEntry {
                    kind: EntryKind::parse(&r.kind)
                        .ok_or_else(|| corrupt("entry kind", &r.kind))?,
                    id: r.id,
                    incident_id: r.incident_id,
                    at: r.at,
                    author_id: r.author_id,
                    body: r.body,
                    corrects_id: r.corrects_id,
                })
            })
            .collect()
    }

    async fn incident_of_attachment(
        &self,
        attachment_id: Uuid,
    ) -> Result<Option<Uuid>, StoreError> {
        let rows: Vec<IdRow> = self
            .db
            .fetch_all(
                &Stmt::new(
                    "SELECT incident_id AS id FROM incident_attachments WHERE attachment_id = ?",
                )
                .bind(attachment_id),
            )
            .await?;
        Ok(rows.first().map(|r| r.id))
    }

    async fn insert_complaint(
        &self,
        c: &Complaint,
        audit: AuditDraft,
    ) -> Result<Complaint, StoreError> {
        let mut tx = self.db.begin().await?;
        let mut c = c.clone();
        c.ref_no = next_ref_in(&mut tx, "CMP", c.received_at).await?;
        tx.execute(
            &Stmt::new(&format!(
                "INSERT INTO complaints ({CMP_COLS}, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ))
            .bind(c.id)
            .bind(c.ref_no.as_str())
            .bind(c.customer.as_str())
            .bind(c.content.as_str())
            .bind(c.received_at)
            .bind(c.manager_id)
            .bind(c.first_report_at)
            .bind(c.leak)
            .bind(c.position.clone())
            .bind(c.stakeholders_notified_on)
            .bind(c.closed_at)
            .bind(c.version)
            .bind(OffsetDateTime::now_utc()),
        )
        .await?;
        let mut audit = audit;
        audit.detail = Some(format!("{} {}", c.ref_no, c.customer));
        append_in(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(c)
    }

    async fn update_complaint(
        &self,
        c: &Complaint,
        update: Option<&ComplaintUpdate>,
        notices: &[Notice],
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                &Stmt::new(
                    "UPDATE complaints SET customer = ?, content = ?, first_report_at = ?, leak = ?, position = ?, \
                     stakeholders_notified_on = ?, closed_at = ?, version = ? WHERE id = ? AND version = ?",
                )
                .bind(c.customer.as_str())
                .bind(c.content.as_str())
                .bind(c.first_report_at)
                .bind(c.leak)
                .bind(c.position.clone())
                .bind(c.stakeholders_notified_on)
                .bind(c.closed_at)
                .bind(c.version)
                .bind(c.id)
                .bind(c.version - 1),
            )
            .await?;
        if n != 1 {
            return Err(StoreError::Stale);
        }
        if let Some(u) = update {
            tx.execute(
                &Stmt::new(
                    "INSERT INTO complaint_updates (id, complaint_id, at, author_id, body) VALUES (?, ?, ?, ?, ?)",
                )
                .bind(u.id)
                .bind(u.complaint_id)
                .bind(u.at)
                .bind(u.author_id)
                .bind(u.body.as_str()),
            )
            .await?;
        }
        notices_in(&mut tx, notices, OffsetDateTime::now_utc()).await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn complaints(&self) -> Result<Vec<Complaint>, StoreError> {
        let rows: Vec<CmpRow> = self
            .db
            .fetch_all(&Stmt::new(&format!(
                "SELECT {CMP_COLS} FROM complaints ORDER BY received_at DESC, id DESC"
            )))
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn complaints_to_report(&self, manager_id: Uuid) -> Result<Vec<Complaint>, StoreError> {
        let rows: Vec<CmpRow> = self
            .db
            .fetch_all(
                &Stmt::new(&format!(
                    "SELECT {CMP_COLS} FROM complaints WHERE manager_id = ? AND first_report_at IS NULL \
                     ORDER BY received_at, id"
                ))
                .bind(manager_id),
            )
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn complaints_page(
        &self,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<Complaint>, u64), StoreError> {
        let rows: Vec<CmpRow> = self
            .db
            .fetch_all(
                &Stmt::new(&format!(
                    "SELECT {CMP_COLS} FROM complaints ORDER BY received_at DESC, id DESC"
                ))
                .limit(limit.clamp(1, 500))
                .push_bind(" OFFSET ?", i64::from(offset)),
            )
            .await?;
        let total = self
            .count(&Stmt::new("SELECT COUNT(*) AS n FROM complaints"))
            .await?;
        Ok((rows.into_iter().map(Into::into).collect(), total))
    }

    async fn complaint(&self, id: Uuid) -> Result<Complaint, StoreError> {
        let r: CmpRow = self
            .db
            .fetch_one(
                &Stmt::new(&format!("SELECT {CMP_COLS} FROM complaints WHERE id = ?")).bind(id),
            )
            .await?;
        Ok(r.into())
    }

    async fn procedures(&self) -> Result<Vec<ResponseProcedure>, StoreError> {
        let rows: Vec<ProcRow> = self
            .db
            .fetch_all(&Stmt::new(&format!(
                "SELECT {PROC_COLS} FROM response_procedures ORDER BY name"
            )))
            .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn save_procedure(
        &self,
        p: &ResponseProcedure,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let kinds =
            serde_json::to_string(&p.kinds).map_err(|e| StoreError::Other(e.to_string()))?;
        let mut tx = self.db.begin().await?;
        let now = OffsetDateTime::now_utc();
        let n = if p.version == 1 {
            tx.execute(
                &Stmt::new(&format!(
                    "INSERT INTO response_procedures ({PROC_COLS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
                     ON CONFLICT (name) DO NOTHING"
                ))
                .bind(p.id)
                .bind(p.name.as_str())
                .bind(kinds)
                .bind(p.start_trigger.as_str())
                .bind(p.end_trigger.as_str())
                .bind(p.roles.as_str())
                .bind(p.lead_id)
                .bind(p.internal_contacts.as_str())
                .bind(p.external_contacts.as_str())
                .bind(p.drill_duty_id)
                .bind(p.version)
                .bind(now),
            )
            .await?
        } else {
            tx.execute(
                &Stmt::new(
                    "UPDATE response_procedures SET name = ?, kinds = ?, start_trigger = ?, end_trigger = ?, roles = ?, \
                     lead_id = ?, internal_contacts = ?, external_contacts = ?, drill_duty_id = ?, version = ?, updated_at = ? \
                     WHERE id = ? AND version = ?",
                )
                .bind(p.name.as_str())
                .bind(kinds)
                .bind(p.start_trigger.as_str())
                .bind(p.end_trigger.as_str())
                .bind(p.roles.as_str())
                .bind(p.lead_id)
                .bind(p.internal_contacts.as_str())
                .bind(p.external_contacts.as_str())
                .bind(p.drill_duty_id)
                .bind(p.version)
                .bind(now)
                .bind(p.id)
                .bind(p.version - 1),
            )
            .await?
        };
        if n != 1 {
            return Err(if p.version == 1 {
                StoreError::Duplicate("name")
            } else {
                StoreError::Stale
            });
        }
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn drills(&self, procedure_id: Option<Uuid>) -> Result<Vec<Drill>, StoreError> {
        let mut s = Stmt::new(
            "SELECT id, procedure_id, held_on, scenario, participants, problems, changes, recorded_by, recorded_at \
             FROM drills WHERE 1 = 1",
        );
        if let Some(p) = procedure_id {
            s = s.push_bind(" AND procedure_id = ?", p);
        }
        s = s.push(" ORDER BY held_on DESC");
        let rows: Vec<DrillRow> = self.db.fetch_all(&s).await?;
        Ok(rows
            .into_iter()
            .map(|r| Drill {
                id: r.id,
                procedure_id: r.procedure_id,
                held_on: r.held_on,
                scenario: r.scenario,
                participants: r.participants,
                problems: r.problems,
                changes: r.changes,
                recorded_by: r.recorded_by,
                recorded_at: r.recorded_at,
            })
            .collect())
    }

    async fn add_drill(&self, d: &Drill, audit: AuditDraft) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Stmt::new(
                "INSERT INTO drills (id, procedure_id, held_on, scenario, participants, problems, changes, recorded_by, recorded_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(d.id)
            .bind(d.procedure_id)
            .bind(d.held_on)
            .bind(d.scenario.as_str())
            .bind(d.participants.as_str())
            .bind(d.problems.as_str())
            .bind(d.changes.as_str())
            .bind(d.recorded_by)
            .bind(d.recorded_at),
        )
        .await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn complaint_updates(&self, id: Uuid) -> Result<Vec<ComplaintUpdate>, StoreError> {
        let rows: Vec<UpdateRow> = self
            .db
            .fetch_all(
                &Stmt::new(
                    "SELECT id, complaint_id, at, author_id, body FROM complaint_updates WHERE complaint_id = ? ORDER BY at",
                )
                .bind(id),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| ComplaintUpdate {
                id: r.id,
                complaint_id: r.complaint_id,
                at: r.at,
                author_id: r.author_id,
                body: r.body,
            })
            .collect())
    }
}
