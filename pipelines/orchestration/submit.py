"""Sync All submitted to a running Dagster webserver, so the runs show in its UI.

The `sync_all` runs are launched at once through the GraphQL API, one per range of neighbouring
integrations (`PIPELINES_SYNC_BATCH` at most, as the assets' backfill policy batches them), each
tagged with the press's id (`pipelines/sync_all`). A partition backfill, what the UI's "Materialize
all" button launches, creates its runs only at the backfill daemon's next iteration (up to 30 s
later); launched runs go straight to the run queue. Integrations already queued or running are left
out first, and integrations the registry sensor has not yet turned into partitions are added.
Plain HTTP (urllib), no client library: the CLI stays light.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass

from pipelines.errors import UserError
from pipelines.orchestration.runs import FULL_RESYNC_TAG, TRIGGER_TAG, partitions_of, range_tags, run_ranges
from pipelines.settings import sync_batch_size

DEFAULT_URL = "http://127.0.0.1:3000"
JOB = "sync_all"
ACTIVE_STATUSES = ["QUEUED", "NOT_STARTED", "STARTING", "STARTED"]

_REPOSITORIES = """query { repositoriesOrError { __typename
  ... on RepositoryConnection { nodes { name location { name } jobs { name } } }
  ... on PythonError { message } } }"""
_ASSETS = """query($job: PipelineSelector!) { assetNodes(pipeline: $job) {
  assetKey { path } isPartitioned partitionDefinition { name } } }"""
_PARTITION_KEYS = """query($key: AssetKeyInput!) { assetNodeOrError(assetKey: $key) {
  ... on AssetNode { partitionKeys } } }"""
_ACTIVE_RUNS = """query($filter: RunsFilter) { runsOrError(filter: $filter) { __typename
  ... on Runs { results { runId tags { key value } } } ... on PythonError { message } } }"""
_BACKFILLS = """query { partitionBackfillsOrError(status: REQUESTED) { __typename
  ... on PartitionBackfills { results { id partitionNames } } ... on PythonError { message } } }"""
_ADD_PARTITION = """mutation($repo: RepositorySelector!, $name: String!, $key: String!) {
  addDynamicPartition(repositorySelector: $repo, partitionsDefName: $name, partitionKey: $key) {
  __typename ... on PythonError { message } ... on UnauthorizedError { message } } }"""
_LAUNCH_RUNS = """mutation($params: [ExecutionParams!]!) { launchMultipleRuns(executionParamsList: $params) {
  __typename ... on PythonError { message }
  ... on LaunchMultipleRunsResult { launchMultipleRunsResult { __typename
    ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } ... on UnauthorizedError { message }
    ... on InvalidSubsetError { message } ... on PipelineNotFoundError { message } ... on RunConflict { message }
    ... on InvalidStepError { invalidStepKey } ... on RunConfigValidationInvalid { errors { message } } } } } }"""
#: Run tag: one id per press of Sync All, on each of its runs (the summary links to them).
PRESS_TAG = "pipelines/sync_all"


@dataclass(frozen=True)
class Submitted:
    url: str
    press_id: str | None  # None when nothing was left to launch
    run_ids: list[str]
    launched: list[str]
    already_running: list[str]

    def summary(self) -> str:
        busy = f", {len(self.already_running)} already queued or running" if self.already_running else ""
        if self.press_id is None:
            return f"nothing submitted to {self.url}: all {len(self.already_running)} integrations already queued or running"
        query = urllib.parse.quote(f"tag:{PRESS_TAG}={self.press_id}")
        return (
            f"Sync All submitted to {self.url}: {len(self.launched)} integrations in {len(self.run_ids)} run(s){busy} "
            f"(watch them at {self.url}/runs?q%5B0%5D={query})"
        )


def webserver_url() -> str:
    """`DAGSTER_WEBSERVER_URL`, default the address `dagster dev` and `make dev` listen on."""
    return os.environ.get("DAGSTER_WEBSERVER_URL", DEFAULT_URL).rstrip("/")


class Webserver:
    """The GraphQL endpoint of one running Dagster webserver."""

    def __init__(self, url: str, timeout: float = 30.0):
        self.url = url.rstrip("/")
        self.timeout = timeout

    def query(self, text: str, variables: dict | None = None, *, timeout: float | None = None) -> dict:
        body = json.dumps({"query": text, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.url}/graphql", data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                answer = json.load(response)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise UserError(f"no Dagster webserver at {self.url} ({exc})") from None
        if answer.get("errors"):
            raise UserError(f"Dagster webserver at {self.url}: {answer['errors'][0].get('message')}")
        return answer["data"]

    def is_up(self) -> bool:
        """True when a webserver answers quickly (used to choose between submit and in-process)."""
        try:
            self.query("query { version }", timeout=1.0)
        except UserError:
            return False
        return True

    def repository(self) -> dict:
        """`{repositoryName, repositoryLocationName}` of the code location that has `sync_all`."""
        answer = self.query(_REPOSITORIES)["repositoriesOrError"]
        for node in answer.get("nodes", []):
            if any(job["name"] == JOB for job in node["jobs"]):
                return {"repositoryName": node["name"], "repositoryLocationName": node["location"]["name"]}
        raise UserError(f"the Dagster webserver at {self.url} has no {JOB} job loaded ({answer.get('message', '')})")

    def partition_keys(self, asset_path: list[str]) -> list[str]:
        node = self.query(_PARTITION_KEYS, {"key": {"path": asset_path}})["assetNodeOrError"]
        return node.get("partitionKeys") or []

    def active_partitions(self, all_keys: list[str]) -> set[str]:
        """Partitions of queued or running runs and of unfinished backfills (see runs.py)."""
        runs = self.query(_ACTIVE_RUNS, {"filter": {"statuses": ACTIVE_STATUSES}})["runsOrError"]
        covered = partitions_of(({t["key"]: t["value"] for t in run["tags"]} for run in runs.get("results", [])), all_keys)
        backfills = self.query(_BACKFILLS)["partitionBackfillsOrError"]
        for backfill in backfills.get("results", []):
            covered.update(backfill["partitionNames"] or [])
        return covered


def _ok(result: dict, what: str) -> dict:
    if "message" in result or "invalidStepKey" in result or "errors" in result:
        detail = result.get("message") or result.get("invalidStepKey") or "; ".join(e["message"] for e in result["errors"])
        raise UserError(f"{what}: {result['__typename']}: {detail}")
    return result


def submit_sync_all(url: str, integration_ids: list[str], *, full: bool = False, trigger: str = "cli") -> Submitted:
    """Launch Sync All for these integrations on the webserver at `url` (its runs, at once)."""
    server = Webserver(url)
    repo = server.repository()
    nodes = server.query(_ASSETS, {"job": {**repo, "pipelineName": JOB}})["assetNodes"]
    partitioned = [n for n in nodes if n["isPartitioned"]]
    if not partitioned:
        raise UserError(f"{JOB} on {url} has no partitioned assets")
    keys = server.partition_keys(partitioned[0]["assetKey"]["path"])
    busy = server.active_partitions(keys)
    todo = [i for i in integration_ids if i not in busy]
    if not todo:
        return Submitted(url, None, [], [], [i for i in integration_ids if i in busy])
    partitions_def = partitioned[0]["partitionDefinition"]["name"]
    for integration_id in sorted(set(todo) - set(keys)):
        added = server.query(_ADD_PARTITION, {"repo": repo, "name": partitions_def, "key": integration_id})
        _ok(added["addDynamicPartition"], f"adding partition {integration_id}")
        keys.append(integration_id)  # new partitions come last, in the order they were added
    press_id = uuid.uuid4().hex[:12]
    tags = {TRIGGER_TAG: trigger, PRESS_TAG: press_id, **({FULL_RESYNC_TAG: "true"} if full else {})}
    params = [
        {"selector": {**repo, "jobName": JOB},
         "executionMetadata": {"tags": [{"key": k, "value": v} for k, v in {**tags, **range_tags(batch)}.items()]}}
        for batch in run_ranges(todo, keys, sync_batch_size())
    ]
    launched = _ok(server.query(_LAUNCH_RUNS, {"params": params})["launchMultipleRuns"], "launching Sync All")
    run_ids = [_ok(r, "launching Sync All")["run"]["runId"] for r in launched["launchMultipleRunsResult"]]
    return Submitted(url, press_id, run_ids, todo, [i for i in integration_ids if i in busy])


def submit_if_running(integration_ids: list[str], *, full: bool, url: str | None) -> Submitted | None:
    """The CLI's choice: `url` given ("" = the default address) submits there or fails; no `url`
    submits when `DAGSTER_WEBSERVER_URL` is set and answers, and otherwise returns None (the caller
    then syncs in-process). Only an explicit address is probed, so a test or a laptop never submits
    to whatever happens to listen on port 3000."""
    if not integration_ids:
        return None
    if url is None:
        url = os.environ.get("DAGSTER_WEBSERVER_URL")
        if not url or not Webserver(url).is_up():
            return None
    return submit_sync_all(url or webserver_url(), integration_ids, full=full)
