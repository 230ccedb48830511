// Conflicts recorded by tables with `conflict: manual`: the server kept its row and stored the
// device's version here for a person to decide.
import { h, replace, timeEl, errorBox, toast } from '../dom.js';
import { seg } from '../api.js';

export function render(ctx) {
  const status = h('div', { 'aria-live': 'polite' });
  const list = h('div', { id: 'conflicts' });
  const el = h('section', { 'aria-labelledby': 'conflicts-title' },
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', { id: 'conflicts-title' }, 'Conflicts'),
        h('p', { class: 'sub' }, 'Edits from devices that clash with the server, on tables that ask for manual resolution.')),
      h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => load() }, 'Refresh'))),
    status, list);

  function fmt(v) {
    if (v === undefined) return '—';
    if (v === null) return 'null';
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  }

  function versionTable(title, row, other) {
    const keys = Object.keys(row || {});
    return h('div', {}, h('h3', {}, title),
      keys.length === 0 ? h('p', { class: 'empty' }, 'Row deleted') :
        h('table', { class: 'kv' }, h('tbody', {}, keys.map((k) => h('tr', { class: other && k in other && fmt(other[k]) !== fmt(row[k]) ? 'diff' : '' },
          h('th', { scope: 'row' }, k), h('td', {}, fmt(row[k])))))));
  }

  function draw(items) {
    if (items.length === 0) {
      replace(list, h('div', { class: 'panel empty' }, 'No open conflicts. Nothing to decide.'));
      return;
    }
    replace(list, items.map((c) => {
      const server = c.server_row || c.server_version || c.server || {};
      const client = c.client_row || c.incoming_row || c.client_version || c.incoming || c.device_row || {};
      const errSlot = h('div', {});
      const resolve = async (resolution, btn) => {
        btn.disabled = true;
        try {
          await ctx.api.post(`/api/conflicts/${seg(c.id)}/resolve`, { resolution });
          toast('Conflict resolved.');
          load();
        } catch (err) {
          replace(errSlot, errorBox(err, 'Could not resolve'));
          btn.disabled = false;
        }
      };
      const keepBtn = h('button', { type: 'button' }, 'Keep server version');
      const takeBtn = h('button', { type: 'button', class: 'primary' }, 'Use device version');
      keepBtn.addEventListener('click', () => resolve('server', keepBtn));
      takeBtn.addEventListener('click', () => resolve('client', takeBtn));
      return h('article', { class: 'panel', 'data-conflict-id': c.id, 'aria-label': `Conflict on ${c.table || c.table_name}` },
        h('h2', {}, c.table || c.table_name || 'row', ' ', h('code', {}, fmt(c.pk))),
        h('div', { class: 'meta-line' },
          c.device_id ? h('span', {}, 'from device ', h('code', {}, c.device_id)) : null,
          c.created_at ? h('span', {}, 'recorded ', timeEl(c.created_at)) : null,
          c.client_ts ? h('span', {}, 'device edit at ', timeEl(c.client_ts)) : null),
        errSlot,
        h('div', { class: 'versions' }, versionTable('Server version (kept)', server, client), versionTable('Device version (fields it sent)', client, server)),
        h('div', { class: 'row-actions' }, keepBtn, takeBtn));
    }));
  }

  async function load() {
    try {
      const res = await ctx.api.get('/api/conflicts');
      const items = (res && (res.conflicts || res)) || [];
      replace(status);
      draw(Array.isArray(items) ? items.filter((c) => !c.resolved_at && c.status !== 'resolved') : []);
    } catch (err) {
      replace(status, errorBox(err, 'Could not load conflicts'));
    }
  }

  replace(list, h('div', { class: 'panel empty' }, 'Loading…'));
  load();
  return { el };
}
