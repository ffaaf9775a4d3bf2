-- Pending sync requests, oldest first, each with the active integrations it covers (one row per
-- integration; integration_id NULL when the request covers none: unknown, archived or no integrations).
SELECT r.request_id, i.integration_id
FROM app.sync_requests r
LEFT JOIN app.integrations i
    ON i.account_id = r.account_id
   AND i.archived_at IS NULL
   AND (r.integration_id IS NULL OR i.integration_id = r.integration_id)
WHERE r.status = 'pending'
ORDER BY r.requested_at, r.request_id, i.integration_id
