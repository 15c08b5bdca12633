/**
 * The one source of "now". Every "today in the shop's zone" and every time a write records
 * (bills.created_at, payments.paid_at) comes from the clock in the process's deps, passed to SQL
 * as a parameter: never from PostgreSQL's now() on one path and the app's Date on another, which
 * disagreed about the date for the seconds around a shop's midnight whenever the two hosts'
 * clocks differ. Tests inject their own clock (test/support/clock.ts).
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = Object.freeze({ now: () => new Date() });
