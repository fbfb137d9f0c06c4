// Server-Sent Events over a fetch Response (the coach stream is a POST, so no EventSource). Parses the
// stream incrementally as the WHATWG spec says: lines end in CRLF, LF or CR; `data:` lines accumulate
// (joined with "\n"); `event:` names the event (default "message"); lines starting with ":" are comments;
// `id`, `retry` and unknown fields are ignored; a blank line dispatches. The data is JSON-decoded when it parses.

/** Rejected with this when no byte arrived for `idleMs` (the stream is cancelled first). */
export class StreamIdleError extends Error {
  constructor() {
    super('The coach stopped responding. Please try again.');
    this.name = 'StreamIdleError';
    this.code = 'stream_idle';
  }
}

function decode(text) {
  try { return JSON.parse(text); } catch { return text; }
}

/**
 * Reads `response.body` to its end, calling `onEvent(name, data)` per event.
 * Resolves when the stream ends; rejects with the AbortError when `signal` aborts, with StreamIdleError
 * when nothing arrives for `idleMs` (the body is cancelled: the request ends and the server stops).
 */
export async function readEvents(response, { onEvent = () => {}, signal, idleMs = 135000 } = {}) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();

  let buffer = '';
  let eventName = '';
  let dataLines = [];
  let failure = null;
  let timer = 0;

  const stop = (error) => {
    if (failure) return;
    failure = error;
    reader.cancel(error).catch(() => {});
  };
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => stop(new StreamIdleError()), idleMs);
  };
  const onAbort = () => stop(signal.reason ?? new DOMException('The stream was stopped.', 'AbortError'));

  const dispatch = () => {
    if (dataLines.length) onEvent(eventName || 'message', decode(dataLines.join('\n')));
    eventName = '';
    dataLines = [];
  };

  const line = (text) => {
    if (text === '') { dispatch(); return; }
    if (text.startsWith(':')) return; // comment
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') dataLines.push(value);
    else if (field === 'event') eventName = value;
  };

  // Splits complete lines off the buffer. A trailing "\r" waits for the next chunk (it may be a CRLF).
  const drain = (final) => {
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      if (c === 13 && i === buffer.length - 1 && !final) break;
      line(buffer.slice(start, i));
      if (c === 13 && buffer.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
    buffer = buffer.slice(start);
  };

  if (signal) {
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  }
  arm();
  try {
    while (!failure) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (e) {
        if (failure) break;
        throw e;
      }
      if (failure) break;
      if (chunk.done) {
        buffer += decoder.decode();
        drain(true);
        // An event without its closing blank line is discarded (as the spec says).
        return;
      }
      arm();
      buffer += decoder.decode(chunk.value, { stream: true });
      drain(false);
    }
    throw failure;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    try { reader.releaseLock(); } catch { /* a read is still pending after cancel */ }
  }
}
