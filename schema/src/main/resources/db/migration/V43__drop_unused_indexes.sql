-- AI Bridge schema, version 43 (recorder-service): four indexes that nothing reads, and every write paid for.
--
-- aibridge_interceptions_id (id) repeats the leading column of the primary key (id, started_at),
-- which serves every look-up by id alone just as well. The provider_response_id indexes of the
-- token usages, prompts and tool usages have no query: the API and the recorder reach children by
-- their interception, never by the provider's response id. Each was one more B-tree leaf to dirty,
-- log and (after a checkpoint) write as a full page for every row the recorder stores.
DROP INDEX aibridge_interceptions_id;
DROP INDEX aibridge_token_usages_response;
DROP INDEX aibridge_user_prompts_response;
DROP INDEX aibridge_tool_usages_response;
