// The exception-approval journey in the demo company, with real mail: an
// ordinary employee files 例外適用申請 against システム利用規程, the department's
// security officer receives the mail, follows its link (signing in on the
// way), approves; the requester sees it approved (page, inbox, mail); the
// internal auditor finds each step in the audit trail.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchBrowser, newJapaneseContext, withScreenshots } from '../lib/browser.js';
import { startDemo } from '../lib/server.js';
import { startSmtpSink } from '../lib/smtp.js';

const PASSWORD = 'Mamori#Demo2026';
const REQUESTER = 'm.aoki@minato-seiki.example'; // 一般従業員（企画部）
const AUDITOR = 'm.sugiyama@minato-seiki.example'; // 内部監査員（監査室）
const MAIL_FROM = 'mamori <isms@minato-seiki.example>';

const EXCEPTION = {
  document: 'USE', // システム利用規程: exceptions go to the department's security officer
  clause: '4.4.3(4)',
  reason: '展示会のデモ機で、来場者向けに社外の無線LANへ接続する必要があるため。',
  alternative: 'デモ機には業務データを保存せず、VPN を常時利用し、会期終了後に初期化する。',
  validFrom: '2027-01-01',
  validUntil: '2027-03-31',
};
const APPROVER_COMMENT = '会期中に限り承認します。終了後の初期化記録を提出してください。';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

let sink;
let server;
let browser;
const pages = {};

