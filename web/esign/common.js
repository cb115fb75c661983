// @ts-check
/**
 * Livegate e-signature pages: what the admin page and the signing page share — building DOM,
 * the HTTP client (bearer token, `{error: {code, message}}` answers), files and blobs, times,
 * and the messages shown in live regions.
 */

/**
 * Creates an element with attributes and children. `false`/`null`/`undefined` attributes are
 * left out; `true` sets an empty attribute.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number | boolean | null | undefined>} [attrs]
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

/**
 * The element with `id`, checked to be of `type`.
 * @template {HTMLElement} T
 * @param {string} id
 * @param {{ new (): T, prototype: T }} type
 * @returns {T}
 */
export function byId(id, type) {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`page element #${id} is missing`);
  return el;
}

let ids = 0;
/** @param {string} prefix @returns {string} a unique element id */
export function uid(prefix) {
  return `${prefix}-${++ids}`;
}

/** An API answer that was not a success, or a request that never got one (status 0). */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {unknown} [detail] the whole `error` object (e.g. `rows` of `csv_invalid`)
   */
  constructor(status, code, message, detail) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.detail = /** @type {Record<string, unknown>} */ (detail && typeof detail === 'object' ? detail : {});
  }
}

/**
 * Whether an error means the journey moved on elsewhere (another tab signed, the attempts ran
 * out, the code is not verified yet): the page then shows the server's current step.
 * @param {unknown} e
 * @returns {boolean}
 */
export function stepChanged(e) {
  return e instanceof ApiError && ['journey_closed', 'otp_required', 'already_signed', 'attempts_exhausted', 'capture_not_required', 'capture_consent_required'].includes(e.code);
}

/**
 * @param {Response} res
 * @returns {Promise<ApiError>}
 */
async function errorOf(res) {
  let code = `http_${res.status}`;
  let message = res.statusText || `HTTP ${res.status}`;
  let detail = null;
  try {
    const body = await res.json();
    if (body && typeof body === 'object' && body.error) {
      detail = body.error;
      code = String(body.error.code || code);
      message = String(body.error.message || message);
    }
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(res.status, code, message, detail);
}

/**
 * @typedef {Object} RequestOptions
 * @property {unknown} [json] a body sent as JSON
 * @property {BodyInit} [body] a raw body (with `type`)
 * @property {string} [type] content type of `body`
 * @property {Record<string, string>} [headers]
 */

/** Requests to the Livegate API on this origin with a bearer token (API key or journey token). */
export class Api {
  /** @param {() => string | null} token */
  constructor(token) {
    this.token = token;
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {RequestOptions} [options]
   * @returns {Promise<Response>}
   */
  async send(method, path, options = {}) {
    /** @type {Record<string, string>} */
    const headers = { ...(options.headers ?? {}) };
    const token = this.token();
    if (token) headers.authorization = `Bearer ${token}`;
    /** @type {BodyInit | undefined} */
    let body = options.body;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.type) {
      headers['content-type'] = options.type;
    }
    /** @type {Response} */
    let res;
    try {
      res = await fetch(path, { method, headers, body, cache: 'no-store', credentials: 'omit' });
    } catch {
      throw new ApiError(0, 'network_error', 'The server could not be reached. Check your connection and try again.');
    }
    if (!res.ok) throw await errorOf(res);
    return res;
  }

  /**
   * A request answered with JSON.
   * @param {string} method
   * @param {string} path
   * @param {RequestOptions} [options]
   * @returns {Promise<any>}
   */
  async json(method, path, options) {
    const res = await this.send(method, path, options);
    return res.status === 204 ? null : res.json();
  }

  /**
   * A file fetched with the token.
   * @param {string} path
   * @returns {Promise<Blob>}
   */
  async blob(path) {
    return (await this.send('GET', path)).blob();
  }
}

/**
 * Saves a blob as a download named `filename`.
 * @param {Blob} blob
 * @param {string} filename
 */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * The base64 of a file's bytes (no `data:` prefix).
 * @param {Blob} file
 * @returns {Promise<string>}
 */
export async function base64Of(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/**
 * A Unix-millisecond time in the reader's locale ('—' when absent).
 * @param {number | null | undefined} ms
 * @returns {string}
 */
export function when(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** @param {unknown} value @returns {string} a change-history or detail value in words */
export function show(value) {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  return String(value);
}

/**
 * A message region (`role="status"`, polite) that shows one message at a time.
 */
export class Notice {
  /** @param {HTMLElement} [el] an existing element; else a new `<p>` */
  constructor(el) {
    this.el = el ?? h('p', {});
    this.el.classList.add('notice');
    this.el.setAttribute('role', 'status');
    this.el.setAttribute('aria-live', 'polite');
    this.el.setAttribute('aria-atomic', 'true');
  }

  /**
   * @param {string} text
   * @param {'info' | 'ok' | 'error'} [tone]
   */
  say(text, tone = 'info') {
    this.el.dataset.tone = tone;
    this.el.textContent = text;
  }

  /** @param {unknown} e shows an error: an API error's message and code, else its text */
  error(e) {
    if (e instanceof ApiError) this.say(e.status === 0 ? e.message : `${e.message} (${e.code})`, 'error');
    else this.say(e instanceof Error ? e.message : String(e), 'error');
  }

  clear() {
    this.say('');
  }
}

/**
 * A labelled on/off switch (a checkbox with `role="switch"`).
 * @param {string} label
 * @param {{ checked?: boolean, name?: string, hint?: string }} [options]
 * @returns {{ field: HTMLElement, input: HTMLInputElement, hint: HTMLElement }}
 */
export function switchField(label, options = {}) {
  const id = uid('sw');
  const input = h('input', { type: 'checkbox', role: 'switch', id, name: options.name, class: 'switch' });
  input.checked = !!options.checked;
  const hint = h('p', { class: 'hint', id: `${id}-hint` }, options.hint ?? '');
  hint.hidden = !options.hint;
  input.setAttribute('aria-describedby', hint.id);
  const field = h('div', { class: 'field switch-field' }, h('label', { for: id }, input, h('span', {}, label)), hint);
  return { field, input, hint };
}

/**
 * A labelled control in a field wrapper.
 * @template {HTMLElement} T
 * @param {string} label
 * @param {T} control
 * @param {string} [hint]
 * @returns {{ field: HTMLElement, control: T }}
 */
export function labelled(label, control, hint) {
  if (!control.id) control.id = uid('f');
  /** @type {HTMLElement[]} */
  const parts = [h('label', { for: control.id }, label), control];
  if (hint) {
    const p = h('p', { class: 'hint', id: `${control.id}-hint` }, hint);
    control.setAttribute('aria-describedby', p.id);
    parts.push(p);
  }
  return { field: h('div', { class: 'field' }, ...parts), control };
}

/**
 * A `<select>` of numbers `from..to`.
 * @param {number} from
 * @param {number} to
 * @param {number} selected
 * @returns {HTMLSelectElement}
 */
export function numberSelect(from, to, selected) {
  const select = h('select', {});
  for (let n = from; n <= to; n++) select.append(h('option', { value: String(n), selected: n === selected }, String(n)));
  return select;
}
