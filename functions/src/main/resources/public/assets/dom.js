// Tiny DOM helpers. All text goes through textContent: nothing from the API is ever parsed as HTML.

/**
 * h('button', {class: 'primary', onclick: fn}, 'Send') → element.
 * Attributes starting with "on" become listeners; booleans toggle attributes; null/false skip.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (value === true) {
      el.setAttribute(key, '');
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

const rtf = typeof Intl !== 'undefined' && Intl.RelativeTimeFormat
  ? new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }) : null;

/** "2 minutes ago"; "never" for null. */
export function relative(iso) {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return String(iso);
  const s = Math.round((t - Date.now()) / 1000);
  const abs = Math.abs(s);
  if (!rtf) return new Date(t).toLocaleString();
  if (abs < 45) return s <= 0 ? 'just now' : rtf.format(s, 'second');
  if (abs < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(s / 3600), 'hour');
  return rtf.format(Math.round(s / 86400), 'day');
}

export function absolute(iso) {
  if (!iso) return '';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? String(iso) : new Date(t).toLocaleString();
}

/** A <time> showing relative time, refreshed by the app's clock tick. */
export function timeEl(iso, prefix = '') {
  return h('time', { datetime: iso || '', title: absolute(iso), 'data-relative': iso || '', 'data-prefix': prefix },
    prefix + relative(iso));
}

export function refreshTimes(root = document) {
  for (const el of root.querySelectorAll('time[data-relative]')) {
    el.textContent = (el.dataset.prefix || '') + relative(el.dataset.relative || null);
  }
}

export function toast(message, kind = 'info', ms = 5000) {
  const box = document.getElementById('toasts');
  if (!box) return;
  const el = h('div', { class: `toast ${kind}` }, message);
  box.appendChild(el);
  setTimeout(() => el.remove(), ms);
}

/** An inline error box for an ApiError or any Error, with the server's code when there is one. */
export function errorBox(err, intro) {
  const code = err && err.code ? h('span', { class: 'code' }, `(${err.code})`) : null;
  return h('div', { class: 'alert', role: 'alert' }, intro ? `${intro}: ` : '', messageOf(err), code);
}

export function messageOf(err) {
  if (!err) return 'Something went wrong.';
  return err.message || String(err);
}

/** Accessible confirmation dialog; resolves true when confirmed. Escape cancels. */
export function confirmDialog({ title, body, confirm = 'Confirm', danger = false }) {
  return new Promise((resolve) => {
    const titleId = `dlg-${Math.random().toString(36).slice(2)}`;
    const cancelBtn = h('button', { type: 'button', value: 'cancel' }, 'Cancel');
    const okBtn = h('button', { type: 'submit', value: 'ok', class: danger ? 'danger solid' : 'primary' }, confirm);
    const dlg = h('dialog', { 'aria-labelledby': titleId },
      h('form', { method: 'dialog' },
        h('h2', { id: titleId }, title),
        h('p', {}, body),
        h('div', { class: 'row-actions' }, cancelBtn, okBtn)));
    cancelBtn.addEventListener('click', () => dlg.close('cancel'));
    dlg.addEventListener('close', () => {
      resolve(dlg.returnValue === 'ok');
      dlg.remove();
    });
    document.body.appendChild(dlg);
    dlg.showModal();
    cancelBtn.focus();
  });
}
