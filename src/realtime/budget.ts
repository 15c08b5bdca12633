/**
 * Per-socket budgets (DOMAIN.md "Bounds"; Centrifugo's per-connection limits). Socket events
 * bypass every REST limit, so each socket gets a token bucket that every incoming event draws
 * from, unknown event names included: about 10 a second with bursts of 20. An event over budget
 * is refused with an error ack; a socket that goes on sending after many refusals is flooding and
 * is disconnected. Checked synchronously per packet, with no allocation and no Redis round trip:
 * a flood must cost the node as little as possible.
 */

export interface BudgetOptions {
  /** Bucket size: events a socket may send at once. Default 20. */
  burst?: number;
  /** Tokens added per second. Default 10. */
  perSecond?: number;
  /** Refused events in a row (no accepted event between them) before the socket counts as flooding. Default 50. */
  floodAfter?: number;
}

export type Verdict = 'ok' | 'refused' | 'flooding';

export class EventBudget {
  private tokens: number;
  private last: number;
  private refusedInRow = 0;
  private readonly burst: number;
  private readonly perMs: number;
  private readonly floodAfter: number;

  constructor(opts: BudgetOptions = {}, now = performance.now()) {
    this.burst = opts.burst ?? 20;
    this.perMs = (opts.perSecond ?? 10) / 1000;
    this.floodAfter = opts.floodAfter ?? 50;
    this.tokens = this.burst;
    this.last = now;
  }

  /** Draws one token for an incoming event. */
  take(now = performance.now()): Verdict {
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.perMs);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.refusedInRow = 0;
      return 'ok';
    }
    this.refusedInRow++;
    return this.refusedInRow > this.floodAfter ? 'flooding' : 'refused';
  }
}
