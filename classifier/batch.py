"""Batch scoring: stream documents from files, folders or the page store, score them in order.

Readers are generators that hold one record at a time, so a file of any size
is read in constant memory. Each record is a dict::

    {"id": ..., "source": "file:row", "text": str}        # or "html": str, plus "url"
    {"id": ..., "source": "file:row", "error": "file:row: what is wrong"}

A record that cannot be read (bad JSON, a missing field, undecodable or binary
bytes, a missing CSV column) becomes an error record naming the row and field;
the stream never stops for it. ``run_batch`` scores records in input order, on
one or more processes, and with a store skips documents this model has scored.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import re
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # pages can be long; the default is 128 KB

#: A JSON line or a folder file longer than this is refused without being read whole.
MAX_RECORD_BYTES = 32 * 1024 * 1024
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
CSV_SUFFIXES = (".csv", ".tsv")
PAGE_SUFFIXES = (".html", ".htm", ".txt")
#: Documents sent to a worker at once (scored together, in one batch).
CHUNK = 16

_UNDECODABLE = re.compile(r"[\udc80-\udcff]")  # bytes kept by "surrogateescape"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


class BatchInputError(ValueError):
    """An INPUT argument that cannot be used at all (no such path, unknown format)."""


@dataclass
class Columns:
    """Which fields of a JSON object / columns of a CSV row hold what."""

    text: str = "text"
    html: str = "html"
    id: str = "id"
    url: str = "url"


# decoding


def _decode_line(raw: bytes) -> str:
    """UTF-8, else GB18030; bytes neither can read are kept as surrogates (flagged later)."""
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "surrogateescape")


def _looks_binary(text: str) -> bool:
    """NUL bytes, or more than 10% control / replacement characters in the first 4,096."""
    if "\x00" in text:
        return True
    sample = text[:4096]
    return bool(sample) and len(_CONTROL.findall(sample)) > 0.1 * len(sample)


def _check_string(value: Any, name: str) -> str | None:
    """Why the field ``name`` cannot be scored, or None if it is a usable string."""
    if not isinstance(value, str):
        return f"field {name!r} is not a string (got {type(value).__name__})"
    if not value.strip():
        return f"field {name!r} is empty"
    if _UNDECODABLE.search(value):
        return f"field {name!r} has undecodable bytes (neither UTF-8 nor GB18030)"
    if _looks_binary(value):
        return f"field {name!r} looks like binary data, not text"
    return None


def decode_text_file(body: bytes) -> str | None:
    """Plain text: BOM, UTF-8, GB18030, then charset-normalizer; None if nothing fits."""
    from charset_normalizer import from_bytes
    from w3lib.encoding import read_bom

    bom_encoding, bom = read_bom(body)
    if bom_encoding:
        return body[len(bom) :].decode(bom_encoding, "replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            continue
    match = from_bytes(body).best()
    return str(match) if match is not None else None


# records


def _error(doc_id: Any, source: str, message: str) -> dict:
    return {"id": doc_id, "source": source, "error": f"{source}: {message}"}


def make_record(obj: dict, source: str, cols: Columns) -> dict:
    """A record from one JSON object / CSV row: html wins when both html and text are given."""
    doc_id = obj.get(cols.id)
    if doc_id is None or doc_id == "":
        doc_id = source
    html, text = obj.get(cols.html), obj.get(cols.text)
    if html is not None and html != "":
        kind, value = "html", html
    elif text is not None:
        kind, value = "text", text
    else:
        return _error(doc_id, source, f"no value in field {cols.text!r} or {cols.html!r}")
    name = cols.html if kind == "html" else cols.text
    problem = _check_string(value, name)
    if problem:
        return _error(doc_id, source, problem)
    record = {"id": doc_id, "source": source, kind: value}
    url = obj.get(cols.url)
    if isinstance(url, str) and url.strip():
        record["url"] = url.strip()
    return record


_TOO_LONG = object()
#: Widest code unit of each stream encoding, to turn a byte cap into a character cap.
_WIDTH = {"utf-16": 2, "utf-32": 4}


def _raw_lines(fh: IO[bytes], cap: int) -> Iterator[bytes | object]:
    """Raw lines, one at a time; _TOO_LONG for a line over ``cap`` bytes (skipped unread)."""
    while True:
        line = fh.readline(cap + 1)
        if not line:
            return
        if len(line) > cap and not line.endswith(b"\n"):
            while (rest := fh.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield _TOO_LONG
            continue
        yield line


def _wide_lines(text: IO[str], width: int, cap: int) -> Iterator[tuple[str, int] | object]:
    """Lines of a UTF-16 / UTF-32 text stream with the same cap (``cap`` bytes of the file)."""
    limit = max(1, cap // width)
    ends = ("\n", "\r")
    while True:
        line = text.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(ends):
            while (rest := text.readline(1 << 20)) and not rest.endswith(ends):
                pass
            yield _TOO_LONG
            continue
        yield line, len(line) * width


def _text_lines(fh: IO[bytes], cap: int) -> Iterator[tuple[str, int] | object]:
    """(decoded line, its size in bytes), each line read on its own; _TOO_LONG over ``cap``.

    Lines are UTF-8, else GB18030, decided line by line; UTF-16 / UTF-32 files
    (with a BOM) are decoded as a stream instead, with the same cap.
    """
    from w3lib.encoding import read_bom

    head = fh.peek(4)[:4] if hasattr(fh, "peek") else b""
    encoding, _ = read_bom(head)
    if encoding and encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32")):
        wide = "utf-32" if "32" in encoding else "utf-16"  # these codecs consume the BOM
        text = io.TextIOWrapper(fh, encoding=wide, errors="surrogateescape", newline="")
        try:
            yield from _wide_lines(text, _WIDTH[wide], cap)
        finally:
            text.detach()  # the caller closes ``fh``
        return
    first = True
    for raw in _raw_lines(fh, cap):
        if raw is _TOO_LONG:
            yield raw
            continue
        if first and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        first = False
        yield _decode_line(raw), len(raw)


def jsonl_rows(fh: IO[bytes], name: str) -> Iterator[tuple[int, dict | str]]:
    """(line number, JSON object) per non-empty line, or (line number, what is wrong)."""
    cap = MAX_RECORD_BYTES
    for number, item in enumerate(_text_lines(fh, cap), start=1):
        if item is _TOO_LONG:
            yield number, f"line longer than {cap:,} bytes"
            continue
        line = item[0]
        if not line.strip():
            continue
        if _UNDECODABLE.search(line):
            yield number, "undecodable bytes (neither UTF-8 nor GB18030)"
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, f"bad JSON: {exc.msg} (column {exc.colno})"
            continue
        except (RecursionError, ValueError) as exc:  # nested too deep, a 5,000-digit number
            yield number, f"bad JSON: {str(exc).split(':')[0]}"
            continue
        if not isinstance(obj, dict):
            yield number, f"not a JSON object (got {type(obj).__name__})"
            continue
        yield number, obj


class _RecordTooLong(Exception):
    """Raised into csv.reader when one record grows past the cap (it resets for the next)."""


class _CappedLines:
    """Feeds csv.reader line by line and stops a record that grows past ``cap`` bytes.

    A quoted cell may span lines, so a stray quote can make one record of the
    rest of the file; the count starts again at each record (``new_record``).
    """

    def __init__(self, lines: Iterator[tuple[str, int] | object], cap: int):
        self._lines = lines
        self._cap = cap
        self._used = 0

    def new_record(self) -> None:
        self._used = 0

    def __iter__(self) -> _CappedLines:
        return self

    def __next__(self) -> str:
        item = next(self._lines)
        if item is _TOO_LONG:
            raise _RecordTooLong
        line, size = item
        self._used += size
        if self._used > self._cap:
            raise _RecordTooLong
        return line


def csv_rows(fh: IO[bytes], name: str, delimiter: str = ",") -> Iterator[tuple[int, list | str]]:
    """(row number, cells) per non-blank CSV row, the header first as row 1; or (row, problem).

    Each record is capped at MAX_RECORD_BYTES: a longer one is one error row, and
    reading goes on at the next line.
    """
    cap = MAX_RECORD_BYTES
    lines = _CappedLines(_text_lines(fh, cap), cap)
    reader = csv.reader(lines, delimiter=delimiter)
    number = 0
    while True:
        number += 1
        lines.new_record()
        try:
            row = next(reader)
        except StopIteration:
            return
        except _RecordTooLong:
            yield number, f"record longer than {cap:,} bytes"
            continue
        except csv.Error as exc:
            yield number, f"bad CSV{' header' if number == 1 else ''}: {exc}"
            continue
        if number > 1 and not any(cell.strip() for cell in row):
            continue
        yield number, row


def iter_jsonl(fh: IO[bytes], name: str, cols: Columns) -> Iterator[dict]:
    """One record per non-empty line of JSON Lines."""
    for number, obj in jsonl_rows(fh, name):
        source = f"{name}:{number}"
        if isinstance(obj, str):
            yield _error(source, source, obj)
        else:
            yield make_record(obj, source, cols)


def iter_csv(fh: IO[bytes], name: str, cols: Columns, delimiter: str = ",") -> Iterator[dict]:
    """One record per CSV row (row 1 is the header); a missing column is one error record."""
    rows = csv_rows(fh, name, delimiter)
    first = next(rows, None)
    if first is None:
        yield _error(f"{name}:1", f"{name}:1", "empty file: no header row")
        return
    if isinstance(first[1], str):
        yield _error(f"{name}:1", f"{name}:1", first[1])
        return
    header = [h.strip() for h in first[1]]
    if cols.text not in header and cols.html not in header:
        source = f"{name}:1"
        yield _error(
            source,
            source,
            f"no column {cols.text!r} (--text-col) or {cols.html!r} (--html-col); "
            f"columns are {', '.join(map(repr, header))}",
        )
        return
    wanted = [c for c in (cols.html, cols.text) if c in header]
    for number, row in rows:
        source = f"{name}:{number}"
        if isinstance(row, str):
            yield _error(source, source, row)
            continue
        obj = dict(zip(header, row, strict=False))
        if len(row) < len(header) and not any(obj.get(c) for c in wanted):
            doc_id = obj.get(cols.id) or source
            yield _error(
                doc_id,
                source,
                f"row has no column {wanted[-1]!r} ({len(row)} of {len(header)} cells)",
            )
            continue
        yield make_record(obj, source, cols)


def read_page_file(path: Path, doc_id: str, source: str) -> dict:
    """One .html / .htm / .txt file as a record (id: its path under the folder)."""
    from crawler.decoding import decode_html

    try:
        size = path.stat().st_size
        if size > MAX_RECORD_BYTES:
            return _error(doc_id, source, f"file too large: {size:,} bytes")
        body = path.read_bytes()
    except OSError as exc:
        return _error(doc_id, source, f"cannot read: {exc.strerror or exc}")
    if path.suffix.lower() == ".txt":
        if b"\x00" in body and not body.startswith((b"\xff\xfe", b"\xfe\xff")):
            return _error(doc_id, source, "binary file, not text")
        text = decode_text_file(body)
        if text is None:
            return _error(doc_id, source, "undecodable bytes (no text encoding fits)")
        kind = "text"
    else:
        if b"\x00" in body and not body.startswith((b"\xff\xfe", b"\xfe\xff")):
            return _error(doc_id, source, "binary file, not HTML")
        text = decode_html(body, None).text
        kind = "html"
    if _looks_binary(text):
        return _error(doc_id, source, f"binary file, not {'text' if kind == 'text' else 'HTML'}")
    return {"id": doc_id, "source": source, kind: text}


def iter_folder(root: Path) -> Iterator[dict]:
    """Every .html / .htm / .txt file under ``root``, recursively, in sorted order."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for filename in sorted(filenames):
            path = Path(dirpath, filename)
            if path.suffix.lower() in PAGE_SUFFIXES and path.is_file():
                yield read_page_file(path, path.relative_to(root).as_posix(), str(path))


