import { createHmac } from 'node:crypto';

// Journeys that change data, walked by clicking and typing as a person does: the error summary
// with several mistakes, a new record and a consultation with the keyboard only, a status
// change, a plan agreed after its confirmation, an allowance requested, approved and paid, and a
// legal hold placed and released. Each page on the way is checked like the others (axe-core,
// width on a phone, a screenshot).

/** Presses Tab until the focused element matches `selector` (keyboard only: no clicks). */
async function tabTo(page, selector, where, problem) {
  for (let i = 0; i < 120; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return true;
  }
  problem(where, `Tab never reached ${selector}`);
  return false;
}

/** Clicks what leads to the next page and waits for it to load. */
async function go(page, locator) {
  await Promise.all([page.waitForEvent('load'), locator.click()]);
}

function expect(condition, where, what, problem) {
  if (!condition) problem(where, what);
  return condition;
}

/**
 * The coordinator's journeys. Returns the new record's id and its draft allowance's id, for
 * the finance officer and the administrator who follow.
 */
export async function coordinator(page, t) {
  const { base, lang, size, check, problem, tag, coordinatorName } = t;
  const where = (what) => `coordinator ${lang} ${size} ${what}`;

  // Every mistake at once, in a linked summary that takes the reader to the first field.
  await page.goto(`${base}/leavers/new`);
  await go(page, page.locator('main form button[type=submit]'));
  const summaryLinks = await page.locator('.error-summary a').count();
  expect(summaryLinks >= 4, where('error summary'), `${summaryLinks} linked errors, expected every empty required field`, problem);
  const title = await page.title();
  expect(title.startsWith(lang === 'ja' ? 'エラー：' : 'Error: '), where('error summary'), `title "${title}"`, problem);
  const focused = await page.evaluate(() => document.activeElement?.id);
  expect(focused === 'case_number', where('error summary'), `focus on "${focused}", not the first wrong field`, problem);
  const described = await page.locator('#case_number').getAttribute('aria-describedby');
  expect(described === 'case_number-error', where('error summary'), `aria-describedby "${described}"`, problem);
  await check(page, where('error-summary'));

  // With the keyboard only: a new record, then a consultation.
  await page.goto(`${base}/leavers/new`);
  const fields = [
    ['#case_number', `E2E-${tag}`],
    ['#family_name', '札幌'],
    ['#given_name', lang === 'ja' ? '未来' : 'Mirai'],
  ];
  for (const [selector, text] of fields) {
    if (!(await tabTo(page, selector, where('keyboard'), problem))) return null;
    await page.keyboard.type(text);
  }
  // Dates are typed into their segments, month, day, year: the browser runs in US English
  // (--lang=en-US) whatever the page's language.
  const date = (y, m, d) => `${m}${d}${y}`;
  await tabTo(page, '#date_of_birth', where('keyboard'), problem);
  await page.keyboard.type(date('2006', '04', '02'));
  await tabTo(page, '#placement_type', where('keyboard'), problem);
  await page.keyboard.press('ArrowDown');
  await tabTo(page, '#placement_ended_on', where('keyboard'), problem);
  await page.keyboard.type(date('2024', '03', '31'));
  await tabTo(page, '#coordinator_id', where('keyboard'), problem);
  // Typing on a focused list chooses the option that starts with what was typed.
  await page.keyboard.type(coordinatorName.split(' ')[0]);
  const picked = await page.locator('#coordinator_id option:checked').textContent();
  expect(picked.includes(coordinatorName), where('keyboard'), `coordinator "${picked}" chosen`, problem);
  await tabTo(page, 'main form button[type=submit]', where('keyboard'), problem);
  await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
  const match = new URL(page.url()).pathname.match(/^\/leavers\/(\d+)$/);
  if (!expect(match, where('keyboard'), `saving the record went to ${page.url()}`, problem)) {
    await check(page, where('keyboard-refused'));
    return null;
  }
  const leaverId = Number(match[1]);
  await check(page, where('leaver-created'));
  await tabTo(page, `a[href="/leavers/${leaverId}/consultations/new"]`, where('keyboard'), problem);
  await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
  await tabTo(page, '#channel', where('keyboard'), problem);
  await page.keyboard.press('ArrowDown');
  await tabTo(page, '#summary', where('keyboard'), problem);
  await page.keyboard.type(lang === 'ja' ? '電話で近況を聞いた。' : 'Called to ask how the new flat is.');
  await tabTo(page, 'main form button[type=submit]', where('keyboard'), problem);
  await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
  const entries = await page.locator('.timeline-entry').count();
  expect(
    new URL(page.url()).pathname === `/leavers/${leaverId}` && entries === 1,
    where('keyboard'),
    `after the consultation: ${page.url()} with ${entries} timeline entries`,
    problem,
  );

  // A status change, confirmed on its own page.
  const status = page.locator('#details select#status');
  const next = status.locator('option').nth(1);
  const [value, label] = [await next.getAttribute('value'), (await next.textContent()).trim()];
  await status.selectOption(value);
  await go(page, page.locator('form[action$="/status"] button[type=submit]'));
  await check(page, where('status-confirm'));
  await go(page, page.locator('main form[action$="/status"] button[type=submit]'));
  const shown = (await page.locator('.leaver-status').textContent()).trim();
  expect(shown === label, where('status change'), `status "${shown}" after choosing "${label}"`, problem);

  // A plan: wishes, a goal, then agreed after its confirmation.
  await page.goto(`${base}/leavers/${leaverId}/plans/new`);
  await page.locator('#wishes').fill(lang === 'ja' ? '自分の部屋で暮らしたい。' : 'I want a room of my own.');
  await go(page, page.locator('main form button[type=submit]'));
  await check(page, where('plan'));
  await page.locator('#goal').fill(lang === 'ja' ? 'アパートを探す' : 'Find a flat');
  await page.locator('#target_on').fill('2027-03-31');
  await go(page, page.locator('form[action$="/goals"] button[type=submit]'));
  await go(page, page.locator('a[href$="/agree"]'));
  await check(page, where('plan-agree-confirm'));
  await go(page, page.locator('main form[action$="/agree"] button[type=submit]'));
  const agreed = await page.locator('a[href$="/agree"]').count();
  expect(agreed === 0, where('plan agreed'), 'the plan can still be agreed after agreeing it', problem);

  // An allowance: requested as a draft, then submitted.
  await page.goto(`${base}/leavers/${leaverId}/allowances/new`);
  await page.locator('#monthly_amount').fill('30000');
  await page.locator('#reason').fill(lang === 'ja' ? '初めての部屋の家賃' : 'Rent for the first flat');
  await go(page, page.locator('main form button[type=submit]'));
  const allowance = new URL(page.url()).pathname.match(/^\/allowances\/(\d+)$/);
  if (!expect(allowance, where('allowance'), `saving the request went to ${page.url()}`, problem)) return null;
  await check(page, where('allowance-draft'));
  await go(page, page.locator('form[action$="/submit"] button[type=submit]'));
  return { leaverId, allowanceId: Number(allowance[1]) };
}

