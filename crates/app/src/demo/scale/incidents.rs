//! A year of incidents (INC-4.2–4.4): reported by the staff — lost
//! devices and system failures most, leaks and attacks fewer — triaged by
//! the 事務局 who appoints the 実行責任者, their timelines kept, recovered
//! against the deadlines of the systems' recovery priorities, and closed
//! once the month's recurrence-prevention plan is published, the lessons
//! recorded and, when required, the board told. The last weeks' are open.

use mamori_domain::Role;
use mamori_domain::incidents::{
    self as rules, CloseCheck, EntryKind, Kind, RecoveryPriority, State,
};
use mamori_domain::org::{Person, required_multiline, required_text};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::documents::PlanMonth;
use super::org::{Org, PLACES};
use super::{BATCH, DAY, HOUR, INCIDENTS, Progress, ago, mix, one_in, pick, sized};
use crate::demo::demo_id;
use crate::ports::{Incident, IncidentEntry, ResponseProcedure, SystemRecord};
use crate::{App, AppError, AppResult, DraftExt};

/// What the incidents part built.
#[derive(Debug, Default)]
pub(super) struct Built {
    pub incidents: u64,
    pub open: u64,
    pub entries: u64,
}

/// A kind of incident as the staff report it and the responders handle it.
struct Case {
    kind: Kind,
    /// Out of 100.
    weight: u64,
    description: &'static str,
    title: &'static str,
    /// Touches the systems of the recovery-priority register.
    systems: bool,
    first: (EntryKind, &'static str),
    recovery: &'static str,
    technical: &'static str,
    organisational: &'static str,
    lessons: &'static str,
}

const CASES: [Case; 9] = [
    Case {
        kind: Kind::LostDevice,
        weight: 16,
        description: "客先訪問の帰りにノートPCを紛失しました。\n電車の網棚に置き忘れた可能性があります。",
        title: "ノートPCの紛失（移動中）",
        systems: false,
        first: (
            EntryKind::Containment,
            "リモートロックを実施し、ディスクが暗号化されていることを確認。",
        ),
        recovery: "代替機を貸与し業務を再開。鉄道会社に遺失物を照会中。",
        technical: "全ノートPCのディスク暗号化とリモートワイプの設定を点検する。",
        organisational: "持出し時の申請と帰社時の返却確認を部門長が毎週点検する。",
        lessons: "暗号化済みのため情報漏えいには至らなかった。持出し台帳の運用を徹底する。",
    },
    Case {
        kind: Kind::LostDevice,
        weight: 8,
        description: "USBメモリが見当たりません。\n見積書のデータが入っていました。",
        title: "USBメモリの紛失（見積書データ）",
        systems: false,
        first: (
            EntryKind::Containment,
            "USBメモリの貸出台帳を確認し、暗号化機能付きの媒体であることを確認。",
        ),
        recovery: "見積書の原本は共有サーバにあり業務への影響なし。",
        technical: "暗号化機能のない記録媒体への書込みを端末側で禁止する。",
        organisational: "記録媒体の貸出と返却を情報セキュリティ担当者が月次で照合する。",
        lessons: "媒体の貸出台帳が紛失の把握に役立った。照合の頻度を上げる。",
    },
    Case {
        kind: Kind::Malware,
        weight: 12,
        description: "不審なメールの添付ファイルを開いたところ、PCの動作が重くなりました。",
        title: "添付ファイルによるマルウェア感染の疑い",
        systems: true,
        first: (
            EntryKind::Containment,
            "感染端末をネットワークから切り離し、全端末をウイルス対策ソフトで走査。",
        ),
        recovery: "端末を再構築し業務を再開。他の端末への感染なし。",
        technical: "メールの添付ファイルの無害化を全部門に広げる。",
        organisational: "標的型メールの訓練を年２回実施する。",
        lessons: "切り離しが早く被害は１台で止まった。報告までの時間を更に短くする。",
    },
    Case {
        kind: Kind::Failure,
        weight: 20,
        description: "受注・生産管理システムにログインできません。\n朝から全員がエラーになります。",
        title: "業務システムの障害",
        systems: true,
        first: (
            EntryKind::Analysis,
            "ストレージ装置の障害を特定。予備系への切替えを開始。",
        ),
        recovery: "予備系に切り替えて復旧。データの欠落なし。",
        technical: "ストレージ装置の監視項目を追加し、予兆で通知する。",
        organisational: "切替え手順を見直し、年１回の訓練で確認する。",
        lessons: "切替え手順書が古く判断に時間を要した。手順書の見直し周期を短くする。",
    },
    Case {
        kind: Kind::UnauthorisedAccess,
        weight: 8,
        description: "社外から管理画面へのログイン試行が多数記録されています。",
        title: "管理画面への不正ログイン試行",
        systems: true,
        first: (
            EntryKind::Analysis,
            "接続元のIPアドレスを遮断し、対象アカウントのパスワードを変更。",
        ),
        recovery: "不正ログインの成功はなく、通常運用に戻した。",
        technical: "管理画面への接続を社内ネットワークに限定し、多要素認証を必須とする。",
        organisational: "管理者アカウントの棚卸しを四半期ごとに行う。",
        lessons: "ログの定期分析で早期に気づけた。分析の対象を広げる。",
    },
    Case {
        kind: Kind::Leak,
        weight: 8,
        description: "取引先へのメールに別の顧客のリストを誤って添付しました。",
        title: "メール誤送信による顧客情報の漏えい",
        systems: false,
        first: (
            EntryKind::StakeholderImpact,
            "送信先に削除を依頼し、削除の報告を受領。該当する顧客に経緯を説明。",
        ),
        recovery: "送信先での削除を確認し、対応を完了。",
        technical: "社外宛てメールの送信前に宛先と添付ファイルの確認画面を出す。",
        organisational: "顧客リストの持出しを顧客情報管理責任者の承認制とする。",
        lessons: "送信直後の自己申告で被害を抑えられた。報告しやすい雰囲気を保つ。",
    },
    Case {
        kind: Kind::AssetThreat,
        weight: 6,
        description: "倉庫の裏口の鍵が壊され、開いたままになっていました。",
        title: "倉庫への侵入の形跡",
        systems: false,
        first: (
            EntryKind::Containment,
            "鍵を交換し、防犯カメラの映像を確認。",
        ),
        recovery: "持ち出された物品はなく、施錠を回復。",
        technical: "裏口に開閉センサーを付け、夜間の開放を通知する。",
        organisational: "最終退出者の施錠確認を記録に残す。",
        lessons: "夜間の巡回記録が時刻の特定に役立った。",
    },
    Case {
        kind: Kind::Dos,
        weight: 3,
        description: "社内ポータルが応答しなくなりました。\n外部から大量のアクセスがあるようです。",
        title: "社内ポータルへの大量アクセス",
        systems: true,
        first: (
            EntryKind::Containment,
            "回線事業者にフィルタを依頼し、海外からの接続を一時的に制限。",
        ),
        recovery: "アクセスが収まり、制限を解除して通常運用に戻した。",
        technical: "公開サーバの前段にアクセス制限の仕組みを入れる。",
        organisational: "回線事業者への連絡手順を対応手順書に加える。",
        lessons: "連絡先が手順書になく、事業者への依頼に時間を要した。",
    },
    Case {
        kind: Kind::Other,
        weight: 19,
        description: "見覚えのない入館カードが机の上に置かれていました。",
        title: "持ち主不明の入館カードの発見",
        systems: false,
        first: (
            EntryKind::Analysis,
            "総務部で持ち主を確認。紛失届の出ていたカードと判明し、無効化を確認。",
        ),
        recovery: "カードを持ち主に返却し、対応を完了。",
        technical: "紛失届の出たカードを即時に無効化する設定を確認する。",
        organisational: "入館カードの紛失届の出し方を全従業員に再周知する。",
        lessons: "無効化が済んでおり入館には使えなかった。届出の周知を続ける。",
    },
];

fn case_of(i: u64) -> &'static Case {
    let mut roll = mix("incident-kind", i) % 100;
    for c in &CASES {
        if roll < c.weight {
            return c;
        }
        roll -= c.weight;
    }
    &CASES[CASES.len() - 1]
}

