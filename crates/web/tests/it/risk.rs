//! Risk management (M7): the asset register with ratings and computed
//! importance, a risk analysed and scored above the acceptance level,
//! treatment with controls and residual risk, approval by the 社長 through
//! the workflow, a later change making the approval stale; who sees what;
//! the register imported and exported; new threat information marking
//! risks for reassessment; the method changing the scores.

use axum::http::{Method, StatusCode};
use mamori_testkit::TestDb;

use crate::harness::*;

const PRESIDENT: &str = "y.okada@minato-seiki.example";

fn version_in(r: &Response, form: &str) -> String {
    let doc = scraper::Html::parse_document(&r.text);
    let sel = scraper::Selector::parse(&format!("{form} input[name=version]")).unwrap();
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .unwrap_or_else(|| panic!("no {form}: {}", r.text))
        .to_string()
}

async fn person_id(app: &TestApp, email: &str) -> String {
    app.app
        .store
        .person_by_email(email)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string()
}

fn risk_form<'a>(
    asset: &'a str,
    threat: &'a str,
    l: &'a str,
    i: &'a str,
    yen: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("version", "0"),
        ("asset_id", asset),
        ("threat_id", threat),
        ("vulnerability_id", ""),
        ("occasion", "月末の請求処理の時期"),
        ("situation", "担当者が外出先から顧客台帳にアクセスしている"),
        ("cause", "パスワードの使い回しによるなりすまし"),
        ("manner", "第三者が管理画面に侵入し顧客情報を持ち出す"),
        ("impact_text", "顧客への通知と謝罪、取引停止"),
        ("exclusions", "物理的な侵入は入退室管理で対応済みのため除外"),
        ("identified", "yes"),
        ("identification_reason", "外部接続を許可しており発生しうる"),
        ("likelihood", l),
        ("impact", i),
        ("likelihood_basis", "同業他社で年1回程度"),
        ("damage_yen", yen),
        ("damage_scope", "全顧客"),
        ("stakeholders", "1,200"),
        ("conditions", "顧客1件あたり 5,000円の対応費用"),
        ("owner_id", ""),
        ("review_on", ""),
    ]
}

