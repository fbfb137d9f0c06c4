// The coach chat: the open thread's history first, then the composer. An answer streams in as Server-Sent
// Events (POST /v1/coach/chat/stream) and is re-rendered from its markdown on every delta; Stop aborts the
// fetch (the server then cancels the model call) and keeps the partial answer. Without ai_consent the screen
// explains what is sent to the model and offers to turn it on.
import { api, session } from '../lib/api.js';
import { h, replace, announce } from '../lib/dom.js';
import { dateTime, waitInWords } from '../lib/format.js';
import { readEvents } from '../lib/sse.js';
import { renderMarkdown } from '../lib/markdown.js';

const MAX_CHARS = 4000;
const HISTORY_LIMIT = 100;

/** How an answer ended, in words (null when it simply finished). */
const ENDINGS = {
  length: 'The answer reached its length limit and may be cut short.',
  timeout: 'The coach ran out of time, so this answer may be incomplete.',
  error: 'Something went wrong while the coach was answering.',
  cancelled: 'Stopped before the end.',
  shutting_down: 'The server restarted during this answer. Please ask again.',
};

/** The same when nothing at all was answered. */
const ENDINGS_EMPTY = {
  length: 'The answer reached its length limit before any text.',
  timeout: 'The coach ran out of time before answering.',
  error: 'Something went wrong before the coach could answer.',
  cancelled: 'Stopped before the coach answered.',
};

function ending(reason, hasText) {
  if (!reason || reason === 'stop') return null;
  return (hasText ? ENDINGS[reason] : ENDINGS_EMPTY[reason] ?? ENDINGS[reason]) ?? `The answer ended early (${reason}).`;
}

const ERROR_WORDS = {
  shutting_down: 'StrideIQ is restarting. Please ask again in a moment.',
  provider_timeout: 'The coach took too long to answer.',
};

export async function render(main) {
  const screen = h('div', { class: 'coach' });
  const heading = h('h1', { tabindex: '-1' }, 'Coach');
  const top = h('div', { class: 'coach-top' }, heading);
  const body = h('div', { class: 'coach-body' });
  screen.append(top, body);
  main.append(screen);

  let chat = null;
  const show = async () => {
    chat?.dispose();
    chat = null;
    replace(top, heading);
    if (session.athlete?.ai_consent) {
      chat = await renderChat(body, top, showConsent);
    } else {
      showConsent();
    }
  };
  const showConsent = (reason) => {
    chat?.dispose();
    chat = null;
    replace(top, heading);
    renderConsent(body, reason, async () => { await show(); chat?.focus(); });
  };

  await show();
  return () => chat?.dispose();
}

// ---------------------------------------------------------------- consent

function renderConsent(body, reason, onEnabled) {
  const error = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'form-error' });
  const contextBox = h('div', { class: 'coach-context' }, h('p', { class: 'muted' }, 'Loading…'));
  const details = h('details', { class: 'coach-details' },
    h('summary', {}, 'Show exactly what would be sent'),
    contextBox);
  let loaded = false;
  details.addEventListener('toggle', async () => {
    if (!details.open || loaded) return;
    loaded = true;
    try {
      const { data } = await api('/v1/coach/context');
      replace(contextBox,
        h('p', { class: 'muted' }, `The instructions and data the model receives with every question (your last ${data.days} days, ${data.chars.toLocaleString()} characters):`),
        h('pre', { class: 'coach-prompt', tabindex: '0', 'aria-label': 'The text sent to the model' }, data.context));
    } catch (e) {
      loaded = false;
      replace(contextBox, h('p', { class: 'form-error', role: 'alert' }, e?.detail ?? 'Could not load the context.'));
    }
  });

  const button = h('button', { type: 'button' }, 'Turn on the AI coach');
  button.addEventListener('click', async () => {
    button.disabled = true;
    error.textContent = '';
    try {
      const { data } = await api('/v1/athlete', { method: 'PATCH', body: { ai_consent: true } });
      session.setAthlete(data);
      announce('The AI coach is on.');
      await onEnabled();
    } catch (e) {
      error.textContent = e?.detail ?? 'Could not turn the coach on. Please try again.';
      button.disabled = false;
    }
  });

  replace(body, h('section', { class: 'card coach-consent', 'data-testid': 'coach-consent', 'aria-labelledby': 'coach-consent-title' },
    h('h2', { id: 'coach-consent-title' }, 'Turn on the AI coach'),
    reason ? h('p', { class: 'coach-note' }, reason) : null,
    h('p', {}, 'The coach answers your questions with an AI model. To give useful answers, StrideIQ sends the model:'),
    h('ul', {},
      h('li', {}, 'your name, units and time zone;'),
      h('li', {}, 'your runs of the last two weeks (distance, time, pace, heart rate) and your weekly volume over eight weeks;'),
      h('li', {}, 'your check-ins of the last week (sleep, readiness, soreness, stress and notes);'),
      h('li', {}, 'your training plan, goal race and goal time;'),
      h('li', {}, 'the conversation so far.')),
    h('p', {}, 'Nothing is sent until you turn this on, and you can turn it off at any time in ',
      h('a', { href: '/settings' }, 'Settings'), '.'),
    details,
    error,
    h('div', { class: 'row' }, button)));
}

