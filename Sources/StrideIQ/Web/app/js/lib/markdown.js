// A safe markdown subset for the coach's answers: paragraphs (single line breaks kept), `-`/`*`/`+` and
// `1.`/`1)` lists, `**bold**`/`__bold__`, `*italic*`/`_italic_`; a `#` heading becomes a bold paragraph.
// Everything is built with createElement and text nodes: the model's text is never parsed as HTML.
// Unclosed markers stay literal, so a growing (streamed) answer can be re-rendered on every delta.

const BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
const NUMBERED = /^\s{0,3}(\d{1,9})[.)]\s+(.*)$/;
const NESTED = /^\s{2,}(?:[-*+]|\d{1,9}[.)])\s+(.*)$/;
const HEADING = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/;
const RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;

// Bold first (** or __), then italic (* or _). Underscores only count at word edges (snake_case stays text).
const INLINE = new RegExp(
  [
    String.raw`\*\*(?=\S)([\s\S]*?\S)\*\*`,
    String.raw`(?<![\p{L}\p{N}_])__(?=\S)([\s\S]*?\S)__(?![\p{L}\p{N}_])`,
    String.raw`\*(?=[^\s*])((?:[^*]|\*\*[^*]+\*\*)*?[^\s*])\*`,
    String.raw`(?<![\p{L}\p{N}_])_(?=[^\s_])([^_]*?[^\s_])_(?![\p{L}\p{N}_])`,
  ].join('|'),
  'gu',
);

function el(tag, children) {
  const node = document.createElement(tag);
  for (const child of children) node.append(child);
  return node;
}

/** Inline markup → an array of nodes and strings (a fresh regex per call: it recurses). */
export function inline(text) {
  const out = [];
  let last = 0;
  const re = new RegExp(INLINE.source, INLINE.flags);
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const bold = m[1] ?? m[2];
    out.push(bold !== undefined ? el('strong', inline(bold)) : el('em', inline(m[3] ?? m[4])));
    last = re.lastIndex;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** Lines joined with <br>, each line's inline markup rendered. */
function lines(list) {
  const out = [];
  list.forEach((text, i) => {
    if (i > 0) out.push(document.createElement('br'));
    out.push(...inline(text.trim()));
  });
  return out;
}

/** Renders `text` (model output) as a DocumentFragment of p/ul/ol/li/strong/em/br/hr and text nodes. */
export function renderMarkdown(text) {
  const fragment = document.createDocumentFragment();
  const source = String(text ?? '').replace(/\r\n?/g, '\n').split('\n');

  let paragraph = []; // lines of the open paragraph
  let list = null; // {node, ordered, item: [lines of the open item]}

  const closeItem = () => {
    if (list?.item) {
      list.node.append(el('li', lines(list.item)));
      list.item = null;
    }
  };
  const closeList = () => {
    closeItem();
    if (list) fragment.append(list.node);
    list = null;
  };
  const closeParagraph = () => {
    if (paragraph.length) fragment.append(el('p', lines(paragraph)));
    paragraph = [];
  };
  const openItem = (ordered, content, start) => {
    closeParagraph();
    if (list && list.ordered !== ordered) closeList();
    if (!list) {
      const node = document.createElement(ordered ? 'ol' : 'ul');
      if (ordered && start !== 1) node.start = start;
      list = { node, ordered, item: null };
    }
    closeItem();
    list.item = [content];
  };

  for (const raw of source) {
    if (raw.trim() === '') {
      closeParagraph();
      closeItem();
      continue;
    }
    let m;
    if (RULE.test(raw)) {
      closeParagraph();
      closeList();
      fragment.append(document.createElement('hr'));
    } else if (list && (m = NESTED.exec(raw))) {
      // A nested item joins the open list (one level is enough for a chat answer).
      closeItem();
      list.item = [m[1]];
    } else if ((m = BULLET.exec(raw))) {
      openItem(false, m[1]);
    } else if ((m = NUMBERED.exec(raw))) {
      openItem(true, m[2], Number(m[1]));
    } else if ((m = HEADING.exec(raw))) {
      closeParagraph();
      closeList();
      fragment.append(el('p', [el('strong', inline(m[1]))]));
    } else if (list?.item && /^\s/.test(raw)) {
      list.item.push(raw); // an indented continuation of the item
    } else {
      closeList();
      paragraph.push(raw);
    }
  }
  closeParagraph();
  closeList();
  return fragment;
}