def check_input(spec: str) -> None:
    """Raise BatchInputError unless ``spec`` is "-", a folder or a file of a known format."""
    if spec == "-":
        return
    path = Path(spec)
    if path.is_dir():
        return
    if not path.is_file():
        raise BatchInputError(f"{spec}: no such file or folder")
    if path.suffix.lower() not in JSONL_SUFFIXES + CSV_SUFFIXES + PAGE_SUFFIXES:
        raise BatchInputError(
            f"{spec}: unknown format {path.suffix or '(no suffix)'!r} "
            "(use .jsonl, .csv, .tsv, .html, .txt or a folder)"
        )


def iter_input(spec: str, cols: Columns) -> Iterator[dict]:
    """Records from one INPUT: JSON Lines ("-" is standard input), CSV / TSV, a page, a folder."""
    if spec == "-":
        yield from iter_jsonl(sys.stdin.buffer, "<stdin>", cols)
        return
    path = Path(spec)
    if path.is_dir():
        yield from iter_folder(path)
        return
    suffix = path.suffix.lower()
    if suffix in PAGE_SUFFIXES:
        yield read_page_file(path, path.name, spec)
        return
    try:
        fh = path.open("rb")
    except OSError as exc:
        yield _error(spec, spec, f"cannot read: {exc.strerror or exc}")
        return
    with fh:
        if suffix in JSONL_SUFFIXES:
            yield from iter_jsonl(fh, spec, cols)
        else:
            yield from iter_csv(fh, spec, cols, "\t" if suffix == ".tsv" else ",")