// ---------------------------------------------------------------- chat

async function renderChat(body, top, showConsent) {
  const log = h('section', { class: 'coach-log', 'data-testid': 'coach-history', 'aria-label': 'Conversation', tabindex: '0' });
  const errorBox = h('div', { class: 'coach-error', 'data-testid': 'coach-error', role: 'alert', hidden: true });
  const chips = h('div', { class: 'coach-chips', role: 'group', 'aria-label': 'Suggested questions', hidden: true });

  const textarea = h('textarea', {
    id: 'message', name: 'message', rows: '2', maxlength: String(MAX_CHARS), required: true,
    autocomplete: 'off', enterkeyhint: 'send',
    'aria-describedby': 'message-hint message-count message-error',
  });
  const counter = h('span', { id: 'message-count', class: 'coach-count' }, `0 / ${MAX_CHARS}`);
  const fieldError = h('p', { class: 'field-error', id: 'message-error' });
  const send = h('button', { type: 'submit', class: 'coach-send' }, 'Send');
  const stop = h('button', { type: 'button', class: 'danger coach-stop', 'data-testid': 'coach-stop', hidden: true }, '■ Stop');
  const newButton = h('button', { type: 'button', class: 'secondary coach-new' }, 'New conversation');

  const form = h('form', { class: 'coach-composer', novalidate: true, 'aria-label': 'Ask the coach' },
    h('div', { class: 'coach-field' },
      h('label', { for: 'message' }, 'Message'),
      textarea,
      h('div', { class: 'coach-meta' },
        h('span', { id: 'message-hint' }, 'Shift+Enter: new line'),
        counter),
      fieldError),
    h('div', { class: 'coach-actions' }, send, stop));

  let controller = null;
  let disposed = false;
  let lastAnswer = null;

  // History first: nothing else is shown until it is here.
  replace(body, h('p', { class: 'loading' }, 'Loading the conversation…'));
  const [history, suggestions] = await Promise.allSettled([
    api('/v1/coach/history', { query: { limit: HISTORY_LIMIT } }),
    api('/v1/coach/suggestions'),
  ]);
  if (history.status === 'fulfilled') {
    for (const m of history.value.data?.messages ?? []) {
      if (m.role === 'user') log.append(userMessage(m.content, m.created_at));
      else if (m.role === 'assistant') log.append(finishedAnswer(m));
    }
  } else {
    showError(history.reason?.detail ?? 'Could not load the conversation.');
  }
  if (!log.firstChild) log.append(emptyState());
  if (suggestions.status === 'fulfilled') fillChips(suggestions.value.data?.suggestions ?? []);

  // Chat layout: the screen fills the viewport below the top bar and only the conversation scrolls, so the
  // heading, "New conversation" and the composer are always in view.
  const screen = body.parentElement;
  const main = screen.parentElement;
  const topbar = document.querySelector('.topbar');
  const fit = () => {
    const cs = getComputedStyle(main);
    const offset = (topbar?.offsetHeight ?? 0) + parseFloat(cs.paddingTop) + parseFloat(cs.paddingBottom);
    screen.style.setProperty('--coach-offset', `${Math.ceil(offset)}px`);
  };
  const resize = new ResizeObserver(fit);
  if (topbar) resize.observe(topbar);
  fit();
  screen.classList.add('coach-chat');
  const dock = h('div', { class: 'coach-dock' }, errorBox, chips, form);
  top.append(newButton);
  replace(body, log, dock);
  // Only new turns are announced, not the history that was just put in.
  log.setAttribute('aria-live', 'polite');
  scrollToEnd();

  // ------------------------------------------------------------ events

  const updateCount = () => {
    const n = textarea.value.length;
    counter.textContent = `${n} / ${MAX_CHARS}`;
    counter.classList.toggle('near', n > MAX_CHARS - 200);
    if (n) fieldError.textContent = '';
    textarea.removeAttribute('aria-invalid');
  };
  textarea.addEventListener('input', updateCount);
  textarea.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.altKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    ask(textarea.value);
  });
  stop.addEventListener('click', () => controller?.abort());
  newButton.addEventListener('click', newConversation);

  function fillChips(list) {
    replace(chips, list.map((s) => h('button', {
      type: 'button', class: 'chip', title: s.description || null,
      on: { click: () => { textarea.value = s.prompt; updateCount(); ask(s.prompt); } },
    }, s.title)));
    chips.hidden = list.length === 0;
  }

  function showError(text) {
    errorBox.textContent = `⚠ ${text}`;
    errorBox.hidden = false;
  }
  function clearError() {
    errorBox.textContent = '';
    errorBox.hidden = true;
  }

  function nearEnd() {
    return log.scrollTop + log.clientHeight >= log.scrollHeight - 120;
  }
  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function setStreaming(on) {
    stop.hidden = !on;
    send.hidden = on;
    for (const chip of chips.querySelectorAll('button')) chip.disabled = on;
    if (on) log.setAttribute('aria-busy', 'true');
    else log.removeAttribute('aria-busy');
  }

  async function newConversation() {
    controller?.abort();
    newButton.disabled = true;
    clearError();
    try {
      await api('/v1/coach/new-conversation', { method: 'POST' });
      replace(log, emptyState());
      lastAnswer = null;
      announce('New conversation started.');
      textarea.focus();
    } catch (e) {
      showError(e?.detail ?? 'Could not start a new conversation.');
    } finally {
      newButton.disabled = false;
    }
  }

  async function ask(raw) {
    if (controller) return;
    const message = raw;
    if (!message.trim()) {
      fieldError.textContent = 'Type a question first.';
      textarea.setAttribute('aria-invalid', 'true');
      textarea.focus();
      return;
    }
    clearError();
    log.querySelector('.coach-empty')?.remove();
    lastAnswer?.removeAttribute('data-testid');

    const question = userMessage(message, new Date().toISOString());
    const answer = streamingAnswer();
    lastAnswer = answer.node;
    log.append(question, answer.node);
    textarea.value = '';
    updateCount();
    scrollToEnd();

    const mine = new AbortController();
    controller = mine;
    setStreaming(true);

    let text = '';
    let done = null;
    let frameError = null;
    let scheduled = 0;
    const paint = () => {
      scheduled = 0;
      const follow = nearEnd();
      answer.setText(text);
      if (follow) scrollToEnd();
    };

    try {
      const { data: response } = await api('/v1/coach/chat/stream', {
        method: 'POST', body: { message }, raw: true, signal: mine.signal,
      });
      await readEvents(response, {
        signal: mine.signal,
        onEvent(name, data) {
          if (name === 'delta' && typeof data?.delta === 'string') {
            text += data.delta;
            scheduled ||= requestAnimationFrame(paint);
          } else if (name === 'error') {
            frameError = data;
            showError(ERROR_WORDS[data?.code] ?? data?.error ?? 'The coach could not answer.');
          } else if (name === 'done') {
            done = data;
          }
        },
      });
      cancelAnimationFrame(scheduled);
      paint();
      if (!done) {
        answer.finish({ note: 'The connection closed before the answer was complete.', state: 'error' });
        if (!frameError) showError('The connection closed before the answer was complete. Please try again.');
      } else {
        const reason = done.finish_reason;
        answer.finish({ note: ending(reason, Boolean(text)), state: reason === 'stop' ? 'ok' : reason, source: done });
        if (reason === 'error' && !frameError) showError('Something went wrong while the coach was answering. Please try again.');
      }
      if (disposed) return;
      announce(text ? 'The coach has answered.' : 'The coach did not answer.');
    } catch (e) {
      cancelAnimationFrame(scheduled);
      if (disposed) return;
      answer.setText(text);
      if (e?.name === 'AbortError') {
        answer.finish({ note: text ? 'You stopped this answer.' : 'You stopped the coach before it answered.', state: 'stopped' });
        announce('Stopped.');
      } else if (e?.code === 'stream_idle') {
        mine.abort();
        answer.finish({ note: 'The coach stopped responding.', state: 'error' });
        showError(e.message);
      } else if (e?.status >= 400) {
        // Refused before anything was saved: take the turn back and leave the question in the box.
        question.remove();
        answer.node.remove();
        lastAnswer = null;
        if (!log.firstChild) log.append(emptyState());
        if (!textarea.value) { textarea.value = message; updateCount(); }
        refused(e);
      } else {
        answer.finish({ note: 'The connection was lost.', state: 'error' });
        showError(e?.status === 0 ? e.detail : 'The connection to the coach was lost. Check your connection and try again.');
      }
    } finally {
      if (controller === mine) controller = null;
      if (!disposed) {
        const refocus = document.activeElement === stop || document.activeElement === document.body;
        setStreaming(false);
        if (refocus) textarea.focus();
      }
    }
  }

  function refused(e) {
    if (e.code === 'ai_consent_required') {
      session.setAthlete({ ...session.athlete, ai_consent: false });
      showConsent('The coach needs your consent before it can answer.');
    } else if (e.code === 'coach_busy') {
      const wait = e.retryAfter ? ` in ${waitInWords(e.retryAfter)}` : ' in a moment';
      showError(`The coach is busy with other answers right now. Please try again${wait}.`);
    } else if (e.code === 'coach_budget_exhausted') {
      showError("You have used up today's coach messages. You can ask again tomorrow (the count resets at midnight UTC).");
    } else if (e.status === 422) {
      fieldError.textContent = e.errors?.[0]?.message ? `Message ${e.errors[0].message}.` : (e.detail ?? 'Check your message.');
      textarea.setAttribute('aria-invalid', 'true');
      textarea.focus();
    } else {
      showError(e.detail ?? 'The coach could not answer. Please try again.');
    }
  }

  return {
    focus: () => textarea.focus(),
    dispose() {
      disposed = true;
      controller?.abort();
      resize.disconnect();
      screen.classList.remove('coach-chat');
      newButton.remove();
    },
  };
}

