-- 0006 reference data: UAE cities (emirates and main cities) and their common areas.
-- Read by GET /api/cities and GET /api/cities/:id/areas; customers store the names as text.

insert into uae_cities (id, name, name_ar) values
  (1, 'Dubai', 'دبي'),
  (2, 'Abu Dhabi', 'أبو ظبي'),
  (3, 'Sharjah', 'الشارقة'),
  (4, 'Ajman', 'عجمان'),
  (5, 'Umm Al Quwain', 'أم القيوين'),
  (6, 'Ras Al Khaimah', 'رأس الخيمة'),
  (7, 'Fujairah', 'الفجيرة'),
  (8, 'Al Ain', 'العين');

insert into uae_areas (city_id, name) values
  (1, 'Al Barsha'), (1, 'Al Karama'), (1, 'Al Quoz'), (1, 'Bur Dubai'), (1, 'Business Bay'),
  (1, 'Deira'), (1, 'Downtown Dubai'), (1, 'Dubai Marina'), (1, 'Jumeirah'), (1, 'Jumeirah Lake Towers'),
  (1, 'Al Nahda'), (1, 'Mirdif'), (1, 'International City'), (1, 'Silicon Oasis'), (1, 'Al Qusais'),
  (2, 'Al Khalidiyah'), (2, 'Al Mushrif'), (2, 'Al Reem Island'), (2, 'Khalifa City'), (2, 'Mussafah'),
  (2, 'Al Zahiyah'), (2, 'Mohammed Bin Zayed City'), (2, 'Al Bateen'), (2, 'Yas Island'),
  (3, 'Al Majaz'), (3, 'Al Nahda'), (3, 'Al Qasimia'), (3, 'Al Taawun'), (3, 'Muwaileh'), (3, 'Rolla'),
  (3, 'Al Khan'), (3, 'Industrial Area'),
  (4, 'Al Nuaimiya'), (4, 'Al Rashidiya'), (4, 'Al Jurf'), (4, 'Al Rawda'), (4, 'Ajman Downtown'),
  (5, 'Al Salamah'), (5, 'Al Raas'), (5, 'Old Town'),
  (6, 'Al Nakheel'), (6, 'Al Hamra'), (6, 'Al Dhait'), (6, 'Khuzam'),
  (7, 'Al Faseel'), (7, 'Dibba'), (7, 'Merashid'), (7, 'Sakamkam'),
  (8, 'Al Jimi'), (8, 'Al Muwaiji'), (8, 'Hili'), (8, 'Al Towayya'), (8, 'Zakher');
