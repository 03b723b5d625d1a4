-- A person created without a language setting has none (''): their pages
-- follow the browser. The column's default said 'en', which only a row
-- inserted without naming the column still got (an imported visitor).
ALTER TABLE people ALTER COLUMN language SET DEFAULT '';