/** The finance officer approves the request after its confirmation, then records a payment. */
export async function finance(page, t, { allowanceId }) {
  const { base, lang, size, check, problem } = t;
  const where = (what) => `finance ${lang} ${size} ${what}`;
  await page.goto(`${base}/allowances/${allowanceId}`);
  await check(page, where('allowance-submitted'));
  await go(page, page.locator(`a[href="/allowances/${allowanceId}/approve"]`));
  await check(page, where('approve-confirm'));
  await go(page, page.locator('main form button[type=submit]'));
  // Over the budget, the page asks once more.
  if (await page.locator('.over-budget').count()) {
    await check(page, where('approve-over-budget'));
    await go(page, page.locator('main form button[type=submit]'));
  }
  const lines = await page.locator('.payment-line').count();
  expect(lines > 0, where('approve'), `no payment line after approving (${page.url()})`, problem);
  const month = (await page.locator('.payment-line td').first().textContent()).trim();
  const ym = /^\d{4}-\d{2}$/.test(month) ? month : month.replace(/^(\d{4})年(\d{1,2})月$/, (_, y, m) => `${y}-${m.padStart(2, '0')}`);
  await page.goto(`${base}/payments?month=${ym}`);
  const mark = page.locator('.payment-row a[href$="/paid"]').first();
  if (!expect(await mark.count(), where('payments'), `no line to mark paid in ${ym}`, problem)) return;
  await go(page, mark);
  await check(page, where('paid-confirm'));
  await go(page, page.locator('main form button[type=submit]'));
  const flash = await page.locator('.flash-success').count();
  expect(flash === 1, where('paid'), `no confirmation after marking paid (${page.url()})`, problem);
}

