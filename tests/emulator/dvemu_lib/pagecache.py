"""dvemu page cache and next-page prefetch: keeps the emulator off the critical path of the
driver's extraction benchmarks.

Owns: a bounded LRU of rendered collection pages (status, headers, body) keyed by everything
that shapes the page (API version, entity path, raw query, Prefer header, calling user, and
the server clock for $filter/fetchXml texts that may use relative date functions), tagged
with the data version (bumped by every committed write, batch or reset) so a cached page is
never served after the data changed; and a one-page-ahead prefetch: after a page with an
@odata.nextLink is served, one background thread renders the next page while the client
downloads and parses this one (SQLite releases the GIL while it steps). A request for a page
that is being prefetched waits for it instead of rendering it twice.

This is not a behaviour of the real service (which has no such cache); it is invisible to
clients: the same request gets the same bytes it would get without it. Service protection,
faults, authentication, the request log and page think time all happen outside it.
Configure with /_emu/config {"page_cache_mb": 256, "prefetch": true} (page_cache_mb 0 turns both off).
"""

import collections
import json
import threading

DEFAULT_MB = 256


class _Entry:
    __slots__ = ("version", "event", "result", "size")

    def __init__(self, version):
        self.version = version
        self.event = threading.Event()
        self.result = None
        self.size = 0


class PageCache:
    def __init__(self):
        self.lock = threading.Lock()
        self.entries = collections.OrderedDict()
        self.bytes = 0
        self.version = 0  # data version; writes call bump()
        self.jobs = []
        self.worker = None
        self.job_cv = threading.Condition(self.lock)
        self.stats = {"hits": 0, "misses": 0, "prefetched": 0}

    def bump(self):
        with self.lock:
            self.version += 1
            self.entries.clear()
            self.bytes = 0

    def clear(self):
        self.bump()
        with self.lock:
            for k in self.stats:
                self.stats[k] = 0

    def control(self, method):
        """/_emu/pagecache: GET -> stats, DELETE -> drop every cached page."""
        if method == "DELETE":
            self.clear()
            return 204, [], b""
        with self.lock:
            out = dict(self.stats, pages=len(self.entries), bytes=self.bytes, version=self.version)
        return 200, [("Content-Type", "application/json")], json.dumps(out).encode()

    def _limit(self, app):
        cfg = getattr(app, "config", {}) or {}
        mb = cfg.get("page_cache_mb", DEFAULT_MB)
        try:
            return int(float(mb) * 1024 * 1024)
        except (TypeError, ValueError):
            return DEFAULT_MB * 1024 * 1024

    def get_or_render(self, app, key, render):
        """Return render()'s result, from the cache when an identical page of the current data
        version is there (or being prefetched)."""
        limit = self._limit(app)
        if limit <= 0:
            return render()
        with self.lock:
            e = self.entries.get(key)
            if e is not None and e.version == self.version:
                self.entries.move_to_end(key)
            else:
                e = None
        if e is not None:
            e.event.wait()
            if e.result is not None:
                with self.lock:
                    self.stats["hits"] += 1
                return e.result
        with self.lock:
            self.stats["misses"] += 1
        return self._fill(app, key, render, limit)

    def _fill(self, app, key, render, limit):
        with self.lock:
            version = self.version
            e = _Entry(version)
            old = self.entries.pop(key, None)
            if old is not None:
                self.bytes -= old.size
            self.entries[key] = e
        try:
            result = render()
        except BaseException:
            with self.lock:
                if self.entries.get(key) is e:
                    del self.entries[key]
            e.event.set()
            raise
        size = len(result[2]) + 256
        with self.lock:
            if result[0] == 200 and size <= limit // 2 and self.entries.get(key) is e \
                    and version == self.version:
                e.result = result
                e.size = size
                self.bytes += size
                while self.bytes > limit and self.entries:
                    k, old = self.entries.popitem(last=False)
                    self.bytes -= old.size
            elif self.entries.get(key) is e:
                del self.entries[key]
        e.event.set()
        return result

    def prefetch(self, app, key, render):
        """Render a page in the background (one worker thread, newest job first)."""
        cfg = getattr(app, "config", {}) or {}
        if not cfg.get("prefetch", True) or self._limit(app) <= 0:
            return
        with self.lock:
            e = self.entries.get(key)
            if e is not None and e.version == self.version:
                return
            self.jobs.append((key, render))
            del self.jobs[:-4]  # never queue more than a few pages ahead of the clients
            if self.worker is None:
                self.worker = threading.Thread(target=self._run, args=(app,), daemon=True,
                                               name="dvemu-prefetch")
                self.worker.start()
            self.job_cv.notify()

    def _run(self, app):
        while True:
            with self.lock:
                while not self.jobs:
                    self.job_cv.wait()
                key, render = self.jobs.pop()
                e = self.entries.get(key)
                if e is not None and e.version == self.version:
                    continue
            try:
                self._fill(app, key, render, self._limit(app))
                with self.lock:
                    self.stats["prefetched"] += 1
            except Exception:
                pass  # the real request will render (and report) it


def cache_of(app):
    pc = getattr(app, "page_cache", None)
    if pc is None:
        with _create_lock:
            pc = getattr(app, "page_cache", None)
            if pc is None:
                pc = PageCache()
                app.page_cache = pc
    return pc


_create_lock = threading.Lock()


def data_changed(app):
    """Called after every committed change of the data (writes, $batch, reset)."""
    cache_of(app).bump()
