-- Half of each page of follows is left free when rows are written, so an
-- update of columns no index covers (remark, blacklist flag, mute: a
-- follower CSV import sets them for a whole member list) writes the new row
-- version into the same page and touches none of the table's five indexes
-- (a heap-only update). Pages written before this keep their fill until
-- rewritten.
ALTER TABLE follows SET (fillfactor = 50);
