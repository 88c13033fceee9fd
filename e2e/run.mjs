// Aftercare in a real browser. Starts the server on a fresh data folder with demo data, then
// for each role, in English and Japanese, at desktop and phone width: signs in by typing and
// clicking, walks the role's main pages, runs axe-core on each (WCAG 2.0/2.1/2.2 A and AA and
// best practice: zero violations), checks that no page scrolls sideways on a phone, and writes a
// screenshot of each to e2e/screenshots/; then walks the journeys that change data
// (journeys.mjs) the same way. Exits 1 with every problem listed.
//
//   node e2e/run.mjs            (uses target/release/aftercare and /usr/bin/chromium)
//   AFTERCARE_BIN=… CHROMIUM=… node e2e/run.mjs
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import * as journeys from './journeys.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const binary = process.env.AFTERCARE_BIN || path.join(here, '..', 'target', 'release', 'aftercare');
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
const shots = path.join(here, 'screenshots');
const port = 20000 + Math.floor(Math.random() * 20000);
const base = `http://127.0.0.1:${port}`;
const data = mkdtempSync(path.join(tmpdir(), 'aftercare-e2e-'));
const env = {
  ...process.env,
  AFTERCARE_DATA_DIR: data,
  AFTERCARE_LISTEN: `127.0.0.1:${port}`,
  AFTERCARE_BASE_URL: base,
  AFTERCARE_SCHEDULER: 'false',
  // The journeys sign in with passwords; the second factor's pages are walked by a
  // coordinator who enrols of their own accord.
  AFTERCARE_MFA_REQUIRED_ROLES: 'none',
  AFTERCARE_LOG_FORMAT: 'json',
};
const PASSWORD = 'a long passphrase for the browser suite';
const ACCOUNTS = {
  admin: { email: 'e2e.admin@example.jp', name: 'E2E 管理者', role: 'admin' },
  coordinator: { email: 'e2e.coordinator@example.jp', name: 'E2E 支援員', role: 'coordinator' },
  finance: { email: 'e2e.finance@example.jp', name: 'E2E 経理', role: 'finance' },
};
const mfaEmail = (lang, size) => `e2e.mfa.${lang}-${size}@example.jp`;
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa', 'best-practice'];
const VIEWPORTS = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } };

const problems = [];
const problem = (where, what) => {
  problems.push(`${where}: ${what}`);
  console.error(`✗ ${where}: ${what}`);
};

function aftercare(args, input = '') {
  return execFileSync(binary, args, { env, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

async function startServer() {
  aftercare(['migrate']);
  for (const a of Object.values(ACCOUNTS)) {
    aftercare(['user', 'create', '--email', a.email, '--name', a.name, '--role', a.role], `${PASSWORD}\n`);
  }
  // One account per language and window size turns on its second factor in the journeys.
  for (const lang of ['en', 'ja']) {
    for (const size of Object.keys(VIEWPORTS)) {
      aftercare(['user', 'create', '--email', mfaEmail(lang, size), '--name', `MFA ${lang} ${size}`, '--role', 'coordinator', '--language', lang], `${PASSWORD}\n`);
    }
  }
  aftercare(['demo']);
  // The server's log goes to e2e/server.log, to read when something fails.
  const log = openSync(path.join(here, 'server.log'), 'w');
  const server = spawn(binary, ['serve'], { env, stdio: ['ignore', log, log] });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return server;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  server.kill();
  throw new Error('the server did not answer /healthz');
}

/** Signs in by typing into the form, then switches the interface to `lang`. */
async function signIn(page, account, lang) {
  await page.goto(`${base}/login`);
  await page.getByLabel(/Email|メールアドレス/).fill(account.email);
  await page.getByLabel(/Password|パスワード/).fill(PASSWORD);
  await page.locator('main form[action="/login"] button[type=submit]').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  const switchTo = page.locator(`form.lang-switch button[value="${lang}"]`);
  if (await switchTo.count()) {
    await switchTo.click();
    await page.waitForLoadState();
  }
  const htmlLang = await page.locator('html').getAttribute('lang');
  if (htmlLang !== lang) problem(`${account.role} ${lang}`, `the page is in "${htmlLang}" after switching`);
}

/** Signs in with the keyboard only: the email field has the focus, Tab, Enter. */
async function signInByKeyboard(page, account, lang) {
  await page.goto(`${base}/login`);
  // The browser moves the focus to the autofocus field once the page has loaded.
  await page.waitForFunction(() => document.activeElement?.id === 'email', null, { timeout: 3000 }).catch(() => {});
  const focused = await page.evaluate(() => document.activeElement?.id);
  if (focused !== 'email') problem(`${account.role} ${lang} keyboard`, `the sign-in page opens with the focus on "${focused}"`);
  await page.keyboard.type(account.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
  if (new URL(page.url()).pathname.startsWith('/login')) {
    problem(`${account.role} ${lang} keyboard`, 'signing in with the keyboard failed');
  }
  const switchTo = `form.lang-switch button[value="${lang}"]`;
  if (await page.locator(switchTo).count()) {
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, switchTo)) break;
    }
    await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
  }
  const htmlLang = await page.locator('html').getAttribute('lang');
  if (htmlLang !== lang) problem(`${account.role} ${lang} keyboard`, `the page is in "${htmlLang}" after switching with the keyboard`);
}

/** axe-core on the page as it is now: every violation is a problem. */
async function checkAccessibility(page, where) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }),
    AXE_TAGS,
  );
  for (const v of result.violations) {
    const targets = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ');
    problem(where, `axe ${v.id} (${v.impact}): ${v.help} — ${targets}`);
  }
}

