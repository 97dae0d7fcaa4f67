// The ISO 27001 compliance journey in the demo company: the 事務局 opens the
// compliance dashboard, follows an overdue obligation (one that cites Annex A)
// to its page and asks the security officer to check it; the officer finds
// the one-item checklist in their tasks and answers it with an evidence file;
// the obligation turns to 遵守 with the comment in its history, and the
// Statement of Applicability (2013) shows it kept on the control it cites.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchBrowser, newJapaneseContext, withScreenshots } from '../lib/browser.js';
import { startDemo } from '../lib/server.js';

const PASSWORD = 'Mamori#Demo2026';
const SECRETARIAT = 'm.suzuki@minato-seiki.example'; // 事務局
const OWNER = 'm.shimizu@minato-seiki.example'; // 情報セキュリティ担当者
const OWNER_NAME = '清水 恵';

const COMMENT = '本年度の研修記録を確認し、全員の受講を確認しました。';
const FILE = {
  name: '研修記録.pdf',
  mimeType: 'application/pdf',
  buffer: Buffer.from('%PDF-1.4 test'),
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

/** Click and wait for the resulting navigation. */
async function submit(page, selector = 'main button[type=submit]') {
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.click(selector),
  ]);
  return response;
}

/** A new Japanese context signed in as `email`, at `/`. */
async function signedInPage(label, email) {
  const ctx = await newJapaneseContext(browser);
  const page = (pages[label] = await ctx.newPage());
  await page.goto(`${server.url}/login`);
  assert.equal(pathOf(page), '/login');
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await submit(page);
  assert.equal(pathOf(page), '/', `${email} signs in without further steps`);
  return { ctx, page };
}

/**
 * Open /soa/2013 and read the rows for `control` (row id c-<control>); when
 * the obligation cites a clause or objective (e.g. A.7.2) rather than a
 * control, the rows whose policy-clause cell names the obligation. Returns
 * {rowId: {cited, summary, counts: {遵守: n, 期限超過: n, …}}}.
 */
async function soaRowsFor(page, control, obligationId) {
  const res = await page.goto(`${server.url}/soa/2013`, { waitUntil: 'load' });
  assert.equal(res.status(), 200);
  let rows = page.locator(`#soa tbody tr[id="c-${control}"]`);
  if ((await rows.count()) === 0) {
    rows = page.locator('#soa tbody tr').filter({
      has: page.locator(`td:nth-child(4) a:text-is("${obligationId}")`),
    });
  }
  const n = await rows.count();
  assert.ok(n > 0, `the SoA has a row for ${control} or one citing ${obligationId}`);
  const out = {};
  for (let i = 0; i < n; i++) {
    const r = rows.nth(i);
    const summary = await text(r.locator('td').last());
    const counts = {};
    // "遵守 17 / 期限超過 2 / 未遵守 1": exact labels, so 遵守 is not 未遵守.
    for (const part of summary.split('/')) {
      const m = part.trim().match(/^(\S+) (\d+)$/);
      if (m) counts[m[1]] = Number(m[2]);
    }
    out[await r.getAttribute('id')] = {
      cited: await text(r.locator('td:nth-child(4)')),
      summary,
      counts,
    };
  }
  return out;
}

