// The demo page's script, a file of its own so the page's Content-Security-Policy allows
// no inline script.
import { start } from '/sdk/livegate.js';

const form = document.getElementById('setup');
const message = document.getElementById('message');
const sessionLine = document.getElementById('session');
const capture = document.getElementById('capture');
const challengeBox = document.getElementById('challenges');
let run = null;

function syncMode() {
  const active = form.elements.mode.value === 'active';
  challengeBox.disabled = !active;
}
for (const radio of form.querySelectorAll('input[name="mode"]')) radio.addEventListener('change', syncMode);
syncMode();

function say(text, error = false) {
  message.textContent = text;
  message.className = error ? 'error' : '';
}

function profileFromForm() {
  const data = new FormData(form);
  const mode = data.get('mode');
  const profile = { liveness_mode: mode };
  if (mode === 'active') {
    profile.liveness_challenges = data.getAll('challenge');
    profile.fixed_order = data.get('fixedOrder') === 'on';
    const seconds = Number(data.get('timeFrame'));
    if (Number.isFinite(seconds) && seconds > 0) profile.challenge_time_frame_s = seconds;
  }
  const threshold = Number(data.get('threshold'));
  if (data.get('threshold') !== '' && Number.isFinite(threshold)) profile.liveness_threshold = threshold;
  const retries = Number(data.get('retries'));
  if (data.get('retries') !== '' && Number.isInteger(retries)) profile.retries = retries;
  return profile;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const apiKey = form.elements.apiKey.value.trim();
  if (!apiKey) {
    say('Enter your API key.', true);
    form.elements.apiKey.focus();
    return;
  }
  const profile = profileFromForm();
  if (profile.liveness_mode === 'active' && profile.liveness_challenges.length === 0) {
    say('Choose at least one challenge for active mode.', true);
    return;
  }
  run?.stop();
  run = null;
  capture.replaceChildren();
  sessionLine.hidden = true;
  say('Creating the session…');
  let created;
  try {
    const res = await fetch('/v1/sessions', {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ profile }),
    });
    const body = await res.json().catch(() => null);
    if (!res.ok) {
      const detail = body?.error ? `${body.error.message} (${body.error.code})` : `HTTP ${res.status}`;
      say(`The session could not be created: ${detail}`, true);
      return;
    }
    created = body;
  } catch {
    say('The server could not be reached.', true);
    return;
  }
  say('Session created. Follow the instructions below.');
  sessionLine.textContent = `Session ${created.id}, attempt ${created.attempt} of ${created.max_attempts}`;
  sessionLine.hidden = false;
  run = start({
    apiBase: location.origin,
    sessionToken: created.client_token,
    element: capture,
    onResult(result) {
      sessionLine.textContent = `Session ${result.session_id}: ${result.status}` +
        (result.stage ? ` at ${result.stage}` : '') +
        (result.reasons.length ? ` (${result.reasons.join(', ')})` : '');
    },
  });
  capture.scrollIntoView({ block: 'start' });
  const result = await run;
  if (result.status !== 'cancelled') say(`Finished (${result.status}): ${result.message}`);
});
