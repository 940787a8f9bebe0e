// Checking the form's values before they go to the worker, so that every
// value the form sends is one glide.Options.Validate (glide/pipeline.go)
// and the worker's options() (wasm/cmd/worker/messages_js.go) accept, and
// every refusal names its field by the label the user sees. Pure functions,
// no DOM: the end-to-end tests import this module in Node too.

// The pipeline's limits (glide.MaxSteps, glide.MaxBatchSize) and the
// form's guidance range (the pipeline takes any finite value ≥ 0).
export const MAX_STEPS = 1000;
export const MAX_BATCH = 16;
export const MAX_GUIDANCE = 30;
const MAX_SEED = (1n << 64n) - 1n;

// The labels the refusals name, by field key.
export const LABELS = {
  prompt: 'Prompt', seed: 'Seed', guidance: 'Guidance scale', steps: 'Steps',
  upsampleSteps: 'Upsampler steps', batch: 'Batch size',
};

// Go's strconv.Atoi on an already trimmed string: an optional sign and
// decimal digits.
const atoi = (s) => (/^[+-]?\d+$/.test(s) ? Number(s) : NaN);

// respacedCount returns how many sampling steps a respacing spec keeps out
// of n diffusion steps, as glide/diffusion.SpaceTimesteps counts them, or
// throws an Error saying why the spec is refused. Spec forms: "" (all n),
// "K", a comma list "a,b,…" (per-section counts), "ddimK", "fast27".
export function respacedCount(spec, n = MAX_STEPS) {
  const s = spec.trim();
  if (s === '') return n;
  if (s.startsWith('ddim')) {
    const want = atoi(s.slice(4));
    if (!(want >= 1)) throw new Error(`"${s}": ddimK needs a positive whole number K`);
    // range(0, n, stride) has ceil(n/stride) elements; the first integer
    // stride below n that gives exactly K wins.
    for (let stride = 1; stride < n; stride++) {
      if (Math.ceil(n / stride) === want) return want;
    }
    throw new Error(`"${s}": no even spacing gives exactly ${want} of ${n} steps (try ddim25, ddim50 or a plain count)`);
  }
  if (s === 'fast27') return 27;
  const counts = s.split(',').map((p) => atoi(p.trim()));
  const sizePer = Math.floor(n / counts.length);
  const extra = n % counts.length;
  let total = 0;
  for (const [i, c] of counts.entries()) {
    if (Number.isNaN(c)) throw new Error(`"${s}" is not a step count (use a count such as 100, ddimN, fast27 or a list such as 10,10,3,2,2)`);
    const size = sizePer + (i < extra ? 1 : 0);
    if (c < 0) throw new Error(`"${s}": section ${i + 1} has a negative count`);
    if (c > size) throw new Error(`"${s}": section ${i + 1} has only ${size} steps to take ${c} from`);
    total += c;
  }
  if (total === 0) throw new Error(`"${s}" keeps no steps`);
  return total;
}

// check validates the form's raw string values {seed, guidance, steps,
// upsampleSteps, batch} and returns a list of {field, message}, empty when
// everything is acceptable. Each message starts with the field's label.
export function check(v) {
  const errs = [];
  const bad = (field, text) => errs.push({ field, message: `${LABELS[field]}: ${text}` });

  const seed = v.seed.trim();
  if (seed !== '' && (!/^\d+$/.test(seed) || BigInt(seed) > MAX_SEED)) {
    bad('seed', `a whole number from 0 to ${MAX_SEED}, or empty for a random one (got "${seed}")`);
  }
  const g = v.guidance.trim();
  const gn = Number(g);
  if (g === '' || !Number.isFinite(gn) || gn < 0 || gn > MAX_GUIDANCE) {
    bad('guidance', `a number from 0 to ${MAX_GUIDANCE} (got "${g}")`);
  }
  const st = v.steps.trim();
  if (!/^\d+$/.test(st) || Number(st) < 1 || Number(st) > MAX_STEPS) {
    bad('steps', `a whole number from 1 to ${MAX_STEPS} (got "${st}")`);
  }
  try {
    respacedCount(v.upsampleSteps);
  } catch (err) {
    bad('upsampleSteps', err.message);
  }
  const b = v.batch.trim();
  if (!/^\d+$/.test(b) || Number(b) < 1 || Number(b) > MAX_BATCH) {
    bad('batch', `a whole number from 1 to ${MAX_BATCH} (got "${b}")`);
  }
  return errs;
}

// fieldOf names the field a worker's bad-input message is about ("options:
// upsample steps \"x\": …", "options: batch size must …"), or null.
export function fieldOf(message) {
  const m = message.toLowerCase();
  if (/upsample steps/.test(m)) return 'upsampleSteps';
  if (/\bsteps\b/.test(m)) return 'steps';
  if (/guidance/.test(m)) return 'guidance';
  if (/batch size/.test(m)) return 'batch';
  if (/\bseed\b/.test(m)) return 'seed';
  if (/\bprompt\b/.test(m)) return 'prompt';
  return null;
}
