-- 0013 A VAT rate of 0% is allowed.
--
-- A shop that is not VAT-registered (in the UAE, below the registration threshold, which many
-- small tailors and laundries are) or that trades where there is no VAT charges none. Without a
-- rate in force bills are refused (no_vat_rate), so such a shop needs a 0% rate rather than none.
alter table vat_rates drop constraint vat_rates_rate_percent_check;
alter table vat_rates add constraint vat_rates_rate_percent_check check (rate_percent >= 0 and rate_percent <= 100);
