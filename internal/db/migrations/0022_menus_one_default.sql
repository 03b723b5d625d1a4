-- At most one default menu per account, even when two people publish at once.
CREATE UNIQUE INDEX menus_one_default ON menus (account_id) WHERE conditional = FALSE;
