// Posduif web console: sign-in, shell, hash router and the live event bus.
import { Api, ApiError } from './api.js';
import { connectLive } from './live.js';
import { h, replace, refreshTimes, toast, errorBox } from './dom.js';
import * as users from './views/users.js';
import * as enroll from './views/enroll.js';
import * as devices from './views/devices.js';
import * as messages from './views/messages.js';
import * as conflicts from './views/conflicts.js';
import * as schema from './views/schema.js';

const SESSION_KEY = 'posduif.console.session';

// Icons are inline SVG paths (24×24, stroked): no icon font or emoji that a system may lack.
const ICONS = {
  users: 'M16 19v-1a4 4 0 0 0-4-4H7a4 4 0 0 0-4 4v1M9.5 10a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7M21 19v-1a4 4 0 0 0-3-3.8M16 3.2a3.5 3.5 0 0 1 0 6.6',
  enroll: 'M4 4h6v6H4zM14 4h6v6h-6zM4 14h6v6H4zM14 14h2v2h-2zM18 18h2v2h-2zM14 18h2M18 14h2',
  devices: 'M7 2h10a1 1 0 0 1 1 1v18a1 1 0 0 1-1 1H7a1 1 0 0 1-1-1V3a1 1 0 0 1 1-1zM11 18h2',
  messages: 'M4 5h16a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H9l-5 4V6a1 1 0 0 1 1-1z',
  conflicts: 'M12 3 2 20h20L12 3zM12 10v4M12 17v.5',
  schema: 'M3 5h18v14H3zM3 10h18M3 15h18M9 5v14',
};

function icon(name) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'icon');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', ICONS[name]);
  svg.appendChild(path);
  return svg;
}

const ROUTES = [
  { path: 'users', label: 'Mobile users', view: users },
  { path: 'enroll', label: 'Enroll mobile user', view: enroll },
  { path: 'devices', label: 'Devices', view: devices },
  { path: 'messages', label: 'Messages', view: messages, badge: true },
  { path: 'conflicts', label: 'Conflicts', view: conflicts },
  { path: 'schema', label: 'Schema', view: schema },
];

const state = {
  config: { relay_url: null, default_tenant: null },
  session: loadSession(),
  live: null,
  liveState: 'connecting',
  unread: 0,
  bus: new EventTarget(),
  current: null, // { route, dispose }
};

const api = new Api(() => state.session && state.session.token, (err) => signOut(sessionEndedMessage(err)));

function sessionEndedMessage(err) {
  return err && err.code === 'UNAUTHORIZED'
    ? 'Your session has ended. Please sign in again.'
    : `Signed out: ${err.message}`;
}

function loadSession() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
    if (s && s.token && (!s.expires_at || s.expires_at > Date.now())) return s;
  } catch (_) { /* corrupt: start over */ }
  sessionStorage.removeItem(SESSION_KEY);
  return null;
}

function sessionFrom(res, tenant) {
  return {
    token: res.token || res.access_token,
    refresh_token: res.refresh_token || null,
    user: res.user,
    tenant_id: res.tenant_id || tenant,
    expires_at: res.expires_in ? Date.now() + res.expires_in * 1000 : null,
  };
}

function saveSession(s) {
  state.session = s;
  if (s) sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
  else sessionStorage.removeItem(SESSION_KEY);
}

// ---------------------------------------------------------------- sign in

