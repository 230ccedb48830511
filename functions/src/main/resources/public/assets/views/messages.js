// Messaging with mobile users. A message the console sends starts as pending_sync, becomes
// synced when the device has pulled it and read when the device reports it read.
import { isOnline } from '../live.js';
import { h, replace, timeEl, errorBox } from '../dom.js';
import { seg } from '../api.js';

const STATUS_LABEL = { pending_sync: 'Pending sync', synced: 'Delivered', read: 'Read' };

export function render(ctx) {
  const me = ctx.session.user || {};
  let users = [];
  let msgs = [];
  let selected = ctx.params[0] || null;
  let pollTimer = null;
  let loading = false;

  const status = h('div', { 'aria-live': 'polite' });
  const contactList = h('ul', { id: 'contacts', 'aria-label': 'Mobile users' });
  const threadTitle = h('h2', { id: 'thread-title' }, 'Pick a mobile user');
  const bubbles = h('ol', { class: 'bubbles', id: 'thread', 'aria-live': 'polite', 'aria-labelledby': 'thread-title' });
  const input = h('textarea', { id: 'message-input', rows: 2, maxlength: 4000, placeholder: 'Write a message…', disabled: !selected });
  const sendBtn = h('button', { type: 'submit', class: 'primary', id: 'send-message', disabled: !selected }, 'Send');
  const composerError = h('div', {});
  const composer = h('form', { class: 'composer', 'aria-label': 'Send a message' },
    h('label', { for: 'message-input', class: 'sr-only' }, 'Message'), input, sendBtn);
  const back = h('button', { type: 'button', class: 'back small', onclick: () => ctx.navigate('#/messages') }, '← Users');
  const messenger = h('div', { class: `messenger ${selected ? 'has-thread' : ''}` },
    h('nav', { class: 'panel contacts', 'aria-label': 'Conversations' }, contactList),
    h('section', { class: 'panel thread', 'aria-label': 'Conversation' },
      h('div', { class: 'thread-head' }, back, threadTitle),
      bubbles, composerError, composer));
  const el = h('section', { 'aria-labelledby': 'messages-title' },
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', { id: 'messages-title' }, 'Messages'),
        h('p', { class: 'sub' }, 'Messages reach the device on its next sync; you see when they are delivered and read.'))),
    status, messenger);

  const counterpart = (m) => (m.sender_id === me.id ? m.recipient_id : m.sender_id);
  const unreadFrom = (uid) => msgs.filter((m) => m.sender_id === uid && m.recipient_id === me.id && m.status !== 'read').length;

  function drawContacts() {
    if (users.length === 0) {
      replace(contactList, h('li', { class: 'empty' }, 'No mobile users yet.'));
      return;
    }
    replace(contactList, users.map((u) => {
      const n = unreadFrom(u.id);
      return h('li', {}, h('button', {
        type: 'button', 'aria-pressed': String(u.id === selected), 'data-user-id': u.id, 'data-username': u.username,
        onclick: () => ctx.navigate(`#/messages/${encodeURIComponent(u.id)}`),
      },
      h('span', { class: 'who' }, h('span', {}, u.username),
        h('small', { class: `presence ${u.online_status ? 'online' : ''}` }, u.online_status ? 'Online' : 'Offline')),
      h('span', { class: 'count', hidden: n === 0, 'aria-label': `${n} unread` }, String(n))));
    }));
  }

  function drawThread() {
    const u = users.find((x) => x.id === selected);
    threadTitle.textContent = u ? u.username : (selected ? 'Conversation' : 'Pick a mobile user');
    input.disabled = !selected;
    sendBtn.disabled = !selected;
    if (!selected) {
      replace(bubbles, h('li', { class: 'empty' }, 'Choose someone on the left to see your conversation.'));
      return;
    }
    const thread = msgs.filter((m) => counterpart(m) === selected)
      .sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
    if (thread.length === 0) {
      replace(bubbles, h('li', { class: 'empty' }, 'No messages yet. Say hello.'));
      return;
    }
    const atBottom = bubbles.scrollHeight - bubbles.scrollTop - bubbles.clientHeight < 40;
    replace(bubbles, thread.map((m) => {
      const out = m.sender_id === me.id;
      return h('li', { class: `bubble ${out ? 'out' : 'in'}`, 'data-message-id': m.id, 'data-status': m.status || '', 'data-direction': out ? 'out' : 'in' },
        h('div', { class: 'text' }, m.content),
        h('div', { class: 'meta' }, timeEl(m.created_at),
          out ? h('span', { class: 'status', 'aria-label': `Status: ${STATUS_LABEL[m.status] || m.status}` }, STATUS_LABEL[m.status] || m.status) : null));
    }));
    if (atBottom || loading) bubbles.scrollTop = bubbles.scrollHeight;
  }

  async function loadUsers() {
    const res = await ctx.api.get('/api/users');
    users = ((res && res.users) || []).filter((u) => !u.user_type || u.user_type === 'mobile');
  }

  async function loadMessages() {
    const res = await ctx.api.get('/api/messages?limit=500');
    msgs = (res && res.messages) || [];
  }

  async function refresh() {
    try {
      await loadMessages();
      replace(status);
      drawContacts();
      drawThread();
      await markRead();
      schedulePoll();
    } catch (err) {
      replace(status, errorBox(err, 'Could not load messages'));
    }
  }

  // Mobile users' messages to me become read when the conversation is on screen.
  async function markRead() {
    if (!selected || document.hidden) return;
    const unread = msgs.filter((m) => m.sender_id === selected && m.recipient_id === me.id && m.status !== 'read');
    if (unread.length === 0) return;
    for (const m of unread) {
      try {
        await ctx.api.put(`/api/messages/${seg(m.id)}/read`, {});
        m.status = 'read';
      } catch (_) { /* shown as unread still; next refresh retries */ }
    }
    drawContacts();
    ctx.refreshUnread();
  }

  // No event announces "synced": while something of ours is still pending, look again shortly.
  function schedulePoll() {
    clearTimeout(pollTimer);
    const pending = msgs.some((m) => m.sender_id === me.id && m.status !== 'read');
    const delay = ctx.liveState() === 'open' ? (pending ? 2000 : 15000) : (pending ? 2000 : 5000);
    pollTimer = setTimeout(refresh, delay);
  }

  async function send(e) {
    e.preventDefault();
    replace(composerError);
    const content = input.value.trim();
    if (!content) {
      replace(composerError, errorBox(new Error('Write something first.')));
      input.focus();
      return;
    }
    sendBtn.disabled = true;
    try {
      const m = await ctx.api.post('/api/messages', { recipient_id: selected, content });
      msgs.push(m);
      input.value = '';
      drawThread();
      bubbles.scrollTop = bubbles.scrollHeight;
      schedulePoll();
    } catch (err) {
      replace(composerError, errorBox(err, 'Message not sent'));
    } finally {
      sendBtn.disabled = false;
      input.focus();
    }
  }

  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      composer.requestSubmit();
    }
  });
  composer.addEventListener('submit', send);

  function onLive(e) {
    const { type, data } = e.detail;
    if (type === 'new_message' || type === 'message_read') refresh();
    if (type === 'presence') {
      const u = users.find((x) => x.id === data.user_id);
      if (u) { u.online_status = isOnline(data.online_status); drawContacts(); }
    }
    if (type === 'device_enrolled') loadUsers().then(drawContacts, () => {});
  }
  ctx.bus.addEventListener('live', onLive);

  (async () => {
    loading = true;
    replace(bubbles, h('li', { class: 'empty' }, 'Loading…'));
    try {
      await loadUsers();
    } catch (err) {
      replace(status, errorBox(err, 'Could not load users'));
    }
    await refresh();
    loading = false;
    if (selected) input.focus();
  })();

  return {
    el,
    dispose() {
      clearTimeout(pollTimer);
      ctx.bus.removeEventListener('live', onLive);
    },
  };
}