/// Seconds as a duration.
fn secs(s: u64) -> Duration {
    Duration::seconds(i64::try_from(s).unwrap_or(0))
}

/// An incident's timeline and its saves, as the module writes them.
struct Timeline {
    incident: Uuid,
    n: u64,
    entries: Vec<IncidentEntry>,
    /// Each change of the incident raises its version.
    saves: i64,
}

impl Timeline {
    fn add(
        &mut self,
        at: OffsetDateTime,
        author: Uuid,
        kind: EntryKind,
        body: &str,
    ) -> AppResult<()> {
        self.entries.push(IncidentEntry {
            id: demo_id(
                "scale-incident-entry",
                &format!("{}-{}", self.n, self.entries.len()),
            ),
            incident_id: self.incident,
            at,
            author_id: author,
            kind,
            body: required_multiline("body", body, 8000)?,
            corrects_id: None,
        });
        self.saves += 1;
        Ok(())
    }
}

/// Who handles the incidents: the 事務局 triages; a 情報セキュリティ担当者
/// or a システム管理者 leads.
struct Responders<'a> {
    secretariat: &'a Person,
    admins: Vec<&'a Person>,
    officers: std::collections::HashMap<Uuid, Uuid>,
    procedures: Vec<ResponseProcedure>,
    systems: Vec<SystemRecord>,
    plans: Vec<PlanMonth>,
}

