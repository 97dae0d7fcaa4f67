//! The information asset register (情報資産台帳, RISK-4.1.2, PHY-4.3.4(4)):
//! each asset with its form, place, users, owner (情報資産管理者), C/I/A on
//! the organisation's scales and the importance its rule gives; links
//! between assets; import and export as the company's Excel 台帳.

use std::collections::{HashMap, HashSet};

use mamori_domain::org::required_text;
use mamori_domain::risk::{Form, LinkKind};
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use super::{RiskAccess, optional_text};
use crate::error::Errors;
use crate::ports::{Asset, AssetFilter, AssetLink, AssetSort, RiskFilter, RiskRow};
use crate::{Actor, App, AppError, AppResult, DraftExt};

/// An asset as entered in the form or the API.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct AssetInput {
    /// 0 for a new asset; else the version read.
    #[serde(default)]
    pub version: i64,
    /// 管理番号; empty: allocated (A-00001…).
    #[serde(default)]
    pub ref_no: String,
    pub name: String,
    #[serde(default)]
    pub process: String,
    #[serde(default)]
    pub group: String,
    /// paper, electronic, system, service, person, facility
    pub form: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub usage: String,
    #[serde(default)]
    pub users: String,
    /// 情報資産管理者; default: the person entering it.
    #[serde(default)]
    pub owner_id: Option<Uuid>,
    #[serde(default)]
    pub department_id: Option<Uuid>,
    pub c: u8,
    pub i: u8,
    pub a: u8,
    #[serde(default)]
    pub leak_impact: String,
    /// YYYY-MM-DD; default today.
    #[serde(default)]
    pub registered_on: String,
    #[serde(default)]
    pub note: String,
    /// YYYY-MM-DD: no longer held.
    #[serde(default)]
    pub retired_on: String,
}

pub use crate::ports::AssetListItem;

/// An asset's page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AssetView {
    pub asset: Asset,
    pub owner: String,
    pub department: String,
    pub important: bool,
    /// (link, the other asset, this asset is the first of the link)
    pub links: Vec<(AssetLink, Asset, bool)>,
    pub risks: Vec<RiskRow>,
    pub can_edit: bool,
    pub can_add_risk: bool,
}

/// A link as entered: this asset `kind` the other.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct LinkInput {
    /// 管理番号 of the other asset.
    pub other_ref: String,
    /// runs_on, located_in, part_of, depends_on
    pub kind: String,
    /// Remove the link instead of adding it.
    #[serde(default)]
    pub remove: bool,
}

/// A row of an imported register file, already checked for its own shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedAsset {
    pub line: usize,
    pub ref_no: Option<String>,
    pub name: String,
    pub process: String,
    pub group: String,
    pub form: Form,
    pub location: String,
    pub usage: String,
    pub users: String,
    pub owner_email: String,
    pub department_code: Option<String>,
    pub c: u8,
    pub i: u8,
    pub a: u8,
    pub leak_impact: String,
    pub registered_on: Option<Date>,
    pub note: String,
}

/// A problem with a row, against what the database holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportProblem {
    pub line: usize,
    pub column: String,
    pub code: String,
}

/// What an import did, or would do.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub problems: Vec<ImportProblem>,
    pub saved: bool,
}

/// An asset for export, with the owner's e-mail and the department's code.
#[derive(Debug, Clone)]
pub struct ExportedAsset {
    pub asset: Asset,
    pub owner_email: String,
    pub department_code: Option<String>,
}

impl App {
    /// A page of the register the actor may see.
    pub async fn assets_page(
        &self,
        actor: &Actor,
        mut f: AssetFilter,
    ) -> AppResult<(Vec<AssetListItem>, u64)> {
        f.scope = RiskAccess::of(actor).scope();
        f.limit = f.limit.clamp(1, 500);
        // The owners' and departments' names come from the kept directory;
        // the count is kept while the data has not changed.
        let what = format!(
            "assets {:?}",
            AssetFilter {
                offset: 0,
                limit: 0,
                sort: AssetSort::default(),
                ..f.clone()
            }
        );
        let total = self
            .kept_count(actor, what, self.store.asset_count(&f))
            .await?;
        let page = self.store.asset_page(&f).await?;
        let names = self.directory(actor).await?;
        let items = page
            .into_iter()
            .map(|asset| AssetListItem {
                owner: names.person(asset.owner_id).to_string(),
                department: names.department(asset.department_id).to_string(),
                asset,
            })
            .collect();
        Ok((items, total))
    }

