// The model's text is never parsed as HTML. Unclosed markers stay literal, so a streamed answer re-renders per delta.
import {h} from './dom.js';

const BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
const NUMBERED = /^\s{0,3}(\d{1,9})[.)]\s+(.*)$/;
const NESTED = /^\s{2,}(?:[-*+]|\d{1,9}[.)])\s+(.*)$/;
const HEADING = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/, RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;

// Underscores only count at word edges (snake_case stays text).
const INLINE = new RegExp(
  [
    String.raw`\*\*(?=\S)([\s\S]*?\S)\*\*`,
    String.raw`(?<![\p{L}\p{N}_])__(?=\S)([\s\S]*?\S)__(?![\p{L}\p{N}_])`,
    String.raw`\*(?=[^\s*])((?:[^*]|\*\*[^*]+\*\*)*?[^\s*])\*`,
    String.raw`(?<![\p{L}\p{N}_])_(?=[^\s_])([^_]*?[^\s_])_(?![\p{L}\p{N}_])`,
  ].join('|'),
  'gu',
);

/** A fresh regex per call: it recurses. */
export function inline(text) {
  const out = [];
  let last = 0;
  const re = new RegExp(INLINE.source, INLINE.flags);
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const bold = m[1] ?? m[2];
    out.push(bold !== undefined ? h('strong', inline(bold)) : h('em', inline(m[3] ?? m[4])));
    last = re.lastIndex;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

const lines = (list) => list.flatMap((text, i) => [i > 0 && h('br'), ...inline(text.trim())]).filter(Boolean);

export function renderMarkdown(text) {
  const fragment = document.createDocumentFragment();
  const source = String(text ?? '').replace(/\r\n?/g, '\n').split('\n');
  let paragraph = [];
  let list = null; // {node, ordered, item: [lines]}
  const closeItem = () => {
    if (list?.item) {
      list.node.append(h('li', lines(list.item)));
      list.item = null;
    }
  };
  const closeList = () => {
    closeItem();
    if (list) fragment.append(list.node);
    list = null;
  };
  const closeParagraph = () => {
    if (paragraph.length) fragment.append(h('p', lines(paragraph)));
    paragraph = [];
  };
  const block = (node) => {
    closeParagraph();
    closeList();
    fragment.append(node);
  };
  const openItem = (ordered, content, start) => {
    closeParagraph();
    if (list && list.ordered !== ordered) closeList();
    if (!list) {
      const node = h(ordered ? 'ol' : 'ul');
      if (ordered && start !== 1) node.start = start;
      list = {node, ordered, item: null};
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
      block(h('hr'));
    } else if (list && (m = NESTED.exec(raw))) {
      closeItem(); // nested items join the open list: one level is enough for a chat
      list.item = [m[1]];
    } else if ((m = BULLET.exec(raw))) {
      openItem(false, m[1]);
    } else if ((m = NUMBERED.exec(raw))) {
      openItem(true, m[2], Number(m[1]));
    } else if ((m = HEADING.exec(raw))) {
      block(h('p', [h('strong', inline(m[1]))]));
    } else if (list?.item && /^\s/.test(raw)) {
      list.item.push(raw);
    } else {
      closeList();
      paragraph.push(raw);
    }
  }
  closeParagraph();
  closeList();
  return fragment;
}
