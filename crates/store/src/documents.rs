//! The document library: documents, versions, readers' records, paper
//! copies and outside disclosures.

use std::collections::HashMap;

use async_trait::async_trait;
use mamori_app::ports::{
    AuditDraft, Disclosure, DocVersion, Document, DocumentRepo, Notice, PaperCopy, ReadRecord,
    ReaderFilter, ReaderLine, ReadingCount, ReadingTally, StoreError, VersionHead,
};
use mamori_domain::documents::{
    Audience, Confidentiality, ReadStatus, RecordKind, Tier, VersionState,
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::SqlStore;
use crate::audit::append_in;
use crate::db::Tx;
use crate::sql::Stmt;
use crate::workflow::{insert_rows, next_ref_in, notices_in};

const DOC_COLS: &str = "id, ref_no, code, title, tier, record_kind, parent_id, owner_id, confidentiality, audience, \
     review_duty_id, disposed_at, disposal_reason, disposal_method, disposal_request_id, version, created_at";

#[derive(sqlx::FromRow)]
struct DocRow {
    id: Uuid,
    ref_no: String,
    code: Option<String>,
    title: String,
    tier: String,
    record_kind: Option<String>,
    parent_id: Option<Uuid>,
    owner_id: Uuid,
    confidentiality: String,
    audience: String,
    review_duty_id: Option<Uuid>,
    disposed_at: Option<OffsetDateTime>,
    disposal_reason: Option<String>,
    disposal_method: Option<String>,
    disposal_request_id: Option<Uuid>,
    version: i64,
    created_at: OffsetDateTime,
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Other(format!("unreadable {what}: {value}"))
}

impl TryFrom<DocRow> for Document {
    type Error = StoreError;
    fn try_from(r: DocRow) -> Result<Document, StoreError> {
        Ok(Document {
            id: r.id,
            ref_no: r.ref_no,
            code: r.code,
            tier: Tier::parse(&r.tier).ok_or_else(|| corrupt("tier", &r.tier))?,
            record_kind: r.record_kind.as_deref().and_then(RecordKind::parse),
            title: r.title,
            parent_id: r.parent_id,
            owner_id: r.owner_id,
            confidentiality: Confidentiality::parse(&r.confidentiality)
                .ok_or_else(|| corrupt("confidentiality", &r.confidentiality))?,
            audience: serde_json::from_str::<Audience>(&r.audience)
                .map_err(|_| corrupt("audience", &r.audience))?,
            review_duty_id: r.review_duty_id,
            disposed_at: r.disposed_at,
            disposal_reason: r.disposal_reason,
            disposal_method: r.disposal_method,
            disposal_request_id: r.disposal_request_id,
            version: r.version,
            created_at: r.created_at,
        })
    }
}

const VER_COLS: &str = "id, document_id, number, body, change_summary, state, author_id, request_id, effective_on, \
     approved_on, published_at, quiz, imported, version, created_at";

#[derive(sqlx::FromRow)]
struct VerRow {
    id: Uuid,
    document_id: Uuid,
    number: i64,
    body: String,
    change_summary: String,
    state: String,
    author_id: Uuid,
    request_id: Option<Uuid>,
    effective_on: Option<Date>,
    approved_on: Option<Date>,
    published_at: Option<OffsetDateTime>,
    quiz: Option<String>,
    imported: bool,
    version: i64,
    created_at: OffsetDateTime,
}

impl TryFrom<VerRow> for DocVersion {
    type Error = StoreError;
    fn try_from(r: VerRow) -> Result<DocVersion, StoreError> {
        let quiz = match r.quiz.as_deref() {
            Some(q) => Some(serde_json::from_str(q).map_err(|_| corrupt("quiz", q))?),
            None => None,
        };
        Ok(DocVersion {
            id: r.id,
            document_id: r.document_id,
            number: r.number,
            body: r.body,
            change_summary: r.change_summary,
            state: VersionState::parse(&r.state).ok_or_else(|| corrupt("state", &r.state))?,
            author_id: r.author_id,
            request_id: r.request_id,
            effective_on: r.effective_on,
            approved_on: r.approved_on,
            published_at: r.published_at,
            quiz,
            imported: r.imported,
            version: r.version,
            created_at: r.created_at,
        })
    }
}

const READ_COLS: &str = "version_id, person_id, notified_at, due_at, completed_at, attempts, last_score, \
     exempt_reason, exempted_by, exempted_at, reminded_at";

#[derive(sqlx::FromRow)]
struct ReadRow {
    version_id: Uuid,
    person_id: Uuid,
    notified_at: OffsetDateTime,
    due_at: OffsetDateTime,
    completed_at: Option<OffsetDateTime>,
    attempts: i64,
    last_score: Option<i64>,
    exempt_reason: Option<String>,
    exempted_by: Option<Uuid>,
    exempted_at: Option<OffsetDateTime>,
    reminded_at: Option<OffsetDateTime>,
}

/// Per current version (or the one given), its readers (of these
/// departments, when given) by where they stand at `now`.
pub(crate) fn reading_count_list(
    departments: Option<&[Uuid]>,
    version: Option<Uuid>,
    now: OffsetDateTime,
) -> Stmt {
    let mut s = Stmt::new(
        "SELECT r.version_id, \
         SUM(CASE WHEN r.completed_at IS NOT NULL THEN 1 ELSE 0 END) AS done, \
         SUM(CASE WHEN r.completed_at IS NULL AND r.exempt_reason IS NOT NULL THEN 1 ELSE 0 END) AS exempted, \
         SUM(CASE WHEN r.completed_at IS NULL AND r.exempt_reason IS NULL AND r.due_at < ? THEN 1 ELSE 0 END) AS overdue, \
         COUNT(*) AS total \
         FROM document_reads r JOIN document_versions v ON v.id = r.version_id",
    )
    .bind(now);
    if let Some(ds) = departments {
        s = in_departments(s.push(" JOIN people p ON p.id = r.person_id AND"), ds);
    }
    s = s.push(" WHERE v.state = 'current'");
    if let Some(v) = version {
        s = s.push_bind(" AND r.version_id = ?", v);
    }
    s.push(" GROUP BY r.version_id")
}

/// A page of a version's readers, overdue first, and the count of all that match.
pub(crate) fn reader_list(f: &ReaderFilter) -> (Stmt, Stmt) {
    let mut filter = Stmt::new(
        " FROM document_reads r JOIN people p ON p.id = r.person_id \
         LEFT JOIN departments d ON d.id = p.department_id WHERE r.version_id = ?",
    )
    .bind(f.version_id);
    if let Some(ds) = f.departments.as_deref() {
        filter = in_departments(filter.push(" AND"), ds);
    }
    filter = match f.status {
        None => filter,
        Some(ReadStatus::Done) => filter.push(" AND r.completed_at IS NOT NULL"),
        Some(ReadStatus::Exempted) => {
            filter.push(" AND r.completed_at IS NULL AND r.exempt_reason IS NOT NULL")
        }
        Some(ReadStatus::Overdue) => filter.push_bind(
            " AND r.completed_at IS NULL AND r.exempt_reason IS NULL AND r.due_at < ?",
            f.now,
        ),
        Some(ReadStatus::Pending) => filter.push_bind(
            " AND r.completed_at IS NULL AND r.exempt_reason IS NULL AND r.due_at >= ?",
            f.now,
        ),
    };
    let (where_sql, where_args) = filter.into_parts();
    let count = Stmt::new(&format!("SELECT COUNT(*) AS n{where_sql}")).extend(where_args.clone());
    let cols: Vec<String> = READ_COLS.split(", ").map(|c| format!("r.{c}")).collect();
    let s = Stmt::new(&format!(
        "SELECT {}, p.name AS person_name, d.name AS department_name",
        cols.join(", ")
    ))
    .push(&where_sql)
    .extend(where_args)
    .push_bind(
        " ORDER BY CASE WHEN r.completed_at IS NOT NULL THEN 3 \
         WHEN r.exempt_reason IS NOT NULL THEN 2 WHEN r.due_at < ? THEN 0 ELSE 1 END, \
         COALESCE(d.name, ''), p.name, p.id",
        f.now,
    )
    .limit(f.limit.clamp(1, 500))
    .push_bind(" OFFSET ?", i64::from(f.offset));
    (s, count)
}

/// ` p.department_id IN (…)` for a non-empty list.
fn in_departments(s: Stmt, departments: &[Uuid]) -> Stmt {
    let marks = vec!["?"; departments.len()].join(", ");
    let mut s = s.push(&format!(" p.department_id IN ({marks})"));
    for d in departments {
        s = s.bind(*d);
    }
    s
}

impl From<ReadRow> for ReadRecord {
    fn from(r: ReadRow) -> ReadRecord {
        ReadRecord {
            version_id: r.version_id,
            person_id: r.person_id,
            notified_at: r.notified_at,
            due_at: r.due_at,
            completed_at: r.completed_at,
            attempts: r.attempts,
            last_score: r.last_score,
            exempt_reason: r.exempt_reason,
            exempted_by: r.exempted_by,
            exempted_at: r.exempted_at,
            reminded_at: r.reminded_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct PaperRow {
    id: Uuid,
    document_id: Uuid,
    version_number: i64,
    copies: i64,
    location: String,
    holder: String,
    recorded_by: Uuid,
    recorded_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct DisclosureRow {
    id: Uuid,
    document_id: Uuid,
    version_number: i64,
    recipient: String,
    purpose: String,
    nda_reference: String,
    nda_signed_on: Option<Date>,
    disclosed_by: Uuid,
    disclosed_at: OffsetDateTime,
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Other(e.to_string()))
}

/// The 16 values of a version row (`VER_COLS`, updated_at).
fn version_values(s: Stmt, v: &DocVersion) -> Result<Stmt, StoreError> {
    let quiz = v.quiz.as_ref().map(json).transpose()?;
    Ok(s.bind(v.id)
        .bind(v.document_id)
        .bind(v.number)
        .bind(v.body.as_str())
        .bind(v.change_summary.as_str())
        .bind(v.state.id())
        .bind(v.author_id)
        .bind(v.request_id)
        .bind(v.effective_on)
        .bind(v.approved_on)
        .bind(v.published_at)
        .bind(quiz)
        .bind(v.imported)
        .bind(v.version)
        .bind(v.created_at)
        .bind(v.created_at))
}

/// The 18 values of a document row (`DOC_COLS`, updated_at).
fn document_values(s: Stmt, d: &Document) -> Result<Stmt, StoreError> {
    Ok(s.bind(d.id)
        .bind(d.ref_no.as_str())
        .bind(d.code.clone())
        .bind(d.title.as_str())
        .bind(d.tier.id())
        .bind(d.record_kind.map(|k| k.id()))
        .bind(d.parent_id)
        .bind(d.owner_id)
        .bind(d.confidentiality.id())
        .bind(json(&d.audience)?)
        .bind(d.review_duty_id)
        .bind(d.disposed_at)
        .bind(d.disposal_reason.clone())
        .bind(d.disposal_method.clone())
        .bind(d.disposal_request_id)
        .bind(d.version)
        .bind(d.created_at)
        .bind(d.created_at))
}

/// The 11 values of a reader's record (`READ_COLS`).
fn read_values(s: Stmt, r: &ReadRecord) -> Stmt {
    s.bind(r.version_id)
        .bind(r.person_id)
        .bind(r.notified_at)
        .bind(r.due_at)
        .bind(r.completed_at)
        .bind(r.attempts)
        .bind(r.last_score)
        .bind(r.exempt_reason.clone())
        .bind(r.exempted_by)
        .bind(r.exempted_at)
        .bind(r.reminded_at)
}

async fn insert_version_in(tx: &mut Tx, v: &DocVersion) -> Result<(), StoreError> {
    insert_rows(
        tx,
        &version_insert(),
        16,
        std::slice::from_ref(v),
        version_values,
    )
    .await
}

fn document_insert() -> String {
    format!("INSERT INTO documents ({DOC_COLS}, updated_at)")
}

fn version_insert() -> String {
    format!("INSERT INTO document_versions ({VER_COLS}, updated_at)")
}

async fn update_version_in(tx: &mut Tx, v: &DocVersion) -> Result<(), StoreError> {
    let quiz = v.quiz.as_ref().map(json).transpose()?;
    let n = tx
        .execute(
            &Stmt::new(
                "UPDATE document_versions SET body = ?, change_summary = ?, state = ?, request_id = ?, effective_on = ?, \
                 approved_on = ?, published_at = ?, quiz = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?",
            )
            .bind(v.body.as_str())
            .bind(v.change_summary.as_str())
            .bind(v.state.id())
            .bind(v.request_id)
            .bind(v.effective_on)
            .bind(v.approved_on)
            .bind(v.published_at)
            .bind(quiz)
            .bind(v.version)
            .bind(OffsetDateTime::now_utc())
            .bind(v.id)
            .bind(v.version - 1),
        )
        .await?;
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::Stale)
    }
}

/// A count per version (`SELECT r.version_id, COUNT(*) AS n … GROUP BY`).
#[derive(sqlx::FromRow)]
struct VersionCount {
    version_id: Uuid,
    n: i64,
}

impl VersionCount {
    fn pair(self) -> (Uuid, u64) {
        (self.version_id, u64::try_from(self.n).unwrap_or(0))
    }
}

#[async_trait]
impl DocumentRepo for SqlStore {
    async fn insert_document(
        &self,
        d: &Document,
        first: Option<&DocVersion>,
        audit: AuditDraft,
    ) -> Result<Document, StoreError> {
        let mut tx = self.db.begin().await?;
        let mut d = d.clone();
        d.ref_no = next_ref_in(&mut tx, "D", d.created_at).await?;
        insert_rows(
            &mut tx,
            &document_insert(),
            18,
            std::slice::from_ref(&d),
            document_values,
        )
        .await?;
        if let Some(v) = first {
            insert_version_in(&mut tx, v).await?;
        }
        let mut audit = audit;
        audit.entity_id = Some(d.id.to_string());
        audit.detail = Some(format!("{} {}", d.ref_no, d.title));
        append_in(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(d)
    }

    async fn update_document(&self, d: &Document, audit: AuditDraft) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                &Stmt::new(
                    "UPDATE documents SET title = ?, tier = ?, record_kind = ?, parent_id = ?, owner_id = ?, confidentiality = ?, \
                     audience = ?, review_duty_id = ?, disposed_at = ?, disposal_reason = ?, disposal_method = ?, \
                     disposal_request_id = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?",
                )
                .bind(d.title.as_str())
                .bind(d.tier.id())
                .bind(d.record_kind.map(|k| k.id()))
                .bind(d.parent_id)
                .bind(d.owner_id)
                .bind(d.confidentiality.id())
                .bind(json(&d.audience)?)
                .bind(d.review_duty_id)
                .bind(d.disposed_at)
                .bind(d.disposal_reason.clone())
                .bind(d.disposal_method.clone())
                .bind(d.disposal_request_id)
                .bind(d.version)
                .bind(OffsetDateTime::now_utc())
                .bind(d.id)
                .bind(d.version - 1),
            )
            .await?;
        if n != 1 {
            return Err(StoreError::Stale);
        }
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn documents(&self) -> Result<Vec<Document>, StoreError> {
        let rows: Vec<DocRow> = self
            .db
            .fetch_all(&Stmt::new(&format!(
                "SELECT {DOC_COLS} FROM documents ORDER BY ref_no"
            )))
            .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn document(&self, id: Uuid) -> Result<Document, StoreError> {
        let row: DocRow = self
            .db
            .fetch_one(
                &Stmt::new(&format!("SELECT {DOC_COLS} FROM documents WHERE id = ?")).bind(id),
            )
            .await?;
        row.try_into()
    }

    async fn doc_versions(&self, document_id: Uuid) -> Result<Vec<DocVersion>, StoreError> {
        let rows: Vec<VerRow> = self
            .db
            .fetch_all(
                &Stmt::new(&format!(
                    "SELECT {VER_COLS} FROM document_versions WHERE document_id = ? ORDER BY number DESC"
                ))
                .bind(document_id),
            )
            .await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn doc_version(&self, id: Uuid) -> Result<DocVersion, StoreError> {
        let row: VerRow = self
            .db
            .fetch_one(
                &Stmt::new(&format!(
                    "SELECT {VER_COLS} FROM document_versions WHERE id = ?"
                ))
                .bind(id),
            )
            .await?;
        row.try_into()
    }

    async fn version_heads(&self, states: &[VersionState]) -> Result<Vec<VersionHead>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct HeadRow {
            id: Uuid,
            document_id: Uuid,
            number: i64,
            state: String,
            effective_on: Option<Date>,
        }
        if states.is_empty() {
            return Ok(vec![]);
        }
        let marks = vec!["?"; states.len()].join(", ");
        let mut s = Stmt::new(&format!(
            "SELECT id, document_id, number, state, effective_on FROM document_versions \
             WHERE state IN ({marks}) ORDER BY document_id, number"
        ));
        for st in states {
            s = s.bind(st.id());
        }
        let rows: Vec<HeadRow> = self.db.fetch_all(&s).await?;
        rows.into_iter()
            .map(|r| {
                Ok(VersionHead {
                    state: VersionState::parse(&r.state).ok_or_else(|| {
                        StoreError::Other(format!("unreadable state: {}", r.state))
                    })?,
                    id: r.id,
                    document_id: r.document_id,
                    number: r.number,
                    effective_on: r.effective_on,
                })
            })
            .collect()
    }

    async fn doc_versions_in(
        &self,
        states: &[VersionState],
    ) -> Result<Vec<DocVersion>, StoreError> {
        if states.is_empty() {
            return Ok(vec![]);
        }
        let marks = vec!["?"; states.len()].join(", ");
        let mut s = Stmt::new(&format!(
            "SELECT {VER_COLS} FROM document_versions WHERE state IN ({marks}) ORDER BY document_id, number"
        ));
        for st in states {
            s = s.bind(st.id());
        }
        let rows: Vec<VerRow> = self.db.fetch_all(&s).await?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    async fn insert_doc_version(
        &self,
        v: &DocVersion,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        insert_version_in(&mut tx, v).await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn update_doc_version(
        &self,
        v: &DocVersion,
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        update_version_in(&mut tx, v).await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn publish_doc_version(
        &self,
        v: &DocVersion,
        reads: &[ReadRecord],
        notices: &[Notice],
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Stmt::new(
                "UPDATE document_versions SET state = 'superseded', version = version + 1 \
                 WHERE document_id = ? AND state = 'current' AND id <> ?",
            )
            .bind(v.document_id)
            .bind(v.id),
        )
        .await?;
        update_version_in(&mut tx, v).await?;
        for r in reads {
            save_read_in(&mut tx, r).await?;
        }
        let at = v.published_at.unwrap_or_else(OffsetDateTime::now_utc);
        notices_in(&mut tx, notices, at).await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn add_reads(
        &self,
        reads: &[ReadRecord],
        notices: &[Notice],
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        for r in reads {
            save_read_in(&mut tx, r).await?;
        }
        notices_in(&mut tx, notices, OffsetDateTime::now_utc()).await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn insert_library(
        &self,
        documents: &[Document],
        versions: &[DocVersion],
        reads: &[ReadRecord],
        audit: AuditDraft,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        insert_rows(&mut tx, &document_insert(), 18, documents, document_values).await?;
        insert_rows(&mut tx, &version_insert(), 16, versions, version_values).await?;
        insert_rows(
            &mut tx,
            &format!("INSERT INTO document_reads ({READ_COLS})"),
            11,
            reads,
            |s, r| Ok(read_values(s, r)),
        )
        .await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn reads_of_version(&self, version_id: Uuid) -> Result<Vec<ReadRecord>, StoreError> {
        let rows: Vec<ReadRow> = self
            .db
            .fetch_all(
                &Stmt::new(&format!(
                    "SELECT {READ_COLS} FROM document_reads WHERE version_id = ?"
                ))
                .bind(version_id),
            )
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn reading_counts(
        &self,
        departments: Option<&[Uuid]>,
        version: Option<Uuid>,
        now: OffsetDateTime,
    ) -> Result<Vec<ReadingCount>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct CountRow {
            version_id: Uuid,
            done: i64,
            exempted: i64,
            overdue: i64,
            total: i64,
        }
        if departments.is_some_and(<[Uuid]>::is_empty) {
            return Ok(vec![]);
        }
        if departments.is_none() {
            return self.company_reading_counts(version, now).await;
        }
        let s = reading_count_list(departments, version, now);
        let rows: Vec<CountRow> = self.db.fetch_all(&s).await?;
        let n = |x: i64| u64::try_from(x).unwrap_or(0);
        Ok(rows
            .into_iter()
            .map(|r| ReadingCount {
                version_id: r.version_id,
                done: n(r.done),
                exempted: n(r.exempted),
                overdue: n(r.overdue),
                pending: n(r.total - r.done - r.exempted - r.overdue),
            })
            .collect())
    }

    async fn reading_tallies(
        &self,
        version: Option<Uuid>,
    ) -> Result<Vec<ReadingTally>, StoreError> {
        let counts = |s: Stmt| async move {
            let s = match version {
                Some(v) => s.push_bind(" AND r.version_id = ?", v),
                None => s,
            };
            let rows: Vec<VersionCount> =
                self.db.fetch_all(&s.push(" GROUP BY r.version_id")).await?;
            Ok::<_, StoreError>(rows.into_iter().map(VersionCount::pair))
        };
        let readers = counts(Stmt::new(
            "SELECT r.version_id, COUNT(*) AS n FROM document_reads r \
             JOIN document_versions v ON v.id = r.version_id WHERE v.state = 'current'",
        ))
        .await?;
        // The conditions of the partial indexes `document_reads_open` and
        // `document_reads_exempt`, written as they are so both engines use them.
        let open: HashMap<Uuid, u64> = counts(Stmt::new(
            "SELECT r.version_id, COUNT(*) AS n FROM document_reads r \
             WHERE r.completed_at IS NULL AND r.exempt_reason IS NULL",
        ))
        .await?
        .collect();
        let exempted: HashMap<Uuid, u64> = counts(Stmt::new(
            "SELECT r.version_id, COUNT(*) AS n FROM document_reads r \
             WHERE r.exempt_reason IS NOT NULL AND (r.completed_at IS NULL OR r.completed_at > r.due_at) \
             AND r.completed_at IS NULL",
        ))
        .await?
        .collect();
        Ok(readers
            .map(|(version_id, readers)| ReadingTally {
                version_id,
                readers,
                open: open.get(&version_id).copied().unwrap_or(0),
                exempted: exempted.get(&version_id).copied().unwrap_or(0),
            })
            .collect())
    }

    async fn overdue_reads(
        &self,
        version: Option<Uuid>,
        now: OffsetDateTime,
    ) -> Result<Vec<(Uuid, u64)>, StoreError> {
        // The condition of the partial index `document_reads_open_due`.
        let mut s = Stmt::new(
            "SELECT r.version_id, COUNT(*) AS n FROM document_reads r \
             WHERE r.completed_at IS NULL AND r.exempt_reason IS NULL AND r.due_at < ?",
        )
        .bind(now);
        if let Some(v) = version {
            s = s.push_bind(" AND r.version_id = ?", v);
        }
        let rows: Vec<VersionCount> = self.db.fetch_all(&s.push(" GROUP BY r.version_id")).await?;
        Ok(rows.into_iter().map(VersionCount::pair).collect())
    }

    async fn version_readers(
        &self,
        f: &ReaderFilter,
    ) -> Result<(Vec<ReaderLine>, u64), StoreError> {
        #[derive(sqlx::FromRow)]
        struct LineRow {
            #[sqlx(flatten)]
            read: ReadRow,
            person_name: String,
            department_name: Option<String>,
        }
        #[derive(sqlx::FromRow)]
        struct CountRow {
            n: i64,
        }
        if f.departments.as_deref().is_some_and(<[Uuid]>::is_empty) {
            return Ok((vec![], 0));
        }
        let (list, count) = reader_list(f);
        let total: CountRow = self.db.fetch_one(&count).await?;
        let rows: Vec<LineRow> = self.db.fetch_all(&list).await?;
        Ok((
            rows.into_iter()
                .map(|r| ReaderLine {
                    read: r.read.into(),
                    name: r.person_name,
                    department: r.department_name,
                })
                .collect(),
            u64::try_from(total.n).unwrap_or(0),
        ))
    }

    async fn reads_of_person(&self, person_id: Uuid) -> Result<Vec<ReadRecord>, StoreError> {
        let rows: Vec<ReadRow> = self
            .db
            .fetch_all(
                &Stmt::new(&format!(
                    "SELECT {READ_COLS} FROM document_reads WHERE person_id = ? ORDER BY notified_at DESC"
                ))
                .bind(person_id),
            )
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn save_read(
        &self,
        r: &ReadRecord,
        notices: &[Notice],
        audit: Option<AuditDraft>,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        save_read_in(&mut tx, r).await?;
        notices_in(&mut tx, notices, OffsetDateTime::now_utc()).await?;
        if let Some(a) = audit {
            append_in(&mut tx, a).await?;
        }
        tx.commit().await
    }

    async fn add_paper_copy(&self, c: &PaperCopy, audit: AuditDraft) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Stmt::new(
                "INSERT INTO document_paper_copies (id, document_id, version_number, copies, location, holder, recorded_by, recorded_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(c.id)
            .bind(c.document_id)
            .bind(c.version_number)
            .bind(c.copies)
            .bind(c.location.as_str())
            .bind(c.holder.as_str())
            .bind(c.recorded_by)
            .bind(c.recorded_at),
        )
        .await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn paper_copies(&self, document_id: Uuid) -> Result<Vec<PaperCopy>, StoreError> {
        let rows: Vec<PaperRow> = self
            .db
            .fetch_all(
                &Stmt::new(
                    "SELECT id, document_id, version_number, copies, location, holder, recorded_by, recorded_at \
                     FROM document_paper_copies WHERE document_id = ? ORDER BY recorded_at DESC",
                )
                .bind(document_id),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| PaperCopy {
                id: r.id,
                document_id: r.document_id,
                version_number: r.version_number,
                copies: r.copies,
                location: r.location,
                holder: r.holder,
                recorded_by: r.recorded_by,
                recorded_at: r.recorded_at,
            })
            .collect())
    }

    async fn add_disclosure(&self, d: &Disclosure, audit: AuditDraft) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            &Stmt::new(
                "INSERT INTO document_disclosures (id, document_id, version_number, recipient, purpose, nda_reference, \
                 nda_signed_on, disclosed_by, disclosed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(d.id)
            .bind(d.document_id)
            .bind(d.version_number)
            .bind(d.recipient.as_str())
            .bind(d.purpose.as_str())
            .bind(d.nda_reference.as_str())
            .bind(d.nda_signed_on)
            .bind(d.disclosed_by)
            .bind(d.disclosed_at),
        )
        .await?;
        append_in(&mut tx, audit).await?;
        tx.commit().await
    }

    async fn disclosures(&self, document_id: Uuid) -> Result<Vec<Disclosure>, StoreError> {
        let rows: Vec<DisclosureRow> = self
            .db
            .fetch_all(
                &Stmt::new(
                    "SELECT id, document_id, version_number, recipient, purpose, nda_reference, nda_signed_on, disclosed_by, disclosed_at \
                     FROM document_disclosures WHERE document_id = ? ORDER BY disclosed_at DESC",
                )
                .bind(document_id),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| Disclosure {
                id: r.id,
                document_id: r.document_id,
                version_number: r.version_number,
                recipient: r.recipient,
                purpose: r.purpose,
                nda_reference: r.nda_reference,
                nda_signed_on: r.nda_signed_on,
                disclosed_by: r.disclosed_by,
                disclosed_at: r.disclosed_at,
            })
            .collect())
    }
}

async fn save_read_in(tx: &mut Tx, r: &ReadRecord) -> Result<(), StoreError> {
    tx.execute(&read_values(
        Stmt::new(&format!(
            "INSERT INTO document_reads ({READ_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (version_id, person_id) DO UPDATE SET completed_at = excluded.completed_at, \
             attempts = excluded.attempts, last_score = excluded.last_score, exempt_reason = excluded.exempt_reason, \
             exempted_by = excluded.exempted_by, exempted_at = excluded.exempted_at, reminded_at = excluded.reminded_at"
        )),
        r,
    ))
    .await
    .map(|_| ())
}

impl SqlStore {
    /// The whole company's counts without reading every reader's row: the
    /// totals from the primary key's index, the open and exempted checks
    /// (a few thousand of hundreds of thousands) from their partial indexes.
    async fn company_reading_counts(
        &self,
        version: Option<Uuid>,
        now: OffsetDateTime,
    ) -> Result<Vec<ReadingCount>, StoreError> {
        let tallies = self.reading_tallies(version).await?;
        Ok(ReadingTally::all_at(
            &tallies,
            self.overdue_reads(version, now).await?,
        ))
    }
}
