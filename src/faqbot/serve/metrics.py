"""Prometheus metrics for `GET /metrics`, with the standard client library.

With several workers (``faqbot serve --workers N``), each worker writes its values
to files in ``PROMETHEUS_MULTIPROC_DIR`` (set by `faqbot serve` before the workers
start) and `/metrics`, whichever worker answers it, adds them up: the library's
multiprocess mode.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)

__all__ = ["CONTENT_TYPE", "Metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

#: Latency buckets, in seconds: an answer takes about a millisecond, so the buckets
#: are fine below 50 ms (the p99 target) and coarse above.
_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


def _multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class Metrics:
    """The server's counters and latency histogram, in a registry of their own."""

    def __init__(self) -> None:
        disable_created_metrics()  # no `*_created` series: they double the output and nobody graphs them
        self.registry = CollectorRegistry(auto_describe=True)
        if not _multiprocess():
            ProcessCollector(registry=self.registry)  # memory and CPU of this process
        r = self.registry
        self._requests = Counter("faqbot_http_requests", "HTTP requests answered, by route, method and status code",
                                 ["route", "method", "status"], registry=r)
        self._latency = Histogram("faqbot_http_request_duration_seconds", "Time to answer an HTTP request, by route",
                                  ["route"], buckets=_BUCKETS, registry=r)
        self._replies = Counter("faqbot_replies", "Replies to questions, by reply status", ["status"], registry=r)
        self._unanswered = Counter("faqbot_unanswered", "Questions not answered (clarify or unknown replies)",
                                   registry=r)
        self._feedback = Counter("faqbot_feedback", "Feedback received, by helpful (true or false)", ["helpful"],
                                 registry=r)
        self._children: dict[tuple[str, ...], object] = {}

    def _child(self, metric: Counter | Histogram, *labels: str) -> object:
        key = (metric._name, *labels)  # noqa: SLF001 - one label lookup per metric and labels, not per request
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        self._child(self._requests, route, method, str(status)).inc()  # type: ignore[attr-defined]
        self._child(self._latency, route).observe(seconds)  # type: ignore[attr-defined]

    def reply(self, status: str) -> None:
        self._child(self._replies, status).inc()  # type: ignore[attr-defined]
        if status in ("clarify", "unknown"):
            self._unanswered.inc()

    def feedback(self, helpful: bool) -> None:
        self._child(self._feedback, "true" if helpful else "false").inc()  # type: ignore[attr-defined]

    def exposition(self) -> bytes:
        """The metrics in Prometheus text format (all workers' together)."""
        if _multiprocess():
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)