test('compliance journey: overdue obligation, owner checklist with evidence, kept, SoA', { timeout: 90_000 }, async (t) => {
  await withScreenshots('compliance', () => pages, async () => {
    // --- 2. The 事務局 opens the dashboard and picks an overdue obligation --
    const { ctx: secCtx, page: sec } = await signedInPage('secretariat', SECRETARIAT);
    let res = await submit(sec, 'header a[href="/compliance"]');
    assert.equal(res.status(), 200);
    assert.equal(pathOf(sec), '/compliance');
    assert.equal(await text(sec.locator('header a[href="/compliance"]')), '遵守状況');
    await sec.locator('#status-summary').waitFor();
    const summaryHead = await text(sec.locator('#status-summary thead'));
    for (const label of ['遵守', '期限超過']) {
      assert.ok(summaryHead.includes(label), `the summary has a ${label} column: ${summaryHead}`);
    }
    await sec.locator('h2', { hasText: '対応が必要なもの' }).waitFor();

    const overdueRows = sec.locator('#obligations tbody tr.ostatus-overdue');
    const n = await overdueRows.count();
    assert.ok(n > 0, 'the demo has overdue obligations');
    let obligationId = null;
    let control = null;
    let row = null;
    for (let i = 0; i < n; i++) {
      const r = overdueRows.nth(i);
      const annex = await text(r.locator('td').last());
      if (annex) {
        row = r;
        obligationId = await text(r.locator('td').first().locator('a'));
        control = annex.split(',')[0].trim();
        break;
      }
    }
    assert.ok(row, 'an overdue obligation cites Annex A');
    assert.match(await text(row.locator('td:nth-child(4)')), /期限超過/);
    t.diagnostic(`overdue obligation ${obligationId}, Annex A ${control}`);

    res = await submit(sec, `#obligations tbody tr.ostatus-overdue a:text-is("${obligationId}")`);
    assert.equal(res.status(), 200);
    assert.match(pathOf(sec), /^\/compliance\/obligations\//);
    const obligationUrl = sec.url();
    assert.equal(decodeURIComponent(pathOf(sec).slice('/compliance/obligations/'.length)), obligationId);
    assert.match(await text(sec.locator('h1')), new RegExp(obligationId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.equal(await text(sec.locator('#obligation-status')), '期限超過');

    // --- 3. …and asks the security officer to check it ---------------------
    const ask = sec.locator('section', { has: sec.locator('h2', { hasText: '担当者に確認を依頼' }) });
    await ask.waitFor();
    const ownerValue = await sec
      .locator('#ask-owner option')
      .filter({ hasText: OWNER_NAME })
      .first()
      .getAttribute('value');
    assert.match(ownerValue ?? '', new RegExp(`^${UUID}$`), `${OWNER_NAME} is offered as the owner`);
    await sec.selectOption('#ask-owner', ownerValue);
    assert.equal(await text(sec.locator('#ask-owner option:checked')), OWNER_NAME);
    const due = await sec.inputValue('#ask-due');
    assert.match(due, /^\d{4}-\d{2}-\d{2}$/, `a due date is suggested: ${due}`);
    res = await submit(sec, 'form[action$="/ask"] button[type=submit]');
    assert.equal(res.status(), 200);
    const m = pathOf(sec).match(new RegExp(`^/checklists/(${UUID})$`));
    assert.ok(m, `redirected to the new checklist: ${sec.url()}`);
    const checklistPath = m[0];
    assert.equal(await text(sec.locator('#checklist-state')), '未回答');

    // The SoA before the answer: the rows for the control it cites.
    const soaBefore = await soaRowsFor(sec, control, obligationId);
    for (const [id, r] of Object.entries(soaBefore)) {
      assert.ok((r.counts['期限超過'] ?? 0) >= 1, `${id} counts it overdue: ${r.summary}`);
    }

    // --- 4. The owner answers from their tasks, with an attachment ---------
    const { ctx: ownerCtx, page: own } = await signedInPage('owner', OWNER);
    await submit(own, 'header a[href="/tasks"]');
    assert.equal(pathOf(own), '/tasks');
    const taskLink = own.locator(`#tasks a[href="${checklistPath}"]`);
    await taskLink.waitFor();
    await submit(own, `#tasks a[href="${checklistPath}"]`);
    assert.equal(pathOf(own), checklistPath);
    assert.equal(await text(own.locator('#checklist-state')), '未回答');
    const items = own.locator('#checklist-items > li');
    const itemIds = await own.locator('#checklist-items input[type=hidden][name^=item_]').evaluateAll(
      (els) => els.map((e) => e.value),
    );
    assert.deepEqual(itemIds, [obligationId], 'the checklist asks about this one obligation');
    assert.equal(await items.count(), 1);
    assert.ok((await text(items.first())).includes(obligationId));

    await own.check('input[name=answer_0][value=yes]');
    await own.fill('#comment_0', COMMENT);
    await own.setInputFiles('#file_0', FILE);
    res = await submit(own, '#checklist-items ~ button.primary');
    assert.equal(res.status(), 200);
    assert.equal(pathOf(own), checklistPath);
    assert.equal(await text(own.locator('#checklist-state')), '回答済み');
    const answers = own.locator('#checklist-answers');
    await answers.waitFor();
    const answersText = await text(answers);
    assert.ok(answersText.includes(COMMENT), `the answer keeps the comment: ${answersText}`);
    const fileLink = answers.locator('a[href^="/attachments/"]');
    assert.equal(await fileLink.count(), 1, 'the answer links to its evidence');
    const href = await fileLink.getAttribute('href');
    assert.match(href, new RegExp(`^/attachments/${UUID}$`));
    const download = await own.request.get(`${server.url}${href}`);
    assert.equal(download.status(), 200);
    assert.deepEqual(Buffer.from(await download.body()), FILE.buffer, 'the same bytes come back');

    // --- 5. The 事務局 sees it kept, and the SoA follows ---------------------
    await sec.goto(obligationUrl, { waitUntil: 'load' });
    assert.equal(await text(sec.locator('#obligation-status')), '遵守');
    const history = await text(sec.locator('#assessments'));
    assert.ok(history.includes(COMMENT), `the history has the comment: ${history}`);
    assert.ok(history.includes(OWNER_NAME), `the history names the owner: ${history}`);
    const latest = sec.locator('#assessments tbody tr', { hasText: COMMENT }).first();
    assert.equal(await text(latest.locator('td:nth-child(3)')), '遵守');

    const soaAfter = await soaRowsFor(sec, control, obligationId);
    assert.deepEqual(Object.keys(soaAfter), Object.keys(soaBefore), 'the same SoA rows');
    for (const [id, after] of Object.entries(soaAfter)) {
      const before = soaBefore[id];
      t.diagnostic(`SoA ${id}: ${before.summary} → ${after.summary}`);
      assert.ok(after.cited.includes(obligationId), `${id} cites ${obligationId}: ${after.cited}`);
      assert.ok((after.counts['遵守'] ?? 0) >= 1, `${id} counts it kept: ${after.summary}`);
      assert.equal(after.counts['遵守'] ?? 0, (before.counts['遵守'] ?? 0) + 1, `${id}: one more 遵守`);
      assert.equal(
        after.counts['期限超過'] ?? 0,
        (before.counts['期限超過'] ?? 0) - 1,
        `${id}: one fewer 期限超過`,
      );
    }

    await secCtx.close();
    await ownerCtx.close();
  });
});