impl App {
    pub(super) async fn scale_incidents(
        &self,
        factor: f64,
        org: &Org,
        plans: &[PlanMonth],
        progress: Progress<'_>,
    ) -> AppResult<Built> {
        let now = self.now();
        let who = Responders {
            secretariat: org.secretariat()?,
            admins: org.holders(Role::SystemAdmin, None),
            officers: org.officers(),
            procedures: self.store.procedures().await?,
            systems: self.store.systems().await?,
            plans: plans.to_vec(),
        };
        let total = sized(INCIDENTS, factor);
        let mut built = Built::default();
        let mut incidents = Vec::new();
        let mut systems = Vec::new();
        let mut entries = Vec::new();
        for i in 0..total {
            let (incident, linked, timeline) = self.incident(org, &who, i, total, now)?;
            built.open += u64::from(incident.state != State::Closed);
            systems.extend(linked.into_iter().map(|s| (incident.id, s)));
            entries.extend(timeline);
            incidents.push(incident);
            if incidents.len() + systems.len() + entries.len() < BATCH && i + 1 < total {
                continue;
            }
            let audit = self
                .draft(None, "incident.import", "incident", None)
                .detail(format!(
                    "large organisation: incidents {}–{}",
                    built.incidents + 1,
                    built.incidents + incidents.len() as u64
                ));
            self.store
                .insert_incidents(&incidents, &systems, &entries, audit)
                .await?;
            built.incidents += incidents.len() as u64;
            built.entries += entries.len() as u64;
            incidents.clear();
            systems.clear();
            entries.clear();
            progress("incidents", built.incidents, total);
        }
        Ok(built)
    }

