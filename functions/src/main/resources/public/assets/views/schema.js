// The tenant's data model as the server applies it. Read-only: schemas change through files
// under version control, not through a browser.
import { h, replace, timeEl, errorBox } from '../dom.js';

const SYNC_BADGE = { 'mobile-synced': 'accent', 'mobile-only': 'warn', 'web-only': '' };

export function render(ctx) {
  const status = h('div', { 'aria-live': 'polite' });
  const body = h('div', { id: 'schema' });
  const el = h('section', { 'aria-labelledby': 'schema-title' },
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', { id: 'schema-title' }, 'Schema'),
        h('p', { class: 'sub' }, 'Tables, how they sync and which rows each device gets. Read-only.'))),
    status, body);

  function filterText(f) {
    if (!f) return null;
    if (typeof f === 'string') return f;
    if (f.source || f.expression) return f.source || f.expression;
    return JSON.stringify(f);
  }

  function draw(s) {
    const root = s.schema && s.schema.tables ? Object.assign({}, s, s.schema) : s;
    const tables = root.tables || [];
    replace(body,
      h('div', { class: 'panel' },
        h('dl', { class: 'dl' },
          h('dt', {}, 'Version'), h('dd', { id: 'schema-version' }, String(root.version ?? '—')),
          root.checksum ? [h('dt', {}, 'Checksum'), h('dd', {}, h('code', {}, root.checksum))] : null,
          root.applied_at ? [h('dt', {}, 'Applied'), h('dd', {}, timeEl(root.applied_at))] : null,
          h('dt', {}, 'Tables'), h('dd', {}, String(tables.length)))),
      tables.length === 0 ? h('div', { class: 'panel empty' }, 'No tables declared yet.') : null,
      tables.map((t) => {
        const f = filterText(t.filter);
        return h('article', { class: 'panel', 'data-table': t.name, 'aria-label': `Table ${t.name}` },
          h('h2', {}, h('code', {}, t.name), ' ',
            h('span', { class: `badge ${SYNC_BADGE[t.sync] ?? ''}` }, t.sync || 'unknown'), ' ',
            t.conflict ? h('span', { class: 'badge' }, `conflict: ${t.conflict}`) : null, ' ',
            t.sync === 'mobile-synced' ? h('span', { class: 'badge' }, t.device_writable === false ? 'devices read only' : 'devices write') : null),
          h('p', {}, h('strong', {}, 'Filter: '), f ? h('span', { class: 'filter' }, f) : h('span', { class: 'meta-line' }, 'none: every device gets every row')),
          h('div', { class: 'table-wrap' }, h('table', { class: 'responsive' },
            h('thead', {}, h('tr', {}, ['Column', 'Type', 'Key', 'Nullable', 'Default', 'Owner'].map((x) => h('th', { scope: 'col' }, x)))),
            h('tbody', {}, (t.columns || []).map((c) => h('tr', {},
              h('td', { 'data-label': 'Column' }, h('code', {}, c.name)),
              h('td', { 'data-label': 'Type' }, c.type),
              h('td', { 'data-label': 'Key' }, c.primary_key || (t.primary_key || []).includes(c.name) ? 'primary' : ''),
              h('td', { 'data-label': 'Nullable' }, c.nullable === false ? 'no' : 'yes'),
              h('td', { 'data-label': 'Default' }, (c.default_value ?? c.default) == null ? '' : h('code', {}, String(c.default_value ?? c.default))),
              h('td', { 'data-label': 'Owner' }, c.server_owned ? h('span', { class: 'badge warn' }, 'server') : '')))))));
      }));
  }

  (async () => {
    replace(body, h('div', { class: 'panel empty' }, 'Loading…'));
    try {
      const s = await ctx.api.get('/api/schema');
      replace(status);
      draw(s || {});
    } catch (err) {
      replace(body);
      replace(status, err.code === 'NOT_FOUND' || err.code === 'SCHEMA_NOT_FOUND'
        ? h('div', { class: 'panel empty' }, 'This tenant has no schema yet.')
        : errorBox(err, 'Could not load the schema'));
    }
  })();

  return { el };
}
