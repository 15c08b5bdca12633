/**
 * The next due date of a recurring expense. Monthly and yearly keep the day they started on
 * (the anchor): monthly on the 31st falls on the last day of shorter months and comes back to the
 * 31st after; yearly on 29 February falls on 28 February in other years.
 */
import { addDays, daysInMonth, isoDate } from '../common/index.ts';

export type Frequency = 'daily' | 'weekly' | 'monthly' | 'yearly';

export function nextDueDate(current: string, frequency: Frequency, anchorDay: number): string {
  const [y, m, d] = current.split('-').map(Number) as [number, number, number];
  switch (frequency) {
    case 'daily':
    case 'weekly':
      return addDays(isoDate(y, m, d), frequency === 'daily' ? 1 : 7);
    case 'monthly': {
      const ny = m === 12 ? y + 1 : y;
      const nm = m === 12 ? 1 : m + 1;
      return isoDate(ny, nm, Math.min(anchorDay, daysInMonth(ny, nm)));
    }
    case 'yearly':
      return isoDate(y + 1, m, Math.min(anchorDay, daysInMonth(y + 1, m)));
  }
}
