/** Money and dates in the shop's currency, time zone, date format and language. */
export interface Locale {
  currency: string;
  timezone: string;
  date_format: string;
  language: 'en' | 'ar';
}

export const DEFAULT_LOCALE: Locale = { currency: 'AED', timezone: 'Asia/Dubai', date_format: 'DD/MM/YYYY', language: 'en' };

export function formatter(l: Locale) {
  const tag = l.language === 'ar' ? 'ar-AE' : 'en-AE';
  const money = new Intl.NumberFormat(tag, { style: 'currency', currency: l.currency, minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const number = new Intl.NumberFormat(tag);
  const time = new Intl.DateTimeFormat(tag, { timeZone: l.timezone, hour: '2-digit', minute: '2-digit' });
  // en-CA writes dates as YYYY-MM-DD
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: l.timezone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return {
    money: (v: number) => money.format(v),
    number: (v: number) => number.format(v),
    /** A YYYY-MM-DD date in the shop's date format (DD, MM, YYYY placeholders). */
    date: (d: string) => {
      const [y, m, day] = d.split('-');
      return l.date_format.replace('YYYY', y ?? '').replace('MM', m ?? '').replace('DD', day ?? '');
    },
    /** The same without the year (chart labels): DD/MM, MM/DD or MM-DD. */
    shortDate: (d: string) => {
      const [, m, day] = d.split('-');
      return l.date_format.replace(/[^A-Za-z]?YYYY[^A-Za-z]?/, '').replace('MM', m ?? '').replace('DD', day ?? '');
    },
    time: (iso: string | Date) => time.format(new Date(iso)),
    /** Today's date in the shop's time zone, YYYY-MM-DD (not the browser's, not UTC). */
    today: () => today.format(new Date()),
  };
}
