// Enroll a mobile user: create a single-use token, show its QR code and expiry, and flip to
// "enrolled" when the relay says a device redeemed it.
import { h, replace, errorBox, toast, absolute } from '../dom.js';
import { seg } from '../api.js';

export function render(ctx) {
  let enrollment = null;
  let qrUrl = null;
  let ticker = null;
  let poller = null;
  let done = false;

  const errorSlot = h('div', {});
  const createBtn = h('button', { type: 'submit', class: 'primary', id: 'create-enrollment' }, 'Create enrollment QR code');
  const card = h('div', { id: 'enrollment-card' });
  const username = h('input', { type: 'text', id: 'enroll-username', name: 'username', autocomplete: 'off',
    spellcheck: 'false', autocapitalize: 'off', 'aria-describedby': 'enroll-username-hint' });
  const form = h('form', { class: 'panel', 'aria-label': 'New enrollment' },
    h('div', { class: 'field' },
      h('label', { for: 'enroll-username' }, 'Mobile user (optional)'), username,
      h('div', { class: 'hint', id: 'enroll-username-hint' },
        'Give an existing mobile user\'s name to add another device for them. Leave empty to let the new device choose its username.')),
    createBtn);
  const el = h('section', { 'aria-labelledby': 'enroll-title' },
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', { id: 'enroll-title' }, 'Enroll mobile user'),
        h('p', { class: 'sub' }, 'Scan the code with the Posduif app on the new device. Each code works once.'))),
    form,
    errorSlot,
    card);

  drawIntro();

  function drawIntro() {
    replace(card, h('div', { class: 'panel' },
      h('h2', {}, 'How it works'),
      h('ol', { class: 'steps' },
        h('li', {}, 'Create an enrollment code here.'),
        h('li', {}, 'Open the app on the phone and scan the code (or enter the link).'),
        h('li', {}, 'The device registers itself; this page shows it as enrolled.'))));
  }

  async function create(e) {
    e.preventDefault();
    replace(errorSlot);
    createBtn.disabled = true;
    stopTimers();
    try {
      const name = username.value.trim();
      enrollment = await ctx.api.post('/api/enrollment/create', name ? { username: name } : {});
      done = false;
      await loadQr(enrollment.token);
      drawEnrollment();
      startTimers();
    } catch (err) {
      replace(errorSlot, errorBox(err, 'Could not create an enrollment'));
      drawIntro();
    } finally {
      createBtn.disabled = false;
      createBtn.textContent = 'Create another code';
    }
  }

  // The QR endpoints need the web token, which an <img src> cannot send: fetch, then show a blob URL.
  async function loadQr(token) {
    if (qrUrl) URL.revokeObjectURL(qrUrl);
    qrUrl = null;
    let blob;
    try {
      blob = await ctx.api.get(`/api/enrollment/${seg(token)}/qr.svg`, { accept: 'image/svg+xml' });
    } catch (svgErr) {
      blob = await ctx.api.get(`/api/enrollment/${seg(token)}/qr.png`, { accept: 'image/png' });
    }
    qrUrl = URL.createObjectURL(blob);
  }

  function drawEnrollment() {
    const e = enrollment;
    const statusEl = h('p', { class: 'enroll-status', id: 'enrollment-status', role: 'status', 'aria-live': 'polite', 'data-state': 'waiting' },
      h('span', { class: 'badge warn' }, 'Waiting'), 'Waiting for a device to scan this code…');
    const countdown = h('span', { id: 'enrollment-countdown' });
    const url = e.qr_code_data && e.qr_code_data.enrollment_url;
    const box = h('div', { class: 'qr-box', id: 'qr-box' },
      h('img', { id: 'enrollment-qr', src: qrUrl, alt: `Enrollment QR code. Link: ${url || e.token}`, width: 320, height: 320 }));
    replace(card, h('div', { class: 'panel enroll' },
      box,
      h('div', {},
        statusEl,
        h('dl', { class: 'dl' },
          h('dt', {}, 'Expires'), h('dd', {}, h('span', { id: 'enrollment-expires' }, absolute(e.expires_at)), ' · ', countdown),
          h('dt', {}, 'Tenant'), h('dd', {}, (e.qr_code_data && e.qr_code_data.tenant_id) || ctx.session.tenant_id),
          h('dt', {}, 'Token'), h('dd', {}, h('code', { id: 'enrollment-token' }, e.token)),
          url ? [h('dt', {}, 'Link'), h('dd', {}, h('code', { id: 'enrollment-url' }, url))] : null),
        url && navigator.clipboard ? h('button', { type: 'button', class: 'small', onclick: async () => {
          try { await navigator.clipboard.writeText(url); toast('Link copied.'); } catch (_) { toast('Copy failed; select the link instead.', 'error'); }
        } }, 'Copy link') : null,
        h('p', { class: 'sub', style: 'margin-top:1rem;color:var(--muted)' },
          'The code is single-use and stops working when it expires. Keep it private: anyone who scans it can register a device.'))));
    tick();
  }

  function tick() {
    if (!enrollment || done) return;
    const left = Date.parse(enrollment.expires_at) - Date.now();
    const countdown = document.getElementById('enrollment-countdown');
    if (!countdown) return;
    if (left <= 0) {
      countdown.textContent = 'expired';
      setStatus('expired', h('span', { class: 'badge danger' }, 'Expired'), 'This code has expired. Create a new one.');
      document.getElementById('qr-box')?.classList.add('dim');
      stopTimers();
      return;
    }
    const m = Math.floor(left / 60000);
    const s = Math.floor((left % 60000) / 1000);
    const hrs = Math.floor(m / 60);
    countdown.textContent = hrs > 0 ? `in ${hrs} h ${m % 60} min` : `in ${m}:${String(s).padStart(2, '0')}`;
  }

  function setStatus(state, ...content) {
    const s = document.getElementById('enrollment-status');
    if (!s) return;
    s.dataset.state = state;
    replace(s, ...content);
  }

  function markEnrolled(info) {
    if (done) return;
    done = true;
    stopTimers();
    const text = info.device_id ? `Device ${info.device_id} enrolled.` : 'A device enrolled with this code.';
    setStatus('enrolled', h('span', { class: 'badge ok' }, 'Enrolled'), text, ' ',
      h('a', { href: '#/devices' }, 'See devices'));
    document.getElementById('qr-box')?.classList.add('dim');
    toast(text);
  }

  // Live events are the primary signal; while the relay is not connected, ask the (public)
  // token endpoint instead so the page still flips, just later.
  async function poll() {
    if (!enrollment || done || ctx.liveState() === 'open') return;
    try {
      const info = await ctx.api.get(`/api/enrollment/${seg(enrollment.token)}`, { auth: false });
      if (info && info.used_at) markEnrolled({});
    } catch (err) {
      if (err.code === 'ENROLLMENT_USED') markEnrolled({});
    }
  }

  function startTimers() {
    ticker = setInterval(tick, 1000);
    poller = setInterval(poll, 3000);
  }

  function stopTimers() {
    clearInterval(ticker);
    clearInterval(poller);
  }

  function onLive(e) {
    const { type, data } = e.detail;
    if (type === 'device_enrolled' && enrollment && (!data.token || data.token === enrollment.token)) {
      markEnrolled(data);
    }
  }

  form.addEventListener('submit', create);
  ctx.bus.addEventListener('live', onLive);
  return {
    el,
    dispose() {
      stopTimers();
      ctx.bus.removeEventListener('live', onLive);
      if (qrUrl) URL.revokeObjectURL(qrUrl);
    },
  };
}
