-- AI Bridge schema, version 49 (recorder-service): the day through which retention has purged, so
-- that a late event never brings a purged day back.
--
-- Retention removes whole days: it detaches an expired day's partitions, then drops them. The
-- recorder creates a missing day's partitions on demand (aibridge_ensure_day_partitions), and
-- refuses days whose partitions exist but are detached. Once a day's tables are dropped nothing in
-- the catalog says it ever existed, so a late event of that day (a replayed topic, a recorder that
-- was down) would create the day again with that one event, until the next purge removed it. The
-- recorder cannot refuse "days older than the oldest partition" instead: a fresh install replaying
-- the topic must be able to create its earliest days.
--
-- So retention records here, before it detaches anything, the newest day it is about to detach and
-- drop; the recorder refuses a day it has not created yet when it is at or before that day. No row:
-- retention has never purged a whole day, nothing is refused. One row (id is always true), only
-- ever raised (retention writes greatest(stored, new)): a horizon ahead of a failed purge is
-- harmless, as those days are past retention anyway.
CREATE TABLE aibridge_retention_horizon (
    id             boolean PRIMARY KEY DEFAULT true CHECK (id),
    purged_through date    NOT NULL
);
