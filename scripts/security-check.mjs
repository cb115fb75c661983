// Issue 16's attacks replayed against a running `livegate serve` (see scripts/security-check.sh,
// which starts it with short limits): one line per check, `ok` or `FAIL` with what was seen;
// the exit code is the number of failures (capped at 1). Loopback only.
//
//   node scripts/security-check.mjs --server http://127.0.0.1:PORT --key KEY [--pid PID]

import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
const base = args.server;
const key = args.key;
const { hostname, port } = new URL(base);
let failures = 0;

function report(ok, name, detail = '') {
  if (!ok) failures += 1;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : `: ${detail}`}`);
}

async function check(name, fn) {
  try {
    const detail = await fn();
    report(detail === true, name, typeof detail === 'string' ? detail : '');
  } catch (e) {
    report(false, name, String(e?.stack ?? e));
  }
}

/** One request on a fresh connection (no keep-alive pool: the server closes idle ones in 2 s). */
function api(method, path, { token = key, body, headers = {} } = {}) {
  const h = { ...headers };
  if (token !== null) h.authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) {
    if (body instanceof Uint8Array) payload = Buffer.from(body);
    else {
      payload = Buffer.from(JSON.stringify(body));
      h['content-type'] ??= 'application/json';
    }
    h['content-length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method, path, headers: h, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try {
          json = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode, headers: new Headers(Object.entries(res.headers).map(([k, v]) => [k, String(v)])), text, json });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const code = (r) => r.json?.error?.code ?? (r.json ? '(no error)' : `(not JSON: ${r.headers.get('content-type')})`);
const expect = (r, status, c) => (r.status === status && code(r) === c ? true : `${r.status} ${code(r)}`);

/** Raw TCP: writes `data`, resolves with what was read when the server closes or `ms` pass. */
function raw(data, ms) {
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    let got = '';
    let closed = false;
    const started = Date.now();
    socket.on('data', (d) => (got += d));
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
      resolve({ closed, got, after: Date.now() - started, socket });
    });
    socket.on('connect', () => data && socket.write(data));
    setTimeout(() => {
      if (!closed) resolve({ closed: false, got, after: ms, socket });
    }, ms);
  });
}

async function session(body = {}) {
  const r = await api('POST', '/v1/sessions', { body });
  if (r.status !== 201) throw new Error(`session: ${r.status} ${r.text}`);
  return r.json;
}

const jpeg = new Uint8Array(readFileSync('tests/data/silentface_T1.jpg'));
const frame = (s, t, extra = {}) =>
  api('POST', `/v1/sessions/${s.id}/frames`, {
    token: s.client_token,
    body: jpeg,
    headers: { 'content-type': 'image/jpeg', 'x-capture-time': String(t), ...extra },
  });

// 1. Webhook SSRF -----------------------------------------------------------------------------
for (const url of [
  'http://127.0.0.1/hook',
  'http://localhost/hook',
  'http://[::1]/hook',
  'http://0.0.0.0/hook',
  'http://2130706433/hook',
  'http://0x7f.1/hook',
  'http://[::ffff:127.0.0.1]/hook',
  'http://10.0.0.1/hook',
  'http://169.254.169.254/latest/meta-data/',
]) {
  await check(`webhook to ${url} refused`, async () => expect(await api('POST', '/v1/webhooks', { body: { url } }), 400, 'target_forbidden'));
}

await check('webhook redirect not followed, log shows our code only', async () => {
  const hits = [];
  const receiver = http.createServer((req, res) => {
    hits.push(req.url);
    req.resume();
    if (req.url === '/hook') {
      res.writeHead(307, { location: '/other' });
      res.end('internal detail 42');
    } else res.end('ok');
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.2', r));
  try {
    const url = `http://127.0.0.2:${receiver.address().port}/hook`;
    const hook = await api('POST', '/v1/webhooks', { body: { url } });
    if (hook.status !== 201) return `register: ${hook.status} ${hook.text}`;
    const s = await session();
    await frame(s, 0);
    const done = await api('POST', `/v1/sessions/${s.id}/complete`, { token: s.client_token });
    if (done.status !== 200) return `complete: ${done.status}`;
    let log = [];
    for (let i = 0; i < 100 && !log[0]?.log?.length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      log = (await api('GET', `/v1/webhooks/${hook.json.id}/deliveries`)).json;
    }
    await api('DELETE', `/v1/webhooks/${hook.json.id}`);
    const attempt = log[0]?.log?.[0];
    if (!attempt) return 'no attempt logged';
    if (hits.includes('/other')) return `redirect followed: ${hits}`;
    if (attempt.error !== 'redirect_refused') return `error ${attempt.error}`;
    return JSON.stringify(log).includes('internal detail') ? 'receiver body in the log' : true;
  } finally {
    receiver.close();
  }
});

