//! The large organisation for measuring, at a small factor on both engines:
//! built in bulk beside the demo company, deterministic, and as valid as
//! data entered by users (the same rules, the same pages and API lists,
//! the same scopes).

use std::collections::HashSet;

use axum::http::{Method, StatusCode};
use mamori_app::demo::scale::ScaleReport;
use mamori_app::ports::{AssignmentFilter, Incident, IncidentFilter, RequestFilter};
use mamori_domain::documents::VersionState;
use mamori_domain::incidents::State;
use mamori_domain::workflow::RequestState;
use mamori_testkit::TestDb;
use uuid::Uuid;

use crate::harness::*;

async fn token_for(app: &TestApp, email: &str) -> String {
    let actor = app.app.cli_actor(email).await.unwrap();
    app.app
        .create_token(&actor, "scale", None, Some(1))
        .await
        .unwrap()
        .1
}

fn ids(list: &serde_json::Value, path: &[&str]) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let mut v = i;
            for p in path {
                v = &v[*p];
            }
            v.as_str().unwrap().to_string()
        })
        .collect()
}

async fn the_large_organisation_builds_in_bulk_and_behaves(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let steps = std::sync::Mutex::new(Vec::new());
    let progress = |what: &str, done: u64, total: u64| {
        steps.lock().unwrap().push(format!("{what} {done}/{total}"));
    };
    let r = app.app.seed_scale(0.01, &progress).await.unwrap();
    assert_eq!(
        (r.departments, r.people, r.assets, r.risks, r.incidents),
        (40, 120, 500, 200, 100)
    );
    let steps = steps.lock().unwrap().clone();
    for done in ["assets 500/500", "incidents 100/100"] {
        assert!(steps.contains(&done.to_string()), "{steps:?}");
    }
    assert!(
        steps.iter().any(|s| s.starts_with("document readers ") && {
            let (done, total) = s["document readers ".len()..].split_once('/').unwrap();
            done == total
        }),
        "{steps:?}"
    );
    // The trail of a year: the chain holds 10,000 events at this factor and verifies.
    let v = app.app.verify_audit_chain().await.unwrap();
    assert!(v.broken.is_none(), "{:?}", v.broken);
    assert!(v.checked >= 10_000, "{}", v.checked);
    // Once only.
    assert!(app.app.seed_scale(0.01, &progress).await.unwrap().existed);
    // Every department has its head and its 情報セキュリティ担当者: the
    // organisation health rules find nothing about the new departments.
    let system = mamori_app::auth::system_actor(app.app.today());
    let health = app.app.org_health(&system).await.unwrap();
    let text = serde_json::to_string(&health).unwrap();
    assert!(
        !text.contains("L001") && !text.contains("東京営業部"),
        "{text}"
    );
    // The pages work on it: the 事務局 pages through everything; a department's
    // 情報セキュリティ担当者 sees that department's assets only.
    let mut sec = app.signed_in(SECRETARIAT).await;
    let page = sec.get("/assets?q=LA-000").await;
    assert_eq!(page.select_text("#asset-count"), vec!["該当 500 件"]);
    // A count with a limit stops one past it: "that many or more".
    let (_, capped) = app
        .app
        .store
        .assets(&mamori_app::ports::AssetFilter {
            text: Some("LA-000".into()),
            limit: 10,
            count_limit: Some(100),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(capped, 101);
    // A deep page (twenty pages in: its numbers found first in the order's
    // index) holds the rows a shallow page reading through them finds, in
    // the same order.
    let refs = |from: usize, limit: u32, offset: u32| {
        let store = &app.app.store;
        async move {
            let (rows, _) = store
                .assets(&mamori_app::ports::AssetFilter {
                    sort: mamori_app::ports::AssetSort::Importance,
                    limit,
                    offset,
                    ..Default::default()
                })
                .await
                .unwrap();
            rows.into_iter()
                .skip(from)
                .map(|a| a.ref_no)
                .collect::<Vec<_>>()
        }
    };
    let shallow = refs(40, 50, 160).await;
    let deep = refs(0, 10, 200).await;
    assert_eq!(deep.len(), 10);
    assert_eq!(shallow, deep);
    let risks = sec.get("/risks?sort=score").await;
    assert_eq!(risks.status, StatusCode::OK);
    assert_eq!(risks.select_text("#risk-count"), vec!["該当 200 件"]);
    let mut officer = app.signed_in("l00041@large.minato-seiki.example").await;
    let own = officer.get("/assets").await;
    assert_eq!(own.status, StatusCode::OK);
    let n: u64 = own.select_text("#asset-count")[0]
        .trim_start_matches("該当 ")
        .trim_end_matches(" 件")
        .parse()
        .unwrap();
    assert!(n > 0 && n < 500, "{n}");

    list_queries_use_indexes(&app).await;
    let member = a_member_who_reported(&app).await;
    incidents_keep_their_scopes(&app, &mut sec, &member, &r).await;
    threats_link_old_incidents_by_number(&app, &mut sec).await;
    documents_are_read_by_their_audiences(&app, &mut sec, &member, &r).await;
    requests_wait_on_their_approvers(&app, &mut sec, &member, &r).await;
    duties_and_checklists_are_kept(&app, &mut sec, &r).await;
    the_committee_met_and_complaints_were_handled(&app, &mut sec, &r).await;
    // The same factor builds the same organisation on another database.
    let other_db = TestDb::new(t.engine).await;
    let other = TestApp::start(&other_db, false).await;
    let again = other.app.seed_scale(0.01, &|_, _, _| {}).await.unwrap();
    assert_eq!(fingerprint(&other).await, fingerprint(&app).await);
    assert_eq!(
        (again.documents, again.versions, again.reads, again.requests),
        (r.documents, r.versions, r.reads, r.requests)
    );
    other.close().await;
    other_db.cleanup().await;
    app.close().await;
}

/// No main list reads a large table through: each filter and sort of the
/// pages and the API is served by an index, on this engine, on the data of
/// the large organisation.
async fn list_queries_use_indexes(app: &TestApp) {
    use mamori_store::plans;
    let sample = app.app.store.all_people().await.unwrap()[0].id;
    let mut failures = Vec::new();
    for q in plans::main_list_queries(app.db.kind(), sample, app.app.now()) {
        let plan = plans::plan(&app.db, &q.stmt).await.unwrap();
        let costly = plans::costly_steps(
            &q,
            app.db.kind(),
            &plan,
            &[("r", "risks"), ("a", "assets"), ("p", "people")],
        );
        if !costly.is_empty() {
            failures.push(format!("{}: {costly:?}\n  {}", q.name, q.stmt.sql()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every incident, newest report first, read a page at a time.
async fn all_incidents(app: &TestApp) -> Vec<Incident> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = app
            .app
            .store
            .incidents(&IncidentFilter {
                after,
                limit: 37,
                ..IncidentFilter::default()
            })
            .await
            .unwrap();
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => after = Some(c),
            None => return out,
        }
    }
}

/// What does not depend on the hour the data was built: ids, numbers,
/// kinds and who filed what.
async fn fingerprint(app: &TestApp) -> Vec<String> {
    let s = &app.app.store;
    let mut out: Vec<String> = all_incidents(app)
        .await
        .into_iter()
        .map(|i| format!("{} {} {} {}", i.id, i.ref_no, i.kind.id(), i.reporter_id))
        .collect();
    let requests = s
        .requests(&RequestFilter {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    out.extend(
        requests
            .into_iter()
            .map(|r| format!("{} {} {} {}", r.id, r.ref_no, r.kind, r.requester_id)),
    );
    let documents = s.documents().await.unwrap();
    out.extend(
        documents
            .into_iter()
            .map(|d| format!("{} {} {} {:?}", d.id, d.ref_no, d.title, d.audience)),
    );
    out.sort();
    out
}
mamori_testkit::db_test!(
    large_organisation,
    the_large_organisation_builds_in_bulk_and_behaves
);

/// A member of the large company who holds no role and reported an incident.
struct Member {
    id: Uuid,
    email: String,
}

async fn a_member_who_reported(app: &TestApp) -> Member {
    let holders: HashSet<Uuid> = app
        .app
        .store
        .assignments(&AssignmentFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.person_id)
        .collect();
    for i in all_incidents(app).await {
        let p = app.app.store.person(i.reporter_id).await.unwrap();
        if p.employee_no.starts_with('L') && !holders.contains(&p.id) {
            return Member {
                id: p.id,
                email: p.email,
            };
        }
    }
    panic!("no member of the large company reported an incident");
}

/// A threat's form offers the recent incidents; an older one is linked by
/// its 管理番号, and an unknown number is refused with nothing changed.
async fn threats_link_old_incidents_by_number(app: &TestApp, sec: &mut Client) {
    let all = all_incidents(app).await;
    let oldest = all.last().unwrap();
    let threat = app.app.store.threats().await.unwrap().remove(0);
    let path = format!("/risks/threats/{}", threat.id);
    let form = sec.get(&path).await;
    let offered = form.select_attr("input[name=incidents]", "value");
    assert!(offered.len() <= 30 && !offered.contains(&oldest.id.to_string()));
    let version = threat.version.to_string();
    let fields = |refs: String| {
        vec![
            ("version", version.clone()),
            ("code", threat.code.clone()),
            ("source", threat.source.id().to_string()),
            ("name", threat.name.clone()),
            ("description", threat.description.clone()),
            ("incident_refs", refs),
        ]
    };
    let bad = fields("INC-1999-9999".to_string());
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let before = app.audit_head().await;
    let r = sec.post(&path, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(app.audit_head().await, before);
    let good = fields(format!("{} ", oldest.ref_no));
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = sec.post(&path, &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let linked = sec.get(&path).await.select_text("#threat-incidents a");
    assert_eq!(linked, vec![oldest.ref_no.clone()]);
}

/// The 事務局 sees every incident, in the page and the API; a member sees
/// their own reports (and what they lead) and nothing else. Closed
/// incidents meet INC-4.4; the last weeks' are still open.
async fn incidents_keep_their_scopes(
    app: &TestApp,
    sec: &mut Client,
    member: &Member,
    r: &ScaleReport,
) {
    let all: Vec<Incident> = all_incidents(app).await;
    assert_eq!(all.len() as u64, r.incidents);
    let open = all.iter().filter(|i| i.state != State::Closed).count() as u64;
    assert_eq!(open, r.open_incidents);
    assert!(open > 0 && open < r.incidents, "{open}");
    for i in all.iter().filter(|i| i.state == State::Closed) {
        assert!(
            i.recovered_at.is_some()
                && i.plan_document_id.is_some()
                && i.lessons.is_some()
                && (!(i.board_victim || i.board_perpetrator) || i.board_reported_on.is_some()),
            "{}",
            i.ref_no
        );
    }
    let unique: HashSet<Uuid> = all.iter().map(|i| i.id).collect();
    assert_eq!(unique.len(), all.len(), "a page repeated an incident");
    assert!(all.windows(2).all(|w| w[0].reported_at >= w[1].reported_at));
    // The page shows the newest 50, then the next 50 from where it stopped.
    let page = sec.get("/incidents").await;
    assert_eq!(page.status, StatusCode::OK);
    let first = page.select_text("#incidents tbody tr a");
    assert_eq!(first.len(), all.len().min(50));
    assert_eq!(first[0], all[0].ref_no);
    let next = page.select_attr("#incidents-next", "href");
    assert_eq!(next.len(), usize::from(all.len() > 50));
    if let Some(next) = next.first() {
        let second = sec.get(next).await.select_text("#incidents tbody tr a");
        assert_eq!(second[0], all[50].ref_no);
    }
    let token = token_for(app, SECRETARIAT).await;
    let mut listed = Vec::new();
    let mut url = "/api/v1/incidents?limit=40".to_string();
    loop {
        let list = sec.api(Method::GET, &url, &token, None).await;
        assert_eq!(list.status, StatusCode::OK);
        let body = list.json();
        listed.extend(ids(&body, &["id"]));
        match body["next_cursor"].as_str() {
            Some(c) => url = format!("/api/v1/incidents?limit=40&after={c}"),
            None => break,
        }
    }
    let expected: Vec<String> = all.iter().map(|i| i.id.to_string()).collect();
    assert_eq!(listed, expected);
    // Filters are applied by the database, before the page is cut.
    let closed_count = all.iter().filter(|i| i.state == State::Closed).count();
    let closed_page = sec
        .api(
            Method::GET,
            "/api/v1/incidents?state=closed&limit=500",
            &token,
            None,
        )
        .await
        .json();
    assert_eq!(
        closed_page["items"].as_array().unwrap().len(),
        closed_count.min(500)
    );
    let wanted = &all[all.len() / 2];
    let found = sec
        .api(
            Method::GET,
            &format!("/api/v1/incidents?q={}", wanted.ref_no),
            &token,
            None,
        )
        .await
        .json();
    assert_eq!(ids(&found, &["id"]), vec![wanted.id.to_string()]);
    let bad = sec
        .api(Method::GET, "/api/v1/incidents?state=lost", &token, None)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let closed = all.iter().find(|i| i.state == State::Closed).unwrap();
    let view = sec
        .api(
            Method::GET,
            &format!("/api/v1/incidents/{}", closed.id),
            &token,
            None,
        )
        .await
        .json();
    assert!(view["entries"].as_array().unwrap().len() >= 3, "{view}");
    assert!(view["blockers"].as_array().unwrap().is_empty(), "{view}");
    assert_eq!(
        sec.get(&format!("/incidents/{}", closed.id)).await.status,
        StatusCode::OK
    );
    let stats = sec
        .api(Method::GET, "/api/v1/incidents/stats", &token, None)
        .await
        .json();
    assert_eq!(stats["total"].as_u64(), Some(r.incidents));

    let mine: Vec<&Incident> = all
        .iter()
        .filter(|i| i.reporter_id == member.id || i.lead_id == Some(member.id))
        .collect();
    let mut c = app.signed_in(&member.email).await;
    let page = c.get("/incidents").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.select_text("#incidents tbody tr").len(), mine.len());
    let token = token_for(app, &member.email).await;
    let listed = ids(
        &c.api(Method::GET, "/api/v1/incidents", &token, None)
            .await
            .json(),
        &["id"],
    );
    let expected: Vec<String> = mine.iter().map(|i| i.id.to_string()).collect();
    assert_eq!(listed, expected);
    assert_eq!(
        c.get(&format!("/incidents/{}", mine[0].id)).await.status,
        StatusCode::OK
    );
    let other = all
        .iter()
        .find(|i| i.reporter_id != member.id && i.lead_id != Some(member.id))
        .unwrap();
    assert_eq!(
        c.get(&format!("/incidents/{}", other.id)).await.status,
        StatusCode::NOT_FOUND
    );
}

/// Every published version's audience has its readers' records; the
/// module's own count (the reading follow-up) agrees with what was built;
/// most have read, a few not yet. A member reads exactly their audience's
/// documents.
async fn documents_are_read_by_their_audiences(
    app: &TestApp,
    sec: &mut Client,
    member: &Member,
    r: &ScaleReport,
) {
    let docs = app.app.store.documents().await.unwrap();
    assert_eq!(docs.len() as u64, r.documents);
    let mut reads_current = 0u64;
    let mut reads_old = 0u64;
    let mut done_old = 0u64;
    let mut versions = 0u64;
    for d in &docs {
        for v in app.app.store.doc_versions(d.id).await.unwrap() {
            versions += 1;
            let n = app.app.store.reads_of_version(v.id).await.unwrap();
            match v.state {
                VersionState::Current => reads_current += n.len() as u64,
                VersionState::Superseded => {
                    reads_old += n.len() as u64;
                    done_old += n.iter().filter(|r| r.completed_at.is_some()).count() as u64;
                }
                _ => assert!(n.is_empty(), "unpublished version with readers"),
            }
        }
    }
    assert_eq!(versions, r.versions);
    assert_eq!(reads_current + reads_old, r.reads);
    // The 事務局's follow-up counts the current versions' readers.
    let token = token_for(app, SECRETARIAT).await;
    let status = sec
        .api(Method::GET, "/api/v1/documents/reading", &token, None)
        .await;
    assert_eq!(status.status, StatusCode::OK);
    let items = status.json()["items"].as_array().unwrap().clone();
    let count = |k: &str| items.iter().map(|i| i[k].as_u64().unwrap()).sum::<u64>();
    let (done, pending, overdue, exempted) = (
        count("done"),
        count("pending"),
        count("overdue"),
        count("exempted"),
    );
    assert_eq!(done + pending + overdue + exempted, reads_current);
    assert_eq!(done + done_old, r.acknowledged);
    assert!(
        pending + overdue + exempted > 0,
        "everyone has read everything"
    );
    assert!(
        done * 100 >= reads_current * 85,
        "{done} of {reads_current}"
    );
    // Each reader of a version read the same one: its audience today.
    let people: Vec<_> = app
        .app
        .store
        .all_people()
        .await
        .unwrap()
        .into_iter()
        .filter(|p| !p.has_left(app.app.today()))
        .collect();
    let assignments = app
        .app
        .store
        .assignments(&AssignmentFilter {
            active_on: Some(app.app.today()),
            ..Default::default()
        })
        .await
        .unwrap();
    let audience = |d: &mamori_app::ports::Document| {
        people
            .iter()
            .filter(|p| d.audience.includes(p, &assignments, app.app.today()))
            .count()
    };
    for i in &items {
        let d = docs
            .iter()
            .find(|d| d.id.to_string() == i["document_id"].as_str().unwrap())
            .unwrap();
        let readers: u64 = ["done", "pending", "overdue", "exempted"]
            .iter()
            .map(|k| i[*k].as_u64().unwrap())
            .sum();
        assert_eq!(readers as usize, audience(d), "{}", d.title);
    }
    let page = sec.get("/documents").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.select_text("#documents tbody tr").len() >= docs.len());
    assert_eq!(sec.get("/documents/reading").await.status, StatusCode::OK);
    // A version's readers a page at a time, those to push first.
    let busiest = items
        .iter()
        .max_by_key(|i| i["overdue"].as_u64().unwrap() + i["pending"].as_u64().unwrap())
        .unwrap();
    let vid = busiest["version_id"].as_str().unwrap();
    let total: u64 = ["done", "pending", "overdue", "exempted"]
        .iter()
        .map(|k| busiest[*k].as_u64().unwrap())
        .sum();
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let page = sec
            .api(
                Method::GET,
                &format!("/api/v1/document-versions/{vid}/readers?limit=7&offset={offset}"),
                &token,
                None,
            )
            .await
            .json();
        assert_eq!(page["total"].as_u64(), Some(total));
        let items = page["items"].as_array().unwrap();
        if items.is_empty() {
            break;
        }
        seen.extend(
            items
                .iter()
                .map(|r| r["status"].as_str().unwrap().to_string()),
        );
        offset += 7;
    }
    assert_eq!(seen.len() as u64, total);
    let rank = |s: &str| {
        ["overdue", "pending", "exempted", "done"]
            .iter()
            .position(|x| *x == s)
    };
    assert!(
        seen.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])),
        "{seen:?}"
    );
    let page = sec
        .get(&format!("/documents/reading/{vid}?status=pending"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.select_text("#readers tbody tr").len() as u64,
        busiest["pending"].as_u64().unwrap().min(100)
    );

    // A member sees the documents their audience includes, and their checks.
    let me = app.app.cli_actor(&member.email).await.unwrap();
    let mut c = app.signed_in(&member.email).await;
    let readable: Vec<String> = docs
        .iter()
        .filter(|d| {
            d.audience
                .includes(&me.person, &me.assignments, app.app.today())
                || d.owner_id == member.id
        })
        .map(|d| d.id.to_string())
        .collect();
    for d in &docs {
        let expected = if readable.contains(&d.id.to_string()) {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(
            c.get(&format!("/documents/{}", d.id)).await.status,
            expected,
            "{}",
            d.title
        );
    }
    let token = token_for(app, &member.email).await;
    let listed = c.api(Method::GET, "/api/v1/documents", &token, None).await;
    assert_eq!(listed.status, StatusCode::OK);
    let listed = listed.json();
    let one = c
        .api(
            Method::GET,
            "/api/v1/documents?offset=1&limit=1",
            &token,
            None,
        )
        .await
        .json();
    assert_eq!(one["total"], listed["total"]);
    assert_eq!(
        ids(&one, &["document", "id"]),
        ids(&listed, &["document", "id"])[1..2].to_vec(),
        "a page of the same list"
    );
    for id in ids(&listed, &["document", "id"]) {
        assert!(readable.contains(&id), "{id}");
    }
    let mine = app.app.store.reads_of_person(member.id).await.unwrap();
    assert!(!mine.is_empty());
    let statuses: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["my_status"].as_str())
        .collect();
    assert!(
        statuses
            .iter()
            .all(|s| ["done", "pending", "overdue", "exempted"].contains(s)),
        "{statuses:?}"
    );
    assert_eq!(
        c.get("/documents/reading").await.status,
        StatusCode::FORBIDDEN
    );
}

/// Requests in every state; those in review are the tasks of their
/// approvers (the 事務局 records the committee's); a member sees their own.
async fn requests_wait_on_their_approvers(
    app: &TestApp,
    sec: &mut Client,
    member: &Member,
    r: &ScaleReport,
) {
    let all = app
        .app
        .store
        .requests(&RequestFilter {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len() as u64, r.requests);
    let open: Vec<_> = all.iter().filter(|q| q.state.is_open()).collect();
    assert_eq!(open.len() as u64, r.open_requests);
    assert!(!open.is_empty());
    for state in [RequestState::Approved, RequestState::InReview] {
        assert!(all.iter().any(|q| q.state == state), "none {state:?}");
    }
    let token = token_for(app, SECRETARIAT).await;
    let listed = sec
        .api(Method::GET, "/api/v1/requests?scope=all", &token, None)
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(ids(&listed.json(), &["id"]).len(), all.len().min(100));
    assert_eq!(listed.json()["total"], all.len() as u64);
    // A page at a time, newest first, as the store lists them.
    let second = sec
        .api(
            Method::GET,
            "/api/v1/requests?scope=all&offset=3&limit=4",
            &token,
            None,
        )
        .await
        .json();
    let expected: Vec<String> = all
        .iter()
        .skip(3)
        .take(4)
        .map(|q| q.id.to_string())
        .collect();
    assert_eq!(ids(&second, &["id"]), expected);
    // The page of everyone's requests is paged the same way.
    let page = sec.get("/requests?all=1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains(&all[0].ref_no));
    let pages = all.len().div_ceil(100);
    if pages > 1 {
        assert!(page.text.contains("href=\"/requests?all=1&amp;page=2\""));
        let last = sec.get(&format!("/requests?all=1&page={pages}")).await;
        assert!(last.text.contains(&all[all.len() - 1].ref_no));
        assert!(!last.text.contains("rel=\"next\""));
    } else {
        assert!(!page.text.contains("rel=\"next\""));
    }
    // One's own requests are paged in the store too, newest first: the
    // total counts them all, however many.
    let secretariat_id = app.app.cli_actor(SECRETARIAT).await.unwrap().id();
    let own: Vec<_> = all
        .iter()
        .filter(|q| q.requester_id == secretariat_id)
        .collect();
    let listed = sec
        .api(
            Method::GET,
            "/api/v1/requests?offset=1&limit=3",
            &token,
            None,
        )
        .await
        .json();
    assert_eq!(listed["total"], own.len() as u64);
    let expected: Vec<String> = own
        .iter()
        .skip(1)
        .take(3)
        .map(|q| q.id.to_string())
        .collect();
    assert_eq!(ids(&listed, &["id"]), expected);
    let page = sec.get("/requests").await;
    let pages = own.len().div_ceil(50);
    if let Some(first) = own.first() {
        assert!(page.text.contains(&first.ref_no));
    }
    if pages > 1 {
        assert!(page.text.contains("href=\"/requests?mine=2\""));
        let last = sec.get(&format!("/requests?mine={pages}")).await;
        assert!(last.text.contains(&own[own.len() - 1].ref_no));
    } else {
        assert!(!page.text.contains("rel=\"next\""));
    }
    assert_eq!(sec.get("/tasks").await.status, StatusCode::OK);
    let tasks = sec
        .api(Method::GET, "/api/v1/tasks", &token, None)
        .await
        .json();
    let links: Vec<String> = tasks["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["link"].as_str().unwrap().to_string())
        .collect();
    // Every request waiting in review is someone's task: the 事務局's for
    // the committee; otherwise the approvers the request view names.
    let secretariat = app.app.cli_actor(SECRETARIAT).await.unwrap();
    for q in open.iter().filter(|q| q.state == RequestState::InReview) {
        let view = app.app.request_view(&secretariat, q.id).await.unwrap();
        let link = format!("/requests/{}", q.id);
        // Nobody decides their own request, the 事務局 included.
        if view.committee_step && q.requester_id != secretariat.id() {
            assert!(links.contains(&link), "{}", q.ref_no);
        } else {
            assert!(!view.approvers.is_empty(), "{}", q.ref_no);
        }
        assert_eq!(sec.get(&link).await.status, StatusCode::OK, "{}", q.ref_no);
    }
    // A member: their own requests only; the others do not exist for them.
    let token = token_for(app, &member.email).await;
    let mut c = app.signed_in(&member.email).await;
    let mine: Vec<String> = all
        .iter()
        .filter(|q| q.requester_id == member.id)
        .map(|q| q.id.to_string())
        .collect();
    let listed = ids(
        &c.api(Method::GET, "/api/v1/requests", &token, None)
            .await
            .json(),
        &["id"],
    );
    assert_eq!(
        listed.iter().collect::<HashSet<_>>(),
        mine.iter().collect::<HashSet<_>>()
    );
    assert_eq!(
        c.api(Method::GET, "/api/v1/requests?scope=all", &token, None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let other = all.iter().find(|q| q.requester_id != member.id).unwrap();
    assert_eq!(
        c.get(&format!("/requests/{}", other.id)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(c.get("/tasks").await.status, StatusCode::OK);
}

/// Each department's 情報セキュリティ担当者 keeps a quarterly duty per 規程:
/// its completions match its version, each submitted round answers every
/// item with the assessments and corrective items the rules make, a missed
/// round leaves its duty overdue, and the pages show them.
async fn duties_and_checklists_are_kept(app: &TestApp, sec: &mut Client, r: &ScaleReport) {
    let store = &app.app.store;
    let today = app.app.today();
    let duties: Vec<_> = store
        .duties(None)
        .await
        .unwrap()
        .into_iter()
        .filter(|d| d.title.starts_with("運用確認事項（") && d.title.contains("・"))
        .collect();
    assert_eq!(duties.len() as u64, r.duties);
    let documents = mamori_app::checklists::checklist_documents().unwrap();
    assert_eq!(r.duties, 40 * documents.len() as u64);
    let mut completions = 0;
    for d in &duties {
        let done = store.completions(d.id).await.unwrap();
        assert_eq!(done.len() as i64, d.version - 1, "{}", d.title);
        assert!(done.iter().all(|c| c.due_on < d.next_due), "{}", d.title);
        completions += done.len() as u64;
    }
    assert_eq!(completions, r.duty_completions);
    let overdue = duties.iter().filter(|d| d.next_due < today).count() as u64;
    assert!(overdue > 0 && overdue < r.duties / 10, "{overdue}");
    let runs = store.runs(None).await.unwrap();
    let ours: Vec<_> = runs
        .iter()
        .filter(|run| duties.iter().any(|d| Some(d.id) == run.duty_id))
        .collect();
    assert_eq!(ours.len() as u64, r.checklist_runs);
    assert_eq!(
        ours.iter().filter(|run| run.submitted_at.is_none()).count() as u64,
        r.open_checklist_runs
    );
    assert!(r.open_checklist_runs >= overdue);
    let (mut answers, mut no) = (0, 0);
    for run in ours
        .iter()
        .filter(|run| run.submitted_at.is_some())
        .take(60)
    {
        let items = mamori_app::checklists::run_items(run).unwrap();
        let given = store.answers(run.id).await.unwrap();
        assert_eq!(given.len(), items.len(), "{}", run.document);
        answers += given.len();
        no += given.iter().filter(|a| a.answer != "yes").count();
        assert!(
            given
                .iter()
                .all(|a| a.answer == "yes" || !a.comment.is_empty())
        );
    }
    assert!(answers > 0);
    let correctives = store.corrective_items(None, false).await.unwrap();
    assert_eq!(
        correctives
            .iter()
            .filter(|c| c.title.starts_with("是正: "))
            .count() as u64,
        r.corrective_items
    );
    assert!(r.corrective_items > 0 && r.corrective_items < r.checklist_answers / 5);
    assert!(r.open_corrective_items > 0 && r.open_corrective_items < r.corrective_items / 2);
    assert_eq!(
        correctives
            .iter()
            .filter(|c| c.done_at.is_none() && c.title.starts_with("是正: "))
            .count() as u64,
        r.open_corrective_items
    );
    assert!(no <= answers / 4, "{no} of {answers}");
    // The lists come a hundred rows a page, soonest due first; the forms
    // that list everyone are pages of their own.
    let rows = |text: &str| text.matches("<tr class=\"due-").count();
    let page = sec.get("/duties").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains(&duties[0].title), "duties page");
    assert_eq!(rows(&page.text), 100);
    assert!(page.text.contains("href=\"/duties?page=2\""));
    assert!(!page.text.contains("name=\"owner_id\""));
    let all = store.duties(None).await.unwrap().len();
    let last = all.div_ceil(100);
    let page = sec.get(&format!("/duties?page={last}")).await;
    assert_eq!(rows(&page.text), all - (last - 1) * 100);
    assert!(!page.text.contains("rel=\"next\""));
    let token = token_for(app, SECRETARIAT).await;
    let api = sec
        .api(
            Method::GET,
            "/api/v1/duties?offset=100&limit=50",
            &token,
            None,
        )
        .await
        .json();
    assert_eq!(api["total"], all as u64);
    let listed: Vec<String> = ids(&api, &["id"]);
    let expected: Vec<String> = store
        .duties(None)
        .await
        .unwrap()
        .iter()
        .skip(100)
        .take(50)
        .map(|d| d.id.to_string())
        .collect();
    assert_eq!(listed, expected, "the API pages as the list page does");
    let form = sec.get("/duties/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains("name=\"owner_id\""));
    let page = sec.get("/checklists").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text.matches("<td><a href=\"/checklists/").count(), 100);
    assert!(page.text.contains("href=\"/checklists?page=2\""));
    let form = sec.get("/checklists/new").await;
    assert!(form.text.contains("name=\"owner_id\""));
    let run = ours[0];
    assert_eq!(
        sec.get(&format!("/checklists/{}", run.id)).await.status,
        StatusCode::OK
    );
}

/// A year of monthly meetings with their decisions, action items and
/// published minutes; complaints reported and closed by the rules.
async fn the_committee_met_and_complaints_were_handled(
    app: &TestApp,
    sec: &mut Client,
    r: &ScaleReport,
) {
    let secretariat = app.app.cli_actor(SECRETARIAT).await.unwrap();
    assert_eq!(r.meetings, 12);
    let meetings = app.app.meetings(&secretariat).await.unwrap();
    let held: Vec<_> = meetings
        .iter()
        .filter(|m| m.state == "published" && m.title.starts_with("定例情報セキュリティ委員会"))
        .collect();
    assert!(held.len() as u64 >= r.meetings.min(10), "{}", held.len());
    let view = app
        .app
        .meeting_view(&secretariat, held[0].id)
        .await
        .unwrap();
    let minutes = held[0].minutes.clone().unwrap();
    assert!(
        minutes.contains(&held[0].ref_no) && minutes.contains("議題と決定"),
        "{minutes}"
    );
    assert!(view.agenda.iter().all(|(i, _)| i.decision.is_some()));
    assert!(r.open_action_items > 0 && r.open_action_items < r.action_items);
    let page = sec.get("/committee").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains(&held[0].ref_no));
    assert_eq!(
        sec.get(&format!("/committee/{}", held[0].id)).await.status,
        StatusCode::OK
    );
    // Complaints: every closed leak names the company's position and the
    // day the stakeholders were told, after the first report.
    let complaints = app.app.store.complaints().await.unwrap();
    assert!(
        complaints.len() as u64 >= r.complaints,
        "{}",
        complaints.len()
    );
    for c in complaints.iter().filter(|c| c.closed_at.is_some()) {
        assert!(
            !c.leak || (c.position.is_some() && c.stakeholders_notified_on.is_some()),
            "{}",
            c.ref_no
        );
        assert!(
            c.first_report_at.is_some_and(|f| f > c.received_at),
            "{}",
            c.ref_no
        );
    }
    let token = token_for(app, SECRETARIAT).await;
    let api = sec
        .api(Method::GET, "/api/v1/complaints?limit=1", &token, None)
        .await
        .json();
    assert_eq!(api["total"], complaints.len() as u64);
    assert_eq!(api["items"].as_array().unwrap().len(), 1);
    let page = sec.get("/complaints").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.text.matches("<td><a href=\"/complaints/").count(),
        complaints.len().min(50)
    );
    assert!(page.text.contains(&complaints[0].ref_no));
}