def iter_inputs(specs: Iterable[str], cols: Columns | None = None) -> Iterator[dict]:
    cols = cols or Columns()
    for spec in specs:
        yield from iter_input(spec, cols)


def iter_store_pages(store) -> Iterator[dict]:
    """Every page of the store as a record: its HTML (decompressed raw_html) or else its text."""
    from crawler.decoding import decode_html
    from crawler.store import decompress

    columns = ["url", "final_url", "raw_html", "encoding", "content_type", "text"]
    for page in store.iter_pages(columns=columns, batch=100):
        source = f"pages:{page['url']}"
        url = page.get("final_url") or page["url"]
        try:
            body = decompress(page.get("raw_html"))
        except Exception as exc:  # zlib.error: a damaged row must not stop the batch
            yield _error(page["url"], source, f"raw_html cannot be decompressed: {exc}")
            continue
        if body:
            html = None
            if page.get("encoding"):
                try:
                    html = body.decode(page["encoding"])
                except (UnicodeDecodeError, LookupError):
                    html = None
            if html is None:
                html = decode_html(body, page.get("content_type")).text
            yield {"id": page["url"], "source": source, "html": html, "url": url}
        elif page.get("text"):
            yield {"id": page["url"], "source": source, "text": page["text"], "url": url}
        else:
            yield _error(page["url"], source, "page has neither raw_html nor text")


