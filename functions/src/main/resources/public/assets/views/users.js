// Mobile users with presence; live `presence` events update rows in place.
import { isOnline } from '../live.js';
import { h, replace, timeEl, errorBox } from '../dom.js';

export function render(ctx) {
  let all = [];
  const status = h('div', { 'aria-live': 'polite' });
  const search = h('input', { type: 'search', id: 'user-filter', placeholder: 'Filter by username',
    'aria-label': 'Filter users by username', autocomplete: 'off' });
  const onlyOnline = h('input', { type: 'checkbox', id: 'only-online' });
  const body = h('tbody', { id: 'users-body' });
  const table = h('table', { class: 'responsive', 'aria-describedby': 'users-caption' },
    h('caption', { id: 'users-caption', class: 'sr-only' }, 'Mobile users and whether their devices are connected'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'User'), h('th', { scope: 'col' }, 'Status'),
      h('th', { scope: 'col' }, 'Last seen'), h('th', { scope: 'col' }, 'Device'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
    body);
  const el = h('section', { 'aria-labelledby': 'users-title' },
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', { id: 'users-title' }, 'Mobile users'),
        h('p', { class: 'sub' }, 'Who has a device, and who is connected right now.')),
      h('div', { class: 'actions' }, h('a', { class: 'button', href: '#/enroll' }, 'Enroll mobile user'))),
    h('div', { class: 'panel' },
      h('div', { class: 'page-head', style: 'margin-bottom:.5rem' },
        h('div', { style: 'flex:1;min-width:200px' }, search),
        h('label', { for: 'only-online', style: 'display:flex;gap:.4rem;align-items:center;margin:0;font-weight:500' }, onlyOnline, 'Online only')),
      status,
      h('div', { class: 'table-wrap' }, table)));

  function draw() {
    const q = search.value.trim().toLowerCase();
    const rows = all.filter((u) => (!q || (u.username || '').toLowerCase().includes(q)) && (!onlyOnline.checked || u.online_status));
    if (rows.length === 0) {
      replace(body, h('tr', {}, h('td', { colspan: 5, class: 'empty' },
        all.length === 0 ? 'No mobile users yet. Enroll one to get started.' : 'No user matches this filter.')));
      return;
    }
    replace(body, rows.map((u) => h('tr', { 'data-user-id': u.id, 'data-username': u.username },
      h('td', { 'data-label': 'User' }, h('strong', {}, u.username)),
      h('td', { 'data-label': 'Status' }, h('span', { class: `presence ${u.online_status ? 'online' : ''}`, 'data-online': String(!!u.online_status) },
        u.online_status ? 'Online' : 'Offline')),
      h('td', { 'data-label': 'Last seen' }, u.online_status ? 'now' : timeEl(u.last_seen)),
      h('td', { 'data-label': 'Device' }, u.device_id ? h('code', {}, u.device_id) : h('span', { class: 'badge' }, 'none')),
      h('td', { 'data-label': 'Actions' }, h('a', { href: `#/messages/${encodeURIComponent(u.id)}`, 'aria-label': `Message ${u.username}` }, 'Message')))));
  }

  async function load() {
    try {
      const res = await ctx.api.get('/api/users');
      all = ((res && res.users) || []).filter((u) => !u.user_type || u.user_type === 'mobile');
      replace(status);
      draw();
    } catch (err) {
      replace(status, errorBox(err, 'Could not load users'));
    }
  }

  // A user is online while any of their devices is: apply the event at once when it says
  // online, and re-read the list (which knows every device) to settle offline and last seen.
  let reload = null;
  function onLive(e) {
    const { type, data } = e.detail;
    if (type === 'presence') {
      const u = all.find((x) => x.id === data.user_id);
      if (u && isOnline(data.online_status)) {
        u.online_status = true;
        if (data.last_seen) u.last_seen = data.last_seen;
        draw();
      }
    }
    if (type === 'presence' || type === 'device_enrolled') {
      clearTimeout(reload);
      reload = setTimeout(load, 250);
    }
  }

  search.addEventListener('input', draw);
  onlyOnline.addEventListener('change', draw);
  ctx.bus.addEventListener('live', onLive);
  replace(body, h('tr', {}, h('td', { colspan: 5, class: 'empty' }, 'Loading…')));
  load();
  return { el, dispose: () => { clearTimeout(reload); ctx.bus.removeEventListener('live', onLive); } };
}
