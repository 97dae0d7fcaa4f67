// The incident journey on a phone-sized window: an employee reports a lost
// laptop in a few taps (and is told what to do at once); the 事務局 triages
// it and appoints the 実行責任者; the 実行責任者 records containment and
// recovery; the 事務局 writes the recurrence-prevention plan, publishes it to
// all employees through the document library, records the lessons and
// closes the incident; the reporter sees it closed and gets the plan.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchBrowser, newPhoneContext, withScreenshots } from '../lib/browser.js';
import { startDemo } from '../lib/server.js';

const PASSWORD = 'Mamori#Demo2026';
const REPORTER = 'm.aoki@minato-seiki.example'; // 一般従業員（企画部）
const SECRETARIAT = 'm.suzuki@minato-seiki.example'; // 事務局
const LEAD = 'j.smith@minato-seiki.example'; // システム管理者（英語 UI）
const LEAD_NAME = 'スミス ジョン';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

let server;
let browser;
const pages = {};

before(async () => {
  server = await startDemo();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

const pathOf = (page) => new URL(page.url()).pathname;
const text = async (locator) => ((await locator.textContent()) ?? '').trim();

async function submit(page, selector) {
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.click(selector),
  ]);
  return response;
}

async function phone(label, email) {
  const ctx = await newPhoneContext(browser);
  const page = (pages[label] = await ctx.newPage());
  await page.goto(`${server.url}/login`);
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await submit(page, 'main button[type=submit]');
  assert.equal(pathOf(page), '/', `${email} signs in`);
  return page;
}

test('incident journey on a phone: report, triage, respond, plan, publish, close', { timeout: 180_000 }, async () => {
  await withScreenshots('incident', () => pages, async () => {
    // --- 1. The employee reports from a phone ------------------------------
    const rep = await phone('reporter', REPORTER);
    await rep.goto(`${server.url}/incidents`);
    await submit(rep, '#report-incident');
    assert.equal(pathOf(rep), '/incidents/new');
    const overflow = await rep.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the report form fits a phone screen (overflow ${overflow}px)`);
    await rep.check('input[name=kind][value=lost_device]');
    await rep.fill('#description', '帰宅途中の電車内で業務用ノートPCを紛失しました。');
    await rep.fill('#location', '東西線 車内');
    await rep.locator('label.choice', { hasText: '設計図面管理サーバ' }).locator('input').check();
    let res = await submit(rep, '#report-form button[type=submit]');
    assert.equal(res.status(), 200);
    const m = pathOf(rep).match(new RegExp(`^/incidents/(${UUID})$`));
    assert.ok(m, rep.url());
    const incidentPath = pathOf(rep);
    const ref = ((await text(rep.locator('h1'))).match(/INC-\d{4}-\d{4}/) ?? [])[0];
    assert.ok(ref, 'the reporter gets a reference number');
    assert.ok((await text(rep.locator('#first-steps'))).includes('ロック'), 'what to do at once');
    assert.equal(await text(rep.locator('#incident-state')), '報告済み（未対応）');

    // --- 2. The 事務局 triages and appoints the 実行責任者 --------------------
    const sec = await phone('secretariat', SECRETARIAT);
    await sec.goto(`${server.url}/inbox`);
    const notice = sec.locator('#inbox li', { hasText: `【インシデント報告】${ref}` }).first();
    await notice.waitFor();
    await Promise.all([sec.waitForNavigation({ waitUntil: 'load' }), notice.locator('a').first().click()]);
    assert.equal(pathOf(sec), incidentPath);
    await sec.check('#triage input[name=confirmed]');
    await sec.selectOption('#lead_id', { label: LEAD_NAME });
    await submit(sec, '#triage button[type=submit]');
    assert.equal(await text(sec.locator('#incident-state')), '対応中');
    assert.equal(await text(sec.locator('#lead')), LEAD_NAME);
    assert.equal(await text(sec.locator('#recovery-status')), '復旧期限内', 'priority 2: within 24 hours');

    // --- 3. The 実行責任者 records containment and recovery -------------------
    const lead = await phone('lead', LEAD);
    await lead.goto(`${server.url}${incidentPath}`);
    await lead.selectOption('#entry-kind', 'containment');
    await lead.fill('#entry-body', 'MDM からリモートロックとワイプを実行。');
    await submit(lead, '#entry-form button[type=submit]');
    assert.ok((await text(lead.locator('#timeline'))).includes('リモートロック'));
    await lead.fill('#recovery-body', '代替機を配備し、業務を再開。');
    await submit(lead, '#recovery button[type=submit]');
    assert.equal(await text(lead.locator('#recovery-status')), 'Recovered');

    // --- 4. The plan, published; lessons; closed -----------------------------
    await sec.goto(`${server.url}${incidentPath}`);
    await sec.fill('#plan_technical', '全ノートPCのディスク暗号化と MDM 登録を必須にする。');
    await sec.fill('#plan_organisational', '持ち出し時の申請と紛失時の連絡手順を全社に周知する。');
    await submit(sec, '#plan form[action$="/plan"] button[type=submit]');
    await submit(sec, '#publish-plan button[type=submit]');
    assert.ok(await sec.locator('#plan-published').isVisible(), 'the plan is published');
    await sec.fill('#lessons', '紛失時の連絡先が分かりにくかった。手順書に追記する。');
    await submit(sec, '#lessons-form button[type=submit]');
    assert.equal(await sec.locator('#blockers').count(), 0, 'nothing is missing');
    await submit(sec, '#close-form button[type=submit]');
    assert.equal(await text(sec.locator('#incident-state')), '完了');

    // --- 5. The reporter sees it closed and gets the plan ---------------------
    await rep.goto(`${server.url}${incidentPath}`);
    assert.equal(await text(rep.locator('#incident-state')), '完了');
    await rep.goto(`${server.url}/inbox`);
    await rep.locator('#inbox li', { hasText: `【周知】再発防止計画 ${ref}` }).first().waitFor();
  });
});
