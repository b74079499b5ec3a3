// Walks a dispute from open to closed against a running `disputes serve --demo`
// with the TypeScript client generated from api/openapi.yaml (openapi-typescript
// types, openapi-fetch), and validates every response, and every webhook
// delivery the walk causes, against the document (JSON Schema 2020-12).
// API, BUYER, SELLER, SYSTEM, LEAD, ORDER and HOOK_PORT come from scripts/test-web.sh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import createClient, { type Middleware } from 'openapi-fetch';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import YAML from 'yaml';
import type { paths } from '../generated/api.js';

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const doc = YAML.parse(readFileSync(new URL('../../../api/openapi.yaml', import.meta.url), 'utf8'));
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
ajv.addFormat('int32', true);
ajv.addFormat('int64', true);
ajv.addSchema(doc, 'openapi');

const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
const at = (pointer: string): any => pointer.split('/').slice(1).reduce((o: any, k) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);

// The document's path template that a request path matches.
const templates = Object.keys(doc.paths).map((t) => ({
  t, re: new RegExp('^' + t.replace(/\{[^}]+\}/g, '[^/]+') + '$'),
}));
function templateOf(path: string): string {
  const hits = templates.filter(({ re }) => re.test(path));
  assert.ok(hits.length > 0, `${path} is not in the document`);
  // A literal segment beats a parameter (/v1/disputes/{id}/audit/verify).
  hits.sort((a, b) => (a.t.match(/\{/g)?.length ?? 0) - (b.t.match(/\{/g)?.length ?? 0));
  return hits[0].t;
}

const checked: string[] = [];
function validate(what: string, pointer: string, body: unknown) {
  const v = ajv.getSchema('openapi#' + pointer) ?? ajv.compile({ $ref: 'openapi#' + pointer });
  assert.ok(v(body), `${what}: the body breaks ${pointer}: ${ajv.errorsText(v.errors)}\n${JSON.stringify(body).slice(0, 2000)}`);
  checked.push(what);
}

// Every response is checked against the operation's documented response.
const validating: Middleware = {
  async onResponse({ request, response }) {
    const url = new URL(request.url);
    const tpl = templateOf(url.pathname);
    const method = request.method.toLowerCase();
    const op = doc.paths[tpl][method];
    assert.ok(op, `${method} ${tpl} is not documented`);
    let rp = `/paths/${esc(tpl)}/${method}/responses/${response.status}`;
    assert.ok(at(rp), `${request.method} ${tpl}: status ${response.status} is not documented`);
    if (at(rp).$ref) rp = at(rp).$ref.slice(1);
    const ct = (response.headers.get('content-type') ?? '').split(';')[0];
    if (response.status === 204 || response.status === 304) return;
    assert.ok(at(rp).content?.[ct], `${request.method} ${tpl} ${response.status}: content type ${ct} is not documented`);
    const body = await response.clone().json();
    validate(`${request.method} ${tpl} ${response.status}`, `${rp}/content/${esc(ct)}/schema`, body);
    if (response.status < 300 && response.status >= 200 && tpl.startsWith('/v1/')) {
      assert.ok(response.headers.get('ratelimit-limit'), `${request.method} ${tpl}: no RateLimit-Limit`);
    }
  },
};

function client(token: string) {
  const c = createClient<paths>({ baseUrl: env('API'), headers: { Authorization: `Bearer ${token}` } });
  c.use(validating);
  return c;
}

test('a dispute from open to closed through the generated client', async (t) => {
  const buyer = client(env('BUYER'));
  const seller = client(env('SELLER'));
  const system = client(env('SYSTEM'));
  const lead = client(env('LEAD'));

  // A receiver for the webhook the seller subscribes: each delivery is validated
  // against the document's webhooks section.
  const deliveries: { type: string; body: unknown }[] = [];
  const receiver = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      deliveries.push({ type: String(req.headers['disputes-event-type']), body: JSON.parse(raw) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((ok) => receiver.listen(Number(env('HOOK_PORT')), '127.0.0.1', ok));
  t.after(() => receiver.close());

  const key = await seller.POST('/v1/api-keys', { body: { name: 'shop sync' } });
  assert.equal(key.response.status, 201);
  const integration = client(key.data!.key);
  const hook = await integration.POST('/v1/webhooks', {
    body: { url: `http://127.0.0.1:${env('HOOK_PORT')}/hooks`, event_types: ['*'] },
  });
  assert.equal(hook.response.status, 201, JSON.stringify(hook.error));

  const opened = await buyer.POST('/v1/disputes', {
    body: { order_id: env('ORDER'), reason: 'item_damaged', description: 'The vase arrived cracked.', language: 'en' },
  });
  assert.equal(opened.response.status, 201, JSON.stringify(opened.error));
  const id = opened.data!.id;
  assert.equal(opened.data!.state, 'awaiting_seller');
  const path = { params: { path: { id } } };

  const replied = await seller.POST('/v1/disputes/{id}/seller-reply', {
    ...path, body: { message: 'Sorry! A full refund?', offer: { remedies: [{ type: 'refund_full' }] } },
  });
  assert.equal(replied.data?.state, 'awaiting_buyer', JSON.stringify(replied.error));

  const msg = await buyer.POST('/v1/disputes/{id}/messages', { ...path, body: { message: 'Let me think.' } });
  assert.equal(msg.response.status, 201, JSON.stringify(msg.error));

  const seen = await buyer.GET('/v1/disputes/{id}', path);
  const etag = seen.response.headers.get('etag')!;
  assert.ok(seen.data?.allowed_actions.includes('accept-offer'));
  const accepted = await buyer.POST('/v1/disputes/{id}/accept-offer', {
    params: { path: { id }, header: { 'If-Match': etag } },
  });
  assert.equal(accepted.data?.state, 'resolved', JSON.stringify(accepted.error));

  // The marketplace carries out the settlement; the last report closes the dispute.
  const pending = await system.GET('/v1/remedies', { params: { query: { status: ['pending'], dispute_id: [id] } } });
  assert.ok(pending.data!.data.length > 0);
  for (const r of pending.data!.data) {
    const done = await system.POST('/v1/remedies/{id}/executed', { params: { path: { id: r.id } }, body: { detail: 'refund 8812 paid' } });
    assert.equal(done.response.status, 200, JSON.stringify(done.error));
  }

  const closed = await buyer.GET('/v1/disputes/{id}', path);
  assert.equal(closed.data?.state, 'closed');
  await buyer.GET('/v1/disputes/{id}/timeline', path);
  await buyer.GET('/v1/disputes/{id}/messages', path);
  await buyer.GET('/v1/disputes/{id}/remedies', path);
  await buyer.GET('/v1/disputes', { params: { query: { limit: 5 } } });
  const audit = await lead.GET('/v1/disputes/{id}/audit', path);
  assert.deepEqual(audit.data!.data.map((r) => r.event), ['open', 'seller_reply', 'accept_offer', 'remedy_executed', 'close']);
  const verified = await lead.GET('/v1/disputes/{id}/audit/verify', path);
  assert.equal(verified.data?.valid, true);
  const feed = await integration.GET('/v1/events', { params: { query: { after: 0 } } });
  assert.ok(feed.data!.data.some((e) => e.type === 'dispute.closed'));
  await integration.GET('/v1/api-keys');
  await integration.GET('/v1/webhooks');

  // Problems are documented too.
  const missing = await buyer.GET('/v1/disputes/{id}', { params: { path: { id: 'dsp_00000000000000000000000000' } } });
  assert.equal(missing.response.status, 404);

  // Deliveries arrive within seconds; each is a documented webhook body.
  const deadline = Date.now() + 30_000;
  while (!deliveries.some((d) => d.type === 'dispute.closed') && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(deliveries.some((d) => d.type === 'dispute.closed'), `deliveries: ${deliveries.map((d) => d.type)}`);
  for (const d of deliveries) {
    validate(`webhook ${d.type}`, `/webhooks/${esc(d.type)}/post/requestBody/content/application~1json/schema`, d.body);
  }
  const deliveryPage = await integration.GET('/v1/webhooks/{id}/deliveries', { params: { path: { id: hook.data!.id } } });
  assert.ok(deliveryPage.data!.data.length > 0);
  console.log(`validated ${checked.length} responses and deliveries against the document`);
});
