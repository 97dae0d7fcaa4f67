// The risk journey in the demo company: the 事務局 registers an information
// asset (owner: the 営業一課 security officer) and rates it C3/I2/A1, adds a
// risk on it scored 4 × 4 = 16, above the acceptance level, and sees it on
// the heat map before treatment; decides the treatment (change the
// likelihood, one control, residual 2 × 3) and asks management to approve;
// the 社長 opens the approval request, reads the proposal and approves; the
// risk is approved and sits on the residual heat map within the acceptance
// level. Last, the asset register on a phone.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  launchBrowser,
  newJapaneseContext,
  newPhoneContext,
  withScreenshots,
} from '../lib/browser.js';
import { startDemo } from '../lib/server.js';

const PASSWORD = 'Mamori#Demo2026';
const SECRETARIAT = 'm.suzuki@minato-seiki.example'; // 事務局
const PRESIDENT = 'y.okada@minato-seiki.example'; // 社長
const OWNER_NAME = '清水 恵'; // m.shimizu: 営業一課 情報セキュリティ担当者

const ASSET = {
  name: '顧客見積データ（営業一課）',
  c: '3',
  i: '2',
  a: '1',
};
const RISK = {
  occasion: '営業担当者が外出先で見積書を作成するとき',
  situation: 'ノートPCを社外へ持ち出し、公衆無線LANに接続している状況で',
  cause: 'ファイル共有の設定不備とパスワードの使い回しにより',
  manner: '第三者が共有フォルダにアクセスし、見積データを持ち出す',
  impact_text: '顧客の価格情報が競合に漏れ、取引停止と損害賠償に至る',
  identification_reason: '営業部門は持ち出し端末で顧客情報を日常的に扱うため',
  likelihood: '4',
  impact: '4',
  likelihood_basis: '年 2 回程度（同業他社の事例と社内の設定不備の件数から）',
  damage_yen: '6,000,000',
  conditions: '主要顧客 3 社の年間取引の粗利 2 割を損失と見込んで算定',
};
const TREATMENT = {
  materials: '同業他社の漏えい事例と、社内の共有設定点検結果（2026 年度）',
  control: '共有フォルダへのアクセスに多要素認証を必須とする',
  annex: 'A.9.4.2',
  procedure: '1. 情報システム課が多要素認証を設定する\n2. 営業一課で利用手順を周知する',
};

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
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Click and wait for the resulting navigation. */
async function submit(page, selector = 'main button[type=submit]') {
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.click(selector),
  ]);
  return response;
}

/** A new context signed in as `email`, at `/`. */
async function signedInPage(label, email, newContext = newJapaneseContext) {
  const ctx = await newContext(browser);
  const page = (pages[label] = await ctx.newPage());
  await page.goto(`${server.url}/login`);
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await submit(page);
  assert.equal(pathOf(page), '/', `${email} signs in without further steps`);
  return { ctx, page };
}

/** Every heat-map cell of `#id` on the overview: {"l/i": {count, cls}}. */
async function heat(page, id) {
  const res = await page.goto(`${server.url}/risks/overview`);
  assert.equal(res.status(), 200, 'the 事務局 may read the overview');
  const table = page.locator(`#${id}`);
  await table.waitFor();
  return table.locator('td[data-l][data-i]').evaluateAll((tds) =>
    Object.fromEntries(
      tds.map((td) => [
        `${td.dataset.l}/${td.dataset.i}`,
        { count: Number(td.dataset.count), cls: td.className.trim() },
      ]),
    ),
  );
}

/** Poll `fn` until it returns {ok: true, …}; else fail with what it saw last. */
async function eventually(fn, what, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last.ok) return last;
    if (Date.now() > deadline) throw new Error(`${what}: ${JSON.stringify(last)}`);
    await sleep(250);
  }
}