// ---------------------------------------------------------------- messages

function emptyState() {
  return h('p', { class: 'coach-empty' }, 'No messages yet. Ask about your training, your plan or your next race.');
}

function header(who, when) {
  return h('p', { class: 'coach-who' },
    h('span', { class: 'coach-name' }, who),
    when ? h('time', { datetime: when }, dateTime(when)) : null);
}

function userMessage(text, when) {
  return h('article', { class: 'coach-msg coach-user', 'aria-label': 'You' },
    header('You', when),
    h('div', { class: 'coach-text' }, h('p', {}, text)));
}

function sourceLine(info) {
  if (!info) return null;
  if (info.source === 'offline') return 'Offline coach: written from your data, not by an AI model.';
  return info.model ? `Answered by ${info.model}` : null;
}

function note(text, state) {
  return text ? h('p', { class: ['coach-note', state], 'data-state': state }, text) : null;
}

function finishedAnswer(m) {
  const reason = m.finish_reason;
  const content = h('div', { class: 'coach-text' });
  if (m.content) content.append(renderMarkdown(m.content));
  else content.append(h('p', { class: 'muted' }, 'No answer.'));
  const line = sourceLine(m);
  return h('article', { class: 'coach-msg coach-answer', 'aria-label': 'Coach', 'data-finish': reason ?? null },
    header('Coach', m.created_at),
    content,
    note(ending(reason, Boolean(m.content)), reason === 'cancelled' ? 'stopped' : 'error'),
    line && m.content ? h('p', { class: 'coach-source' }, line) : null);
}

