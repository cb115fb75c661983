// The capture page's script, a file of its own so the page's Content-Security-Policy allows
// no inline script.
import { start } from '/sdk/livegate.js';

const element = document.getElementById('livegate');
const token = new URLSearchParams(location.search).get('token');
if (!token) {
  const p = document.createElement('p');
  p.className = 'missing';
  p.setAttribute('role', 'status');
  p.textContent = 'This verification link is incomplete: it has no session token. Open the link you were given again.';
  element.replaceChildren(p);
} else {
  // Done returns to the integrator's redirect_url (set on the session); without one the
  // ending says the page can be closed. The SDK sets window.__livegateResult itself.
  window.livegateRun = start({ apiBase: location.origin, sessionToken: token, element, redirect: true });
  window.livegateRun.then((result) => {
    window.livegateResult = result;
    document.dispatchEvent(new CustomEvent('livegate:result', { detail: result }));
  });
}
