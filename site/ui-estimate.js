// The estimate before a long run on the CPU-in-wasm fallback (no WebGPU):
// the page times one base step, says how long the whole image will take
// and what to do instead, and lets the user continue or cancel.

import { UP_PER_BASE, formatDuration } from './ui-progress.js';
import { respacedCount } from './ui-validate.js';

// shellQuote quotes s for a POSIX shell.
const shellQuote = (s) => `'${s.replaceAll("'", "'\\''")}'`;

// cliCommand is the native command line that makes the same image.
export function cliCommand(req) {
  const args = ['glide', 'generate', '--weights', 'weights', '--prompt', shellQuote(req.prompt),
    '--seed', req.seed, '--guidance', req.guidance, '--steps', req.steps,
    '--upsample-steps', req.upsampleSteps];
  if (Number(req.batch) > 1) args.push('--batch', req.batch);
  args.push('--out', 'webglide.png');
  return args.join(' ');
}

// estimateSeconds is the whole run's time from one base step's time at
// batch size measuredBatch.
export function estimateSeconds(req, stepSeconds, measuredBatch) {
  const perImage = stepSeconds / measuredBatch;
  const batch = Number(req.batch);
  const base = Number(req.steps);
  const up = req.hasUpsampler === false ? 0 : respacedCount(req.upsampleSteps);
  return (base + up * UP_PER_BASE) * perImage * batch;
}

export function createEstimate({ panel, text, advice, continueButton }) {
  let measured = null; // {seconds, batch} of one base step
  let onContinue = null;

  continueButton.addEventListener('click', () => {
    panel.hidden = true;
    const f = onContinue;
    onContinue = null;
    f?.();
  });

  return {
    // known says whether a step was timed already.
    get known() { return measured !== null; },
    // measure records one base step's time at a batch size.
    measure(seconds, batch) { measured = { seconds, batch: Number(batch) }; },
    // ask shows the estimate for req; continueRun runs it.
    ask(req, continueRun) {
      const total = estimateSeconds(req, measured.seconds, measured.batch);
      const n = respacedCount(req.upsampleSteps);
      const up = req.hasUpsampler === false ? '' : ` and ${n} upsampler step${n === 1 ? '' : 's'}`;
      const per = measured.seconds / measured.batch * Number(req.batch);
      text.textContent = `Without WebGPU this browser computes on the CPU in WebAssembly. One base step ` +
        `took ${per.toFixed(1)} s here, so ${req.steps} base step${req.steps === '1' ? '' : 's'}${up}` +
        `${Number(req.batch) > 1 ? ` for ${req.batch} images` : ''} will take about ${formatDuration(total)} ` +
        `(an estimate).`;
      const code = document.createElement('code');
      code.textContent = cliCommand(req);
      advice.replaceChildren(
        'Much faster: open this page in a browser with WebGPU (a recent Chrome or Edge, Safari 26, ' +
        'or Firefox on Windows), or make the same image natively with the command line: ', code, '.');
      onContinue = continueRun;
      panel.hidden = false;
      continueButton.focus();
    },
    // open says whether the estimate is waiting for an answer.
    get open() { return !panel.hidden; },
    dismiss() {
      panel.hidden = true;
      onContinue = null;
    },
  };
}