/** On a phone nothing may scroll sideways: the page is no wider than the window. */
async function checkWidth(page, where) {
  const { scroll, inner, wide } = await page.evaluate(() => {
    const inner = window.innerWidth;
    // The innermost elements that reach past the window's edge, to say what is too wide.
    const wide = [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > inner + 1)
      .filter((e) => ![...e.children].some((c) => c.getBoundingClientRect().right > inner + 1))
      .slice(0, 3)
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.className ? `.${String(e.className).split(' ').join('.')}` : ''} (${Math.round(e.getBoundingClientRect().right)} px)`);
    return { scroll: document.documentElement.scrollWidth, inner, wide };
  });
  if (scroll > inner) {
    problem(where, `scrolls sideways: ${scroll} px wide in a ${inner} px window (${wide.join(', ')})`);
  }
}

/** The checks every page gets, on the page as it is now; `where` names it and its screenshot. */
async function check(page, where) {
  await checkAccessibility(page, where);
  if (where.includes(' phone ')) await checkWidth(page, where);
  await page.screenshot({ path: path.join(shots, `${where.replaceAll(' ', '-')}.png`), fullPage: true });
}

async function visit(page, role, lang, size, name, url) {
  const where = `${role} ${lang} ${size} ${name}`;
  const response = await page.goto(`${base}${url}`);
  if (!response || response.status() !== 200) {
    problem(where, `GET ${url} answered ${response && response.status()}`);
    return;
  }
  await check(page, where);
}

/** The journeys that change data, for one language and window size, role after role. */
async function walkJourneys(browser, lang, size, viewport) {
  const t = { base, lang, size, check, problem, tag: `${lang}-${size}`, coordinatorName: ACCOUNTS.coordinator.name };
  const session = async (role, walk) => {
    const context = await browser.newContext({ viewport, locale: lang === 'ja' ? 'ja-JP' : 'en-GB', bypassCSP: true });
    const page = await context.newPage();
    try {
      // The coordinator's journeys start with the keyboard only, signing in included.
      if (role === 'coordinator') await signInByKeyboard(page, ACCOUNTS[role], lang);
      else await signIn(page, ACCOUNTS[role], lang);
      return await walk(page);
    } catch (e) {
      problem(`${role} ${lang} ${size} journey`, `stopped: ${e.message.split('\n')[0]} (at ${page.url()})`);
      await page.screenshot({ path: path.join(shots, `${role}-${lang}-${size}-journey-stopped.png`), fullPage: true }).catch(() => {});
      return null;
    } finally {
      await context.close();
    }
  };
  const made = await session('coordinator', (page) => journeys.coordinator(page, t));
  if (!made) return;
  await session('finance', (page) => journeys.finance(page, t, made));
  await session('admin', (page) => journeys.admin(page, t, made));
  await session('admin', (page) => journeys.integrations(page, t));
  // The young person's link: shown by the coordinator, opened in a browser of its own.
  const link = await session('coordinator', (page) => journeys.showLink(page, t, made.leaverId));
  if (!link) return;
  const context = await browser.newContext({ viewport, locale: lang === 'ja' ? 'ja-JP' : 'en-GB', bypassCSP: true });
  const page = await context.newPage();
  try {
    await journeys.youngPerson(page, t, link);
  } catch (e) {
    problem(`person ${lang} ${size} journey`, `stopped: ${e.message.split('\n')[0]} (at ${page.url()})`);
    await page.screenshot({ path: path.join(shots, `person-${lang}-${size}-journey-stopped.png`), fullPage: true }).catch(() => {});
  } finally {
    await context.close();
  }
  // A second factor turned on, then used to sign in.
  {
    const mfaContext = await browser.newContext({ viewport, locale: lang === 'ja' ? 'ja-JP' : 'en-GB', bypassCSP: true });
    const mfaPage = await mfaContext.newPage();
    try {
      await journeys.secondFactor(mfaPage, t, mfaEmail(lang, size), PASSWORD);
    } catch (e) {
      problem(`mfa ${lang} ${size} journey`, `stopped: ${e.message.split('\n')[0]} (at ${mfaPage.url()})`);
      await mfaPage.screenshot({ path: path.join(shots, `mfa-${lang}-${size}-journey-stopped.png`), fullPage: true }).catch(() => {});
    } finally {
      await mfaContext.close();
    }
  }
  // What the person said, as the coordinator sees it.
  await session('coordinator', async (page) => {
    await page.goto(`${base}/`);
    await check(page, `coordinator ${lang} ${size} dashboard-with-answers`);
    await page.goto(`${base}/leavers/${made.leaverId}`);
    await check(page, `coordinator ${lang} ${size} leaver-with-answers`);
  });
}

/** The main pages of each role (a record of the demo data for the pages about one person). */
const JOURNEYS = {
  coordinator: (id) => [
    ['dashboard', '/'],
    ['register', '/leavers'],
    ['leaver', `/leavers/${id}`],
    ['new-leaver', '/leavers/new'],
    ['new-consultation', `/leavers/${id}/consultations/new`],
    ['new-allowance', `/leavers/${id}/allowances/new`],
    ['plans', `/leavers/${id}/plans`],
    ['allowances', '/allowances'],
    ['report', '/reports/annual'],
    ['account', '/account'],
  ],
  finance: (id) => [
    ['dashboard', '/'],
    ['allowances', '/allowances'],
    ['payments', '/payments'],
    ['budget', '/budget'],
    ['leaver', `/leavers/${id}`],
    ['report', '/reports/annual'],
  ],
  admin: (id) => [
    ['dashboard', '/'],
    ['users', '/admin/users'],
    ['new-user', '/admin/users/new'],
    ['audit', '/admin/audit'],
    ['leaver', `/leavers/${id}`],
    ['access-log', `/leavers/${id}/access-log`],
    ['retention', '/admin/retention'],
    ['disclosure', `/leavers/${id}/disclosure`],
    ['email', '/admin/reminders'],
    ['import', '/admin/import'],
  ],
};

async function main() {
  rmSync(shots, { recursive: true, force: true });
  mkdirSync(shots, { recursive: true });
  const server = await startServer();
  const browser = await chromium.launch({
    executablePath: browserPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-sync', '--lang=en-US'],
  });
  try {
    // The sign-in page, before anyone is signed in.
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      const context = await browser.newContext({ viewport, locale: 'ja-JP', bypassCSP: true });
      const page = await context.newPage();
      await visit(page, 'visitor', 'ja', size, 'login', '/login');
      await context.close();
    }
    for (const [role, account] of Object.entries(ACCOUNTS)) {
      for (const lang of ['en', 'ja']) {
        for (const [size, viewport] of Object.entries(VIEWPORTS)) {
          const context = await browser.newContext({
            viewport,
            locale: lang === 'ja' ? 'ja-JP' : 'en-GB',
            // axe-core is injected as an inline script, which the site's CSP rightly refuses.
            bypassCSP: true,
          });
          const page = await context.newPage();
          await signIn(page, account, lang);
          for (const [name, url] of JOURNEYS[role](1)) {
            await visit(page, role, lang, size, name, url);
          }
          await context.close();
        }
      }
    }
    for (const lang of ['en', 'ja']) {
      for (const [size, viewport] of Object.entries(VIEWPORTS)) {
        await walkJourneys(browser, lang, size, viewport);
      }
    }
  } finally {
    await browser.close();
    server.kill();
    rmSync(data, { recursive: true, force: true });
  }
  if (problems.length) {
    console.error(`\n${problems.length} problem(s) in the browser suite`);
    process.exit(1);
  }
  console.log(`browser suite: no problem; screenshots in ${shots}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
