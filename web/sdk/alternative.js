// @ts-check
/**
 * Livegate SDK accessible alternatives (X5): when the person cannot do a challenge the
 * workflow offers an alternative for (the plan marks it `alternative`), "I can't do this" asks
 * the server for it. The server decides (its policy, the challenge under way, once per
 * challenge), redraws the rest of the plan and answers with the session; the SDK learns which
 * challenge replaces this one only then, and nothing about any other.
 */

import { ApiError, errorOf } from './api.js';

/** @typedef {import('./livegate.js').SessionDetail} SessionDetail */
/** @typedef {import('./api.js').Client} Client */

/**
 * Asks for the alternative to `challenge` (the one under way).
 * @param {Client} api
 * @param {string} challenge
 * @returns {Promise<SessionDetail>} the session with its new plan
 */
export async function askAlternative(api, challenge) {
  const res = await api.send('POST', '/v1/client/alternative', {
    body: JSON.stringify({ challenge }),
    headers: { 'content-type': 'application/json' },
  });
  if (!res.ok) throw await errorOf(res);
  return /** @type {SessionDetail} */ (await res.json());
}

/**
 * Asks for the alternative to `challenge` and, when the server grants it, puts the new plan in
 * `session` (in place: the flow and the capture share it). Resolves to whether it was granted;
 * a refusal (no alternative, already swapped, not the challenge under way) or a lost answer is
 * false, and the caller goes on without it.
 * @param {Client} api
 * @param {SessionDetail} session
 * @param {string} challenge
 * @returns {Promise<boolean>}
 */
export async function swapChallenge(api, session, challenge) {
  try {
    const detail = await askAlternative(api, challenge);
    session.plan = detail.plan;
    session.accessibility = detail.accessibility;
    return true;
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    return false;
  }
}
