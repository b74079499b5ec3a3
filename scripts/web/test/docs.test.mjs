// Loads /docs from a running `disputes serve` in headless Chromium and checks
// that the reference renders every operation, links to /openapi.yaml, and
// loads nothing from another host. API is the server's base URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import YAML from 'yaml';

const api = process.env.API;
const doc = YAML.parse(readFileSync(new URL('../../../api/openapi.yaml', import.meta.url), 'utf8'));

test('/docs renders the operations offline', async () => {
  assert.ok(api, 'API must name the running server');
  const profile = mkdtempSync(join(tmpdir(), 'disputes-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = context.pages()[0] ?? await context.newPage();
    const origin = new URL(api).origin;
    const foreign = [];
    const problems = [];
    page.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith(origin + '/') && !u.startsWith('blob:') && !u.startsWith('data:')) foreign.push(u);
    });
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(String(e)));

    const res = await page.goto(api + '/docs', { waitUntil: 'load' });
    assert.equal(res.status(), 200);
    const csp = res.headers()['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /https?:|\*/, 'the CSP names no other host');

    // Redoc renders one section per operation, its summary as a heading.
    const ops = [];
    for (const item of Object.values(doc.paths)) {
      for (const [m, op] of Object.entries(item)) if (op.operationId && m !== 'parameters') ops.push(op);
    }
    await page.waitForSelector('[data-section-id^="operation/"]', { timeout: 60_000 });
    const rendered = await page.$$eval('[data-section-id^="operation/"]', (els) => new Set(els.map((e) => e.getAttribute('data-section-id'))).size);
    assert.ok(rendered >= ops.length, `rendered ${rendered} operations, the document has ${ops.length}`);
    for (const summary of ['Open a dispute', 'List disputes', 'The event feed']) {
      assert.ok(await page.getByRole('heading', { name: summary }).first().isVisible(), `heading "${summary}" is shown`);
    }
    const link = page.locator('a#openapi-link');
    assert.ok(await link.isVisible(), 'the link to the document is visible');
    assert.equal(await link.getAttribute('href'), '/openapi.yaml');

    assert.deepEqual(foreign, [], 'the page loads nothing from another host');
    assert.deepEqual(problems.filter((p) => /Content Security Policy|Refused/.test(p)), [], 'no CSP violation');
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
