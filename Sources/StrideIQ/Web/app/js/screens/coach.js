// Stop aborts the fetch, so the server cancels the model call.
import {api, session} from '../lib/api.js';
import {h, replace, announce, formError, card, link, button as btn} from '../lib/dom.js';
import {dateTime, waitInWords} from '../lib/format.js';
import {readEvents} from '../lib/sse.js';
import {renderMarkdown} from '../lib/markdown.js';

const MAX_CHARS = 4000;

/** finish_reason in words: [with some text, with none (when it differs)]. */
const ENDINGS = {
  length: ['The answer reached its length limit and may be cut short.', 'The answer reached its length limit before any text.'],
  timeout: ['The coach ran out of time, so this answer may be incomplete.', 'The coach ran out of time before answering.'],
  error: ['Something went wrong while the coach was answering.', 'Something went wrong before the coach could answer.'],
  cancelled: ['Stopped before the end.', 'Stopped before the coach answered.'],
  shutting_down: ['The server restarted during this answer. Please ask again.'],
};

function ending(reason, hasText) {
  const [full, empty = full] = ENDINGS[reason] ?? []; // `stop`: nothing to say
  return hasText ? full : empty;
}

const ERROR_WORDS = {
  shutting_down: 'StrideIQ is restarting. Please ask again in a moment.',
  provider_timeout: 'The coach took too long to answer.',
};

export async function render(main) {
  const top = h('div.coach-top.row.spread', h('h1', 'Coach')), body = h('div.coach-body');
  main.append(h('div.coach', top, body));
  let chat = null;
  const show = async (reason) => {
    chat?.dispose();
    if (session.athlete?.ai_consent) chat = await renderChat(body, top, show);
    else renderConsent(body, reason, async () => { await show(); chat?.focus(); });
  };
  await show();
  return () => chat?.dispose();
}

function renderConsent(body, reason, onEnabled) {
  const error = formError(), context = h('div', h('p.muted', 'Loading…'));
  let loaded = false;
  const loadContext = async (event) => {
    if (!event.target.open || loaded) return;
    loaded = true;
    const {data} = await api('/v1/coach/context').catch((e) => ({e}));
    loaded = !!data;
    replace(context, data
      ? [h('p.muted', `The instructions and data the model receives with every question (your last ${data.days} days, ${data.chars.toLocaleString()} characters):`),
        h('pre.coach-prompt', {tabindex: '0', 'aria-label': 'The text sent to the model'}, data.context)]
      : h('p.form-error', {role: 'alert'}, 'Could not load the context.'));
  };
  const turnOn = async () => {
    button.disabled = true;
    error.textContent = '';
    try {
      const {data} = await api('/v1/athlete', {method: 'PATCH', body: {ai_consent: true}});
      session.setAthlete(data);
      announce('The AI coach is on.');
      await onEnabled();
    } catch (e) {
      error.textContent = e.detail ?? 'Could not turn the coach on. Please try again.';
      button.disabled = false;
    }
  };
  const button = btn('Turn on the AI coach', turnOn);
  replace(body, card('coach-consent', 'consent-title', 'Turn on the AI coach', {class: 'coach-consent'}).paint(
    reason && h('p.coach-note.muted', reason),
    h('p', 'The coach answers your questions with an AI model. To give useful answers, StrideIQ sends the model:'),
    h('ul', [
      'your name, units and time zone;',
      'your runs of the last two weeks (distance, time, pace, heart rate) and your weekly volume over eight weeks;',
      'your check-ins of the last week (sleep, readiness, soreness, stress and notes);',
      'your training plan, goal race and goal time;',
      'the conversation so far.',
    ].map((item) => h('li', item))),
    h('p', 'Nothing is sent until you turn this on, and you can turn it off at any time in ',
      link('/settings', 'Settings'), '.'),
    h('details.coach-details', {on: {toggle: loadContext}},
      h('summary', 'Show exactly what would be sent'), context),
    error,
    h('div.row', button)));
}