    /// The `i`th incident of `total` (oldest first), as far as its age lets
    /// it get through the response.
    fn incident(
        &self,
        org: &Org,
        who: &Responders<'_>,
        i: u64,
        total: u64,
        now: OffsetDateTime,
    ) -> AppResult<(Incident, Vec<Uuid>, Vec<IncidentEntry>)> {
        let case = case_of(i);
        let reporter =
            pick(&org.people, "incident-reporter", i).ok_or(AppError::Conflict("no_people"))?;
        let age = (total - 1 - i) * 365 * DAY / total + mix("incident-age", i) % (6 * HOUR);
        let reported = ago(now, age);
        let delay = match mix("incident-delay", i) % 10 {
            0..=6 => mix("incident-delay-s", i) % (2 * HOUR),
            7 | 8 => 2 * HOUR + mix("incident-delay-s", i) % (22 * HOUR),
            _ => DAY + mix("incident-delay-s", i) % (2 * DAY),
        };
        let occurred = reported - secs(delay);
        // As `report_incident` checks the report.
        let description = required_multiline("description", case.description, 8000)?;
        let place = PLACES[usize::try_from(mix("incident-place", i) % 4).unwrap_or(0)];
        let location = match case.kind {
            Kind::LostDevice => "移動中（電車・タクシー）".to_string(),
            _ => org
                .departments
                .iter()
                .find(|d| Some(d.id) == reporter.department_id)
                .map_or_else(
                    || format!("{place}拠点"),
                    |d| format!("{place}拠点 {}", d.name),
                ),
        };
        if location.chars().count() > 300 || location.chars().any(char::is_control) {
            return Err(AppError::field("location", "invalid"));
        }
        let linked: Vec<&SystemRecord> = if case.systems {
            let first = pick(&who.systems, "incident-system", i);
            let second = pick(&who.systems, "incident-system-2", i)
                .filter(|_| case.kind == Kind::Failure && one_in(3, "incident-two", i));
            first.into_iter().chain(second).collect()
        } else {
            vec![]
        };
        let mut linked_ids: Vec<Uuid> = linked.iter().map(|s| s.id).collect();
        linked_ids.dedup();
        let priorities: Vec<RecoveryPriority> = linked
            .iter()
            .filter_map(|s| u8::try_from(s.priority).ok().map(RecoveryPriority))
            .collect();
        let id = demo_id("scale-incident", &i.to_string());
        let mut inc = Incident {
            id,
            ref_no: format!(
                "LI-{}-{:05}",
                reported.to_offset(crate::ORG_OFFSET).year(),
                i + 1
            ),
            reporter_id: reporter.id,
            kind: case.kind,
            state: State::Reported,
            title: description
                .lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(60)
                .collect(),
            description,
            location,
            occurred_at: occurred,
            reported_at: reported,
            confirmed: false,
            lead_id: None,
            procedure_name: None,
            recovery_due_at: rules::recovery_due(occurred, &priorities),
            recovered_at: None,
            board_victim: false,
            board_perpetrator: false,
            board_reported_on: None,
            plan_technical: None,
            plan_organisational: None,
            plan_document_id: None,
            lessons: None,
            closed_at: None,
            version: 1,
        };
        let mut t = Timeline {
            incident: id,
            n: i,
            entries: Vec::new(),
            saves: 0,
        };
        self.respond(org, who, &mut inc, &mut t, case, i, now)?;
        inc.version = 1 + t.saves;
        Ok((inc, linked_ids, t.entries))
    }