# scoring


def doc_key(record: dict) -> str:
    """sha256 of what is scored: the kind (text / html), the content and the URL."""
    kind = "html" if "html" in record else "text"
    h = hashlib.sha256()
    h.update(kind.encode())
    h.update(b"\x00")
    h.update(record[kind].encode("utf-8", "surrogatepass"))
    h.update(b"\x00")
    h.update((record.get("url") or "").encode("utf-8", "surrogatepass"))
    return h.hexdigest()


_SCORER = None  # this process's Scorer: the parent's, or one a worker loaded
_WORKER_ERROR: str | None = None  # why this worker cannot score (reported with its first chunk)


class WorkerError(RuntimeError):
    """Scoring stopped: a worker process died, or loaded a model other than the batch's."""


def _init_worker(model_dir: str, version: str) -> None:
    """Worker initializer: load the model and check it is the version the batch started with.

    Workers start fresh (spawn / forkserver), so each loads the model itself; a
    model replaced in between (another `scamscan train`) would mix two versions
    in one output. A worker only loads, never trains: ``model_dir`` is the folder
    the parent resolved (a forkserver keeps the environment it started with, and
    two workers training the default model at once would each overwrite it). A
    failure is kept and raised with the first chunk, so the parent reports it by
    name instead of as an anonymous dead worker.
    """
    global _SCORER, _WORKER_ERROR
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)  # one BLAS thread per worker: the processes are the parallelism
    except ImportError:  # pragma: no cover
        pass
    try:
        from classifier.scorer import Scorer

        _SCORER = Scorer.load(Path(model_dir))
    except Exception as exc:
        _WORKER_ERROR = f"worker cannot load the model: {type(exc).__name__}: {exc}"
        return
    if _SCORER.version != version:
        _WORKER_ERROR = (
            f"worker loaded model {_SCORER.version}, but the batch is scored with {version} "
            "(was the model retrained meanwhile?)"
        )


def load_scorer(model_dir: str | None):
    from classifier.scorer import Scorer

    return Scorer.from_dir(model_dir)


def _describe(exc: BaseException) -> str:
    from classifier.document import InputRejected

    if isinstance(exc, InputRejected):
        return str(exc)
    return f"cannot score: {type(exc).__name__}: {exc}"


