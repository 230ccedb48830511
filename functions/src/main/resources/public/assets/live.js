// Server-sent events from the relay, read over fetch() so the web token travels in the
// Authorization header (EventSource cannot send headers, and tokens in URLs end up in logs).
// Reconnects with backoff and resumes with Last-Event-ID (docs/protocol.md §7).

/** Presence's online_status travels as "online"/"offline" on the relay, a boolean in the users API. */
export function isOnline(v) {
  return v === true || v === 'online';
}

export function connectLive({ url, token, onEvent, onState }) {
  let stopped = false;
  let controller = null;
  let lastEventId = null;
  let delay = 1000;

  async function loop() {
    while (!stopped) {
      controller = new AbortController();
      onState(delay > 1000 ? 'reconnecting' : 'connecting');
      try {
        const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${token()}` };
        if (lastEventId) headers['Last-Event-ID'] = lastEventId;
        const res = await fetch(url, { headers, signal: controller.signal, cache: 'no-store' });
        if (!res.ok || !res.body) {
          onState('error', `relay answered ${res.status}`);
          if (res.status === 401 || res.status === 403) {
            // the token may have been renewed meanwhile; try again, but slowly
            delay = Math.max(delay, 10000);
          }
        } else {
          onState('open');
          delay = 1000;
          await read(res.body);
          if (!stopped) onState('reconnecting');
        }
      } catch (e) {
        if (stopped) return;
        onState('error', 'relay unreachable');
      }
      if (stopped) return;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 15000);
    }
  }

  async function read(body) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let event = { name: '', data: [], id: null };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let nl;
      while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + (buffer[nl] === '\r' && buffer[nl + 1] === '\n' ? 2 : 1));
        if (line === '') {
          dispatch(event);
          event = { name: '', data: [], id: null };
          continue;
        }
        if (line.startsWith(':')) continue; // heartbeat comment
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let val = colon < 0 ? '' : line.slice(colon + 1);
        if (val.startsWith(' ')) val = val.slice(1);
        if (field === 'event') event.name = val;
        else if (field === 'data') event.data.push(val);
        else if (field === 'id') event.id = val;
      }
    }
  }

  function dispatch(event) {
    if (event.id) lastEventId = event.id;
    if (event.data.length === 0) return;
    let data;
    try {
      data = JSON.parse(event.data.join('\n'));
    } catch (_) {
      return;
    }
    const type = event.name && event.name !== 'message' ? event.name : data.type;
    if (type) onEvent(type, data);
  }

  loop();
  return {
    close() {
      stopped = true;
      if (controller) controller.abort();
    },
  };
}
