//! The demo company's risk register: a dozen information assets with their
//! links, the context, risks in each state of the cycle (one approved by
//! the 社長, one awaiting approval, one accepted, one not identified), and
//! last year's assessment, all entered through the same use-cases as users.

use uuid::Uuid;

use crate::risk::{AssetInput, ContextInput, ControlInput, LinkInput, RiskInput, TreatmentInput};
use crate::{App, AppError, AppResult};

struct DemoAsset {
    name: &'static str,
    process: &'static str,
    group: &'static str,
    form: &'static str,
    location: &'static str,
    usage: &'static str,
    users: &'static str,
    owner: &'static str,
    cia: (u8, u8, u8),
    leak_impact: &'static str,
}

const ASSETS: &[DemoAsset] = &[
    DemoAsset {
        name: "設計図面・加工プログラム",
        process: "設計・製造",
        group: "技術情報",
        form: "electronic",
        location: "設計図面管理サーバ",
        usage: "社内 CAD 端末から参照・更新",
        users: "業務部、協力工場（閲覧のみ）",
        owner: "h.yamamoto@minato-seiki.example",
        cia: (3, 3, 2),
        leak_impact: "取引先の図面流出による契約違反・損害賠償",
    },
    DemoAsset {
        name: "顧客台帳",
        process: "受注・請求",
        group: "顧客情報",
        form: "electronic",
        location: "受注・生産管理システム",
        usage: "営業部が社内と外出先から参照",
        users: "営業部",
        owner: "m.inoue@minato-seiki.example",
        cia: (3, 2, 2),
        leak_impact: "顧客への通知・謝罪、取引停止",
    },
    DemoAsset {
        name: "受注・生産管理システム",
        process: "受注から出荷",
        group: "業務システム",
        form: "system",
        location: "本社サーバルーム",
        usage: "全社で利用",
        users: "全従業員",
        owner: "h.uchida@minato-seiki.example",
        cia: (2, 3, 3),
        leak_impact: "受注情報の漏えい",
    },
    DemoAsset {
        name: "本社サーバルーム",
        process: "IT 基盤",
        group: "設備",
        form: "facility",
        location: "本社 3 階",
        usage: "登録者のみ入室",
        users: "情報システム部",
        owner: "m.sato@minato-seiki.example",
        cia: (2, 2, 3),
        leak_impact: "—",
    },
    DemoAsset {
        name: "見積書控え（紙）",
        process: "見積",
        group: "帳票",
        form: "paper",
        location: "営業部キャビネット（施錠）",
        usage: "営業部内で閲覧",
        users: "営業部",
        owner: "t.hayashi@minato-seiki.example",
        cia: (2, 1, 1),
        leak_impact: "価格情報の競合への流出",
    },
    DemoAsset {
        name: "給与・人事データ",
        process: "人事・給与",
        group: "個人情報",
        form: "electronic",
        location: "クラウド人事サービス",
        usage: "人事部のみ",
        users: "人事部、社会保険労務士事務所",
        owner: "n.takahashi@minato-seiki.example",
        cia: (3, 3, 1),
        leak_impact: "従業員の個人情報漏えい",
    },
    DemoAsset {
        name: "会計データ",
        process: "経理",
        group: "財務情報",
        form: "electronic",
        location: "経理システム",
        usage: "経理部のみ",
        users: "経理部、顧問税理士",
        owner: "a.nakamura@minato-seiki.example",
        cia: (2, 3, 2),
        leak_impact: "未公表の業績情報の漏えい",
    },
    DemoAsset {
        name: "メール・グループウェア",
        process: "社内外の連絡",
        group: "クラウドサービス",
        form: "service",
        location: "クラウド（国内リージョン）",
        usage: "全社で利用、スマートデバイス可",
        users: "全従業員",
        owner: "m.ando@minato-seiki.example",
        cia: (2, 2, 3),
        leak_impact: "やり取りの内容の漏えい",
    },
    DemoAsset {
        name: "貸与ノート PC",
        process: "全業務",
        group: "端末",
        form: "facility",
        location: "各自（持出し申請時は社外）",
        usage: "社内外で利用",
        users: "全従業員",
        owner: "t.ono@minato-seiki.example",
        cia: (2, 2, 2),
        leak_impact: "保存データの漏えい",
    },
    DemoAsset {
        name: "熟練技術者の加工ノウハウ",
        process: "製造",
        group: "人",
        form: "person",
        location: "—",
        usage: "—",
        users: "業務部",
        owner: "h.yamamoto@minato-seiki.example",
        cia: (2, 1, 3),
        leak_impact: "退職による技術流出",
    },
    DemoAsset {
        name: "社内ポータル",
        process: "社内のお知らせ",
        group: "業務システム",
        form: "system",
        location: "本社サーバルーム",
        usage: "全社で閲覧",
        users: "全従業員",
        owner: "t.hirano@minato-seiki.example",
        cia: (1, 1, 1),
        leak_impact: "—",
    },
];

