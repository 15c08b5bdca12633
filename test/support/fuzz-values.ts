/**
 * Hostile values for the route fuzzer (test/support/fuzz-requests.ts): what a client can send
 * that a schema-shaped generator never would. Each is a fast-check arbitrary, so a run is
 * reproducible from its seed.
 */
import fc from 'fast-check';

/** Strings a client can send in any text field, query value or path segment. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\t\n',
  'x'.repeat(100_000),
  '٣'.repeat(20_000), // Arabic-Indic digits: "numbers" that are not ASCII
  'NaN',
  'Infinity',
  '-Infinity',
  'null',
  'undefined',
  'true',
  '-1',
  '0',
  '-0',
  '1e308',
  '1e-400',
  '0x10',
  '9223372036854775808',
  '99999999999999999999999999999',
  '1.5',
  '\u202Eevil\u202C', // right-to-left override
  'مرحبا بالعالم',
  '😀👨‍👩‍👧‍👦🏳️‍🌈',
  '😀'.repeat(5_000),
  'a\u0000b',
  '\u0000',
  '\uD800', // a lone high surrogate
  'a\uDC00b', // a lone low surrogate
  '\uFEFF',
  "' or 1=1 --",
  '%00',
  '%',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '$' + '{jndi:x}', // a log4j lookup, written so it is not taken for a template
  '{{7*7}}',
  '__proto__',
  'constructor',
];

/** Dates that are far, impossible, or outside the 2000–2099 window, as YYYY-MM-DD-ish strings. */
export const HOSTILE_DATES: readonly string[] = [
  '9999-12-31',
  '0001-01-01',
  '0000-00-00',
  '1970-01-01',
  '1999-12-31',
  '2000-01-01',
  '2099-12-31',
  '2100-01-01',
  '2026-02-29',
  '2024-02-29',
  '2026-02-30',
  '2026-13-01',
  '2026-00-10',
  '+275760-09-13',
  '-000001-01-01',
  '2026-11-28T00:00:00Z',
  '20261128',
  '2026-1-1',
  '２０２６-１１-２８',
];

/** Numbers (JSON has no NaN or Infinity: they are sent as the strings above). */
export const HOSTILE_NUMBERS: readonly number[] = [
  0,
  -0,
  -1,
  1,
  0.5,
  1.5,
  -1e308,
  1e308,
  5e-324,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 63,
  2 ** 64,
  -(2 ** 63),
  100_000_000.01,
  1e16,
  3660,
  3661,
  10_001,
];

/** Path parameters: ids that are not ids. */
export const HOSTILE_PATH_PARAMS: readonly string[] = [
  '-1',
  '0',
  '9223372036854775808', // 2^63
  '18446744073709551616',
  '9007199254740993',
  'abc',
  '1e3',
  '1.5',
  '0x10',
  ' 1',
  '1;drop',
  '%00',
  '%2e%2e',
  'x'.repeat(5_000),
  '😀',
  '%D8%00',
];

/** A JSON value nested `depth` levels deep (arrays or objects). */
export function nested(depth: number, kind: 'array' | 'object'): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = kind === 'array' ? [v] : { a: v };
  return v;
}

/** Values of the wrong JSON type for any field. */
export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 'str', [], {}, [1, 2, 3], { a: 1 }),
  fc.constantFrom(10, 100, 1_000).map((d) => nested(d, 'array')),
  fc.constantFrom(10, 100, 1_000).map((d) => nested(d, 'object')),
);

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
);
/** The far ends come up most: past them a period loop that trusts its bound never ends. */
export const hostileDate: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('9999-12-31', '0001-01-01', '2100-01-01', '1999-12-31') },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_DATES) },
);
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(fc.constantFrom(...HOSTILE_NUMBERS), fc.double({ noNaN: true, noDefaultInfinity: true }));
export const hostilePathParam: fc.Arbitrary<string> = fc.constantFrom(...HOSTILE_PATH_PARAMS);

/** Any hostile value, for a field whose schema we ignore on purpose. */
export const hostileAny: fc.Arbitrary<unknown> = fc.oneof(hostileString, hostileDate, hostileNumber, wrongType);
