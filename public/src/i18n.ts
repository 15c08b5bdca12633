/** English and Arabic labels; Arabic switches the page to right-to-left. */
const DICT = {
  en: {
    dashboard: 'Dashboard', login: 'Log in', email: 'Email', password: 'Password', logout: 'Log out',
    live: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline',
    today: 'Today', revenue: 'Revenue', bills: 'Bills', avg_bill: 'Average bill', collected: 'Collected',
    outstanding: 'Outstanding', open_bills: 'Open bills', expenses: 'Expenses', this_month: 'This month', customers: 'Customers',
    hourly: 'Revenue per hour today', daily: 'Revenue per day (30 days)', monthly: 'Revenue vs expenses per month',
    top_products: 'Top products', employees: 'Employee leaderboard', top_areas: 'Top areas', feed: 'Latest bills',
    tiers: 'Tier upgrades', insights: 'Financial insights', days: 'days', custom: 'Custom', apply: 'Apply',
    net_revenue: 'Net revenue (no VAT)', vat: 'VAT collected', profit: 'Profit', margin: 'Margin', previous: 'Previous period',
    reports: 'Reports', request: 'Request report', download: 'Download', quantity: 'Qty', share: 'Share',
    reports_unavailable: 'Reports are not available on this server yet.', language: 'العربية',
    terminal: 'Terminal', token: 'Terminal token', save: 'Save', product: 'Product', add_line: 'Add line',
    discount: 'Discount %', customer_phone: 'Customer phone', customer_name: 'Customer name', master: 'Master',
    advance: 'Advance payment', method: 'Method', subtotal: 'Subtotal', total: 'Total', submit: 'Create bill',
    receipt: 'Receipt', new_bill: 'New bill', print: 'Print', remove: 'Remove', none: '—',
  },
  ar: {
    dashboard: 'لوحة التحكم', login: 'تسجيل الدخول', email: 'البريد الإلكتروني', password: 'كلمة المرور', logout: 'خروج',
    live: 'مباشر', reconnecting: 'جارٍ إعادة الاتصال…', offline: 'غير متصل',
    today: 'اليوم', revenue: 'الإيرادات', bills: 'الفواتير', avg_bill: 'متوسط الفاتورة', collected: 'المحصّل',
    outstanding: 'المستحق', open_bills: 'فواتير مفتوحة', expenses: 'المصروفات', this_month: 'هذا الشهر', customers: 'العملاء',
    hourly: 'الإيرادات لكل ساعة اليوم', daily: 'الإيرادات اليومية (30 يومًا)', monthly: 'الإيرادات مقابل المصروفات شهريًا',
    top_products: 'أفضل المنتجات', employees: 'ترتيب الموظفين', top_areas: 'أفضل المناطق', feed: 'أحدث الفواتير',
    tiers: 'ترقيات المستوى', insights: 'التحليلات المالية', days: 'يوم', custom: 'مخصص', apply: 'تطبيق',
    net_revenue: 'صافي الإيرادات (بدون ضريبة)', vat: 'ضريبة القيمة المضافة', profit: 'الربح', margin: 'الهامش', previous: 'الفترة السابقة',
    reports: 'التقارير', request: 'طلب تقرير', download: 'تنزيل', quantity: 'الكمية', share: 'الحصة',
    reports_unavailable: 'التقارير غير متاحة على هذا الخادم بعد.', language: 'English',
    terminal: 'نقطة البيع', token: 'رمز الجهاز', save: 'حفظ', product: 'المنتج', add_line: 'إضافة بند',
    discount: 'الخصم %', customer_phone: 'هاتف العميل', customer_name: 'اسم العميل', master: 'المعلّم',
    advance: 'دفعة مقدمة', method: 'طريقة الدفع', subtotal: 'المجموع الفرعي', total: 'الإجمالي', submit: 'إنشاء الفاتورة',
    receipt: 'الإيصال', new_bill: 'فاتورة جديدة', print: 'طباعة', remove: 'حذف', none: '—',
  },
} as const;

export type Lang = keyof typeof DICT;
export type Key = keyof (typeof DICT)['en'];

let current: Lang = 'en';

export function setLanguage(lang: Lang): void {
  current = lang;
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === 'ar' ? 'rtl' : 'ltr';
}

export const t = (k: Key): string => DICT[current][k];
export const language = () => current;
