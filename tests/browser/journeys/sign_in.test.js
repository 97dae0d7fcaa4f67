// The sign-in journey: first sign-in with a forced password change and
// two-factor enrolment, sign-out, sign-in with a code, the language switch,
// and an administrator recording a person, seen in the audit trail.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchBrowser, newJapaneseContext, withScreenshots } from '../lib/browser.js';
import { createUser, startServer } from '../lib/server.js';
import { timeStep, totp, waitForNextStep } from '../lib/totp.js';

const ADMIN = {
  email: 'admin@example.jp',
  name: '管理 太郎',
  roles: ['administrator', 'secretariat'],
  password: 'Initial#Pass2026',
  // 'Admin#Changed2026z' contains the mail name "admin", which the policy
  // refuses (password_contains_email); the journey checks that, then uses this.
  refused: 'Admin#Changed2026z',
  changed: 'Kanri#Changed2026z',
};
const NEW_USER = {
  email: 'new.user@example.jp',
  name: '新人 花子',
  roles: ['auditor'],
  password: 'Temp#Pass2026x',
  changed: 'Changed#Pass2026y',
};

let server;
let browser;
const pages = {};

before(async () => {
  server = await startServer();
  await createUser(server, ADMIN);
  await createUser(server, NEW_USER);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

const pathOf = (page) => new URL(page.url()).pathname;

/** Submit the page's form and wait for the resulting navigation. */
async function submit(page, selector = 'main button[type=submit]') {
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.click(selector),
  ]);
  return response;
}

async function signIn(page, email, password) {
  await page.fill('#email', email);
  await page.fill('#password', password);
  return submit(page);
}

/** At the forced password change: change it. */
async function changePassword(page, current, next) {
  assert.equal(pathOf(page), '/me/password');
  await assert.doesNotReject(page.locator('.notice').waitFor({ state: 'visible' }));
  await page.fill('#current_password', current);
  await page.fill('#new_password', next);
  await page.fill('#confirm_password', next);
  return submit(page);
}

/** At the forced TOTP enrolment: enrol; returns {secret, step}. */
async function enrolTotp(page) {
  assert.equal(pathOf(page), '/me/mfa', 'a privileged role must enrol a second factor');
  await page.locator('.notice').waitFor({ state: 'visible' });
  const secret = (await page.locator('#totp-secret').textContent()).trim();
  assert.match(secret, /^[A-Z2-7]+=*$/, 'the manual-entry key is base32');
  // Keep clear of the end of a time step so the code is still current when it arrives.
  if (30 - ((Date.now() / 1000) % 30) < 3) await waitForNextStep();
  const step = timeStep();
  await page.fill('#code', totp(secret));
  const res = await submit(page);
  assert.equal(res.status(), 200);
  await assert.doesNotReject(page.locator('#recovery-codes').waitFor());
  assert.equal(await page.locator('#recovery-codes li').count(), 10);
  return { secret, step };
}

test('sign-in journey: forced change, two factors, language, person and audit', async () => {
  await withScreenshots('sign_in', () => pages, async () => {
    // --- The new auditor -------------------------------------------------
    const userCtx = await newJapaneseContext(browser);
    const page = (pages.user = await userCtx.newPage());

    await page.goto(server.url);
    assert.equal(pathOf(page), '/login', 'an anonymous reader is sent to sign in');
    assert.equal(await page.getAttribute('html', 'lang'), 'ja');
    assert.equal((await page.locator('h1').textContent()).trim(), 'サインイン');

    let res = await signIn(page, NEW_USER.email, NEW_USER.password);
    assert.equal(pathOf(page), '/me/password', 'the first sign-in forces a password change');
    await page.locator('.notice').waitFor({ state: 'visible' });

    // A weak password is refused, in Japanese, on the same page.
    await page.fill('#current_password', NEW_USER.password);
    await page.fill('#new_password', 'weak');
    await page.fill('#confirm_password', 'weak');
    res = await submit(page);
    assert.equal(res.status(), 422);
    assert.equal(pathOf(page), '/me/password');
    const fieldError = page.locator('.field-error').first();
    await fieldError.waitFor({ state: 'visible' });
    const errorText = (await fieldError.textContent()).trim();
    assert.ok(errorText.length > 0, 'the field error says something');
    assert.match(errorText, /短すぎます/, `the error is in Japanese: ${errorText}`);

    await changePassword(page, NEW_USER.password, NEW_USER.changed);
    const { secret, step } = await enrolTotp(page);

    await submit(page, 'main a.button.primary[href="/"]');
    assert.equal(pathOf(page), '/');
    assert.match(await page.locator('h1').textContent(), /ようこそ/);

    // Sign out, and back in with the new password and a fresh code.
    await submit(page, 'header form[action="/logout"] button:has-text("サインアウト")');
    assert.equal(pathOf(page), '/login');
    await signIn(page, NEW_USER.email, NEW_USER.changed);
    assert.equal(pathOf(page), '/login/mfa', 'a second factor is asked');
    // The server accepts each time step once (the enrolment used `step`):
    // wait until the next step has begun before computing the code.
    if (timeStep() <= step) await waitForNextStep(step);
    assert.ok(timeStep() > step);
    await page.fill('#code', totp(secret));
    res = await submit(page);
    assert.equal(pathOf(page), '/');
    assert.equal(res.status(), 200);
    assert.equal(await page.getAttribute('html', 'lang'), 'ja');
    assert.match(await page.locator('h1').textContent(), /ようこそ/);
    assert.match(await page.locator('h1').textContent(), new RegExp(NEW_USER.name));

    // English.
    await submit(page, 'header button:text-is("English")');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.match(await page.locator('h1').textContent(), /Welcome/);

    // --- The administrator, in a second context --------------------------
    const adminCtx = await newJapaneseContext(browser);
    const admin = (pages.admin = await adminCtx.newPage());
    await admin.goto(`${server.url}/login`);
    await signIn(admin, ADMIN.email, ADMIN.password);
    res = await changePassword(admin, ADMIN.password, ADMIN.refused);
    assert.equal(res.status(), 422, 'a password containing the mail name is refused');
    assert.match(await admin.locator('.field-error').first().textContent(), /メールアドレス/);
    await changePassword(admin, ADMIN.password, ADMIN.changed);
    await enrolTotp(admin);

    await admin.goto(`${server.url}/org/people/new`);
    assert.equal(pathOf(admin), '/org/people/new');
    await admin.fill('#employee_no', 'E9001');
    await admin.fill('#name', '監査 一郎');
    await admin.fill('#name_kana', 'かんさ いちろう');
    await admin.fill('#email', 'k.ichiro@example.jp');
    await admin.selectOption('#employment_type', 'regular');
    res = await submit(admin);
    assert.match(
      pathOf(admin),
      /^\/org\/people\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      'the new person is shown',
    );
    assert.equal(res.status(), 200);
    assert.match(await admin.locator('h1').textContent(), /監査 一郎/);

    // The audit trail records it, with the person in the after-image.
    await admin.goto(`${server.url}/audit?action=person.create`);
    const row = admin.locator('#audit-events tbody tr', { hasText: 'person.create' }).first();
    await row.waitFor();
    const details = row.locator('details');
    await details.locator('summary').click();
    await row.locator('pre.after').waitFor({ state: 'visible' });
    const rowText = await row.textContent();
    assert.ok(rowText.includes('person.create'), rowText);
    assert.ok(rowText.includes('監査 一郎'), `the after-image names the person: ${rowText}`);

    await userCtx.close();
    await adminCtx.close();
  });
});
