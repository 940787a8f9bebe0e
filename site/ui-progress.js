// Progress of a run: the bar, the stage and step, steps per second, time
// left, and the tab title. Time is measured from the worker's progress
// messages; before the upsampler has run, its steps are estimated from the
// base model's.

// UP_PER_BASE is an upsampler step's cost in base steps, from glide-spec
// §7's FLOP counts (cmd/glide/bench.go): a base step is one UNet forward at
// batch 2 (the prompt and the empty prompt, 451 GFLOP), an upsampler step
// one forward at batch 1 on 256×256 (1272 GFLOP). Both grow with the batch.
export const UP_PER_BASE = 1272 / 451;

const TITLE = 'WebGLIDE';

// formatDuration says s seconds the way people read them: "12 s",
// "4 min 5 s", "1 h 20 min".
export function formatDuration(s) {
  s = Math.max(0, Math.round(s));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}

export const STAGE_NAMES = { base: 'Base model (64×64)', upsample: 'Upsampler (256×256)' };

export function createProgress({ bar, stats }) {
  let run = null;

  const setTitle = (t) => { document.title = t; };

  return {
    // start begins a run of base and upsampler step counts.
    start({ baseSteps, upsampleSteps }) {
      run = { baseSteps, upsampleSteps, upsample: true, t0: performance.now(), stages: {} };
      bar.max = 1;
      bar.value = 0;
      stats.textContent = '';
      setTitle(`Starting… · ${TITLE}`);
    },
    // upsampler says whether the run has an upsampler stage.
    upsampler(has) { if (run) run.upsample = has; },
    // mark restarts the clock of the first stage (after loading weights).
    mark() { if (run) run.t0 = performance.now(); },
    // step takes a progress message; it returns the status line.
    step({ stage, step, total }) {
      if (!run) return '';
      const now = performance.now();
      let s = run.stages[stage];
      if (!s) {
        const prev = stage === 'upsample' ? run.stages.base : null;
        s = run.stages[stage] = { start: prev ? prev.last : run.t0, first: now, last: now };
      }
      s.last = now;
      if (step === 1) s.first = now;
      // Steps after the first exclude the one-off work (text encoding,
      // pipeline compilation) that precedes step 1.
      const secPerStep = step > 1 ? (now - s.first) / 1000 / (step - 1) : (now - s.start) / 1000;
      s.secPerStep = secPerStep;
      let left = (total - step) * secPerStep;
      if (stage === 'base' && run.upsample) left += run.upsampleSteps * UP_PER_BASE * secPerStep;
      const half = run.upsample ? 0.5 : 1;
      const done = stage === 'base' ? half * step / total : 0.5 + 0.5 * step / total;
      bar.max = 1;
      bar.value = done;
      const rate = secPerStep > 0 ? 1 / secPerStep : 0;
      const rateText = rate >= 1 ? `${rate.toFixed(1)} steps/s` : `${secPerStep.toFixed(1)} s/step`;
      stats.textContent = `${rateText} · about ${formatDuration(left)} left` +
        (stage === 'base' && run.upsample && !run.stages.upsample ? ' (an estimate)' : '');
      setTitle(`${Math.round(done * 100)}% · ${TITLE}`);
      return `${STAGE_NAMES[stage] ?? stage}: step ${step} of ${total}`;
    },
    // baseStepSeconds is the latest time per base step (null before one).
    baseStepSeconds() { return run?.stages.base?.secPerStep ?? null; },
    // finish ends the run; text describes it.
    finish(text) {
      bar.max = 1;
      bar.value = 1;
      stats.textContent = text;
      setTitle(document.hidden ? `Done · ${TITLE}` : TITLE);
      run = null;
    },
    stop() {
      bar.value = 0;
      stats.textContent = '';
      setTitle(TITLE);
      run = null;
    },
  };
}
