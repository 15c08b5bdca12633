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
    search: 'Search products', barcode: 'Scan barcode', all: 'All', cart: 'Cart', empty_cart: 'Tap a product to start a sale',
    qty: 'Qty', line_discount: 'Disc. %', charge: 'Charge', pay: 'Payment', cash: 'Cash', tendered: 'Amount',
    change: 'Change', due: 'Due', remaining: 'Remaining', add_payment: 'Add payment', complete: 'Complete sale',
    pay_later: 'No payment now', cancel: 'Cancel', tax_invoice: 'Tax Invoice', provisional: 'PROVISIONAL',
    provisional_ref: 'Ref', bill_no: 'Bill No', date: 'Date', customer: 'Customer', customer_trn: 'Customer TRN', trn: 'TRN',
    subtotal_ex_vat: 'Subtotal (excl. VAT)', discount_total: 'Discount', total_inc_vat: 'Total incl. VAT',
    balance_due: 'Balance due', points_earned: 'Points earned', cashier: 'Cashier', cashier_sign_in: 'Cashier sign-in',
    sign_out: 'Sign out', pin: 'PIN', sign_in: 'Sign in', pending: 'waiting to sync', refused: 'Refused by the server',
    retry: 'Retry', points: 'points', tier: 'Tier', no_barcode: 'No product has this barcode', reprint: 'Reprint',
    new_customer: 'New customer', walk_in: 'Walk-in customer', paid: 'Paid', vat_short: 'VAT', done: 'Done',
    synced_as: 'Synced as', no_vat: 'No VAT rate is in force today', clear: 'Clear', business: 'Business', business_name: 'Business name', sold_at: 'sold at', price_then: 'the price then', price_now: 'now',
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
    search: 'ابحث عن منتج', barcode: 'امسح الباركود', all: 'الكل', cart: 'السلة', empty_cart: 'اضغط على منتج لبدء البيع',
    qty: 'الكمية', line_discount: 'خصم %', charge: 'الدفع', pay: 'الدفع', cash: 'نقدًا', tendered: 'المبلغ',
    change: 'الباقي', due: 'المستحق', remaining: 'المتبقي', add_payment: 'إضافة دفعة', complete: 'إتمام البيع',
    pay_later: 'بدون دفع الآن', cancel: 'إلغاء', tax_invoice: 'فاتورة ضريبية', provisional: 'مؤقتة',
    provisional_ref: 'المرجع', bill_no: 'رقم الفاتورة', date: 'التاريخ', customer: 'العميل', customer_trn: 'الرقم الضريبي للعميل', trn: 'الرقم الضريبي',
    subtotal_ex_vat: 'المجموع (بدون ضريبة)', discount_total: 'الخصم', total_inc_vat: 'الإجمالي شامل الضريبة',
    balance_due: 'المبلغ المتبقي', points_earned: 'النقاط المكتسبة', cashier: 'الكاشير', cashier_sign_in: 'دخول الكاشير',
    sign_out: 'خروج', pin: 'الرمز السري', sign_in: 'دخول', pending: 'بانتظار المزامنة', refused: 'رفضها الخادم',
    retry: 'إعادة المحاولة', points: 'نقطة', tier: 'المستوى', no_barcode: 'لا يوجد منتج بهذا الباركود', reprint: 'إعادة الطباعة',
    new_customer: 'عميل جديد', walk_in: 'عميل عابر', paid: 'المدفوع', vat_short: 'الضريبة', done: 'تم',
    synced_as: 'تمت المزامنة برقم', no_vat: 'لا توجد نسبة ضريبة سارية اليوم', clear: 'مسح', business: 'شركة', business_name: 'اسم الشركة', sold_at: 'بيع بسعر', price_then: 'السعر وقتها', price_now: 'والآن',
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
