// The seed: a "Random seed" button and a lock. Unlocked, each run uses the
// seed typed in (or a new random one when empty) and then clears the field
// for the next run; locked, the field keeps the seed of the last run, so
// runs repeat it until it is changed or unlocked.

// randomSeed returns a random seed as a decimal string of at most 53 bits,
// so that the number survives JSON and number parsing everywhere exactly.
export function randomSeed() {
  const v = new Uint32Array(2);
  crypto.getRandomValues(v);
  return String((BigInt(v[0] & 0x1fffff) << 32n) | BigInt(v[1]));
}

const KEY = 'webglide.seedLock';

export function setupSeed({ input, randomButton, lock }) {
  let last = '';
  lock.checked = localStorage.getItem(KEY) === '1';
  randomButton.addEventListener('click', () => {
    input.value = randomSeed();
    input.dispatchEvent(new Event('input'));
  });
  lock.addEventListener('change', () => {
    localStorage.setItem(KEY, lock.checked ? '1' : '0');
    if (lock.checked && input.value.trim() === '' && last) input.value = last;
  });
  return {
    // take returns the seed for a run starting now and updates the field.
    take() {
      const seed = input.value.trim() || randomSeed();
      last = seed;
      input.value = lock.checked ? seed : '';
      input.placeholder = lock.checked ? 'random' : `random (last: ${seed})`;
      return seed;
    },
    // restore puts the last run's seed back after a run that made nothing
    // (an error: storage full, device lost), unless another was typed since.
    restore() {
      if (last && input.value.trim() === '') input.value = last;
    },
  };
}