    /// Triage, the first response, recovery, the plan and closing — each
    /// step only when its time has come.
    #[allow(clippy::too_many_arguments)]
    fn respond(
        &self,
        org: &Org,
        who: &Responders<'_>,
        inc: &mut Incident,
        t: &mut Timeline,
        case: &Case,
        i: u64,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        let triaged = inc.reported_at + secs(20 * 60 + mix("incident-triage", i) % (4 * HOUR));
        if triaged > now
            || one_in(50, "incident-untriaged", i) && now - inc.reported_at < Duration::days(2)
        {
            return Ok(());
        }
        // The triage, as `triage_incident` records it.
        let procedure = who.procedures.iter().find(|p| p.kinds.contains(&case.kind));
        let technical = matches!(
            case.kind,
            Kind::Failure | Kind::Malware | Kind::Dos | Kind::UnauthorisedAccess
        );
        let lead = procedure
            .and_then(|p| p.lead_id)
            .or_else(|| {
                technical
                    .then(|| pick(&who.admins, "incident-lead", i).map(|p| p.id))
                    .flatten()
            })
            .or_else(|| {
                org.people
                    .iter()
                    .find(|p| p.id == inc.reporter_id)
                    .and_then(|p| p.department_id)
                    .and_then(|d| who.officers.get(&d).copied())
            })
            .unwrap_or(who.secretariat.id);
        let lead_name = org
            .everyone
            .iter()
            .find(|p| p.id == lead)
            .map_or_else(String::new, |p| p.name.clone());
        inc.title = required_text("title", case.title, 200)?;
        inc.confirmed = !one_in(5, "incident-confirmed", i);
        inc.lead_id = Some(lead);
        inc.procedure_name = procedure.map(|p| p.name.clone());
        inc.state = State::Responding;
        t.add(
            triaged,
            who.secretariat.id,
            EntryKind::Note,
            &format!(
                "トリアージ: {} / {} / 実行責任者 {lead_name}{}",
                inc.kind.id(),
                if inc.confirmed { "確定" } else { "疑い" },
                match &inc.procedure_name {
                    Some(p) => format!(" / 対応手順 {p}"),
                    None => " / 該当手順なし（委員会が任命）".into(),
                }
            ),
        )?;
        let first = triaged + secs(HOUR + mix("incident-first", i) % (20 * HOUR));
        if first <= now && !one_in(3, "incident-first-entry", i) {
            t.add(first, lead, case.first.0, case.first.1)?;
        }
        // Recovered within the deadline mostly; a priority-3 system (no
        // downtime allowed) is always late.
        let window = inc
            .recovery_due_at
            .map(|d| (d - inc.occurred_at).whole_seconds().unsigned_abs());
        let took = match window {
            Some(0) => HOUR + mix("incident-took", i) % (5 * HOUR),
            Some(w) if one_in(10, "incident-late", i) => {
                w + w / 10 + mix("incident-took", i) % (w / 2 + 1)
            }
            Some(w) => w / 5 + mix("incident-took", i) % (w * 7 / 10 + 1),
            None => 2 * HOUR + mix("incident-took", i) % (5 * DAY),
        };
        let recovered =
            (inc.occurred_at + secs(took)).max(first.max(triaged) + Duration::minutes(30));
        let long_running = one_in(50, "incident-long", i);
        if recovered > now || long_running && now - inc.reported_at < Duration::days(60) {
            return Ok(());
        }
        inc.recovered_at = Some(recovered);
        inc.state = State::Recovered;
        t.add(recovered, lead, EntryKind::Recovery, case.recovery)?;
        if now - recovered < Duration::days(5) {
            return Ok(());
        }
        inc.plan_technical = Some(required_multiline("plan_technical", case.technical, 8000)?);
        inc.plan_organisational = Some(required_multiline(
            "plan_organisational",
            case.organisational,
            8000,
        )?);
        t.saves += 1;
        let breach = matches!(
            case.kind,
            Kind::UnauthorisedAccess | Kind::Dos | Kind::Malware
        );
        inc.board_victim = inc.confirmed && breach && one_in(10, "incident-board", i);
        inc.board_perpetrator =
            inc.confirmed && case.kind == Kind::Leak && one_in(3, "incident-board", i);
        // The plan goes out with the month's plan of the recovery month.
        let month = recovered
            .to_offset(crate::ORG_OFFSET)
            .date()
            .replace_day(1)
            .ok();
        let Some(plan) = who.plans.iter().find(|p| Some(p.month) == month) else {
            return Ok(());
        };
        let closed = plan.published_at + secs(DAY + mix("incident-close", i) % (5 * DAY));
        if closed > ago(now, HOUR) {
            return Ok(());
        }
        inc.plan_document_id = Some(plan.document_id);
        t.add(
            plan.published_at,
            who.secretariat.id,
            EntryKind::Note,
            &format!(
                "再発防止計画を全従業員に周知（{}年{}月分）",
                plan.month.year(),
                u8::from(plan.month.month())
            ),
        )?;
        inc.lessons = Some(required_multiline("lessons", case.lessons, 8000)?);
        t.saves += 1;
        if inc.board_victim || inc.board_perpetrator {
            inc.board_reported_on = Some(
                (closed - Duration::days(1))
                    .to_offset(crate::ORG_OFFSET)
                    .date(),
            );
        }
        // As `close_incident` checks: INC-4.4 satisfied.
        let blockers = rules::close_blockers(&CloseCheck {
            recovered: inc.recovered_at.is_some(),
            plan_written: inc.plan_technical.is_some() && inc.plan_organisational.is_some(),
            plan_published: inc.plan_document_id.is_some(),
            lessons_recorded: inc.lessons.is_some(),
            board_required: inc.board_victim || inc.board_perpetrator,
            board_reported: inc.board_reported_on.is_some(),
        });
        if let Some(b) = blockers.first() {
            return Err(AppError::field("close", b));
        }
        inc.state = State::Closed;
        inc.closed_at = Some(closed);
        t.add(closed, who.secretariat.id, EntryKind::Note, "クローズ")?;
        Ok(())
    }
}
