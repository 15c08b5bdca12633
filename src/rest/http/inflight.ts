/** Counts requests in flight so shutdown can wait for them. */
export class Inflight {
  count = 0;
  private waiters: (() => void)[] = [];
  start(): void {
    this.count++;
  }
  end(): void {
    this.count--;
    if (this.count === 0) for (const w of this.waiters.splice(0)) w();
  }
  /** Resolves when no request is in flight, or after timeoutMs. */
  idle(timeoutMs: number): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
