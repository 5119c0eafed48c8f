-- Up Migration

-- TERM-1: ops suspensions, reactivations and terminations are audit events too. Their detail
-- holds reason codes and instants only (no free text, so no personal data).
ALTER TABLE audit_events DROP CONSTRAINT audit_events_kind_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_kind_check CHECK (
  kind IN (
    'account_erased',
    'ops_action_announced',
    'ops_action_withdrawn',
    'account_suspended',
    'account_reactivated',
    'account_terminated'
  )
);

-- Down Migration
DELETE FROM audit_events WHERE kind <> 'account_erased';
ALTER TABLE audit_events DROP CONSTRAINT audit_events_kind_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_kind_check CHECK (kind IN ('account_erased'));