/** The answer being streamed: `coach-answer`, `data-streaming` while it grows. */
function streamingAnswer() {
  const content = h('div', { class: 'coach-text' });
  const thinking = h('p', { class: 'coach-thinking pulse' }, 'The coach is thinking…');
  content.append(thinking);
  const node = h('article', {
    class: 'coach-msg coach-answer', 'aria-label': 'Coach', 'data-testid': 'coach-answer',
    'data-streaming': 'true', 'aria-busy': 'true',
  }, header('Coach', new Date().toISOString()), content);
  let shown = '';
  return {
    node,
    setText(text) {
      if (text === shown) return;
      shown = text;
      replace(content, renderMarkdown(text));
      // A caret at the end of the last paragraph or list item while the answer grows.
      let last = content.lastElementChild;
      while (last && (last.tagName === 'UL' || last.tagName === 'OL')) last = last.lastElementChild;
      last?.append(h('span', { class: 'coach-caret', 'aria-hidden': 'true' }, '▍'));
    },
    finish({ note: words, state, source }) {
      const log = node.parentElement;
      const follow = log && log.scrollTop + log.clientHeight >= log.scrollHeight - 120;
      content.querySelector('.coach-caret')?.remove();
      if (!shown) replace(content, h('p', { class: 'muted' }, 'No answer.'));
      node.dataset.streaming = 'false';
      node.removeAttribute('aria-busy');
      if (state) node.dataset.finish = state;
      if (state === 'stopped') node.dataset.stopped = 'true';
      const n = note(words, state === 'stopped' || state === 'cancelled' ? 'stopped' : 'error');
      if (n) node.append(n);
      const line = shown ? sourceLine(source) : null;
      if (line) node.append(h('p', { class: 'coach-source' }, line));
      if (follow) log.scrollTop = log.scrollHeight;
    },
  };
}
