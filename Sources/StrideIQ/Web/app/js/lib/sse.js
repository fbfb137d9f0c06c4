// SSE over a fetch Response (the coach stream is a POST: no EventSource), as the WHATWG spec says.

const idle = () => Object.assign(new Error('The coach stopped responding. Please try again.'), {name: 'StreamIdleError', code: 'stream_idle'});

function decode(text) {
  try { return JSON.parse(text); } catch { return text; }
}

// Cancelling the body ends the request.
export async function readEvents(response, {onEvent = () => {}, signal, idleMs = 135000} = {}) {
  const reader = response.body.getReader(), decoder = new TextDecoder();
  let buffer = '', eventName = '', dataLines = [], failure = null, timer = 0;
  const stop = (error) => {
    if (failure) return;
    failure = error;
    reader.cancel(error).catch(() => {});
  };
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => stop(idle()), idleMs);
  };
  const onAbort = () => stop(signal.reason ?? new DOMException('The stream was stopped.', 'AbortError'));
  const dispatch = () => {
    if (dataLines.length) onEvent(eventName || 'message', decode(dataLines.join('\n')));
    eventName = '';
    dataLines = [];
  };
  const line = (text) => {
    if (!text) return dispatch();
    const [, field, value = ''] = /^([^:]*)(?:: ?(.*))?$/s.exec(text); // ":comment" has no field
    if (field === 'data') dataLines.push(value);
    else if (field === 'event') eventName = value;
  };
  // The text after the last line break waits for the next chunk, and so does a trailing "\r": it may be a CRLF.
  const drain = (final) => {
    const lines = buffer.split(final ? /\r\n|\r|\n/ : /\r\n|\n|\r(?!$)/);
    buffer = lines.pop();
    lines.forEach(line);
  };
  if (signal) {
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, {once: true});
  }
  arm();
  try {
    while (!failure) {
      const chunk = await reader.read().catch((e) => { if (!failure) throw e; });
      if (failure) break;
      if (chunk.done) {
        buffer += decoder.decode();
        return drain(true); // an event without its closing blank line is discarded (the spec)
      }
      arm();
      buffer += decoder.decode(chunk.value, {stream: true});
      drain(false);
    }
    throw failure;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    try { reader.releaseLock(); } catch { /* a read is still pending after cancel */ }
  }
}