function renderSignIn(notice) {
  const app = document.getElementById('app');
  stopLive();
  disposeView();
  const errorSlot = h('div', {});
  const tenant = h('input', { id: 'tenant', name: 'tenant', type: 'text', autocomplete: 'organization', required: true,
    spellcheck: 'false', autocapitalize: 'off', value: state.config.default_tenant || localStorage.getItem('posduif.console.tenant') || '' });
  const username = h('input', { id: 'username', name: 'username', type: 'text', autocomplete: 'username', required: true,
    spellcheck: 'false', autocapitalize: 'off' });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'sign-in' }, 'Sign in');
  const form = h('form', { class: 'panel', 'aria-labelledby': 'signin-title', novalidate: true },
    h('div', { class: 'brand' }, h('img', { src: 'assets/logo.svg', alt: '' }), h('span', {}, 'Posduif ', h('small', {}, 'console'))),
    h('h1', { id: 'signin-title', tabindex: '-1' }, 'Sign in'),
    notice ? h('div', { class: 'alert info', role: 'status' }, notice) : null,
    errorSlot,
    h('div', { class: 'field' }, h('label', { for: 'tenant' }, 'Tenant'), tenant,
      h('div', { class: 'hint' }, 'The workspace id you were given, e.g. demo.')),
    h('div', { class: 'field' }, h('label', { for: 'username' }, 'Username'), username),
    h('div', { class: 'field' }, h('label', { for: 'password' }, 'Password'), password),
    submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    replace(errorSlot);
    const missing = [[tenant, 'tenant'], [username, 'username'], [password, 'password']].find(([el]) => !el.value.trim());
    if (missing) {
      replace(errorSlot, errorBox(new Error(`Please enter your ${missing[1]}.`)));
      missing[0].focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    try {
      const res = await api.post('/api/auth/login', {
        tenant: tenant.value.trim(), username: username.value.trim(), password: password.value,
      }, { auth: false });
      localStorage.setItem('posduif.console.tenant', tenant.value.trim());
      saveSession(sessionFrom(res, tenant.value.trim()));
      if (!location.hash || location.hash === '#/' || location.hash === '#') location.hash = '#/users';
      renderShell();
    } catch (err) {
      const msg = err instanceof ApiError && err.code === 'INVALID_CREDENTIALS'
        ? new ApiError(err.status, err.code, 'The username or password is not right.')
        : err;
      replace(errorSlot, errorBox(msg, 'Could not sign in'));
      submit.disabled = false;
      submit.textContent = 'Sign in';
      password.select();
      password.focus();
    }
  });
  replace(app, h('main', { class: 'signin', id: 'main' }, form));
  app.removeAttribute('aria-busy');
  (tenant.value ? username : tenant).focus();
}

function signOut(notice) {
  saveSession(null);
  renderSignIn(notice);
}

// ---------------------------------------------------------------- shell

let navEl;
let mainEl;
let liveEl;

function renderShell() {
  const app = document.getElementById('app');
  const s = state.session;
  liveEl = h('span', { class: 'live', id: 'live-status', role: 'status', 'data-state': state.liveState }, liveLabel(state.liveState));
  navEl = h('nav', { class: 'sidenav', 'aria-label': 'Main' },
    h('ul', {}, ROUTES.map((r) => h('li', {},
      h('a', { href: `#/${r.path}`, id: `nav-${r.path}` },
        icon(r.path),
        h('span', {}, r.label),
        r.badge ? h('span', { class: 'count', id: 'unread-badge', hidden: state.unread === 0,
          'aria-label': `${state.unread} unread` }, String(state.unread)) : null)))));
  mainEl = h('main', { class: 'main', id: 'main', tabindex: '-1' });
  const top = h('header', { class: 'topbar' },
    h('a', { class: 'brand', href: '#/users' }, h('img', { src: 'assets/logo.svg', alt: '' }),
      h('span', {}, 'Posduif ', h('small', {}, s.tenant_id || ''))),
    h('span', { class: 'spacer' }),
    liveEl,
    h('span', { class: 'whoami' }, 'Signed in as ', h('strong', { id: 'whoami' }, (s.user && s.user.username) || '')),
    h('button', { type: 'button', id: 'sign-out', class: 'small', onclick: () => signOut('You have signed out.') }, 'Sign out'));
  replace(app, h('div', { class: 'shell' }, top, navEl, mainEl));
  app.removeAttribute('aria-busy');
  startLive();
  refreshUnread();
  route();
}

function liveLabel(st) {
  return { open: 'Live', connecting: 'Connecting…', reconnecting: 'Reconnecting…', error: 'Live updates offline', off: 'Live updates off' }[st] || st;
}

