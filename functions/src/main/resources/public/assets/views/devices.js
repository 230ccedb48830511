// Enrolled devices; revoking one stops its sync and closes its live stream on the server side.
import { isOnline } from '../live.js';
import { h, replace, timeEl, errorBox, confirmDialog, toast } from '../dom.js';
import { seg } from '../api.js';

export function render(ctx) {
  let all = [];
  const status = h('div', { 'aria-live': 'polite' });
  const showRevoked = h('input', { type: 'checkbox', id: 'show-revoked' });
  const body = h('tbody', { id: 'devices-body' });
  const el = h('section', { 'aria-labelledby': 'devices-title' },
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', { id: 'devices-title' }, 'Devices'),
        h('p', { class: 'sub' }, 'Every device that enrolled, and the user it syncs for.')),
      h('div', { class: 'actions' },
        h('label', { for: 'show-revoked', style: 'display:flex;gap:.4rem;align-items:center;margin:0;font-weight:500' }, showRevoked, 'Show revoked'))),
    status,
    h('div', { class: 'panel' }, h('div', { class: 'table-wrap' },
      h('table', { class: 'responsive' },
        h('caption', { class: 'sr-only' }, 'Enrolled devices'),
        h('thead', {}, h('tr', {},
          ['Device', 'User', 'Platform', 'Status', 'Last seen', 'Last sync', 'Enrolled'].map((t) => h('th', { scope: 'col' }, t)),
          h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
        body))));

  const isRevoked = (d) => !!d.revoked_at || d.status === 'revoked' || d.revoked === true;
  const deviceOnline = (d) => isOnline(d.online ?? d.online_status);

  function draw() {
    const rows = all.filter((d) => showRevoked.checked || !isRevoked(d));
    if (rows.length === 0) {
      replace(body, h('tr', {}, h('td', { colspan: 8, class: 'empty' }, all.length ? 'Only revoked devices; tick "Show revoked".' : 'No devices enrolled yet.')));
      return;
    }
    replace(body, rows.map((d) => {
      const info = d.device_info || {};
      const platform = [info.platform, info.version, info.model].filter(Boolean).join(' · ');
      const revoked = isRevoked(d);
      return h('tr', { 'data-device-id': d.device_id },
        h('td', { 'data-label': 'Device' }, h('code', {}, d.device_id)),
        h('td', { 'data-label': 'User' }, d.username || d.user_id || ''),
        h('td', { 'data-label': 'Platform' }, platform || '—', info.app_version ? h('div', { class: 'meta-line' }, `app ${info.app_version}`) : null),
        h('td', { 'data-label': 'Status' }, revoked
          ? h('span', { class: 'badge danger' }, 'Revoked')
          : h('span', { class: `presence ${deviceOnline(d) ? 'online' : ''}` }, deviceOnline(d) ? 'Online' : 'Offline')),
        h('td', { 'data-label': 'Last seen' }, timeEl(d.last_seen)),
        h('td', { 'data-label': 'Last sync' }, timeEl(d.last_sync_at || d.last_sync_timestamp)),
        h('td', { 'data-label': 'Enrolled' }, timeEl(d.created_at || d.enrolled_at)),
        h('td', { 'data-label': 'Actions' }, revoked ? '' : h('button', {
          type: 'button', class: 'danger small', 'aria-label': `Revoke device ${d.device_id}`,
          onclick: () => revoke(d),
        }, 'Revoke')));
    }));
  }

  async function revoke(d) {
    const ok = await confirmDialog({
      title: 'Revoke this device?',
      body: `Device ${d.device_id}${d.username ? ` (${d.username})` : ''} will stop syncing at once and has to enroll again to come back.`,
      confirm: 'Revoke device',
      danger: true,
    });
    if (!ok) return;
    try {
      await ctx.api.post(`/api/devices/${seg(d.device_id)}/revoke`, {});
      toast(`Device ${d.device_id} revoked.`);
      await load();
    } catch (err) {
      replace(status, errorBox(err, 'Could not revoke the device'));
    }
  }

  async function load() {
    try {
      const res = await ctx.api.get('/api/devices');
      all = (res && (res.devices || res)) || [];
      if (!Array.isArray(all)) all = [];
      replace(status);
      draw();
    } catch (err) {
      replace(status, errorBox(err, 'Could not load devices'));
    }
  }

  function onLive(e) {
    const { type, data } = e.detail;
    if (type === 'device_enrolled') load();
    if (type === 'presence') {
      let hit = false;
      for (const d of all) {
        if ((data.device_id ? d.device_id === data.device_id : d.user_id === data.user_id) && !isRevoked(d)) {
          d.online = isOnline(data.online_status);
          if (data.last_seen) d.last_seen = data.last_seen;
          hit = true;
        }
      }
      if (hit) draw();
    }
  }

  showRevoked.addEventListener('change', draw);
  ctx.bus.addEventListener('live', onLive);
  replace(body, h('tr', {}, h('td', { colspan: 8, class: 'empty' }, 'Loading…')));
  load();
  return { el, dispose: () => ctx.bus.removeEventListener('live', onLive) };
}