test('risk journey: asset, risk above acceptance, treatment, 社長 approves, heat map', { timeout: 180_000 }, async () => {
  await withScreenshots('risk', () => pages, async () => {
    const { ctx: secCtx, page: sec } = await signedInPage('secretariat', SECRETARIAT);

    // The heat maps before anything is added (counts are compared, not assumed).
    const inherent0 = await heat(sec, 'heat-inherent');
    const residual0 = await heat(sec, 'heat-residual');
    assert.equal(inherent0['4/4']?.cls, 'above', '4 × 4 is above the acceptance level');
    assert.equal(residual0['2/3']?.cls, 'within', '2 × 3 is within the acceptance level');

    // --- 1. Register the asset and rate it ----------------------------------
    await sec.goto(`${server.url}/`);
    await submit(sec, 'header a[href="/assets"]');
    assert.equal(pathOf(sec), '/assets');
    await submit(sec, '#new-asset');
    assert.equal(pathOf(sec), '/assets/new');
    const assetForm = sec.locator('#asset-form');
    await assetForm.locator('#name').fill(ASSET.name);
    await assetForm.locator('#form').selectOption('electronic');
    // The list of people narrows as one types part of a name (with or
    // without the space between family and given name).
    await assetForm.locator('#owner_id-pick').fill(OWNER_NAME.replace(' ', ''));
    const offered = await assetForm.locator('#owner_id option:not([hidden])').allTextContents();
    assert.deepEqual(offered, [OWNER_NAME], `the list narrowed to ${OWNER_NAME}: ${offered}`);
    assert.equal(
      await assetForm.locator('#owner_id option:checked').textContent(),
      OWNER_NAME,
      'the one match is chosen',
    );
    await assetForm.locator('#owner_id-pick').fill(OWNER_NAME.split(' ')[0]);
    const family = await assetForm.locator('#owner_id option:not([hidden])').allTextContents();
    assert.ok(
      family.length >= 1 && family.every((n) => n.startsWith(OWNER_NAME.split(' ')[0])),
      `the family name narrows the list: ${family}`,
    );
    await assetForm.locator('#owner_id').selectOption({ label: OWNER_NAME });
    await assetForm.locator('#c').selectOption(ASSET.c);
    await assetForm.locator('#i').selectOption(ASSET.i);
    await assetForm.locator('#a').selectOption(ASSET.a);
    let res = await submit(sec, '#asset-form button[type=submit]');
    assert.equal(res.status(), 200);
    assert.ok(new RegExp(`^/assets/${UUID}$`).test(pathOf(sec)), `the new asset: ${sec.url()}`);
    const assetPath = pathOf(sec);
    assert.ok((await text(sec.locator('h1'))).includes(ASSET.name));
    assert.equal(await text(sec.locator('#asset-importance')), '重要度: 高', 'max(C3, I2, A1) is 高');
    assert.ok((await text(sec.locator('#asset-c'))).startsWith('3'), 'C is 3');
    const facts = await text(sec.locator('main dl').first());
    assert.ok(facts.includes(OWNER_NAME), `the owner is ${OWNER_NAME}: ${facts}`);

    // --- 2. Add a risk on it, above the acceptance level --------------------
    await submit(sec, '#add-risk');
    assert.equal(pathOf(sec), '/risks/new');
    assert.equal(`/assets/${new URL(sec.url()).searchParams.get('asset')}`, assetPath);
    const riskForm = sec.locator('#risk-form');
    const threats = await riskForm.locator('#threat_id option').allTextContents();
    const threat = threats.find((t) => t.includes('T-06')) ?? threats.find((t) => t.trim() !== '—');
    assert.ok(threat, `a threat to choose: ${JSON.stringify(threats)}`);
    await riskForm.locator('#threat_id').selectOption({ label: threat.trim() });
    for (const k of ['occasion', 'situation', 'cause', 'manner', 'impact_text', 'identification_reason']) {
      await riskForm.locator(`#${k}`).fill(RISK[k]);
    }
    assert.ok(
      await riskForm.locator('input[name=identified][value=yes]').isChecked(),
      'identified is the default',
    );
    await riskForm.locator('#likelihood').selectOption(RISK.likelihood);
    await riskForm.locator('#impact').selectOption(RISK.impact);
    await riskForm.locator('#likelihood_basis').fill(RISK.likelihood_basis);
    await riskForm.locator('#damage_yen').fill(RISK.damage_yen);
    await riskForm.locator('#conditions').fill(RISK.conditions);
    res = await submit(sec, '#risk-form button[type=submit]');
    assert.equal(res.status(), 200);
    assert.ok(new RegExp(`^/risks/${UUID}$`).test(pathOf(sec)), `the new risk: ${sec.url()}`);
    const riskPath = pathOf(sec);
    assert.equal(await text(sec.locator('#risk-score')), 'リスク値: 16');
    assert.equal(await text(sec.locator('#risk-status')), '対応が必要');
    assert.ok((await text(sec.locator('h1'))).includes(ASSET.name));
    assert.equal(await sec.locator('#risk-submit').count(), 0, 'nothing to approve yet');
    assert.ok((await text(sec.locator('#risk-blocker'))).length > 0, 'told why not yet');

    // --- 3. It is on the heat map before treatment ---------------------------
    assert.equal(await text(sec.locator('header a[href="/risks/overview"]')), 'リスク管理');
    await submit(sec, 'header a[href="/risks/overview"]');
    assert.equal(pathOf(sec), '/risks/overview');
    const inherent1 = await heat(sec, 'heat-inherent');
    assert.equal(inherent1['4/4'].cls, 'above');
    assert.ok(inherent1['4/4'].count >= 1);
    assert.equal(inherent1['4/4'].count, inherent0['4/4'].count + 1, 'one more risk at 4 × 4');
    const residual1 = await heat(sec, 'heat-residual');
    assert.equal(residual1['4/4'].count, residual0['4/4'].count + 1, 'untreated: residual is inherent');

    // --- 4. Decide the treatment and ask management --------------------------
    await sec.goto(`${server.url}${riskPath}`);
    await sec.locator('#treatment > summary').click();
    const tf = sec.locator('#treatment-form');
    await tf.waitFor({ state: 'visible' });
    await tf.locator('input[name=treatments][value=change_likelihood]').check();
    await tf.locator('#decision_materials').fill(TREATMENT.materials);
    await tf.locator('input[name=control_description]').first().fill(TREATMENT.control);
    await tf.locator('input[name=control_annex]').first().fill(TREATMENT.annex);
    await tf.locator('#residual_likelihood').selectOption('2');
    await tf.locator('#residual_impact').selectOption('3');
    await tf.locator('#procedure').fill(TREATMENT.procedure);
    res = await submit(sec, '#treatment-form button[type=submit]');
    assert.equal(res.status(), 200);
    assert.equal(pathOf(sec), riskPath);
    assert.equal(await sec.locator('[role=alert]').count(), 0, 'the treatment is accepted');
    assert.equal(await text(sec.locator('#risk-residual')), '残留リスク: 6', '2 × 3 = 6');
    assert.ok((await text(sec.locator('#risk-treatments'))).includes('起こりやすさの変更'));
    assert.equal(await text(sec.locator('#risk-status')), '対応が必要', 'not approved yet');

    await submit(sec, '#risk-submit');
    assert.equal(pathOf(sec), riskPath);
    assert.equal(await text(sec.locator('#risk-status')), '承認待ち');
    assert.equal(await sec.locator('#risk-submit').count(), 0, 'no second submission');
    const requestHref = await sec.locator('#risk-request').getAttribute('href');
    assert.ok(new RegExp(`^/requests/${UUID}$`).test(requestHref), `the request link: ${requestHref}`);
    assert.equal(await sec.locator('#treatment-form').count(), 0, 'no changes while management decides');
    await submit(sec, '#risk-request');
    assert.equal(pathOf(sec), requestHref);
    const h1 = await text(sec.locator('h1'));
    const ref = (h1.match(/RA-\d{4}-\d{4}/) ?? [])[0];
    assert.ok(ref, `the request has a number: ${h1}`);
    assert.equal(await sec.locator('button[value=approve]').count(), 0, 'the 事務局 does not approve');

    // --- 5. The 社長 approves --------------------------------------------------
    const { ctx: presCtx, page: pres } = await signedInPage('president', PRESIDENT);
    await pres.goto(`${server.url}/inbox`);
    const notice = pres.locator('#inbox li', { hasText: ref }).first();
    await notice.waitFor({ state: 'visible' });
    assert.equal(await notice.locator('a').getAttribute('href'), requestHref);
    await Promise.all([pres.waitForNavigation({ waitUntil: 'load' }), notice.locator('a').click()]);
    assert.equal(pathOf(pres), requestHref);
    assert.equal(await text(pres.locator('#request-state')), '審査中');
    const proposal = await text(pres.locator('main dl').first());
    for (const want of [ASSET.name, TREATMENT.control, TREATMENT.annex, '16', '起こりやすさの変更']) {
      assert.ok(proposal.includes(want), `the proposal shows ${want}: ${proposal}`);
    }
    assert.equal(await pres.locator('#request-risk').getAttribute('href'), riskPath);
    res = await submit(pres, 'button[name=decision][value=approve]');
    assert.equal(res.status(), 200);
    assert.equal(pathOf(pres), requestHref);
    assert.equal(await text(pres.locator('#request-state')), '承認済み');

    // --- 6. Approved, and moved on the heat map ------------------------------
    await eventually(async () => {
      await sec.goto(`${server.url}${riskPath}`);
      const status = await text(sec.locator('#risk-status'));
      return { ok: status === '承認済み', status };
    }, 'the risk is approved');
    const inherent2 = await heat(sec, 'heat-inherent');
    assert.equal(inherent2['4/4'].count, inherent1['4/4'].count, 'the inherent risk stays');
    const residual2 = await heat(sec, 'heat-residual');
    assert.equal(residual2['2/3'].cls, 'within');
    assert.ok(residual2['2/3'].count >= 1);
    assert.equal(residual2['2/3'].count, residual1['2/3'].count + 1, 'one more risk at 2 × 3');
    assert.equal(residual2['4/4'].count, residual1['4/4'].count - 1, 'and one fewer at 4 × 4');
    const approved = sec
      .locator('#risk-status-counts li')
      .filter({ has: sec.getByRole('link', { name: '承認済み', exact: true }) });
    assert.ok(Number(await text(approved.locator('strong'))) >= 1, 'counted as approved');

    await presCtx.close();
    await secCtx.close();

    // --- 7. The asset register on a phone ------------------------------------
    const { ctx: phoneCtx, page: phone } = await signedInPage('phone', SECRETARIAT, newPhoneContext);
    await phone.goto(`${server.url}/assets?q=${encodeURIComponent(ASSET.name)}`);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the asset register fits a phone screen (overflow ${overflow}px)`);
    await phone.locator('#assets').getByText(ASSET.name).first().waitFor({ state: 'attached' });
    await Promise.all([phone.waitForNavigation({ waitUntil: 'load' }), phone.tap('#new-asset')]);
    assert.equal(pathOf(phone), '/assets/new');
    await phone.locator('#asset-form #name').waitFor({ state: 'visible' });
    await phoneCtx.close();
  });
});