    /// An asset the actor may see (404 otherwise).
    pub(crate) async fn visible_asset(&self, actor: &Actor, id: Uuid) -> AppResult<Asset> {
        let a = self.store.asset(id).await?;
        if RiskAccess::of(actor).sees(a.owner_id, a.department_id) {
            Ok(a)
        } else {
            Err(AppError::NotFound)
        }
    }

    pub async fn asset_view(&self, actor: &Actor, id: Uuid) -> AppResult<AssetView> {
        let access = RiskAccess::of(actor);
        let asset = self.store.asset(id).await?;
        if !access.sees(asset.owner_id, asset.department_id) {
            return Err(AppError::NotFound);
        }
        let names = self.directory(actor).await?;
        let method = self.viewing_method(actor).await?;
        let links = self.store.asset_links(id).await?;
        let others: Vec<Uuid> = links
            .iter()
            .map(|l| if l.from_id == id { l.to_id } else { l.from_id })
            .collect();
        let others: HashMap<Uuid, Asset> = self
            .store
            .assets_by_id(&others)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        let links = links
            .into_iter()
            .filter_map(|l| {
                let outgoing = l.from_id == id;
                let other = others
                    .get(if outgoing { &l.to_id } else { &l.from_id })?
                    .clone();
                Some((l, other, outgoing))
            })
            .collect();
        let (risks, _) = self
            .store
            .risks(&RiskFilter {
                asset_id: Some(id),
                limit: 500,
                uncounted: true,
                ..Default::default()
            })
            .await?;
        let can_edit = access.keeps(asset.owner_id, asset.department_id);
        Ok(AssetView {
            owner: names.person(asset.owner_id).to_string(),
            department: names.department(asset.department_id).to_string(),
            important: method.is_important(asset.importance),
            links,
            risks,
            can_edit,
            can_add_risk: can_edit,
            asset,
        })
    }

    /// Checks an asset as entered into the record to store.
    async fn asset_from(
        &self,
        actor: &Actor,
        input: &AssetInput,
        base: Option<Asset>,
    ) -> AppResult<Asset> {
        let method = self.store.risk_method().await?;
        let mut e = Errors::default();
        let name = e.take(required_text("name", &input.name, 200));
        let form = Form::parse(&input.form);
        if form.is_none() {
            e.push("form", "required");
        }
        let cia = e.take(method.cia(input.c, input.i, input.a));
        let texts: Vec<Option<String>> = [
            ("process", &input.process),
            ("group", &input.group),
            ("location", &input.location),
            ("usage", &input.usage),
            ("users", &input.users),
            ("leak_impact", &input.leak_impact),
            ("note", &input.note),
        ]
        .iter()
        .map(|(f, v)| e.take(optional_text(f, v, 2000)))
        .collect();
        let ref_no = e.take(optional_text("ref_no", &input.ref_no, 40));
        let registered_on = e.take(crate::org::parse_day("registered_on", &input.registered_on));
        let retired_on = e.take(crate::org::parse_day("retired_on", &input.retired_on));
        let owner_id = input
            .owner_id
            .or(base.as_ref().map(|b| b.owner_id))
            .unwrap_or(actor.id());
        if self.store.person(owner_id).await.is_err() {
            e.push("owner_id", "unknown_person");
        }
        if let Some(d) = input.department_id
            && self.store.department(d).await.is_err()
        {
            e.push("department_id", "unknown_department");
        }
        e.done()?;
        let [process, group, location, usage, users, leak_impact, note] =
            <[Option<String>; 7]>::try_from(texts)
                .map_err(|_| AppError::Internal("asset texts".into()))?
                .map(Option::unwrap_or_default);
        let cia = cia.ok_or(AppError::Internal("ratings".into()))?;
        let now = self.now();
        Ok(Asset {
            id: base.as_ref().map(|b| b.id).unwrap_or_else(Uuid::now_v7),
            ref_no: ref_no
                .filter(|r| !r.is_empty())
                .or(base.as_ref().map(|b| b.ref_no.clone()))
                .unwrap_or_default(),
            name: name.unwrap_or_default(),
            process,
            group,
            form: form.unwrap_or(Form::Electronic),
            location,
            usage,
            users,
            owner_id,
            department_id: input.department_id,
            c: cia.c,
            i: cia.i,
            a: cia.a,
            importance: method.importance(cia),
            leak_impact,
            registered_on: registered_on
                .flatten()
                .or(base.as_ref().map(|b| b.registered_on))
                .unwrap_or_else(|| self.today()),
            note,
            retired_on: retired_on.flatten(),
            version: base.as_ref().map(|b| b.version + 1).unwrap_or(1),
            updated_at: now,
        })
    }

