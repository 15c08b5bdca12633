/** Realistic demo data for the UAE service shops Tajir POS runs: kinds, catalogues, names, phones. */

export interface ShopKind {
  kind: string;
  names: string[];
  /** type → [product, price in AED] */
  catalogue: Record<string, [string, number][]>;
  positions: string[];
}

export const SHOP_KINDS: ShopKind[] = [
  {
    kind: 'tailor',
    names: ['Al Noor Tailoring', 'Royal Stitch', 'Al Fahidi Tailors', 'Golden Needle'],
    catalogue: {
      Kandura: [['Emirati kandura stitching', 180], ['Saudi kandura stitching', 160], ['Kandura with embroidery', 240]],
      Abaya: [['Classic abaya', 350], ['Embroidered abaya', 550], ['Abaya alteration', 60]],
      Alterations: [['Hemming', 25], ['Sleeve shortening', 30], ['Zip replacement', 35], ['Taking in', 45]],
      Suits: [['Two-piece suit', 900], ['Trousers', 150], ['Shirt', 120]],
    },
    positions: ['Master Tailor', 'Tailor', 'Cutter', 'Cashier'],
  },
  {
    kind: 'laundry',
    names: ['Clean & Fresh Laundry', 'Al Barsha Laundry', 'Sparkle Dry Cleaners', 'Desert Breeze Laundry'],
    catalogue: {
      Wash: [['Shirt wash & iron', 8], ['Trousers wash & iron', 9], ['Kandura wash & iron', 12], ['Bed sheet', 15]],
      'Dry clean': [['Suit dry clean', 35], ['Abaya dry clean', 25], ['Dress dry clean', 40], ['Curtain per panel', 30]],
      Ironing: [['Shirt iron only', 4], ['Kandura iron only', 6], ['Ghutra iron', 4]],
    },
    positions: ['Supervisor', 'Washer', 'Presser', 'Driver', 'Cashier'],
  },
  {
    kind: 'salon',
    names: ['Glamour Ladies Salon', 'Gentlemen Barber Lounge', 'Rose Beauty Centre', 'Al Majaz Salon'],
    catalogue: {
      Hair: [['Haircut', 45], ['Beard trim', 25], ['Hair colour', 180], ['Blow dry', 60]],
      Care: [['Facial', 150], ['Manicure', 70], ['Pedicure', 90], ['Threading', 20]],
      Packages: [['Bridal package', 1500], ['Groom package', 450]],
    },
    positions: ['Senior Stylist', 'Stylist', 'Barber', 'Beautician', 'Receptionist'],
  },
  {
    kind: 'repair',
    names: ['Fix It Mobile Repair', 'Al Karama Electronics Repair', 'Quick Shoe Repair', 'Watch Care Centre'],
    catalogue: {
      Phones: [['Screen replacement', 350], ['Battery replacement', 180], ['Charging port repair', 120]],
      Watches: [['Watch battery', 40], ['Strap replacement', 60], ['Service', 250]],
      Shoes: [['Sole repair', 50], ['Heel repair', 35], ['Polish', 15]],
    },
    positions: ['Technician', 'Senior Technician', 'Cashier'],
  },
  {
    kind: 'cafe',
    names: ['Karak House', 'Dune Coffee', 'Al Seef Café', 'Morning Brew'],
    catalogue: {
      Drinks: [['Karak chai', 3], ['Arabic coffee', 12], ['Cappuccino', 16], ['Fresh juice', 15]],
      Food: [['Chicken shawarma', 10], ['Falafel sandwich', 8], ['Club sandwich', 25], ['Manakish', 9]],
      Sweets: [['Luqaimat', 15], ['Kunafa', 20]],
    },
    positions: ['Barista', 'Cook', 'Waiter', 'Cashier'],
  },
];

const FIRST = [
  'Ahmed', 'Mohammed', 'Fatima', 'Aisha', 'Omar', 'Khalid', 'Mariam', 'Sara', 'Hassan', 'Ali', 'Noura', 'Layla', 'Yousef', 'Rashid',
  'Salem', 'Hamdan', 'Priya', 'Rahul', 'Anil', 'Sunita', 'Imran', 'Ayesha', 'Bilal', 'Farhan', 'Maria', 'John', 'Grace', 'Joseph',
  'Emma', 'James', 'Olga', 'Ivan', 'Chen', 'Li', 'Kofi', 'Amina', 'Zainab', 'Tariq', 'Nadia', 'Samir',
];
const LAST = [
  'Al Mansoori', 'Al Nuaimi', 'Al Shamsi', 'Al Ketbi', 'Al Falasi', 'Al Hammadi', 'Hassan', 'Khan', 'Sharma', 'Nair', 'Menon', 'Patel',
  'Qureshi', 'Siddiqui', 'Fernandes', "D'Souza", 'Santos', 'Reyes', 'Smith', 'Brown', 'Ivanova', 'Wang', 'Mensah', 'Haddad', 'Khoury',
];

/** A small deterministic PRNG (mulberry32), so a seed run is reproducible. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T,
  };
}

export type Rng = ReturnType<typeof rng>;

export const personName = (r: Rng) => `${r.pick(FIRST)} ${r.pick(LAST)}`;

const MOBILE_PREFIXES = ['50', '52', '54', '55', '56', '58'];
/** The i-th distinct UAE mobile number of a shop (E.164). */
export function uaeMobile(i: number): string {
  const prefix = MOBILE_PREFIXES[i % MOBILE_PREFIXES.length]!;
  const rest = String(1_000_000 + (Math.floor(i / MOBILE_PREFIXES.length) * 7919) % 9_000_000).padStart(7, '0');
  return `+971${prefix}${rest}`;
}