async function renderChat(body, top, showConsent) {
  const log = h('section.coach-log', {'data-testid': 'coach-history', 'aria-label': 'Conversation', tabindex: '0'});
  const errorBox = h('div.form-error', {'data-testid': 'coach-error', role: 'alert'});
  const showError = (text) => { errorBox.textContent = text && `⚠ ${text}`; };
  const chips = h('div.coach-chips', {role: 'group', 'aria-label': 'Suggested questions', hidden: true});
  const textarea = h('textarea', {
    id: 'message', name: 'message', rows: '2', maxlength: MAX_CHARS, required: true, autocomplete: 'off',
    enterkeyhint: 'send', 'aria-describedby': 'message-hint message-count message-error',
    on: {input: updateCount, keydown: enterSends},
  });
  const counter = h('span#message-count.coach-count');
  const fieldError = h('p#message-error.field-error');
  const send = h('button', {type: 'submit'}, 'Send');
  const stop = btn('■ Stop', () => controller?.abort(), 'danger', {'data-testid': 'coach-stop', hidden: true});
  const newButton = btn('New conversation', newConversation, 'secondary');
  const form = h('form.coach-composer', {novalidate: true, 'aria-label': 'Ask the coach'},
    h('div.coach-field',
      h('label', {for: 'message'}, 'Message'),
      textarea,
      h('div.coach-meta.row.spread.muted', h('span#message-hint', 'Shift+Enter: new line'), counter),
      fieldError),
    h('div.coach-actions', send, stop));
  form.onsubmit = (e) => { e.preventDefault(); ask(textarea.value); };
  let controller = null, disposed = false;
  updateCount();
  replace(body, h('p.loading', 'Loading the conversation…'));
  const [history, suggestions] = await Promise.all([
    api('/v1/coach/history', {query: {limit: 100}}).catch((e) => showError(e.detail ?? 'Could not load the conversation.')),
    api('/v1/coach/suggestions').catch(() => null),
  ]);
  for (const m of history?.data.messages ?? []) log.append(m.role === 'user' ? userMessage(m.content, m.created_at) : finishedAnswer(m));
  if (!log.firstChild) log.append(emptyState());
  const list = suggestions?.data.suggestions ?? [];
  replace(chips, list.map((s) => btn(s.title, () => ask(s.prompt), 'chip', {title: s.description})));
  chips.hidden = !list.length;
  const screen = body.parentElement;
  screen.classList.add('coach-chat');
  top.append(newButton);
  replace(body, log, h('div.coach-dock', errorBox, chips, form));
  log.setAttribute('aria-live', 'polite'); // only now: new turns are announced, the history is not
  toEnd(log);
  function invalid(text) {
    fieldError.textContent = text;
    textarea.ariaInvalid = 'true';
    textarea.focus();
  }
  function updateCount() {
    const n = textarea.value.length;
    counter.textContent = `${n} / ${MAX_CHARS}`;
    counter.classList.toggle('near', n > MAX_CHARS - 200);
    if (n) fieldError.textContent = '';
    textarea.removeAttribute('aria-invalid');
  }
  function enterSends(e) {
    if (e.key !== 'Enter' || e.shiftKey || e.altKey || e.isComposing) return;
    e.preventDefault();
    form.requestSubmit();
  }
  function setStreaming(on) {
    stop.hidden = !on;
    send.hidden = on;
    for (const chip of chips.children) chip.disabled = on;
    log.ariaBusy = on ? 'true' : null;
  }
  async function newConversation() {
    controller?.abort();
    newButton.disabled = true;
    showError('');
    try {
      await api('/v1/coach/new-conversation', {method: 'POST'});
      replace(log, emptyState());
      announce('New conversation started.');
      textarea.focus();
    } catch (e) {
      showError(e.detail ?? 'Could not start a new conversation.');
    }
    newButton.disabled = false;
  }
  async function ask(message) {
    if (controller) return;
    if (!message.trim()) return invalid('Type a question first.');
    showError('');
    log.querySelector('.coach-empty')?.remove();
    log.querySelector('[data-testid="coach-answer"]')?.removeAttribute('data-testid'); // only the newest one
    const now = new Date().toISOString(), question = userMessage(message, now), answer = answerNode(now, true);
    log.append(question, answer.node);
    textarea.value = '';
    updateCount();
    toEnd(log);
    const mine = new AbortController();
    controller = mine;
    setStreaming(true);
    let text = '', done = null, frame = 0;
    // One re-render per frame; follow the end only if the reader was there.
    const paint = () => {
      frame = 0;
      const follow = nearEnd(log);
      answer.setText(text);
      if (follow) toEnd(log);
    };
    const closed = 'The connection closed before the answer was complete.';
    try {
      const {data: response} = await api('/v1/coach/chat/stream', {method: 'POST', body: {message}, raw: true, signal: mine.signal});
      await readEvents(response, {
        signal: mine.signal,
        onEvent(name, data) {
          if (name === 'delta') {
            text += data.delta;
            frame ||= requestAnimationFrame(paint);
          } else if (name === 'tool' && !text) answer.setText(`Looking it up (${data.name.replace(/^get_|_/g, ' ').trim()})…`);
          else if (name === 'error') showError(ERROR_WORDS[data.code] ?? data.error);
          else if (name === 'done') done = data;
        },
      });
      cancelAnimationFrame(frame);
      paint();
      const reason = done?.finish_reason;
      if (done) answer.finish(ending(reason, text), reason === 'stop' ? 'ok' : reason, done);
      else answer.finish(closed, 'error');
      // A failed answer's `error` frame has already said why.
      if (!done && !errorBox.textContent) showError(`${closed} Please try again.`);
      if (!disposed) announce(text ? 'The coach has answered.' : 'The coach did not answer.');
    } catch (e) {
      cancelAnimationFrame(frame);
      if (disposed) return;
      answer.setText(text);
      if (e.name === 'AbortError') {
        answer.finish(text ? 'You stopped this answer.' : 'You stopped the coach before it answered.', 'stopped');
        announce('Stopped.');
      } else if (e.code === 'stream_idle') {
        answer.finish('The coach stopped responding.', 'error');
        showError(e.message);
      } else if (e.status >= 400) {
        // Refused, nothing saved: take the turn back, keep the question in the box.
        question.remove();
        answer.node.remove();
        if (!log.firstChild) log.append(emptyState());
        if (!textarea.value) { textarea.value = message; updateCount(); }
        refused(e);
      } else {
        answer.finish('The connection was lost.', 'error');
        showError(e.status === 0 ? e.detail : 'The connection to the coach was lost. Check your connection and try again.');
      }
    } finally {
      if (controller === mine) controller = null;
      if (!disposed) {
        const refocus = [stop, document.body].includes(document.activeElement);
        setStreaming(false);
        if (refocus) textarea.focus();
      }
    }
  }
  function refused(e) {
    if (e.code === 'ai_consent_required') {
      session.setAthlete({...session.athlete, ai_consent: false});
      showConsent('The coach needs your consent before it can answer.');
    } else if (e.code === 'coach_busy') {
      const wait = e.retryAfter ? `in ${waitInWords(e.retryAfter)}` : 'in a moment';
      showError(`The coach is busy with other answers right now. Please try again ${wait}.`);
    } else if (e.code === 'coach_budget_exhausted') {
      showError("You have used up today's coach messages. You can ask again tomorrow (the count resets at midnight UTC).");
    } else if (e.status === 422) {
      invalid(e.errors[0] ? `Message ${e.errors[0].message}.` : e.detail ?? 'Check your message.');
    } else {
      showError(e.detail ?? 'The coach could not answer. Please try again.');
    }
  }
  return {
    focus: () => textarea.focus(),
    dispose() {
      disposed = true;
      controller?.abort();
      screen.classList.remove('coach-chat');
      newButton.remove();
    },
  };
}

