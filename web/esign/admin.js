// @ts-check
/**
 * Livegate eSign admin page (`/admin`): the API key (entered once, kept only in this page's
 * memory: never in web storage, where any script on the origin or a shared
 * computer could read it later; a reload asks for it again), the section tabs, and the context the sections share (API client,
 * departments and templates, change events). Each section lives in its own module.
 */

import { Api, Notice, byId, h } from './common.js';
import { mountBulk } from './admin-bulk.js';
import { mountDepartments } from './admin-departments.js';
import { mountDocuments } from './admin-documents.js';
import { mountKeys } from './admin-keys.js';
import { mountOutbox } from './admin-outbox.js';
import { mountSend } from './admin-send.js';
import { mountSigning } from './admin-signing.js';
import { mountTemplates } from './admin-templates.js';

/** @typedef {import('./types.js').Department} Department */
/** @typedef {import('./types.js').Template} Template */

/** @type {string | null} The API key, in memory only. */
let heldKey = null;

/**
 * What the sections share.
 * @typedef {Object} AdminContext
 * @property {Api} api requests with the API key
 * @property {(fresh?: boolean) => Promise<Department[]>} departments
 * @property {(fresh?: boolean) => Promise<Template[]>} templates
 * @property {(what: 'departments' | 'templates' | 'documents') => void} changed
 * @property {(what: 'departments' | 'templates' | 'documents', fn: () => void) => void} on
 * @property {(tab: string) => void} select shows a section
 */

/**
 * A section: its tab label, panel, and what to do each time it is shown.
 * @typedef {Object} Section
 * @property {string} id
 * @property {string} label
 * @property {HTMLElement} panel
 * @property {() => void} [activate]
 */

const keyForm = byId('key-form', HTMLFormElement);
const keyInput = byId('api-key', HTMLInputElement);
const keySet = byId('key-set', HTMLElement);
const tabList = byId('tabs', HTMLElement);
const panels = byId('panels', HTMLElement);
const noKey = byId('no-key', HTMLElement);
const keyNotice = new Notice(byId('key-notice', HTMLElement));

/** @returns {string | null} */
function apiKey() {
  return heldKey;
}

const events = new EventTarget();
/** @type {Department[] | null} */
let departmentCache = null;
/** @type {Template[] | null} */
let templateCache = null;

/** @type {AdminContext} */
const ctx = {
  api: new Api(apiKey),
  async departments(fresh = false) {
    if (!departmentCache || fresh) departmentCache = (await ctx.api.json('GET', '/v1/departments')).departments ?? [];
    return /** @type {Department[]} */ (departmentCache);
  },
  async templates(fresh = false) {
    if (!templateCache || fresh) templateCache = (await ctx.api.json('GET', '/v1/templates')).templates ?? [];
    return /** @type {Template[]} */ (templateCache);
  },
  changed(what) {
    if (what === 'departments') departmentCache = null;
    if (what === 'templates') templateCache = null;
    events.dispatchEvent(new Event(what));
  },
  on(what, fn) {
    events.addEventListener(what, fn);
  },
  select(tab) {
    selectTab(tab, false);
  },
};

/** @type {Section[]} */
const sections = [
  mountDepartments(ctx),
  mountSend(ctx),
  mountBulk(ctx),
  mountTemplates(ctx),
  mountDocuments(ctx),
  mountOutbox(ctx),
  mountKeys(ctx),
  mountSigning(ctx),
];

/** @type {HTMLButtonElement[]} */
const tabs = sections.map((s) => {
  const tab = h('button', {
    type: 'button',
    role: 'tab',
    id: `tab-${s.id}`,
    'aria-controls': `panel-${s.id}`,
    'aria-selected': 'false',
    tabindex: '-1',
    'data-tab': s.id,
  }, s.label);
  s.panel.id = `panel-${s.id}`;
  s.panel.setAttribute('role', 'tabpanel');
  s.panel.setAttribute('aria-labelledby', tab.id);
  s.panel.tabIndex = -1;
  s.panel.hidden = true;
  s.panel.classList.add('panel');
  tab.addEventListener('click', () => selectTab(s.id, false));
  return tab;
});
tabList.append(...tabs);
panels.append(...sections.map((s) => s.panel));

// Arrow keys move between tabs (the tab list is one tab stop), as in the ARIA tabs pattern.
tabList.addEventListener('keydown', (e) => {
  const at = tabs.findIndex((t) => t === document.activeElement);
  if (at < 0) return;
  let next = -1;
  if (e.key === 'ArrowRight') next = (at + 1) % tabs.length;
  else if (e.key === 'ArrowLeft') next = (at - 1 + tabs.length) % tabs.length;
  else if (e.key === 'Home') next = 0;
  else if (e.key === 'End') next = tabs.length - 1;
  if (next < 0) return;
  e.preventDefault();
  selectTab(sections[next].id, true);
});

/**
 * @param {string} id
 * @param {boolean} focusTab
 */
function selectTab(id, focusTab) {
  const index = Math.max(0, sections.findIndex((s) => s.id === id));
  sections.forEach((s, i) => {
    const on = i === index;
    tabs[i].setAttribute('aria-selected', String(on));
    tabs[i].tabIndex = on ? 0 : -1;
    s.panel.hidden = !on;
  });
  if (focusTab) tabs[index].focus();
  if (location.hash !== `#${sections[index].id}`) history.replaceState(null, '', `#${sections[index].id}`);
  sections[index].activate?.();
}

function showKeyState() {
  const has = !!apiKey();
  keyForm.hidden = has;
  keySet.hidden = !has;
  tabList.hidden = !has;
  noKey.hidden = has;
  if (!has) for (const s of sections) s.panel.hidden = true;
  else selectTab(location.hash.slice(1) || sections[0].id, false);
}

keyForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const key = keyInput.value.trim();
  if (!key) return keyNotice.say('Enter the API key.', 'error');
  // Checked once before it is kept, so a typo is caught here rather than in every section.
  const probe = new Api(() => key);
  try {
    await probe.json('GET', '/v1/departments');
  } catch (err) {
    return keyNotice.error(err);
  }
  heldKey = key;
  keyInput.value = '';
  departmentCache = null;
  templateCache = null;
  keyNotice.say('API key accepted.', 'ok');
  showKeyState();
});

byId('forget-key', HTMLButtonElement).addEventListener('click', () => {
  heldKey = null;
  keyNotice.say('API key forgotten.', 'info');
  showKeyState();
  keyInput.focus();
});

showKeyState();
