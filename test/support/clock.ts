/**
 * The tests' clock, injected into the service they run (createCore's clock): real time unless a
 * test pins it, so a date-dependent test asks the service's own clock what "today" is instead of
 * reading its own and racing a shop's midnight.
 */
import { localDate } from '../../src/domain/common/calendar.ts';
import type { Clock } from '../../src/domain/common/clock.ts';

export class TestClock implements Clock {
  private pinned: Date | undefined;

  now(): Date {
    return this.pinned ? new Date(this.pinned) : new Date();
  }

  /** Stops the clock at `instant` until release(). */
  pin(instant: string | Date): void {
    this.pinned = new Date(instant);
  }

  release(): void {
    this.pinned = undefined;
  }

  /** Runs fn with the clock stopped at `instant`, then lets it run again. */
  async at<T>(instant: string | Date, fn: () => Promise<T>): Promise<T> {
    this.pin(instant);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** YYYY-MM-DD now in a time zone (default the shops' default, Asia/Dubai). */
  today(timeZone = 'Asia/Dubai'): string {
    return localDate(this.now(), timeZone);
  }
}
