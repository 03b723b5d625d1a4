-- A person's language setting was 'en' by default before faces were
-- translated, and a person created without one still got 'en', so that a
-- setting nobody chose kept pages in English whatever the browser asked
-- for. Clear it, so that the page follows the browser, where the row was
-- never changed after it was created (updated_at = created_at): such an
-- 'en' is the default, or the language someone signed up in, which their
-- browser asks for anyway. A row changed since (a password, the profile,
-- the switcher) keeps its setting: nothing tells a chosen 'en' from one
-- the profile form wrote back unchanged.
UPDATE people SET language = '' WHERE language = 'en' AND updated_at = created_at;