fn risk(
    asset: Uuid,
    threat: Option<Uuid>,
    scenario: [&str; 6],
    l: u8,
    i: u8,
    yen: &str,
    identified: bool,
) -> RiskInput {
    let [occasion, situation, cause, manner, impact_text, reason] = scenario;
    RiskInput {
        version: 0,
        asset_id: asset,
        threat_id: threat,
        vulnerability_id: None,
        occasion: occasion.into(),
        situation: situation.into(),
        cause: cause.into(),
        manner: manner.into(),
        impact_text: impact_text.into(),
        exclusions: String::new(),
        identified,
        identification_reason: reason.into(),
        likelihood: l,
        impact: i,
        likelihood_basis: if identified {
            "過去 5 年の社内事例と同業他社の報告から".into()
        } else {
            String::new()
        },
        damage_yen: yen.into(),
        damage_scope: if identified {
            "該当する取引先・顧客".into()
        } else {
            String::new()
        },
        stakeholders: String::new(),
        conditions: if identified {
            "被害 1 件あたりの対応費用と取引への影響から算定".into()
        } else {
            String::new()
        },
        owner_id: None,
        review_on: String::new(),
    }
}

impl App {
    /// Fills the demo company's risk register once.
    pub async fn seed_demo_risks(&self) -> AppResult<()> {
        let secretariat = self.cli_actor("m.suzuki@minato-seiki.example").await?;
        if self.store.assets(&Default::default()).await?.1 > 0 {
            return Ok(());
        }
        let mut ids = Vec::new();
        for a in ASSETS {
            let owner =
                self.store.person_by_email(a.owner).await?.ok_or_else(|| {
                    AppError::Internal(format!("demo: unknown owner {}", a.owner))
                })?;
            let input = AssetInput {
                name: a.name.into(),
                process: a.process.into(),
                group: a.group.into(),
                form: a.form.into(),
                location: a.location.into(),
                usage: a.usage.into(),
                users: a.users.into(),
                owner_id: Some(owner.id),
                department_id: owner.department_id,
                c: a.cia.0,
                i: a.cia.1,
                a: a.cia.2,
                leak_impact: a.leak_impact.into(),
                registered_on: "2026-04-01".into(),
                ..Default::default()
            };
            ids.push(self.create_asset(&secretariat, &input).await?);
        }
        let by_name = |n: &str| {
            ids.iter()
                .find(|a| a.name == n)
                .map(|a| (a.id, a.ref_no.clone()))
        };
        for (from, kind, to) in [
            ("受注・生産管理システム", "located_in", "本社サーバルーム"),
            ("社内ポータル", "located_in", "本社サーバルーム"),
            ("顧客台帳", "runs_on", "受注・生産管理システム"),
        ] {
            if let (Some((f, _)), Some((_, to_ref))) = (by_name(from), by_name(to)) {
                let link = LinkInput {
                    other_ref: to_ref,
                    kind: kind.into(),
                    remove: false,
                };
                self.link_asset(&secretariat, f, &link).await?;
            }
        }
        for (kind, topic, description, issue, source) in [
            (
                "external",
                "取引先の情報管理要求",
                "主要取引先から図面の取扱いについて情報セキュリティ監査の受入れを求められている。",
                "図面の管理と委託先・協力工場の管理の強化",
                "取引先との取引基本契約",
            ),
            (
                "external",
                "ランサムウェア被害の増加",
                "製造業を狙ったランサムウェア被害が増えている。",
                "バックアップと復旧手順、VPN 機器の脆弱性管理",
                "IPA 情報セキュリティ10大脅威",
            ),
            (
                "internal",
                "熟練技術者の高齢化",
                "加工ノウハウが一部の技術者に集中している。",
                "技術情報の文書化と管理",
                "経営会議",
            ),
            (
                "interested_party",
                "従業員の働き方",
                "外出先・在宅での業務の要望が多い。",
                "持出し端末とリモートアクセスの管理",
                "従業員アンケート",
            ),
        ] {
            let input = ContextInput {
                version: 0,
                kind: kind.into(),
                topic: topic.into(),
                description: description.into(),
                issue: issue.into(),
                source: source.into(),
                noted_on: "2026-04-10".into(),
            };
            self.save_context_item(&secretariat, None, &input).await?;
        }
        let threats = self.store.threats().await?;
        let threat = |code: &str| threats.iter().find(|t| t.code == code).map(|t| t.id);
        let asset = |n: &str| {
            by_name(n)
                .map(|x| x.0)
                .ok_or_else(|| AppError::Internal(format!("demo asset {n}")))
        };
        // Approved: the design drawings against a targeted attack.
        let drawings = self
            .create_risk(
                &secretariat,
                &risk(
                    asset("設計図面・加工プログラム")?,
                    threat("T-04"),
                    [
                        "取引先を装ったメールを受け取ったとき",
                        "設計担当者が図面ファイルを開く",
                        "添付ファイル経由のマルウェア感染",
                        "設計図面管理サーバの図面が外部に送信される",
                        "取引先の図面流出、契約違反と損害賠償",
                        "取引先とのメールのやり取りが多く、発生しうる",
                    ],
                    3,
                    5,
                    "30,000,000",
                    true,
                ),
            )
            .await?;
        let drawings = self
            .treat_risk(
                &secretariat,
                drawings.id,
                &TreatmentInput {
                    version: drawings.version,
                    treatments: vec!["change_likelihood".into(), "change_consequence".into()],
                    decision_materials: "標的型攻撃メール訓練の結果（開封率 12%）、EDR 製品の比較表".into(),
                    residual_likelihood: Some(2),
                    residual_impact: Some(3),
                    controls: vec![
                        ControlInput { description: "EDR を設計部の端末に導入する".into(), annex_refs: "A.12.2.1".into(), due_on: "2026-09-30".into(), done_on: "2026-09-15".into(), ..Default::default() },
                        ControlInput { description: "図面フォルダへのアクセスを設計担当者に限定する".into(), annex_refs: "A.9.4.1".into(), due_on: "2026-07-31".into(), done_on: "2026-07-20".into(), ..Default::default() },
                    ],
                    procedure: "1. 情報システム部が EDR を導入\n2. 設計部長がアクセス権を見直し\n3. 事務局が全員に周知".into(),
                    communicated_on: "2026-10-01".into(),
                    communicated_to: "設計・製造の担当者全員".into(),
                },
            )
            .await?;
        let submitted = self
            .submit_risk(&secretariat, drawings.id, drawings.version)
            .await?;
        if let Some(rid) = submitted.request_id {
            let president = self.cli_actor("y.okada@minato-seiki.example").await?;
            let r = self.store.request(rid).await?;
            self.decide_request(
                &president,
                rid,
                r.version,
                mamori_domain::workflow::Decision::Approve,
                "",
            )
            .await?;
        }
        // Awaiting the 社長: the customer register on a lost laptop.
        let customers = self
            .create_risk(
                &secretariat,
                &risk(
                    asset("顧客台帳")?,
                    threat("T-20"),
                    [
                        "外出先で顧客台帳を閲覧しているとき",
                        "ノート PC を電車に置き忘れる",
                        "持出し時の注意不足",
                        "第三者が PC 内の顧客データを閲覧する",
                        "顧客への通知・謝罪",
                        "外出先での閲覧が日常的で発生しうる",
                    ],
                    3,
                    4,
                    "5,000,000",
                    true,
                ),
            )
            .await?;
        let customers = self
            .treat_risk(
                &secretariat,
                customers.id,
                &TreatmentInput {
                    version: customers.version,
                    treatments: vec!["change_consequence".into()],
                    decision_materials: "端末紛失の社内事例（2025 年度 2 件）".into(),
                    residual_likelihood: Some(3),
                    residual_impact: Some(2),
                    controls: vec![ControlInput {
                        description: "ノート PC のディスクを暗号化する".into(),
                        annex_refs: "A.10.1.1".into(),
                        due_on: "2027-01-31".into(),
                        ..Default::default()
                    }],
                    procedure: "情報システム部が全ノート PC に暗号化を設定".into(),
                    ..Default::default()
                },
            )
            .await?;
        self.submit_risk(&secretariat, customers.id, customers.version)
            .await?;
        // Needs treatment: the server room on a power cut.
        self.create_risk(
            &secretariat,
            &risk(
                asset("本社サーバルーム")?,
                threat("T-32"),
                [
                    "落雷・停電が起きたとき",
                    "夜間・休日で担当者がいない",
                    "UPS の容量不足",
                    "受注・生産管理システムが停止する",
                    "出荷の遅れ",
                    "UPS が 10 分しか持たず、発生しうる",
                ],
                2,
                4,
                "2,000,000",
                true,
            ),
        )
        .await?;
        // Accepted: the portal.
        self.create_risk(
            &secretariat,
            &risk(
                asset("社内ポータル")?,
                threat("T-18"),
                [
                    "更新作業のとき",
                    "担当者が 1 人で作業する",
                    "操作ミス",
                    "お知らせが一時的に表示されない",
                    "社内連絡の遅れ",
                    "影響が小さく、受容レベル以下",
                ],
                2,
                1,
                "0",
                true,
            ),
        )
        .await?;
        // Not identified, with the reason.
        self.create_risk(
            &secretariat,
            &risk(
                asset("見積書控え（紙）")?,
                threat("T-28"),
                [
                    "地震のとき",
                    "キャビネットが倒れる",
                    "固定の不足",
                    "書類が散乱する",
                    "一時的に閲覧できない",
                    "電子データで同じ情報を保持しており、当社のリスクとしない",
                ],
                1,
                1,
                "",
                false,
            ),
        )
        .await?;
        Ok(())
    }
}
