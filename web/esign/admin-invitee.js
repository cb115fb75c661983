// @ts-check
/**
 * One invitee of the "New document" form: contact, signing order, signer type, and the
 * security features revealed step by step — Enable security features → Capture photo → Smart
 * User Liveliness (only when the department enables it; never for automated signers) with its
 * retry attempts, and Face Match with a reference photo and its own retries.
 */

import { base64Of, h, labelled, numberSelect, switchField } from './common.js';

/** @typedef {import('./types.js').Department} Department */
/** @typedef {import('./types.js').InviteeRequest} InviteeRequest */
/** @typedef {import('./types.js').SignerType} SignerType */

export const AUTOMATED_NOTE = 'Smart User Liveliness is unavailable for automated signing';
const DEPARTMENT_OFF_NOTE = 'Smart User Liveliness is turned off for the selected department, so it is not offered.';
const SIGNER_TYPES = /** @type {[SignerType, string][]} */ ([
  ['person', 'Person'],
  ['virtual_signer', 'Virtual signer'],
  ['doc_signer', 'Doc signer'],
]);

/** @param {string} type @returns {boolean} whether the server signs for this signer type */
export function isAutomated(type) {
  return type === 'virtual_signer' || type === 'doc_signer';
}

/** @param {HTMLElement} el @param {boolean} visible */
function reveal(el, visible) {
  el.hidden = !visible;
}

/** The controls of one invitee. */
export class InviteeForm {
  /**
   * @param {number} position 1-based place in the list
   * @param {Department | null} department
   * @param {(form: InviteeForm) => void} onRemove
   */
  constructor(position, department, onRemove) {
    this.legend = h('legend', {});
    this.name = labelled('Name', h('input', { type: 'text', required: true, autocomplete: 'off' }));
    this.email = labelled('Email', h('input', { type: 'email', autocomplete: 'off', spellcheck: 'false' }));
    this.phone = labelled('Phone', h('input', { type: 'tel', autocomplete: 'off', placeholder: '+919800000001' }));
    this.order = labelled('Signing order', h('input', { type: 'number', min: 1, step: 1, inputmode: 'numeric' }));
    const typeSelect = h('select', {});
    for (const [value, text] of SIGNER_TYPES) typeSelect.append(h('option', { value }, text));
    this.type = labelled('Signer type', typeSelect, 'Virtual and doc signers are signed by the server.');

    this.security = switchField('Enable security features');
    this.capture = switchField('Capture photo', { hint: 'The signer takes 3 face captures before signing.' });
    this.live = switchField('Smart User Liveliness', { hint: '' });
    this.liveRetries = labelled('Retry attempts', numberSelect(0, 3, 1), '0 = a single attempt; each retry allows one more.');
    this.liveOff = h('p', { class: 'note' }, DEPARTMENT_OFF_NOTE);
    this.face = switchField('Face Match', { hint: 'Compares the capture with a reference photo.' });
    this.reference = labelled('Reference photo', h('input', { type: 'file', accept: 'image/jpeg,image/png' }), 'A JPEG or PNG of the signer’s face.');
    this.faceRetries = labelled('Face match retry attempts', numberSelect(0, 3, 1));

    const liveBox = h('div', { class: 'group' }, this.live.field, this.liveRetries.field);
    this.liveBox = liveBox;
    const faceBox = h('div', { class: 'nested' }, this.reference.field, this.faceRetries.field);
    this.captureBox = h('div', { class: 'nested' }, liveBox, this.liveOff, this.face.field, faceBox);
    this.securityBox = h('div', { class: 'nested' }, this.capture.field, this.captureBox);
    this.removeButton = h('button', { type: 'button', class: 'button small danger' }, 'Remove');
    this.removeButton.addEventListener('click', () => onRemove(this));
    this.el = h('fieldset', { class: 'invitee' },
      this.legend,
      h('div', { class: 'grid' }, this.name.field, this.email.field, this.phone.field, this.order.field, this.type.field),
      this.security.field,
      this.securityBox,
      h('div', { class: 'actions end' }, this.removeButton));

    /** @type {Department | null} */
    this.department = department;
    const sync = () => this.sync();
    for (const input of [this.security.input, this.capture.input, this.live.input, this.face.input]) input.addEventListener('change', sync);
    typeSelect.addEventListener('change', sync);
    faceBox.dataset.role = 'face-match';
    this.faceBox = faceBox;
    this.position = 0;
    this.setPosition(position);
    this.sync();
  }

  /** @param {number} position */
  setPosition(position) {
    const previous = this.position;
    this.position = position;
    this.legend.textContent = `Invitee ${position}`;
    this.removeButton.setAttribute('aria-label', `Remove invitee ${position}`);
    // The default signing order follows the place in the list until it is edited.
    if (!this.order.control.value || Number(this.order.control.value) === previous) this.order.control.value = String(position);
  }

  /** @param {Department | null} department */
  setDepartment(department) {
    this.department = department;
    this.sync();
  }

  /** Shows what the switches reveal, and what the department and signer type allow. */
  sync() {
    const automated = isAutomated(this.type.control.value);
    const offered = !!this.department?.smart_liveliness;
    reveal(this.securityBox, this.security.input.checked);
    reveal(this.captureBox, this.security.input.checked && this.capture.input.checked);
    reveal(this.liveBox, offered);
    reveal(this.liveOff, !offered && !!this.department);
    if (!offered || automated) this.live.input.checked = false;
    this.live.input.disabled = automated;
    this.live.hint.textContent = automated ? AUTOMATED_NOTE : 'Scored against the department’s acceptance percentage.';
    this.live.hint.hidden = false;
    this.live.field.classList.toggle('disabled', automated);
    reveal(this.liveRetries.field, offered && this.live.input.checked);
    reveal(this.faceBox, this.face.input.checked);
  }

  /**
   * The invitee as `POST /v1/documents` takes it; throws an Error in words when incomplete.
   * @returns {Promise<InviteeRequest>}
   */
  async toRequest() {
    const who = `Invitee ${this.position}`;
    const name = this.name.control.value.trim();
    const email = this.email.control.value.trim();
    const phone = this.phone.control.value.trim();
    if (!name) throw new Error(`${who}: enter a name.`);
    if (!email && !phone) throw new Error(`${who}: enter an email address or a phone number.`);
    /** @type {InviteeRequest} */
    const invitee = { name, signer_type: /** @type {SignerType} */ (this.type.control.value) };
    if (email) invitee.email = email;
    if (phone) invitee.phone = phone;
    const order = Number(this.order.control.value);
    if (this.order.control.value.trim() !== '') {
      if (!Number.isInteger(order) || order < 1) throw new Error(`${who}: the signing order must be a whole number from 1.`);
      invitee.signing_order = order;
    }
    if (!this.security.input.checked) return invitee;
    const capture = this.capture.input.checked;
    invitee.security = { capture_photo: capture };
    if (!capture) return invitee;
    // Sent as the switch stands (the page unchecks it where it is not allowed), so a refusal
    // by the server is shown rather than hidden.
    if (this.live.input.checked) {
      invitee.security.smart_liveliness = true;
      invitee.security.liveliness_retries = Number(this.liveRetries.control.value);
    }
    if (this.face.input.checked) {
      const file = this.reference.control.files?.[0];
      if (!file) throw new Error(`${who}: choose a reference photo for Face Match.`);
      invitee.security.face_match = { reference_image: await base64Of(file), retries: Number(this.faceRetries.control.value) };
    }
    return invitee;
  }
}