// 2. Audit CSV formula injection and X-Forwarded-For --------------------------------------------
await check('audit CSV neutralises =HYPERLINK and ignores a forged X-Forwarded-For', async () => {
  const dep = await api('POST', '/v1/departments', { body: { name: `sec-${Date.now()}` } });
  const pdf = readFileSync('crates/livegate-server/tests/data/contract.pdf').toString('base64');
  const doc = await api('POST', '/v1/documents', {
    body: {
      department_id: dep.json.id,
      title: 'Probe',
      pdf,
      sender_email: 'ops@example.com',
      invitees: [{ name: 'Asha Rao', email: 'asha@example.com', security: {} }],
    },
  });
  if (doc.status !== 201) return `send: ${doc.status} ${doc.text}`;
  const token = doc.json.invitees[0].invitation_url.split('/').pop();
  await api('POST', '/v1/sign/open', {
    token: null,
    body: { invitation_token: token },
    headers: { 'user-agent': '=HYPERLINK("http://x")', 'x-forwarded-for': '6.6.6.6' },
  });
  const csv = (await api('GET', `/v1/documents/${doc.json.id}/audit?format=csv`)).text;
  const line = csv.split('\n').find((l) => l.includes('HYPERLINK')) ?? '';
  if (!line.includes(`"'=HYPERLINK(""http://x"")"`)) return `cell not neutralised: ${line}`;
  return csv.includes('6.6.6.6') ? `forged address recorded: ${line}` : true;
});

// 3. Timeouts and the connection cap -------------------------------------------------------------
await check('half-open request closed by the header-read timeout (2 s)', async () => {
  const r = await raw('GET /healthz HTTP/1.1\r\nhost: x\r\n', 8000);
  return r.closed && r.after < 6000 ? true : `open after ${r.after} ms`;
});
await check('connection cap (40): the 41st connection is closed at once', async () => {
  const idle = await Promise.all(Array.from({ length: 40 }, () => raw('', 300)));
  const extra = await raw('GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n', 1500);
  for (const i of idle) i.socket.destroy();
  await new Promise((r) => setTimeout(r, 300));
  return extra.closed && extra.got === '' ? true : `closed=${extra.closed} got=${extra.got.slice(0, 40)}`;
});
await check('a body trickled past the request timeout (4 s) is answered 408', async () => {
  const socket = net.connect(Number(port), hostname);
  let got = '';
  socket.on('data', (d) => (got += d));
  socket.on('error', () => {});
  socket.write(`POST /v1/sessions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${key}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n`);
  const started = Date.now();
  while (!got && Date.now() - started < 9000) {
    socket.write(' ');
    await new Promise((r) => setTimeout(r, 500));
  }
  socket.destroy();
  return got.startsWith('HTTP/1.1 408') && got.includes('request_timeout') ? true : `got ${got.slice(0, 60) || 'nothing'}`;
});

// 4. Security headers ------------------------------------------------------------------------------
for (const path of ['/admin', '/capture', '/demo', '/sign/lgi_x', '/sdk/livegate.js', '/esign/admin.js', '/capture.js']) {
  await check(`security headers on ${path}`, async () => {
    const r = await api('GET', path, { token: null });
    const csp = r.headers.get('content-security-policy') ?? '';
    const script = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src'));
    if (script !== "script-src 'self'") return `script-src: ${script}`;
    if (!csp.includes("frame-ancestors 'self'")) return `csp: ${csp}`;
    if (r.headers.get('referrer-policy') !== 'no-referrer') return 'no Referrer-Policy';
    if (r.headers.get('x-content-type-options') !== 'nosniff') return 'no nosniff';
    if (/<script(?![^>]*\bsrc=)[^>]*>/.test(r.text)) return 'inline script';
    return true;
  });
}
await check('admin page keeps the API key out of web storage', async () => {
  const js = (await api('GET', '/esign/admin.js', { token: null })).text;
  return /sessionStorage|localStorage/.test(js) ? 'admin.js uses web storage' : true;
});

// 5. Frames: repeats, time order, cap; rate limits --------------------------------------------------
await check('same frame and capture time twice without an idempotency key refused', async () => {
  const s = await session();
  const first = await frame(s, 0.5);
  if (first.status !== 201) return `first: ${first.status} ${first.text}`;
  return expect(await frame(s, 0.5), 409, 'frame_time_repeated');
});
await check('capture time going backwards refused', async () => {
  const s = await session();
  await frame(s, 1.0);
  return expect(await frame(s, 0.4), 409, 'frame_time_backwards');
});
await check('frames beyond the session cap refused', async () => {
  const s = await session({ profile: { frames: 2, max_frames: 2 } });
  await frame(s, 0);
  await frame(s, 0.2);
  return expect(await frame(s, 0.4), 409, 'frame_limit_reached');
});
await check('a subject is locked after 5 declined verifications', async () => {
  const subject = `probe-${Date.now()}`;
  const print = new Uint8Array(readFileSync('tests/data/silentface_F1.jpg'));
  for (let i = 0; i < 5; i++) {
    const s = await session({ subject });
    await api('POST', `/v1/sessions/${s.id}/frames`, {
      token: s.client_token,
      body: print,
      headers: { 'content-type': 'image/jpeg', 'x-capture-time': '0' },
    });
    const done = await api('POST', `/v1/sessions/${s.id}/complete`, { token: s.client_token });
    if (done.json?.status !== 'declined') return `attempt ${i}: ${done.json?.status}`;
  }
  const r = await api('POST', '/v1/sessions', { body: { subject } });
  return r.status === 429 && code(r) === 'subject_locked' && Number(r.headers.get('retry-after')) > 0
    ? true
    : `${r.status} ${code(r)} retry-after=${r.headers.get('retry-after')}`;
});

