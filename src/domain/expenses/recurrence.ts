/**
 * The next due date of a recurring expense. Monthly and yearly keep the day they started on
 * (the anchor): monthly on the 31st falls on the last day of shorter months and comes back to the
 * 31st after; yearly on 29 February falls on 28 February in other years.
 */
export type Frequency = 'daily' | 'weekly' | 'monthly' | 'yearly';

const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate(); // m is 1-12
const iso = (y: number, m: number, d: number) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

export function nextDueDate(current: string, frequency: Frequency, anchorDay: number): string {
  const [y, m, d] = current.split('-').map(Number) as [number, number, number];
  switch (frequency) {
    case 'daily':
    case 'weekly': {
      const t = new Date(Date.UTC(y, m - 1, d));
      t.setUTCDate(t.getUTCDate() + (frequency === 'daily' ? 1 : 7));
      return t.toISOString().slice(0, 10);
    }
    case 'monthly': {
      const ny = m === 12 ? y + 1 : y;
      const nm = m === 12 ? 1 : m + 1;
      return iso(ny, nm, Math.min(anchorDay, daysIn(ny, nm)));
    }
    case 'yearly':
      return iso(y + 1, m, Math.min(anchorDay, daysIn(y + 1, m)));
  }
}