async fn a_risk_is_analysed_treated_approved_and_goes_stale(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut sec = app.signed_in(SECRETARIAT).await;
    // The starter catalogues are there from the first start.
    let threats = sec.get("/risks/threats").await;
    assert_eq!(threats.status, StatusCode::OK);
    assert!(threats.text.contains("T-01"), "{}", threats.text);
    let threat = app
        .app
        .store
        .threats()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.code == "T-06")
        .unwrap();
    let threat_id = threat.id.to_string();
    // A catalogue entry changed since it was read is not overwritten.
    let r = sec
        .post(
            &format!("/risks/threats/{threat_id}"),
            &[
                ("version", "999"),
                ("code", "T-06"),
                ("source", "deliberate"),
                ("name", "x"),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    // Register an asset: importance by the default rule (the highest rating).
    let owner = person_id(&app, SECURITY_OFFICER).await;
    let r = sec
        .post(
            "/assets/new",
            &[
                ("version", "0"),
                ("name", "顧客台帳"),
                ("process", "受注・請求"),
                ("form", "electronic"),
                ("location", "販売管理サーバ"),
                ("users", "営業部、委託先 A 社"),
                ("owner_id", &owner),
                ("c", "3"),
                ("i", "2"),
                ("a", "1"),
                ("leak_impact", "顧客への損害賠償"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let asset_path = r.location();
    let asset_id = asset_path.trim_start_matches("/assets/").to_string();
    let page = sec.get(&asset_path).await;
    assert!(page.text.contains("A-00001"), "{}", page.text);
    assert_eq!(page.select_text("#asset-importance"), vec!["重要度: 高"]);

    // A rating off its scale is refused and nothing is stored.
    let before = app.audit_head().await;
    let bad = sec
        .post(
            "/assets/new",
            &[
                ("version", "0"),
                ("name", "x"),
                ("form", "paper"),
                ("c", "4"),
                ("i", "1"),
                ("a", "1"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("許容範囲外"), "{}", bad.text);
    assert_eq!(app.audit_head().await, before);

    // An identified risk needs concrete numbers: no damage amount, refused.
    let mut missing = risk_form(&asset_id, &threat_id, "4", "4", "");
    missing.retain(|(k, _)| *k != "damage_yen");
    let r = sec.post("/risks", &missing).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("損害額"), "{}", r.text);

    // Likelihood 4 × impact 4 = 16: above the default level 6.
    let r = sec
        .post(
            "/risks",
            &risk_form(&asset_id, &threat_id, "4", "4", "6,000,000"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let risk_path = r.location();
    let page = sec.get(&risk_path).await;
    assert_eq!(page.select_text("#risk-score"), vec!["リスク値: 16"]);
    assert_eq!(page.select_text("#risk-status"), vec!["対応が必要"]);
    assert!(page.text.contains("RSK-"), "{}", page.text);
    // The risk names its threat as the catalogue has it now: a renamed
    // threat shows at the risk's next view.
    let named = |p: &Response| p.select_text("h1 small").join("");
    assert!(named(&page).contains(&threat.name), "{}", named(&page));
    let r = sec
        .post(
            &format!("/risks/threats/{threat_id}"),
            &[
                ("version", threat.version.to_string().as_str()),
                ("code", "T-06"),
                ("source", threat.source.id()),
                ("name", "改名した脅威"),
                ("description", threat.description.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = sec.get(&risk_path).await;
    assert!(named(&page).contains("改名した脅威"), "{}", named(&page));
    // Not yet to management: no treatment.
    assert!(page.select_text("#risk-blocker")[0].contains("対応の種類"));

    // Treatment: a residual still above the level is refused at submission.
    let v = version_in(&page, "#treatment-form");
    // The control is the asset owner's, due tomorrow.
    let tomorrow = (app.app.today() + time::Duration::days(1)).to_string();
    let treat = |v: String, rl: &'static str| {
        vec![
            ("version".to_string(), v),
            ("treatments".into(), "change_likelihood".into()),
            ("treatments".into(), "share".into()),
            (
                "decision_materials".into(),
                "2025年度の侵入試験報告、保険見積".into(),
            ),
            ("control_description".into(), "多要素認証を導入する".into()),
            ("control_annex".into(), "A.9.4.2".into()),
            ("control_obligations".into(), "".into()),
            ("control_owner".into(), owner.clone()),
            ("control_due".into(), tomorrow.clone()),
            ("control_done".into(), "".into()),
            ("control_description".into(), "".into()),
            ("control_annex".into(), "".into()),
            ("control_obligations".into(), "".into()),
            ("control_owner".into(), "".into()),
            ("control_due".into(), "".into()),
            ("control_done".into(), "".into()),
            ("residual_likelihood".into(), rl.into()),
            ("residual_impact".into(), "3".into()),
            (
                "procedure".into(),
                "1. 情報システム部が MFA を設定 2. 営業部へ周知".into(),
            ),
            ("communicated_on".into(), "".into()),
            ("communicated_to".into(), "".into()),
        ]
    };
    let pairs = treat(v, "3");
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let r = sec.post(&format!("{risk_path}/treatment"), &refs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = sec.get(&risk_path).await;
    assert!(
        page.select_text("#risk-blocker")[0].contains("受容レベル"),
        "{}",
        page.text
    );
    // An unknown Annex A number is refused.
    let mut bad = treat(version_in(&page, "#treatment-form"), "2");
    bad[5].1 = "A.99.1".into();
    let refs: Vec<(&str, &str)> = bad.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = sec.post(&format!("{risk_path}/treatment"), &refs).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // What was entered is shown again, not lost.
    assert!(
        r.text.contains("A.99.1") && r.text.contains("2025年度の侵入試験報告"),
        "{}",
        r.text
    );
    // Residual 2 × 3 = 6: within the level; it may go to the 社長.
    let pairs = treat(version_in(&page, "#treatment-form"), "2");
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let r = sec.post(&format!("{risk_path}/treatment"), &refs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = sec.get(&risk_path).await;
    assert_eq!(page.select_text("#risk-residual"), vec!["残留リスク: 6"]);
    // The control is in its owner's tasks and reminded before it is due.
    let mut owner_client = app.signed_in(SECURITY_OFFICER).await;
    assert!(
        owner_client
            .get("/tasks")
            .await
            .text
            .contains("多要素認証を導入する")
    );
    app.app.run_alerts().await.unwrap();
    let inbox = owner_client.get("/inbox").await;
    assert!(
        inbox.text.contains("管理策の期限まであと"),
        "{}",
        inbox.text
    );
    let v = page.input_value("version").unwrap();
    let doc = scraper::Html::parse_document(&page.text);
    let sel = scraper::Selector::parse("form[action$='/submit'] input[name=version]").unwrap();
    let v = doc
        .select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .map(str::to_string)
        .unwrap_or(v);
    let r = sec
        .post(&format!("{risk_path}/submit"), &[("version", &v)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = sec.get(&risk_path).await;
    assert_eq!(page.select_text("#risk-status"), vec!["承認待ち"]);
    let request = page
        .text
        .split("href=\"/requests/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    // Locked while management decides.
    let r = sec
        .post(
            &risk_path,
            &risk_form(&asset_id, &threat_id, "5", "4", "6000000"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    // The 社長 approves in the workflow; the risk records it.
    let mut president = app.signed_in(PRESIDENT).await;
    let req = president.get(&format!("/requests/{request}")).await;
    assert!(req.text.contains("多要素認証を導入する"), "{}", req.text);
    assert!(req.text.contains("request-risk"), "{}", req.text);
    let rv = req.input_value("version").unwrap();
    let r = president
        .post(
            &format!("/requests/{request}/decide"),
            &[("version", &rv), ("decision", "approve"), ("comment", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = sec.get(&risk_path).await;
    assert_eq!(page.select_text("#risk-status"), vec!["承認済み"]);
    assert!(
        page.select_text("#risk-submit").is_empty(),
        "nothing left to submit"
    );

    // The heat map shows it: inherent at (4,4), residual at (2,3).
    let o = sec.get("/risks/overview").await;
    assert_eq!(o.status, StatusCode::OK);
    assert!(
        o.text.contains(r#"data-l="4" data-i="4" data-count="1""#),
        "{}",
        o.text
    );
    assert!(o.text.contains(r#"data-l="2" data-i="3" data-count="1""#));
    // A dated assessment keeps this view.
    let r = sec
        .post(
            "/risks/overview",
            &[("label", "2026年度 第1回"), ("note", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let snap_path = r.location();
    // The obligations the register proves are kept, with the evidence named.
    for id in ["RISK-4.3", "RISK-4.1.2", "RISK-4.2(1)", "RISK-4.1.7(1)"] {
        let o = sec.get(&format!("/compliance/obligations/{id}")).await;
        assert_eq!(
            o.select_text("#obligation-status"),
            vec!["遵守"],
            "{id}: {}",
            o.text
        );
    }

    // A later change to the analysis makes the approval stale.
    let page = sec.get(&risk_path).await;
    let v = version_in(&page, "#risk-form");
    let mut changed = risk_form(&asset_id, &threat_id, "5", "4", "6000000");
    changed[0] = ("version", &v);
    let r = sec.post(&risk_path, &changed).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = sec.get(&risk_path).await;
    assert_eq!(
        page.select_text("#risk-status"),
        vec!["承認後に変更あり（再承認が必要）"]
    );
    assert_eq!(page.select_text("#risk-score"), vec!["リスク値: 20"]);
    // Last assessment still shows the old point.
    let snap = sec.get(&snap_path).await;
    assert!(
        snap.text
            .contains(r#"data-l="4" data-i="4" data-count="1""#),
        "{}",
        snap.text
    );

    // Who sees what: the owner sees the asset and its risk; an employee
    // elsewhere sees neither and not the overview.
    let mut officer = app.signed_in(SECURITY_OFFICER).await;
    assert_eq!(officer.get(&asset_path).await.status, StatusCode::OK);
    assert_eq!(officer.get(&risk_path).await.status, StatusCode::OK);
    let mut employee = app.signed_in(EMPLOYEE).await;
    assert_eq!(
        employee.get(&asset_path).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(employee.get(&risk_path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        employee.get("/risks/overview").await.status,
        StatusCode::FORBIDDEN
    );
    let list = employee.get("/assets").await;
    assert!(!list.text.contains("顧客台帳"));
    // The 社長 sees everything but keeps nothing.
    assert_eq!(
        president.get("/risks/overview").await.status,
        StatusCode::OK
    );
    let r = president
        .post(
            "/risks/context",
            &[
                ("kind", "external"),
                ("topic", "x"),
                ("description", "y"),
                ("source", "z"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // New threat information about the threat marks the risk for reassessment
    // and tells its asset's owner.
    let r = sec
        .post(
            "/risks/intel",
            &[
                ("source", "IPA 注意喚起"),
                ("description", "認証情報の窃取を狙う攻撃が増加"),
                ("received_on", ""),
                ("threat_id", &threat_id),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let intel = sec.get(&r.location()).await;
    assert!(intel.text.contains("RSK-"), "{}", intel.text);
    let page = sec.get(&risk_path).await;
    assert!(page.text.contains("要再評価"));
    let inbox = officer.get("/inbox").await;
    assert!(inbox.text.contains("【新たな脅威】"), "{}", inbox.text);

    // Context of the organisation.
    let r = sec
        .post(
            "/risks/context",
            &[
                ("kind", "interested_party"),
                ("topic", "取引先の要求"),
                (
                    "description",
                    "主要顧客から ISMS 認証の維持を求められている",
                ),
                ("issue", "認証の維持"),
                ("source", "顧客との基本契約"),
                ("noted_on", "2026-04-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(
        sec.get("/risks/context")
            .await
            .text
            .contains("主要顧客から")
    );

    // The method: a higher acceptance level accepts what was above it,
    // ratings already given must stay on the scales.
    let m = sec.get("/risks/method").await;
    assert_eq!(m.status, StatusCode::OK);
    let r = sec
        .post(
            "/risks/method",
            &[
                ("confidentiality", "低 / Low\n高 / High"),
                ("integrity", "低 / Low\n中 / Medium\n高 / High"),
                ("availability", "低 / Low\n中 / Medium\n高 / High"),
                ("importance_combine", "max"),
                ("importance_bands", "1 低 / Low\n2 中 / Medium\n3 高 / High"),
                ("important_from", "2"),
                ("likelihood", "1\n2\n3\n4\n5"),
                ("impact", "1\n2\n3\n4\n5"),
                ("formula", "product"),
                ("acceptance_level", "20"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "C=3 is in use");
    let r = sec
        .post(
            "/risks/method",
            &[
                ("confidentiality", "低 / Low\n中 / Medium\n高 / High"),
                ("integrity", "低 / Low\n中 / Medium\n高 / High"),
                ("availability", "低 / Low\n中 / Medium\n高 / High"),
                ("importance_combine", "sum"),
                ("importance_bands", "3 C\n5 B\n7 A"),
                ("important_from", "2"),
                ("likelihood", "1\n2\n3\n4\n5"),
                ("impact", "1\n2\n3\n4\n5"),
                ("formula", "sum"),
                ("acceptance_level", "6"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = sec.get(&asset_path).await;
    // 3 + 2 + 1 = 6: band B.
    assert_eq!(page.select_text("#asset-importance"), vec!["重要度: B"]);
    let page = sec.get(&risk_path).await;
    assert_eq!(page.select_text("#risk-score"), vec!["リスク値: 9"]);
    app.close().await;
}
mamori_testkit::db_test!(
    risk_cycle,
    a_risk_is_analysed_treated_approved_and_goes_stale
);

async fn the_register_is_imported_and_exported_as_excel_sees_it(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    let mut sec = app.signed_in(SECRETARIAT).await;
    sec.get("/assets/import").await;
    let csv = "管理番号,資産名,業務プロセス,分類,保存形態,保管場所,利用形態,利用者,情報資産管理者,管理部門,機密性,完全性,可用性,漏えい時の影響,登録日,備考\n\
IA-001,設計図面,設計,技術資料,電子データ,ファイルサーバ,社内,設計部,m.shimizu@minato-seiki.example,,高,中,低,競合への流出,2026-04-01,\n\
IA-002,見積書控え,営業,帳票,紙,営業部キャビネット,社内,営業部,m.aoki@minato-seiki.example,,2,1,1,,,\n";
    let sjis = encoding_rs::SHIFT_JIS.encode(csv).0.into_owned();
    let preview = sec
        .upload("/assets/import", "file", "台帳.csv", &sjis)
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text);
    assert!(preview.text.contains("新規 2 件"), "{}", preview.text);
    assert_eq!(
        app.app.store.assets(&Default::default()).await.unwrap().1,
        0,
        "a preview saves nothing"
    );
    let carried = preview.input_value("carried").unwrap();
    let r = sec
        .multipart(
            "/assets/import",
            &[
                ("carried", &carried),
                ("file_name", "台帳.csv"),
                ("confirm", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let list = sec.get("/assets?q=IA-00").await;
    assert!(
        list.text.contains("設計図面") && list.text.contains("見積書控え"),
        "{}",
        list.text
    );
    assert_eq!(list.select_text("#asset-count"), vec!["該当 2 件"]);
    // Case-insensitive on both engines; % and _ are literal.
    let lower = sec.get("/assets?q=ia-00").await;
    assert_eq!(lower.select_text("#asset-count"), vec!["該当 2 件"]);
    let percent = sec.get("/assets?q=%25").await;
    assert_eq!(percent.select_text("#asset-count"), vec!["該当 0 件"]);

    // A file with a bad row saves nothing and says which row and column.
    let bad = "管理番号,資産名,保存形態,情報資産管理者,機密性,完全性,可用性\nIA-003,新規,紙,nobody@minato-seiki.example,1,1,1\nIA-004,x,紙,m.aoki@minato-seiki.example,9,1,1\n";
    let r = sec
        .upload("/assets/import", "file", "bad.csv", bad.as_bytes())
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let problems = r.select_text("#import-problems td");
    assert!(problems.iter().any(|p| p == "2"), "{problems:?}");
    assert!(
        problems.iter().any(|p| p.contains("情報資産管理者")),
        "{problems:?}"
    );
    assert_eq!(
        app.app.store.assets(&Default::default()).await.unwrap().1,
        2
    );

    // Export, then import the export: nothing changes.
    let csv = sec.get("/assets/export.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.text.starts_with('\u{feff}'));
    assert!(csv.text.contains("IA-001") && csv.text.contains("重要度"));
    let again = sec
        .upload("/assets/import", "file", "export.csv", csv.text.as_bytes())
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert!(again.text.contains("変更なし 2 件"), "{}", again.text);
    let xlsx = sec.get("/assets/export.xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);

    // Only the 事務局 and the committee import.
    let mut emp = app.signed_in(EMPLOYEE).await;
    assert_eq!(
        emp.get("/assets/import").await.status,
        StatusCode::FORBIDDEN
    );
    // The employee sees the asset they own, not the other.
    let mine = emp.get("/assets").await;
    assert!(
        mine.text.contains("見積書控え") && !mine.text.contains("設計図面"),
        "{}",
        mine.text
    );

    // The API lists, pages and filters on the server.
    let token = {
        let actor = app.app.cli_actor(SECRETARIAT).await.unwrap();
        app.app
            .create_token(&actor, "risk", None, None)
            .await
            .unwrap()
            .1
    };
    let mut c = app.client();
    let r = c
        .api(
            Method::GET,
            "/api/v1/assets?form=paper&limit=1",
            &token,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let j = r.json();
    assert_eq!(j["total"], 1);
    assert_eq!(j["items"][0]["asset"]["ref_no"], "IA-002");
    // The owner's and department's names come with each row.
    let owner_name = j["items"][0]["owner"].as_str().unwrap_or_default();
    assert!(!owner_name.is_empty(), "{}", r.text);
    let one = c
        .api(
            Method::GET,
            &format!(
                "/api/v1/assets/{}",
                j["items"][0]["asset"]["id"].as_str().unwrap()
            ),
            &token,
            None,
        )
        .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    assert_eq!(one.json()["owner"], owner_name);
    assert_eq!(one.json()["department"], j["items"][0]["department"]);
    // The names are the organisation's as it is now: a renamed owner shows
    // in the list and on the asset at the next read.
    let owner_path = format!(
        "/api/v1/people/{}",
        j["items"][0]["asset"]["owner_id"].as_str().unwrap()
    );
    let mut person = c.api(Method::GET, &owner_path, &token, None).await.json()["person"].take();
    person["name"] = "改名 太郎".into();
    let r = c.api(Method::PUT, &owner_path, &token, Some(person)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = c
        .api(
            Method::GET,
            "/api/v1/assets?form=paper&limit=1",
            &token,
            None,
        )
        .await;
    assert_eq!(r.json()["items"][0]["owner"], "改名 太郎", "{}", r.text);
    let one = c
        .api(
            Method::GET,
            &format!(
                "/api/v1/assets/{}",
                j["items"][0]["asset"]["id"].as_str().unwrap()
            ),
            &token,
            None,
        )
        .await;
    assert_eq!(one.json()["owner"], "改名 太郎", "{}", one.text);
    // An unknown form, sort or status is refused and named, not ignored.
    for (url, field) in [
        ("/api/v1/assets?form=rock", "form"),
        ("/api/v1/assets?sort=colour", "sort"),
        ("/api/v1/risks?status=maybe", "status"),
        ("/api/v1/risks?sort=colour", "sort"),
    ] {
        let r = c.api(Method::GET, url, &token, None).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{url}: {}",
            r.text
        );
        assert!(r.text.contains(field), "{url}: {}", r.text);
    }
    let r = c
        .api(Method::GET, "/api/v1/assets?form=&sort=name", &token, None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let owner = person_id(&app, EMPLOYEE).await;
    let r = c
        .api(
            Method::POST,
            "/api/v1/assets",
            &token,
            Some(serde_json::json!({"name": "入退室記録", "form": "paper", "c": 2, "i": 2, "a": 1, "owner_id": owner})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["importance"], 2);
    // The count kept for the list follows the change.
    let r = c
        .api(
            Method::GET,
            "/api/v1/assets?form=paper&limit=1",
            &token,
            None,
        )
        .await;
    assert_eq!(r.json()["total"], 2, "{}", r.text);
    let bad = c
        .api(
            Method::POST,
            "/api/v1/assets",
            &token,
            Some(serde_json::json!({"name": "", "form": "rock", "c": 1, "i": 1, "a": 1})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("form"), "{}", bad.text);
    let r = c
        .api(Method::GET, "/api/v1/risks/threats", &token, None)
        .await;
    assert!(r.json()["items"].as_array().unwrap().len() >= 30);
    let r = c
        .api(Method::GET, "/api/v1/risks/overview", &token, None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["method"]["acceptance_level"], 6);
    app.close().await;
}
mamori_testkit::db_test!(
    register_import,
    the_register_is_imported_and_exported_as_excel_sees_it
);

async fn the_yearly_check_and_survey_are_scheduled_answered_and_recorded(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    assert_eq!(app.app.ensure_risk_duties().await.unwrap(), 2);
    assert_eq!(app.app.ensure_risk_duties().await.unwrap(), 0, "idempotent");
    let duty = |source: &'static str| {
        let a = app.app.clone();
        async move {
            a.store
                .duties(None)
                .await
                .unwrap()
                .into_iter()
                .find(|d| d.source == source)
                .unwrap()
        }
    };
    let before = duty("RISK-5(2)").await;
    let mut sec = app.signed_in(SECRETARIAT).await;
    let tasks = sec.get("/tasks").await;
    assert!(
        tasks.text.contains("RISK-5(2)") && tasks.text.contains("RISK-5(3)"),
        "{}",
        tasks.text
    );

    // The cycle check: findings required; recording completes the duty.
    sec.get("/risks/reviews").await;
    let r = sec
        .post(
            "/risks/reviews/cycle",
            &[("checked_on", ""), ("findings", " "), ("improvements", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = sec
        .post(
            "/risks/reviews/cycle",
            &[
                ("checked_on", ""),
                ("findings", "リスク対応の承認が遅れがち"),
                ("improvements", "承認期限を 2 週間に設定"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(
        sec.get("/risks/reviews")
            .await
            .text
            .contains("承認期限を 2 週間に設定")
    );
    let after = duty("RISK-5(2)").await;
    assert!(after.next_due > before.next_due, "the yearly duty moves on");

    // The survey: everyone is asked; an employee answers; results are counted without names.
    let r = sec
        .post(
            "/risks/surveys",
            &[
                ("title", "2026年度 アンケート"),
                ("questions", "ルールは守られている\n相談しやすい"),
                ("closes_on", "2099-12-31"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let survey_path = r.location();
    let mut emp = app.signed_in(EMPLOYEE).await;
    assert!(emp.get("/inbox").await.text.contains("【アンケート】"));
    assert!(
        emp.get("/tasks")
            .await
            .text
            .contains("アンケート: 2026年度")
    );
    let form = emp.get(&survey_path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.select_text("#survey-results").is_empty(),
        "an employee sees no results"
    );
    let r = emp
        .post(
            &survey_path,
            &[("count", "2"), ("r0", "4"), ("c0", ""), ("c1", "")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "every question needs a rating"
    );
    let r = emp
        .post(
            &survey_path,
            &[
                ("count", "2"),
                ("r0", "4"),
                ("c0", ""),
                ("r1", "2"),
                ("c1", "上司が忙しそう"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(
        !emp.get("/tasks")
            .await
            .text
            .contains("アンケート: 2026年度")
    );
    // The API answers too.
    let survey_id = survey_path
        .trim_start_matches("/risks/surveys/")
        .to_string();
    let token = {
        let actor = app.app.cli_actor(CHAIR).await.unwrap();
        app.app
            .create_token(&actor, "survey", None, None)
            .await
            .unwrap()
            .1
    };
    let mut c = app.client();
    let bad = c
        .api(
            Method::PUT,
            &format!("/api/v1/risks/surveys/{survey_id}/answer"),
            &token,
            Some(serde_json::json!({"ratings": [6, 1]})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .api(
            Method::PUT,
            &format!("/api/v1/risks/surveys/{survey_id}/answer"),
            &token,
            Some(serde_json::json!({"ratings": [5, 4], "comments": ["", ""]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let view = c
        .api(
            Method::GET,
            &format!("/api/v1/risks/surveys/{survey_id}"),
            &token,
            None,
        )
        .await;
    assert_eq!(view.json()["respondents"], 2);
    let results = sec.get(&survey_path).await;
    assert!(results.select_text("#survey-response")[0].starts_with("回答 2 人"));
    assert!(results.text.contains("上司が忙しそう"));
    assert!(!results.text.contains("青木"), "no names with the answers");
    let v = version_in(&results, "#close-form");
    let r = sec
        .post(
            &format!("{survey_path}/close"),
            &[("version", &v), ("follow_up", "相談窓口を周知する")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = emp
        .post(
            &survey_path,
            &[
                ("count", "2"),
                ("r0", "5"),
                ("c0", ""),
                ("r1", "5"),
                ("c1", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "closed");
    let s = duty("RISK-5(3)").await;
    assert!(s.next_due > before.next_due);
    app.close().await;
}
mamori_testkit::db_test!(
    yearly_reviews,
    the_yearly_check_and_survey_are_scheduled_answered_and_recorded
);

async fn the_demo_register_goes_through_the_same_rules(t: &TestDb) {
    let app = TestApp::start(t, false).await;
    app.app.seed_demo_risks().await.unwrap();
    app.app.seed_demo_risks().await.unwrap();
    let (_, assets) = app.app.store.assets(&Default::default()).await.unwrap();
    assert_eq!(assets, 11, "seeded once");
    let mut counts = app.app.store.risk_status_counts().await.unwrap();
    counts.sort_by_key(|(s, _)| s.id());
    let ids: Vec<(&str, u64)> = counts.iter().map(|(s, n)| (s.id(), *n)).collect();
    assert_eq!(
        ids,
        vec![
            ("accepted", 1),
            ("approved", 1),
            ("in_approval", 1),
            ("needs_treatment", 1),
            ("not_identified", 1)
        ]
    );
    let mut sec = app.signed_in(SECRETARIAT).await;
    let o = sec.get("/risks/overview").await;
    assert!(
        o.text.contains(r#"data-l="3" data-i="5" data-count="1""#),
        "{}",
        o.text
    );
    assert!(o.text.contains(r#"data-l="2" data-i="3" data-count="1""#));
    app.close().await;
}
mamori_testkit::db_test!(demo_register, the_demo_register_goes_through_the_same_rules);