/** The administrator places a legal hold on the record and releases it, with a reason. */
export async function admin(page, t, { leaverId }) {
  const { base, lang, size, check, problem } = t;
  const where = (what) => `admin ${lang} ${size} ${what}`;
  await page.goto(`${base}/leavers/${leaverId}`);
  await page.locator('#hold_reason').selectOption({ index: 0 });
  await go(page, page.locator('form[action$="/hold"] button[type=submit]'));
  expect(await page.locator('.legal-hold').count(), where('hold'), 'no hold shown after placing it', problem);
  await check(page, where('hold-placed'));
  // Releasing without a reason is refused; with one it is released.
  await go(page, page.locator('form[action$="/hold/release"] button[type=submit]'));
  expect(await page.locator('.legal-hold').count(), where('hold'), 'released without a reason', problem);
  await page.locator('#release_reason').selectOption({ index: 1 });
  await go(page, page.locator('form[action$="/hold/release"] button[type=submit]'));
  expect(!(await page.locator('.legal-hold').count()), where('hold'), 'the hold is still in force after releasing it', problem);
}

/**
 * The administrator issues an API token (a form refused first, then the secret shown once),
 * adds a webhook endpoint, and reads the API's reference.
 */
export async function integrations(page, t) {
  const { base, lang, size, tag, check, problem } = t;
  const where = (what) => `admin ${lang} ${size} ${what}`;
  await page.goto(`${base}/admin/api-tokens`);
  await check(page, where('api-tokens'));
  await page.locator('#expires_on').fill('');
  await go(page, page.locator('main form[action="/admin/api-tokens"] button[type=submit]'));
  expect(await page.locator('.error-summary').count(), where('api-token-refused'), 'no error summary for an empty form', problem);
  await check(page, where('api-token-refused'));
  await page.locator('#name').fill(`Finance system ${tag}`);
  await page.locator('input[name=scopes][value="payments:write"]').check();
  await page.locator('#expires_on').fill('2027-03-31');
  await go(page, page.locator('main form[action="/admin/api-tokens"] button[type=submit]'));
  const secret = (await page.locator('.api-secret code').textContent() ?? '').trim();
  expect(secret.startsWith('aftercare_'), where('api-token-issued'), `no secret shown (${secret})`, problem);
  await check(page, where('api-token-issued'));
  await page.goto(`${base}/admin/webhooks`);
  await page.locator('#url').fill(`https://finance.example.jp/hooks/${tag}`);
  await page.locator('input[name=events][value="payment.paid"]').check();
  await go(page, page.locator('main form[action="/admin/webhooks"] button[type=submit]'));
  const hookSecret = (await page.locator('.api-secret code').textContent() ?? '').trim();
  expect(hookSecret.startsWith('whsec_'), where('webhook-added'), `no signing secret shown (${hookSecret})`, problem);
  await check(page, where('webhook-added'));
  await page.goto(`${base}/api/docs`);
  expect(await page.locator('.api-operation').count() === 10, where('api-docs'), 'the reference does not list the ten operations', problem);
  await check(page, where('api-docs'));
}

/** The coordinator shows record `leaverId`'s personal link in person; returns its address. */
export async function showLink(page, t, leaverId) {
  const { base, lang, size, check, problem } = t;
  const where = (what) => `coordinator ${lang} ${size} ${what}`;
  await page.goto(`${base}/leavers/${leaverId}`);
  await go(page, page.locator('form[action$="/link"] button[value="show"]'));
  await check(page, where('link-shown'));
  const url = (await page.locator('.youth-link-url code').textContent()).trim();
  expect(url.includes('/y/'), where('link-shown'), `no link shown (${url})`, problem);
  expect(await page.locator('.qr-code svg').count(), where('link-shown'), 'no QR code', problem);
  return url;
}

/**
 * The young person opens their link on their phone (or a computer): their page in Japanese
 * unless they switch, an answer to an appointment, a check-in refused then sent, their
 * contact details, and signing out.
 */