const nearEnd = (log) => log.scrollTop + log.clientHeight >= log.scrollHeight - 120;
const toEnd = (log) => { log.scrollTop = log.scrollHeight; };

const emptyState = () => h('p.coach-empty.muted', 'No messages yet. Ask about your training, your plan or your next race.');
const header = (who, when) => h('p.coach-who.muted', h('span.coach-name', who), h('time', {datetime: when}, dateTime(when)));
const userMessage = (text, when) => h('article.coach-msg.coach-user', {'aria-label': 'You'}, header('You', when),
  h('div.coach-text', h('p', text)));

function finishedAnswer(m) {
  const answer = answerNode(m.created_at);
  answer.setText(m.content);
  answer.finish(ending(m.finish_reason, m.content), m.finish_reason, m);
  return answer.node;
}

/** finish() `state`: the finish_reason, `ok` for a streamed `stop`, or `stopped`. */
function answerNode(when, streaming = false) {
  const content = h('div.coach-text', streaming && h('p.muted.pulse', 'The coach is thinking…'));
  const node = h('article', {
    class: 'coach-msg coach-answer', 'aria-label': 'Coach', 'data-testid': streaming && 'coach-answer',
    'data-streaming': streaming && 'true', 'aria-busy': streaming && 'true',
  }, header('Coach', when), content);
  let shown = '';
  return {
    node,
    setText(text) {
      if (text === shown) return;
      shown = text;
      replace(content, renderMarkdown(text));
      if (!streaming) return;
      let last = content.lastElementChild;
      while (['UL', 'OL'].includes(last?.tagName)) last = last.lastElementChild;
      last?.append(h('span.coach-caret', {'aria-hidden': 'true'}, '▍'));
    },
    finish(words, state, source) {
      const log = node.parentElement; // none for a history answer or after "New conversation"
      const follow = log && nearEnd(log);
      content.querySelector('.coach-caret')?.remove();
      if (!shown) replace(content, h('p.muted', 'No answer.'));
      if (streaming) node.dataset.streaming = 'false';
      node.ariaBusy = null;
      if (state) node.dataset.finish = state;
      const kind = state === 'stopped' || state === 'cancelled' ? 'stopped' : 'error';
      if (words) node.append(h('p', {class: `coach-note muted ${kind}`, 'data-state': kind}, words));
      const by = source?.source === 'offline' ? 'Offline coach: written from your data, not by an AI model.'
        : source?.model && `Answered by ${source.model}`;
      if (shown && by) node.append(h('p.coach-source.muted', by));
      if (follow) toEnd(log);
    },
  };
}
