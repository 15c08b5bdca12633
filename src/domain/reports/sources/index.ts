import type { ReportType } from '../schema.ts';
import { invoices } from './invoices.ts';
import { customers, employees, expenses, products, vat } from './summaries.ts';
import type { ReportSource } from './types.ts';

export const SOURCES: Record<Exclude<ReportType, 'daily_summary'>, ReportSource> = { invoices, employees, products, expenses, vat, customers };