export async function youngPerson(page, t, url) {
  const { lang, size, check, problem } = t;
  const where = (what) => `person ${lang} ${size} ${what}`;
  await page.goto(url.replace(/^https?:\/\/[^/]+/, t.base));
  expect(new URL(page.url()).pathname === '/me', where('open'), `the link led to ${page.url()}`, problem);
  const htmlLang = await page.locator('html').getAttribute('lang');
  expect(htmlLang === 'ja', where('open'), `the page opens in "${htmlLang}", not Japanese`, problem);
  if (lang !== 'ja') {
    await go(page, page.locator(`form.lang-switch button[value="${lang}"]`));
  }
  await check(page, where('me'));
  const answer = page.locator('.me-answers button[value="coming"]').first();
  if (await answer.count()) {
    await go(page, answer);
    expect(await page.locator('.me-answer').count(), where('answer'), 'the answer is not shown', problem);
  }
  // Nothing chosen: the error summary, then "I need help" with a message.
  await go(page, page.locator('a[href="/me/check-in"]'));
  await go(page, page.locator('main form button[type=submit]'));
  expect(await page.locator('.error-summary a').count() === 1, where('check-in'), 'no error summary for a check-in without an answer', problem);
  await check(page, where('check-in-refused'));
  await page.locator('input[name="feeling"][value="need_help"]').check();
  await page.locator('#message').fill(lang === 'ja' ? '家賃のことで相談したいです' : 'I want to talk about the rent');
  await go(page, page.locator('main form button[type=submit]'));
  expect(new URL(page.url()).pathname === '/me', where('check-in'), `after the check-in: ${page.url()}`, problem);
  expect(await page.locator('.flash-success').count() === 1, where('check-in'), 'no thanks after the check-in', problem);
  await go(page, page.locator('a[href="/me/contact"]'));
  await check(page, where('contact'));
  await page.locator('#phone').fill('090-1234-5678');
  await go(page, page.locator('main form button[type=submit]'));
  expect(await page.locator('.flash-success').count() === 1, where('contact'), 'no thanks after proposing details', problem);
  await go(page, page.locator('form.me-sign-out button'));
  expect(new URL(page.url()).pathname === '/me/link', where('sign-out'), `after signing out: ${page.url()}`, problem);
  await check(page, where('new-link'));
}

/** A TOTP code (RFC 6238: SHA-1, 30-second steps, 6 digits) for a base32 key at `unixSeconds`. */
export function totp(base32, unixSeconds) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of base32.replace(/[\s=]/g, '').toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  }
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const at = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(at) & 0x7fffffff) % 1_000_000;
  return String(value).padStart(6, '0');
}

/**
 * A coordinator turns on the second factor of their own accord: a wrong code refused, the
 * recovery codes shown once, then signing out and back in with a code, and their sessions.
 */
export async function secondFactor(page, t, email, password) {
  const { base, lang, size, check, problem } = t;
  const where = (what) => `mfa ${lang} ${size} ${what}`;
  await page.goto(`${base}/login`);
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(password);
  await go(page, page.locator('main form[action="/login"] button[type=submit]'));
  await page.goto(`${base}/account/mfa`);
  await check(page, where('enrol'));
  const key = (await page.locator('.mfa-secret').textContent()).trim();
  await page.locator('#code').fill('000000');
  await go(page, page.locator('main form[action="/account/mfa"] button[type=submit]'));
  expect(await page.locator('.error-summary').count() === 1, where('enrol'), 'a wrong code was not refused', problem);
  await check(page, where('enrol-refused'));
  await page.locator('#code').fill(totp(key, Date.now() / 1000));
  await go(page, page.locator('main form[action="/account/mfa"] button[type=submit]'));
  const codes = await page.locator('.recovery-codes li').count();
  expect(codes === 10, where('codes'), `${codes} recovery codes shown`, problem);
  await check(page, where('codes'));
  await go(page, page.locator('.who form[action="/logout"] button'));
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(password);
  await go(page, page.locator('main form[action="/login"] button[type=submit]'));
  expect(new URL(page.url()).pathname === '/login/mfa', where('login'), `after the password: ${page.url()}`, problem);
  await check(page, where('login-code'));
  // The next step's code: the one used to enrol is not accepted twice.
  await page.locator('#code').fill(totp(key, Date.now() / 1000 + 30));
  await go(page, page.locator('#code-form button[type=submit]'));
  expect(new URL(page.url()).pathname === '/', where('login'), `after the code: ${page.url()}`, problem);
  await page.goto(`${base}/account`);
  expect(await page.locator('.this-session').count() === 1, where('sessions'), 'this session is not marked', problem);
  await check(page, where('account-sessions'));
}
