// The document journey in the demo company: the 事務局 imports an existing
// policy set (the seed text, as a PDF-to-text export looks), which lands as
// drafts of the library's documents; edits the draft of システム利用規程, adds
// a comprehension check and sends it for approval; the committee approves it
// in a meeting; an employee of the audience gets the notice, fails the check
// once and passes it; the department's 情報セキュリティ担当者 sees the
// completion on the follow-up screen.

import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { launchBrowser, newJapaneseContext, withScreenshots } from '../lib/browser.js';
import { startDemo } from '../lib/server.js';

const PASSWORD = 'Mamori#Demo2026';
const SECRETARIAT = 'm.suzuki@minato-seiki.example'; // 事務局
const READER = 'm.aoki@minato-seiki.example'; // 一般従業員（企画部）
const READER_NAME = '青木 美咲';
const OFFICER = 'n.saito@minato-seiki.example'; // 情報セキュリティ担当者（企画部）

const here = path.dirname(fileURLToPath(import.meta.url));
const SEED = path.resolve(here, '../../../../shared/seed/000_fcbdc1ab85e646a3.txt');
const DOCUMENT = 'システム利用規程';
const ADDED = '４．９ 生成AIの利用 業務情報を社外の生成AIサービスに入力してはならない。';
const QUIZ = [
  '合格点: 100',
  'Q: 業務情報を社外の生成AIサービスに入力してよいか',
  '- 上長に口頭で伝えれば入力してよい',
  '* 入力してはならない',
  'Q: この規程の例外を認めるのは',
  '* 情報セキュリティ委員会',
  '- 本人',
].join('\n');

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
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await submit(page);
  assert.equal(pathOf(page), '/', `${email} signs in without further steps`);
  return { ctx, page };
}

test('document journey: import, revise, committee approval, notice, check, follow-up', { timeout: 180_000 }, async () => {
  await withScreenshots('documents', () => pages, async () => {
    // --- 1. The 事務局 imports the existing policy text ----------------------
    const { page: sec } = await signedInPage('secretariat', SECRETARIAT);
    await submit(sec, 'header a[href="/documents"]');
    assert.equal(pathOf(sec), '/documents');
    await submit(sec, 'main a.button[href="/documents/import"]');
    await sec.setInputFiles('#file', SEED);
    let res = await submit(sec, 'button[name=preview]');
    assert.equal(res.status(), 200);
    const found = await text(sec.locator('#import-preview h2'));
    assert.equal(found, '16 件の文書を認識しました', found);
    const titles = await sec.locator('#import-preview summary').allTextContents();
    assert.ok(titles.some((t) => t.includes(DOCUMENT)), `the preview lists ${DOCUMENT}: ${titles}`);
    res = await submit(sec, '#import-confirm');
    assert.equal(res.status(), 200);
    const outcome = await text(sec.locator('#import-outcome'));
    assert.ok(outcome.includes('改訂案 16 件'), `the demo's documents get the text as drafts: ${outcome}`);

    // --- 2. The 事務局 edits the draft of the 規程 and sends it ---------------
    await sec.goto(`${server.url}/documents`);
    await submit(sec, `#documents a:text-is("${DOCUMENT}")`);
    const docPath = pathOf(sec);
    assert.match(docPath, new RegExp(`^/documents/${UUID}$`));
    await submit(sec, '#open-draft');
    const versionPath = pathOf(sec);
    assert.equal(await text(sec.locator('#version-state')), '改訂案');
    const body = await sec.inputValue('#body');
    assert.ok(body.includes('## '), 'the imported text keeps its sections as headings');
    await sec.fill('#body', `${body}\n\n${ADDED}\n`);
    await sec.fill('#change_summary', '生成AIの利用（４．９）を追加');
    await submit(sec, '#draft-form button[type=submit]');
    assert.equal(pathOf(sec), versionPath);
    await sec.fill('#quiz', QUIZ);
    await submit(sec, '#quiz-form button[type=submit]');
    assert.equal(pathOf(sec), versionPath);
    assert.ok((await sec.inputValue('#quiz')).includes('生成AI'), 'the check is saved');
    await submit(sec, '#submit-form button[type=submit]');
    assert.match(pathOf(sec), new RegExp(`^/requests/${UUID}$`));
    const h1 = await text(sec.locator('h1'));
    const ref = (h1.match(/DA-\d{4}-\d{4}/) ?? [])[0];
    assert.ok(ref, `an approval request: ${h1}`);
    assert.equal(await sec.locator('button[value=approve]').count(), 0, 'the committee decides, not a person');

    // --- 3. The committee approves it in a meeting ---------------------------
    await sec.goto(`${server.url}/committee/new`);
    await sec.fill('#title', '臨時委員会（システム利用規程の改訂）');
    await sec.fill('#held_at', '2026-12-10T15:00');
    await sec.fill('#location', '本社 会議室A');
    await submit(sec);
    assert.match(pathOf(sec), new RegExp(`^/committee/${UUID}$`));
    const item = sec.locator('#agenda > li', { hasText: ref });
    await item.waitFor();
    await item.locator('select[name=decision]').selectOption('approved');
    await item.locator('textarea[name=reasoning]').fill('内容を確認し、改訂を承認する。');
    await submit(sec, `#agenda > li:has-text("${ref}") button[type=submit]`);
    await sec.goto(`${server.url}${versionPath}`);
    assert.equal(await text(sec.locator('#version-state')), '施行中');

    // --- 4. A reader gets the notice and passes the check --------------------
    const { page: reader } = await signedInPage('reader', READER);
    await reader.goto(`${server.url}/inbox`);
    const notice = reader.locator('#inbox li', { hasText: `【周知】${DOCUMENT}` }).first();
    await notice.waitFor({ state: 'visible' });
    await Promise.all([reader.waitForNavigation({ waitUntil: 'load' }), notice.locator('a').first().click()]);
    assert.equal(pathOf(reader), docPath);
    assert.ok((await text(reader.locator('#document-body'))).includes('生成AI'), 'the new text is shown');
    // Wrong first.
    await reader.check('#check-form input[name=q0][value="0"]');
    await reader.check('#check-form input[name=q1][value="0"]');
    await submit(reader, '#check-form button[type=submit]');
    assert.equal(await text(reader.locator('#check-result h2')), '不合格です');
    await submit(reader, '#check-result a.button');
    assert.equal(pathOf(reader), docPath);
    await reader.check('#check-form input[name=q0][value="1"]');
    await reader.check('#check-form input[name=q1][value="0"]');
    await submit(reader, '#check-form button[type=submit]');
    assert.equal(await text(reader.locator('#check-result h2')), '合格しました');
    await reader.goto(`${server.url}${docPath}`);
    assert.equal(await text(reader.locator('#my-status')), '完了');

    // --- 5. The department's security officer sees the completion ------------
    const { page: officer } = await signedInPage('officer', OFFICER);
    await officer.goto(`${server.url}/documents/reading`);
    const summary = officer.locator('tr.reading', { hasText: DOCUMENT }).first();
    await summary.waitFor();
    assert.equal(await text(summary.locator('td.read-done')), '1', await text(summary));
    await summary.locator('a').first().click();
    assert.equal(await text(officer.locator('h1 a')), DOCUMENT);
    const section = officer.locator('section.reading');
    await section.waitFor();
    const row = section.locator('tr', { hasText: READER_NAME });
    assert.equal(await row.getAttribute('class'), 'read-done', await text(row));
    assert.ok((await text(section)).includes('完了 1'), await text(section));
  });
});