// 6. Error contract ----------------------------------------------------------------------------------
await check('path rejection /v1/sessions/x/audit/..%2f is JSON 400', async () =>
  expect(await api('GET', '/v1/sessions/x/audit/..%2f'), 400, 'invalid_request'));
await check('405 is JSON', async () => expect(await api('DELETE', '/v1/sessions'), 405, 'method_not_allowed'));
await check('/sdk/nope is JSON 404', async () => expect(await api('GET', '/sdk/nope', { token: null }), 404, 'not_found'));
await check('Bearer matched case-insensitively', async () => {
  const r = await api('GET', '/v1/workflows', { token: null, headers: { authorization: `bearer ${key}` } });
  return r.status === 200 ? true : `${r.status} ${code(r)}`;
});

// 7. API keys, scopes and tenants ------------------------------------------------------------------
{
  const tenantKey = async (tenant, scopes) => {
    const r = await api('POST', '/v1/keys', { body: { name: `sec ${tenant}`, scopes, tenant } });
    if (r.status !== 201) throw new Error(`api key: ${r.status} ${r.text}`);
    return r.json;
  };
  const stamp = Date.now().toString(36);
  let a;
  let b;
  await check('keys are created with their secret once and listed without it', async () => {
    a = await tenantKey(`sec-a-${stamp}`, ['sessions', 'esign:admin']);
    b = await tenantKey(`sec-b-${stamp}`, ['sessions', 'esign:admin']);
    const list = await api('GET', '/v1/keys');
    return list.status === 200 && !list.text.includes(a.secret) && !list.text.includes('lgk_') ? true : `${list.status}`;
  });
  await check("another tenant's session and document are 404", async () => {
    const s = await api('POST', '/v1/sessions', { token: a.secret, body: {} });
    const dep = await api('POST', '/v1/departments', { token: a.secret, body: { name: `sec-${stamp}` } });
    const seen = [
      expect(await api('GET', `/v1/sessions/${s.json.id}`, { token: b.secret }), 404, 'session_not_found'),
      expect(await api('GET', `/v1/departments/${dep.json.id}`, { token: b.secret }), 404, 'department_not_found'),
    ];
    return seen.find((r) => r !== true) ?? true;
  });
  await check('a key without the scope is 403 insufficient_scope (esign:admin cannot send)', async () =>
    expect(await api('POST', '/v1/documents', { token: b.secret, body: {} }), 403, 'insufficient_scope'));
  await check('former scope names are 400 unknown_scope', async () =>
    expect(await api('POST', '/v1/keys', { body: { name: 'old', scopes: ['sessions:write'] } }), 400, 'unknown_scope'));
  await check('/v1/api-keys is gone (404)', async () => expect(await api('GET', '/v1/api-keys'), 404, 'not_found'));
  await check('a revoked key is 401 at once', async () => {
    const del = await api('DELETE', `/v1/keys/${b.id}`);
    if (del.status !== 204) return `revoke: ${del.status}`;
    return expect(await api('GET', '/v1/documents', { token: b.secret }), 401, 'invalid_credentials');
  });
}

// Rate limit last: it spends the key's session budget.
await check('session creation flood answered 429 with Retry-After', async () => {
  let limited = null;
  for (let i = 0; i < 60 && !limited; i++) {
    const r = await api('POST', '/v1/sessions', { body: {} });
    if (r.status === 429) limited = r;
  }
  if (!limited) return 'never limited';
  return code(limited) === 'rate_limited' && Number(limited.headers.get('retry-after')) > 0 ? true : `${code(limited)}`;
});

// 7. SIGTERM drains like Ctrl-C (the exit status is checked by security-check.sh) --------------------
if (args.pid) {
  await check('SIGTERM: the request in flight is answered, then the listener closes', async () => {
    const socket = net.connect(Number(port), hostname);
    let got = '';
    socket.on('data', (d) => (got += d));
    socket.on('error', () => {});
    const body = '{}';
    socket.write(`POST /v1/sessions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${key}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n{`);
    await new Promise((r) => setTimeout(r, 200));
    process.kill(Number(args.pid), 'SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    socket.write('}');
    const started = Date.now();
    while (!got && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    // Answered 201, or 429 when the flood above spent the key's budget: either way, answered.
    if (!/^HTTP\/1\.1 (201|429)/.test(got)) return `in-flight answer: ${got.slice(0, 40) || 'none'}`;
    await new Promise((r) => setTimeout(r, 300));
    const after = await raw('GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n', 1000);
    return after.got === '' ? true : 'still answering after SIGTERM';
  });
}

console.log(failures ? `security-check: ${failures} check(s) failed` : 'security-check: every check passed');
process.exit(failures ? 1 : 0);
