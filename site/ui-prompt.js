// The prompt box: Enter generates (Shift+Enter is a new line, Ctrl/Cmd+
// Enter generates too), a live token count against GLIDE's 128-token text
// context (the worker's "tokenize" message, debounced), a note when the
// prompt will be cut, and example prompts from the GLIDE paper as chips.

// Prompts shown in the GLIDE paper's figures (Nichol et al. 2021).
export const EXAMPLES = [
  'a hedgehog using a calculator',
  'a corgi wearing a red bowtie and a purple party hat',
  'a stained glass window of a panda eating bamboo',
  'a crayon drawing of a space elevator',
  'robots meditating in a vipassana retreat',
];

const DEBOUNCE_MS = 150;

// setupPrompt wires the prompt box. client is the worker client; submit()
// starts a generation (the form's requestSubmit).
export function setupPrompt({ client, textarea, counter, note, chips, submit }) {
  textarea.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || e.isComposing) return;
    if (e.shiftKey && !(e.ctrlKey || e.metaKey)) return; // a new line
    e.preventDefault();
    submit();
  });

  // Only the answer to the latest request counts.
  let latest = 0;
  let timer = 0;
  const ask = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      latest = client.request({ type: 'tokenize', prompt: textarea.value });
    }, DEBOUNCE_MS);
  };
  client.on('tokens', (m) => {
    if (m.id !== latest) return;
    counter.textContent = `${m.count} / ${m.max} tokens`;
    counter.classList.toggle('over', m.truncated > 0);
    note.hidden = m.truncated === 0;
    note.textContent = m.truncated === 0 ? '' :
      `The prompt has ${m.count} tokens; GLIDE reads the first ${m.max}, so the last ${m.truncated} will be cut.`;
  });
  textarea.addEventListener('input', ask);
  client.on('ready', ask);

  for (const text of EXAMPLES) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'chip';
    b.textContent = text;
    b.addEventListener('click', () => {
      textarea.value = text;
      textarea.dispatchEvent(new Event('input'));
      textarea.focus();
    });
    chips.append(b);
  }
}