def score_chunk(items: list[dict], keep_results: bool = False) -> list[dict]:
    """Worker: results for a chunk of items, in order, each with its output ``line``.

    An item is {"record", "key", "cached"}; records with an error or a cached
    result pass through, the rest are scored together (one by one if the batch fails).
    The worker writes the JSON line itself, so the parent (which reads the input for
    every worker) only writes it out; the result dict goes back too only when
    ``keep_results`` (a store saves it).
    """
    if _WORKER_ERROR is not None:
        raise WorkerError(_WORKER_ERROR)
    todo = [it for it in items if "error" not in it["record"] and it.get("cached") is None]
    results: dict[int, dict] = {}
    if todo:
        docs = [
            {k: it["record"][k] for k in ("text", "html", "url") if k in it["record"]}
            for it in todo
        ]
        try:
            scored = list(_SCORER.score_many(docs))
        except Exception:  # one bad page must not cost the others their result
            scored = []
            for doc in docs:
                try:
                    scored.append(_SCORER.score(**doc))
                except Exception as exc:
                    scored.append({"error": _describe(exc)})
        for it, result in zip(todo, scored, strict=True):
            results[id(it)] = result
    out = []
    for it in items:
        record = it["record"]
        if "error" in record:
            out.append({"status": "error", "id": record["id"], "error": record["error"]})
        elif it.get("cached") is not None:
            out.append({"status": "skipped", "id": record["id"], "result": it["cached"]})
        else:
            result = results[id(it)]
            if "error" in result:
                message = f"{record['source']}: {result['error']}"
                out.append({"status": "error", "id": record["id"], "error": message})
            else:
                out.append(
                    {"status": "scored", "id": record["id"], "key": it["key"], "result": result}
                )
    for o in out:
        o["line"] = output_line(o)
        if not keep_results:
            o.pop("result", None)
    return out


def output_line(out: dict) -> str:
    """One line of `scamscan score`'s output: {"id", **result} or {"id", "error"}."""
    if out["status"] == "error":
        line = {"id": out["id"], "error": out["error"]}
    else:
        line = {"id": out["id"], **out["result"]}
    return json.dumps(line, ensure_ascii=False, default=str) + "\n"


@dataclass
class Summary:
    scored: int = 0
    errors: int = 0
    skipped: int = 0
    seconds: float = 0.0
    error_samples: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"scored {self.scored}, errors {self.errors}, skipped {self.skipped}, "
            f"{self.seconds:.1f} s"
        )


def _chunks(
    records: Iterable[dict],
    store,
    version: str,
    size: int = CHUNK,
    only_new: bool = False,
    dropped: list[int] | None = None,
) -> Iterator[list[dict]]:
    """Chunks of work items; with a store, each looked up among the results already saved.

    With ``only_new`` documents already scored are dropped (counted in ``dropped[0]``).
    """
    batch: list[dict] = []

    def flush() -> Iterator[list[dict]]:
        items = [{"record": r, "key": None, "cached": None} for r in batch]
        if store is not None:
            for it in items:
                if "error" not in it["record"]:
                    it["key"] = doc_key(it["record"])
            keys = [it["key"] for it in items if it["key"]]
            known = store.scored_results(keys, version) if keys else {}
            for it in items:
                if it["key"] in known:
                    it["cached"] = known[it["key"]]
            if only_new:
                kept = [it for it in items if it["cached"] is None]
                if dropped is not None:
                    dropped[0] += len(items) - len(kept)
                items = kept
        if items:
            yield items

    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield from flush()
            batch = []
    if batch:
        yield from flush()


#: How worker processes start. Not "fork": the parent has threads by then (tqdm's
#: monitor, BLAS pools, the executor's own), and a forked child can inherit a held
#: lock and hang. forkserver forks workers from a clean server that has imported
#: the scoring code once (see docs/benchmarks.md for the start-up cost of each).
START_METHOD = "forkserver"
_PRELOAD = ["classifier.batch", "classifier.scorer"]


def _executor(jobs: int, model_dir: str, version: str):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context(START_METHOD)
    if START_METHOD == "forkserver":
        context.set_forkserver_preload(_PRELOAD)
    return ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_init_worker, initargs=(model_dir, version)
    )