function setLiveState(st, why) {
  state.liveState = st;
  if (liveEl) {
    liveEl.dataset.state = st;
    liveEl.textContent = liveLabel(st);
    liveEl.title = why || '';
  }
  state.bus.dispatchEvent(new CustomEvent('live-state', { detail: st }));
}

function startLive() {
  stopLive();
  const s = state.session;
  if (!state.config.relay_url || !s || !s.user || !s.user.id) {
    setLiveState('off', 'no relay configured');
    return;
  }
  state.live = connectLive({
    url: `${state.config.relay_url}/sse/web/${encodeURIComponent(s.user.id)}`,
    token: () => state.session && state.session.token,
    onState: setLiveState,
    onEvent: (type, data) => {
      if (type === 'new_message' && typeof data.unread_count === 'number') setUnread(data.unread_count);
      if (type === 'message_read' || type === 'new_message') refreshUnread();
      state.bus.dispatchEvent(new CustomEvent('live', { detail: { type, data } }));
    },
  });
}

function stopLive() {
  if (state.live) state.live.close();
  state.live = null;
}

function setUnread(n) {
  state.unread = Math.max(0, n | 0);
  const badge = document.getElementById('unread-badge');
  if (badge) {
    badge.textContent = String(state.unread);
    badge.hidden = state.unread === 0;
    badge.setAttribute('aria-label', `${state.unread} unread`);
  }
}

async function refreshUnread() {
  try {
    const res = await api.get('/api/messages/unread-count');
    if (res && typeof res.unread_count === 'number') setUnread(res.unread_count);
  } catch (_) {
    // the badge is a nicety; the messages view shows errors where they matter
  }
}

// ---------------------------------------------------------------- router

function disposeView() {
  if (state.current && state.current.dispose) state.current.dispose();
  state.current = null;
}

function route() {
  if (!state.session) return renderSignIn();
  const [path, ...params] = (location.hash.replace(/^#\/?/, '') || 'users').split('/');
  const r = ROUTES.find((x) => x.path === path) || ROUTES[0];
  disposeView();
  for (const a of navEl.querySelectorAll('a')) {
    if (a.getAttribute('href') === `#/${r.path}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${r.label} · Posduif console`;
  const ctx = {
    api,
    session: state.session,
    params: params.map(decodeURIComponent),
    bus: state.bus,
    liveState: () => state.liveState,
    setUnread,
    refreshUnread,
    navigate: (hash) => { location.hash = hash; },
  };
  replace(mainEl);
  let view;
  try {
    view = r.view.render(ctx) || {};
  } catch (err) {
    replace(mainEl, errorBox(err, 'This screen failed to load'));
    return;
  }
  state.current = view;
  mainEl.appendChild(view.el);
  const heading = mainEl.querySelector('h1');
  if (heading && document.activeElement && !mainEl.contains(document.activeElement)
      && document.activeElement !== document.body) {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
}

window.addEventListener('hashchange', () => { if (state.session) route(); });
setInterval(() => refreshTimes(), 15000);

// Access tokens are short-lived: renew with the refresh token a minute before expiry; without
// one (or when renewal is refused) sign out before the server starts refusing calls.
let refreshing = false;
setInterval(async () => {
  const s = state.session;
  if (!s || !s.expires_at || refreshing) return;
  const left = s.expires_at - Date.now();
  if (s.refresh_token && left < 60000 && left > 0) {
    refreshing = true;
    try {
      const res = await api.post('/api/auth/refresh', { refresh_token: s.refresh_token }, { auth: false });
      saveSession(Object.assign(sessionFrom(res, s.tenant_id), { user: res.user || s.user }));
    } catch (err) {
      signOut(sessionEndedMessage(err));
    } finally {
      refreshing = false;
    }
  } else if (left < 5000) {
    signOut('Your session has ended. Please sign in again.');
  }
}, 5000);

async function boot() {
  try {
    const res = await fetch('/api/console/config', { headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (res.ok) state.config = Object.assign(state.config, await res.json());
  } catch (_) {
    toast('Could not load console configuration; live updates are off.', 'error');
  }
  if (state.session) renderShell();
  else renderSignIn();
}

boot();