    /// Registers an asset (PHY-4.3.4(4): promptly when brought in).
    pub async fn create_asset(&self, actor: &Actor, input: &AssetInput) -> AppResult<Asset> {
        let access = RiskAccess::of(actor);
        let a = self.asset_from(actor, input, None).await?;
        if !access.keeps(a.owner_id, a.department_id) {
            return Err(AppError::Forbidden);
        }
        let audit = self
            .draft(Some(actor), "asset.create", "asset", Some(a.id.to_string()))
            .after(&a);
        let saved = self
            .store
            .save_assets(&[a], audit)
            .await
            .map_err(ref_taken)?;
        saved
            .into_iter()
            .next()
            .ok_or(AppError::Internal("asset not saved".into()))
    }

    pub async fn update_asset(
        &self,
        actor: &Actor,
        id: Uuid,
        input: &AssetInput,
    ) -> AppResult<Asset> {
        let access = RiskAccess::of(actor);
        let old = self.visible_asset(actor, id).await?;
        if !access.keeps(old.owner_id, old.department_id) {
            return Err(AppError::Forbidden);
        }
        if input.version != old.version {
            return Err(AppError::Conflict("stale_version"));
        }
        let a = self.asset_from(actor, input, Some(old.clone())).await?;
        if !access.keeps(a.owner_id, a.department_id) {
            return Err(AppError::field("owner_id", "outside_scope"));
        }
        let audit = self
            .draft(Some(actor), "asset.update", "asset", Some(a.id.to_string()))
            .before(&old)
            .after(&a);
        let saved = self
            .store
            .save_assets(&[a], audit)
            .await
            .map_err(ref_taken)?;
        saved
            .into_iter()
            .next()
            .ok_or(AppError::Internal("asset not saved".into()))
    }

    /// Adds or removes a link from this asset to another.
    pub async fn link_asset(&self, actor: &Actor, id: Uuid, input: &LinkInput) -> AppResult<()> {
        let access = RiskAccess::of(actor);
        let a = self.visible_asset(actor, id).await?;
        if !access.keeps(a.owner_id, a.department_id) {
            return Err(AppError::Forbidden);
        }
        let kind = LinkKind::parse(&input.kind).ok_or(AppError::field("kind", "required"))?;
        let other = self
            .store
            .assets_by_ref(&[input.other_ref.trim().to_string()])
            .await?
            .into_iter()
            .next()
            .filter(|o| access.sees(o.owner_id, o.department_id))
            .ok_or(AppError::field("other_ref", "unknown_asset"))?;
        if other.id == a.id {
            return Err(AppError::field("other_ref", "self_link"));
        }
        let link = AssetLink {
            from_id: a.id,
            to_id: other.id,
            kind,
        };
        let audit = self
            .draft(
                Some(actor),
                if input.remove {
                    "asset.unlink"
                } else {
                    "asset.link"
                },
                "asset",
                Some(a.id.to_string()),
            )
            .detail(format!("{} {} {}", a.ref_no, kind.id(), other.ref_no));
        self.store
            .set_asset_link(&link, !input.remove, audit)
            .await?;
        Ok(())
    }