def _results(
    chunks: Iterator[list[dict]], jobs: int, model_dir, version, keep_results: bool = False
) -> Iterator[dict]:
    """Results in input order; with ``jobs`` > 1 from worker processes, 2 chunks each ahead.

    A worker that dies (killed, out of memory) breaks the pool: every pending
    chunk fails at once, raised here as WorkerError, never a wait.
    """
    if jobs <= 1:
        for chunk in chunks:
            yield from score_chunk(chunk, keep_results)
        return
    from concurrent.futures.process import BrokenProcessPool

    from classifier.scorer import default_model_dir

    executor = _executor(jobs, model_dir or str(default_model_dir()), version)
    pending: deque = deque()
    try:
        for chunk in chunks:
            pending.append(executor.submit(score_chunk, chunk, keep_results))
            if len(pending) >= 2 * jobs:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    except BrokenProcessPool as exc:
        raise WorkerError(
            "a worker process died (killed, or out of memory?); the output is incomplete"
        ) from exc
    finally:
        for future in pending:
            future.cancel()
        executor.shutdown(wait=True, cancel_futures=True)


def run_batch(
    records: Iterable[dict],
    write: Callable[[str], Any],
    *,
    jobs: int = 1,
    model_dir: str | None = None,
    scorer=None,
    store=None,
    only_new: bool = False,
    progress: bool = False,
) -> Summary:
    """Score ``records`` in order and ``write`` one JSON line per document.

    Lines are {"id": ..., **result} or {"id": ..., "error": message}. With a
    store, documents this model already scored are not scored again (their saved
    result is written, or with ``only_new`` nothing) and new results are saved.
    ``scorer`` is the loaded model (default: ``load_scorer(model_dir)``); workers load
    ``model_dir`` (default: the default model's folder) and must get the same
    version. Raises WorkerError when a worker dies or loads another version (the
    lines written so far stay).
    """
    global _SCORER
    started = time.monotonic()
    # Loaded (the default model trained, if need be) once, before any worker starts.
    _SCORER = scorer if scorer is not None else load_scorer(model_dir)
    version = _SCORER.version
    summary = Summary()
    bar = _progress_bar(progress)
    pending: list[dict] = []

    def save() -> None:
        if store is not None and pending:
            store.save_scores(pending, version)
        pending.clear()

    dropped = [0]
    chunks = _chunks(records, store, version, only_new=only_new, dropped=dropped)
    try:
        for out in _results(chunks, jobs, model_dir, version, keep_results=store is not None):
            status = out["status"]
            if status == "error":
                summary.errors += 1
                if len(summary.error_samples) < 20:
                    summary.error_samples.append(out["error"])
            elif status == "scored":
                summary.scored += 1
                if store is not None:
                    pending.append(
                        {"key": out["key"], "doc_id": out["id"], "result": out["result"]}
                    )
                    if len(pending) >= 64:
                        save()
            else:
                summary.skipped += 1
            write(out["line"])
            if bar is not None:
                bar.update(1)
                bar.set_postfix(errors=summary.errors, skipped=summary.skipped, refresh=False)
        save()
    finally:
        if bar is not None:
            bar.close()
    summary.skipped += dropped[0]
    summary.seconds = time.monotonic() - started
    return summary


#: Texts ``scamscan eval`` scores at once: its memory is bounded by this, not by the file.
EVAL_CHUNK = 256


def _batched(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def stream_scores(scorer, rows: Iterable, size: int = EVAL_CHUNK) -> Iterator[tuple]:
    """(row, P(solicitation), None) for each row (anything with a ``text``), in order.

    Rows are read and scored ``size`` at a time. A text the scorer refuses gives
    (row, None, why), and the rest of its chunk is still scored.
    """
    from classifier.document import InputRejected

    for chunk in _batched(rows, size):
        try:
            scores = scorer.solicitation_scores([row.text for row in chunk])
        except InputRejected:  # find which: score this chunk one by one
            for row in chunk:
                try:
                    yield row, float(scorer.solicitation_scores([row.text])[0]), None
                except InputRejected as exc:
                    yield row, None, str(exc)
            continue
        for row, score in zip(chunk, scores, strict=True):
            yield row, float(score), None


def _progress_bar(enabled: bool):
    """A tqdm counter on standard error (count and rate), if wanted and tqdm is installed."""
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    try:
        width = os.get_terminal_size(sys.stderr.fileno()).columns
    except (OSError, ValueError):
        width = 0
    # A terminal that reports no width (0 columns) would get an empty line.
    return tqdm(file=sys.stderr, unit=" docs", desc="scoring", ncols=None if width else 100)


def default_jobs(jobs: int) -> int:
    """0 means every core this process may use."""
    if jobs > 0:
        return jobs
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
