/**
 * Reply shapes that differ between RESP2 and RESP3. ioredis 6 speaks RESP3, where
 * ZRANGE ... WITHSCORES answers [[member, score], ...] instead of RESP2's flat
 * [member, score, ...]; this accepts both so nothing depends on the protocol in use.
 */
export function zpairs(reply: unknown): [string, number][] {
  const arr = (reply ?? []) as unknown[];
  if (arr.length > 0 && Array.isArray(arr[0])) {
    return (arr as [unknown, unknown][]).map(([m, s]) => [String(m), Number(s)]);
  }
  const out: [string, number][] = [];
  for (let i = 0; i + 1 < arr.length; i += 2) out.push([String(arr[i]), Number(arr[i + 1])]);
  return out;
}
