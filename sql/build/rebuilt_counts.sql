-- How many integrations were rebuilt in full and how many are registered: unequal in almost every
-- build, and comparing counts costs a third of comparing the sets (build/rebuilt_everything.sql).
SELECT (SELECT count(DISTINCT integration_id) FROM build_rebuilt), (SELECT count(*) FROM app.integrations);
