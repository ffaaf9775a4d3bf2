-- Loads the installed token lists ($files: list files in node_modules, pipelines/token_lists.py)
-- into app.token_lists, each token under the chain key its chainId has in the chain registry
-- ($chain_ids and $chain_keys, parallel lists); tokens of chains the registry does not know are
-- left out. Replaces the whole table, so a package upgrade drops the tokens its new version dropped.
DELETE FROM app.token_lists;
INSERT INTO app.token_lists
WITH registry AS (SELECT unnest($chain_ids::BIGINT[]) AS chain_id, unnest($chain_keys::VARCHAR[]) AS chain),
     listed AS (
        SELECT name AS list_name, unnest(tokens) AS t
        FROM read_json($files::VARCHAR[], columns = {'name': 'VARCHAR',
             'tokens': 'STRUCT(chainId BIGINT, address VARCHAR, symbol VARCHAR, name VARCHAR)[]'})
     )
SELECT DISTINCT r.chain, lower(l.t.address), l.t.symbol, l.t.name, l.list_name
FROM listed l JOIN registry r ON r.chain_id = l.t.chainId
WHERE l.t.address IS NOT NULL;
DELETE FROM app.token_list_sources;
INSERT INTO app.token_list_sources SELECT unnest($packages::VARCHAR[]), unnest($versions::VARCHAR[]);