    /// Checks imported rows against the organisation and the register and,
    /// unless `dry_run` or anything is wrong, saves them all at once:
    /// a row with a known 管理番号 updates that asset, others are new.
    pub async fn import_assets(
        &self,
        actor: &Actor,
        rows: &[ImportedAsset],
        dry_run: bool,
    ) -> AppResult<ImportReport> {
        RiskAccess::of(actor).require_manage()?;
        let method = self.store.risk_method().await?;
        let people: HashMap<String, Uuid> = self
            .store
            .all_people()
            .await?
            .into_iter()
            .map(|p| (p.email.to_lowercase(), p.id))
            .collect();
        let depts: HashMap<String, Uuid> = self
            .store
            .departments()
            .await?
            .into_iter()
            .map(|d| (d.code.to_lowercase(), d.id))
            .collect();
        let refs: Vec<String> = rows.iter().filter_map(|r| r.ref_no.clone()).collect();
        let existing: HashMap<String, Asset> = self
            .store
            .assets_by_ref(&refs)
            .await?
            .into_iter()
            .map(|a| (a.ref_no.clone(), a))
            .collect();
        let mut report = ImportReport::default();
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let now = self.now();
        for r in rows {
            let mut problem = |column: &str, code: &str| {
                report.problems.push(ImportProblem {
                    line: r.line,
                    column: column.into(),
                    code: code.into(),
                })
            };
            let owner = people.get(&r.owner_email.to_lowercase()).copied();
            if owner.is_none() {
                problem("情報資産管理者", "unknown_person");
            }
            let dept = match &r.department_code {
                Some(code) => {
                    let d = depts.get(&code.to_lowercase()).copied();
                    if d.is_none() {
                        problem("管理部門", "unknown_department");
                    }
                    d
                }
                None => None,
            };
            let cia = match method.cia(r.c, r.i, r.a) {
                Ok(c) => Some(c),
                Err(e) => {
                    problem(
                        match e.field {
                            "c" => "機密性",
                            "i" => "完全性",
                            _ => "可用性",
                        },
                        "out_of_range",
                    );
                    None
                }
            };
            if let Some(rf) = &r.ref_no
                && !seen.insert(rf.clone())
            {
                problem("管理番号", "duplicate_ref");
            }
            let (Some(owner), Some(cia)) = (owner, cia) else {
                continue;
            };
            let base = r.ref_no.as_ref().and_then(|rf| existing.get(rf));
            let a = Asset {
                id: base.map(|b| b.id).unwrap_or_else(Uuid::now_v7),
                ref_no: r.ref_no.clone().unwrap_or_default(),
                name: r.name.clone(),
                process: r.process.clone(),
                group: r.group.clone(),
                form: r.form,
                location: r.location.clone(),
                usage: r.usage.clone(),
                users: r.users.clone(),
                owner_id: owner,
                department_id: dept,
                c: cia.c,
                i: cia.i,
                a: cia.a,
                importance: method.importance(cia),
                leak_impact: r.leak_impact.clone(),
                registered_on: r
                    .registered_on
                    .or(base.map(|b| b.registered_on))
                    .unwrap_or_else(|| self.today()),
                note: r.note.clone(),
                retired_on: base.and_then(|b| b.retired_on),
                version: base.map(|b| b.version + 1).unwrap_or(1),
                updated_at: now,
            };
            match base {
                Some(b) if same_register_row(b, &a) => report.unchanged += 1,
                Some(_) => {
                    report.updated += 1;
                    out.push(a);
                }
                None => {
                    report.created += 1;
                    out.push(a);
                }
            }
        }
        if dry_run || !report.problems.is_empty() || out.is_empty() {
            return Ok(report);
        }
        let audit = self
            .draft(Some(actor), "asset.import", "asset", None)
            .detail(format!(
                "{} created, {} updated, {} unchanged",
                report.created, report.updated, report.unchanged
            ));
        self.store
            .save_assets(&out, audit)
            .await
            .map_err(ref_taken)?;
        report.saved = true;
        Ok(report)
    }

    /// The register as the actor may see it, for export.
    pub async fn export_assets(
        &self,
        actor: &Actor,
        mut f: AssetFilter,
    ) -> AppResult<Vec<ExportedAsset>> {
        f.scope = RiskAccess::of(actor).scope();
        let emails: HashMap<Uuid, String> = self
            .store
            .all_people()
            .await?
            .into_iter()
            .map(|p| (p.id, p.email))
            .collect();
        let codes: HashMap<Uuid, String> = self
            .store
            .departments()
            .await?
            .into_iter()
            .map(|d| (d.id, d.code))
            .collect();
        let mut out = Vec::new();
        f.offset = 0;
        f.limit = 5000;
        loop {
            let (page, total) = self.store.assets(&f).await?;
            let n = page.len();
            out.extend(page.into_iter().map(|a| ExportedAsset {
                owner_email: emails.get(&a.owner_id).cloned().unwrap_or_default(),
                department_code: a.department_id.and_then(|d| codes.get(&d).cloned()),
                asset: a,
            }));
            if n == 0 || out.len() as u64 >= total {
                break;
            }
            f.offset += f.limit;
        }
        Ok(out)
    }
}

/// The fields a register file carries are the same.
fn same_register_row(a: &Asset, b: &Asset) -> bool {
    let texts = |x: &Asset| {
        [
            x.name.clone(),
            x.process.clone(),
            x.group.clone(),
            x.location.clone(),
            x.usage.clone(),
            x.users.clone(),
            x.leak_impact.clone(),
            x.note.clone(),
        ]
    };
    let rest = |x: &Asset| {
        (
            x.form,
            x.owner_id,
            x.department_id,
            x.c,
            x.i,
            x.a,
            x.registered_on,
        )
    };
    texts(a) == texts(b) && rest(a) == rest(b)
}

fn ref_taken(e: crate::ports::StoreError) -> AppError {
    match e {
        crate::ports::StoreError::Duplicate(_) => AppError::field("ref_no", "duplicate"),
        other => other.into(),
    }
}
