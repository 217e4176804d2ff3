// Arithmetic on numbers as decimals, the way OPA's own wasm runtime computes (libmpdec: exact
// sums, differences and products; quotients rounded), delivered as the double nearest to that
// decimal result, which is what the SDK's JSON.parse of OPA's output gives. So 0.1 + 0.2 is 0.3
// and 0.3 / 0.1 is 3, where plain doubles give 0.30000000000000004 and 2.9999999999999996.
//
// Values are doubles. A double that is the nearest double to some decimal r * 10^-k with a
// short integer r (|r| < 2^53, k <= 15) is taken to mean that decimal, and the operation is done
// on the integers r exactly; one correctly rounded division then gives the nearest double of
// the decimal result. Anything else (more digits, results past 2^53) falls back to the
// double operation, which is then as close as doubles get.

const MAX_SAFE: f64 = 9007199254740992.0; // 2^53
const MAX_SCALE: i32 = 15;

// Exact powers of ten (every one up to 1e22 is a double exactly).
const POW10: StaticArray<f64> = [
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

// The scaled integer of the last scale() call (a pair of globals instead of an allocation).
let scaled: f64 = 0;

/**
 * The least k such that x is the double nearest to r * 10^-k for an integer |r| < 2^53, with r
 * left in `scaled`; -1 when there is none with k <= MAX_SCALE.
 */
function scale(x: f64): i32 {
  if (Math.abs(x) < MAX_SAFE && Math.floor(x) == x) { scaled = x; return 0; }
  for (let k = 1; k <= MAX_SCALE; k++) {
    let p = unchecked(POW10[k]);
    let r = Math.round(x * p); // nearest, ties away: r is an integer double
    if (Math.abs(r) >= MAX_SAFE) return -1;
    if (r / p == x) { scaled = r; return k; } // both exact, one rounding: the double nearest r * 10^-k
  }
  return -1;
}

/** r * 10^k exactly, or NaN when that leaves the exact range. */
@inline function lift(r: f64, k: i32): f64 {
  let v = r * unchecked(POW10[k]);
  return Math.abs(v) < MAX_SAFE ? v : NaN;
}

/** a + b (or a - b when `negate`). */
export function decAdd(a: f64, b: f64, negate: bool): f64 {
  let plain = negate ? a - b : a + b;
  let ka = scale(a);
  if (ka == 0 && Math.floor(b) == b && Math.abs(b) < MAX_SAFE) return plain; // integers: exact already
  if (ka < 0) return plain;
  let ra = scaled;
  let kb = scale(b);
  if (kb < 0) return plain;
  let rb = negate ? -scaled : scaled;
  let k = max(ka, kb);
  let x = lift(ra, k - ka), y = lift(rb, k - kb);
  let s = x + y;
  if (isNaN(s) || Math.abs(s) >= MAX_SAFE) return plain;
  return s / unchecked(POW10[k]);
}

export function decMul(a: f64, b: f64): f64 {
  let plain = a * b;
  let ka = scale(a);
  if (ka < 0) return plain;
  let ra = scaled;
  let kb = scale(b);
  if (kb < 0 || ka + kb == 0 || ka + kb > 22) return plain;
  let p = ra * scaled;
  if (Math.abs(p) >= MAX_SAFE) return plain;
  return p / unchecked(POW10[ka + kb]);
}

/** a / b for b != 0. */
export function decDiv(a: f64, b: f64): f64 {
  let plain = a / b;
  let ka = scale(a);
  if (ka < 0) return plain;
  let ra = scaled;
  let kb = scale(b);
  if (kb < 0) return plain;
  // (ra / 10^ka) / (rb / 10^kb) = (ra * 10^(kb-ka)) / rb: one rounding while the lifted side stays exact
  let rb = scaled;
  let n = kb > ka ? lift(ra, kb - ka) : ra;
  let d = ka > kb ? lift(rb, ka - kb) : rb;
  if (isNaN(n) || isNaN(d)) return plain;
  return n / d;
}