before(async () => {
  sink = await startSmtpSink();
  server = await startDemo({
    env: { MAMORI_SMTP_URL: sink.url, MAMORI_MAIL_FROM: MAIL_FROM },
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
  await sink?.stop();
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

async function signIn(page, email, password = PASSWORD) {
  assert.equal(pathOf(page), '/login');
  await page.fill('#email', email);
  await page.fill('#password', password);
  return submit(page);
}

/** A new Japanese context signed in as `email`, at `/`. */
async function signedInPage(label, email) {
  const ctx = await newJapaneseContext(browser);
  const page = (pages[label] = await ctx.newPage());
  await page.goto(`${server.url}/login`);
  await signIn(page, email);
  assert.equal(pathOf(page), '/', `${email} signs in without further steps`);
  return { ctx, page };
}

test('exception journey: file, mail, approve via the link, requester told, audit trail', { timeout: 120_000 }, async (t) => {
  await withScreenshots('exception_approval', () => pages, async () => {
    // --- 3. The employee files the exception ------------------------------
    const { ctx: requesterCtx, page: req } = await signedInPage('requester', REQUESTER);

    await submit(req, 'header a[href="/requests"]');
    assert.equal(pathOf(req), '/requests');
    await submit(req, 'main a.button[href="/requests/new/exception"]');
    assert.equal(pathOf(req), '/requests/new/exception');
    assert.equal(await text(req.locator('h1')), '例外適用を申請');

    await req.selectOption('#document', EXCEPTION.document);
    assert.match(
      await text(req.locator('#document option:checked')),
      /システム利用規程/,
      'USE is システム利用規程',
    );
    await req.fill('#clause', EXCEPTION.clause);
    await req.fill('#reason', EXCEPTION.reason);
    await req.fill('#alternative', EXCEPTION.alternative);
    await req.fill('#valid_from', EXCEPTION.validFrom);
    await req.fill('#valid_until', EXCEPTION.validUntil);
    let res = await submit(req);
    assert.equal(res.status(), 200);
    const m = pathOf(req).match(new RegExp(`^/requests/(${UUID})$`));
    assert.ok(m, `redirected to the new request: ${req.url()}`);
    const requestId = m[1];
    const requestPath = `/requests/${requestId}`;

    const h1 = await text(req.locator('h1'));
    const refMatch = h1.match(/EXC-\d{4}-\d{4}/);
    assert.ok(refMatch, `the h1 shows the number: ${h1}`);
    const ref = refMatch[0];
    assert.equal(await text(req.locator('#request-state')), '審査中');
    const summary = await text(req.locator('main dl'));
    for (const want of ['システム利用規程', EXCEPTION.clause, EXCEPTION.reason, EXCEPTION.alternative,
      EXCEPTION.validFrom, EXCEPTION.validUntil]) {
      assert.ok(summary.includes(want), `the request shows ${want}: ${summary}`);
    }
    assert.equal(await req.locator('button[value=approve]').count(), 0, 'the requester cannot decide');

    // --- 4. The approval request arrives by mail --------------------------
    const ask = await sink.waitForMail(
      (mail) => mail.subject.startsWith('【mamori】承認依頼:') && mail.subject.includes(ref),
      { timeoutMs: 30_000, what: `approval-request mail for ${ref}` },
    );
    assert.equal(ask.to.length, 1, `one recipient: ${JSON.stringify(ask.to)}`);
    const approver = ask.to[0];
    t.diagnostic(`${ref}: approval mail to ${approver}`);
    assert.notEqual(approver, REQUESTER, 'the requester does not approve their own request');
    assert.match(approver, /@minato-seiki\.example$/);
    assert.ok(ask.from.includes('isms@minato-seiki.example'), `From: ${ask.from}`);
    const link = ask.body.match(new RegExp(`https?://\\S+/requests/${UUID}`));
    assert.ok(link, `the mail has a link to the request: ${ask.body}`);
    assert.equal(link[0], `${server.url}${requestPath}`, 'the link is this server\'s request page');
    // Only one approver is asked (the 企画部 security officer in office today).
    const asks = (await sink.mails()).filter((x) => x.subject.includes(`承認依頼: ${ref}`));
    assert.equal(asks.length, 1, `exactly one approval mail: ${JSON.stringify(asks.map((x) => x.to))}`);

    // --- 5. The approver follows the link, signs in, approves --------------
    const approverCtx = await newJapaneseContext(browser);
    const appr = (pages.approver = await approverCtx.newPage());
    await appr.goto(link[0]);
    assert.equal(pathOf(appr), '/login', 'a signed-out reader is sent to sign in');
    assert.equal(new URL(appr.url()).searchParams.get('next'), requestPath, 'the link is kept in next');
    await signIn(appr, approver);
    assert.equal(pathOf(appr), requestPath, 'after signing in, next is followed');
    assert.match(await text(appr.locator('h1')), new RegExp(ref));
    assert.equal(await text(appr.locator('#request-state')), '審査中');
    for (const [value, label] of [['approve', '承認'], ['return', '差戻し'], ['reject', '却下']]) {
      const b = appr.locator(`button[value=${value}]`);
      await b.waitFor({ state: 'visible' });
      assert.equal(await text(b), label);
    }
    await appr.fill('#comment', APPROVER_COMMENT);
    res = await submit(appr, 'button[value=approve]');
    assert.equal(res.status(), 200);
    assert.equal(pathOf(appr), requestPath);
    assert.equal(await text(appr.locator('#request-state')), '承認済み');
    assert.equal(await appr.locator('button[value=approve]').count(), 0, 'no second decision');

    // --- 6. The requester sees it approved ---------------------------------
    await req.reload({ waitUntil: 'load' });
    assert.equal(await text(req.locator('#request-state')), '承認済み');
    const history = await text(req.locator('#request-history'));
    assert.ok(history.includes(APPROVER_COMMENT), `the history has the comment: ${history}`);
    assert.ok(history.includes('承認'), history);

    await req.goto(`${server.url}/inbox`);
    assert.equal(pathOf(req), '/inbox');
    const notice = req.locator('#inbox li', { hasText: '承認されました' }).first();
    await notice.waitFor({ state: 'visible' });
    assert.ok((await text(notice)).includes(ref), `the notice names ${ref}: ${await text(notice)}`);
    assert.equal(await notice.locator('a').getAttribute('href'), requestPath);

    const told = await sink.waitForMail(
      (mail) => mail.to.includes(REQUESTER) && mail.subject.includes('承認されました'),
      { timeoutMs: 30_000, what: 'decision mail to the requester' },
    );
    assert.ok(told.subject.includes(ref), `the decision mail names ${ref}: ${told.subject}`);
    assert.ok(told.body.includes(`${server.url}${requestPath}`), told.body);
    for (const mail of await sink.mails()) {
      assert.ok(!`${mail.subject}\n${mail.body}`.includes('{ref}'), `no placeholder left: ${mail.subject}`);
    }

    // --- 7. The internal auditor reads the audit trail ----------------------
    const { ctx: auditCtx, page: audit } = await signedInPage('auditor', AUDITOR);
    for (const action of ['exception.submit', 'request.approve']) {
      res = await audit.goto(`${server.url}/audit?action=${action}`);
      assert.equal(res.status(), 200, `${AUDITOR} may read the audit trail`);
      const row = audit
        .locator('#audit-events tbody tr')
        .filter({ has: audit.locator('td:nth-child(4)', { hasText: action }) })
        .filter({ hasText: ref })
        .first();
      await row.waitFor();
      const rowText = await text(row);
      assert.equal(await text(row.locator('td:nth-child(4)')), action);
      assert.ok(rowText.includes(requestId), `the row names the request: ${rowText}`);
      if (action === 'request.approve') {
        const detail = await text(row.locator('td:nth-child(6) p').first());
        assert.ok(detail.includes(ref), `the approve detail names ${ref}: ${detail}`);
        assert.ok(detail.includes(APPROVER_COMMENT), `the approve detail has the comment: ${detail}`);
      }
    }

    await requesterCtx.close();
    await approverCtx.close();
    await auditCtx.close();
  });
});
