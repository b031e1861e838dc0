"""Where archives live: local paths, ``s3://`` and ``http(s)://`` URLs, read through fsspec
(``open_location``, ``find_files``, ``sizes``, ``read_listing``).

S3 goes through s3fs, which reads credentials, profile and endpoint as the AWS SDKs do
(``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_PROFILE``,
``AWS_ENDPOINT_URL`` or ``AWS_ENDPOINT_URL_S3``, ``~/.aws/config``...): botocore resolves them
itself. With no credentials at all, access is anonymous, as public buckets such as
``s3://commoncrawl`` need. HTTP(S) goes through fsspec's HTTP filesystem (aiohttp), in byte
ranges. Globs expand on local paths and S3; an HTTP server has no listing to expand them on.

Every call that touches a remote file is retried with exponential backoff (tenacity) when its
failure may pass (a dropped connection, a timeout, HTTP 408, 429 or 5xx), and a read that fails
part-way resumes at the byte it had reached. What still fails is an ``UnreadableInput`` naming
the location and why; a URL is shown with its query values masked (a presigned URL's signature).
"""

from __future__ import annotations

import gzip
import io
import os
import posixpath
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache, partial
from typing import Any, BinaryIO, TypeVar
from urllib.parse import urlsplit

import fsspec
import structlog
from fsspec.core import strip_protocol
from fsspec.utils import get_protocol
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_random_exponential

from monitor.errors import CorpusError
from monitor.urls import mask_url

log = structlog.get_logger()

REMOTE = ("s3://", "http://", "https://")
ATTEMPTS = 5  # tries of each remote call before its file is given up
FIRST_WAIT_S = 1.0  # the longest first wait, doubled at each retry up to MAX_WAIT_S (a
# random part of it is waited: "full jitter", so that many workers do not retry in step)
MAX_WAIT_S = 30.0
BLOCK_BYTES = 8 << 20  # one ranged request of a remote file; one block is held per open file
_SIZE_LOOKUPS = 16  # remote sizes asked for at once (a listing holds hundreds of files)
_READ_BYTES = 1 << 16  # one read of the open file (served from its block when remote)
_SOCKET_TIMEOUTS_S = {"sock_connect": 30.0, "sock_read": 120.0}

T = TypeVar("T")


class UnreadableInput(CorpusError):
    """A location that could not be read (after retries where the failure could pass)."""

    def __init__(self, location: str, why: str, *, transient: bool = False) -> None:
        super().__init__(f"replay: {shown(location)}: cannot read: {why}")
        self.why = f"cannot read: {why}"
        self.transient = transient  # it failed in a way that may pass (after its retries)


def is_remote(location: str) -> bool:
    return location.startswith(REMOTE)


def shown(location: str) -> str:
    """``location`` for messages: a URL with its query values masked, a local path as given."""
    return mask_url(location) if is_remote(location) else location


def file_name(location: str) -> str:
    """The name of the file at ``location``, without its directory (or a URL's query)."""
    if location.startswith(("http://", "https://")):
        location = urlsplit(location).path
    return posixpath.basename(location)


def has_glob(location: str) -> bool:
    """A glob on a local path or S3 (``?`` in an HTTP URL starts its query)."""
    return not location.startswith(("http://", "https://")) and any(c in location for c in "*?[")


def open_location(location: str, size: int | None = None) -> BinaryIO:
    """``location`` opened for reading (buffered, seekable), each read retried and resumed;
    ``size`` (when known) spares a request for it."""
    fs, path = _filesystem(location)
    options = (
        {"size": size or None, "block_size": BLOCK_BYTES, "cache_type": "readahead"}
        if is_remote(location)
        else {}
    )
    handle = _retried(lambda: fs.open(path, "rb", **options), location)
    return io.BufferedReader(_RetriedReads(handle, location), buffer_size=_READ_BYTES)


def find_files(location: str) -> list[tuple[str, int]]:
    """The files at ``location`` with their sizes: the file itself, or the files a glob
    matches or a directory holds (recursively), sorted. UnreadableInput when there is none."""
    fs, path = _filesystem(location)
    if has_glob(location):
        found = _retried(lambda: fs.glob(path, detail=True), location)
    else:
        found = {path: _retried(lambda: fs.info(path), location)}
    files: dict[str, int] = {}
    for name, info in found.items():
        if info["type"] == "directory":
            inside = _retried(partial(fs.find, name, detail=True), location)
            files.update((n, int(i.get("size") or 0)) for n, i in inside.items())
        else:
            files[name] = int(info.get("size") or 0)
    if not files:
        raise UnreadableInput(location, "no such file" if has_glob(location) else "empty")
    return [(_located(fs, location, name), size) for name, size in sorted(files.items())]


def sizes(locations: list[str]) -> list[int]:
    """The size of each file, asked for several at once; 0 where it cannot be had now (reading
    the file retries and reports it)."""

    def size(location: str) -> int:
        fs, path = _filesystem(location)
        try:
            return int(fs.info(path).get("size") or 0)
        except Exception:  # noqa: BLE001 - reported when the file is read
            return 0

    with ThreadPoolExecutor(max_workers=_SIZE_LOOKUPS) as pool:
        return list(pool.map(size, locations))


def read_listing(location: str) -> Iterator[tuple[int, str]]:
    """The numbered non-blank lines of a listing file (gzipped when its name ends ``.gz``)."""
    with open_location(location) as raw, _gunzipped(raw, location) as handle:
        try:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield number, line.decode("utf-8", "replace").strip()
        except (OSError, EOFError, zlib.error) as exc:  # a truncated or corrupt gzip file
            raise UnreadableInput(
                location, f"not a whole gzip file ({type(exc).__name__})"
            ) from exc


@contextmanager
def _gunzipped(raw: BinaryIO, location: str) -> Iterator[BinaryIO]:
    if not _gzipped(location):
        yield raw
        return
    with gzip.GzipFile(fileobj=raw, mode="rb") as handle:
        yield handle  # type: ignore[misc]  # GzipFile is a binary file


def _gzipped(location: str) -> bool:
    return location.lower().endswith(".gz")


def _located(fs: Any, location: str, path: str) -> str:
    """A path the filesystem returned, as a location of the same form as ``location``."""
    if not is_remote(location):
        return str(path)
    return str(fs.unstrip_protocol(path))


def _filesystem(location: str) -> tuple[Any, str]:
    """The fsspec filesystem of ``location`` and its path there."""
    protocol = get_protocol(location)
    aws = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_")))
    return _filesystem_for(protocol, aws, os.getpid()), strip_protocol(location)


@lru_cache(maxsize=8)
def _filesystem_for(protocol: str, aws: tuple[tuple[str, str], ...], pid: int) -> Any:
    """One filesystem per protocol, AWS settings and process (a forked worker makes its own:
    fsspec's event loop does not survive a fork)."""
    del aws, pid  # the cache's key: a change of credentials or endpoint is a new filesystem
    if protocol == "s3":
        return fsspec.filesystem(
            "s3",
            anon=_anonymous(),
            config_kwargs={"retries": {"mode": "standard"}},
            skip_instance_cache=True,
        )
    if protocol in ("http", "https"):
        import aiohttp

        return fsspec.filesystem(
            "http",
            client_kwargs={"timeout": aiohttp.ClientTimeout(total=None, **_SOCKET_TIMEOUTS_S)},
            skip_instance_cache=True,
        )
    return fsspec.filesystem(protocol)


def _anonymous() -> bool:
    """True when botocore finds no credentials (environment, profile, SSO, instance role...):
    S3 is then read unsigned, as public buckets allow."""
    import botocore.exceptions
    import botocore.session

    try:
        return botocore.session.Session().get_credentials() is None
    except botocore.exceptions.BotoCoreError as exc:  # an unknown profile, half a key pair
        raise CorpusError(f"replay: AWS credentials: {exc}") from exc


class _RetriedReads(io.RawIOBase):
    """A file's reads, each retried from the byte it started at (a remote file's block cache
    seeks without a request: only the read that fetches a block costs one)."""

    def __init__(self, handle: Any, location: str) -> None:
        super().__init__()
        self._handle = handle
        self._location = location

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return int(self._handle.tell())

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return _retried(lambda: int(self._handle.seek(offset, whence)), self._location)

    def readinto(self, buffer: Any) -> int:
        start = self._handle.tell()

        def read() -> bytes:
            self._handle.seek(start)
            return bytes(self._handle.read(len(buffer)))

        data = _retried(read, self._location, at=start)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._handle.close()
        super().close()


def _retried(call: Callable[[], T], location: str, *, at: int | None = None) -> T:
    """``call()``, tried again with backoff while its failure may pass; UnreadableInput when
    it still fails (``at``: the byte a read started at, for the message)."""
    retrying = Retrying(
        stop=stop_after_attempt(ATTEMPTS),
        wait=wait_random_exponential(multiplier=FIRST_WAIT_S, max=MAX_WAIT_S),  # full jitter
        retry=retry_if_exception(_is_transient),
        before_sleep=lambda state: _log_retry(state, location),
        reraise=True,
    )
    try:
        return retrying(call)
    except Exception as exc:  # fsspec's backends raise what their libraries raise
        why = _why(exc) + (f" at byte {at}" if at else "")
        transient = _is_transient(exc)
        if transient:
            why += f" (after {ATTEMPTS} tries)"
        raise UnreadableInput(location, why, transient=transient) from exc


def _log_retry(state: RetryCallState, location: str) -> None:
    failure = state.outcome.exception() if state.outcome else None
    log.warning(
        "input_read_retried",
        location=shown(location),
        attempt=state.attempt_number,
        error=_why(failure) if failure else "",
        retry_delay_s=round(state.upcoming_sleep, 1),
    )


def _is_transient(exc: BaseException) -> bool:
    """Whether trying again may succeed: a connection or timeout, HTTP 408, 429 or 5xx."""
    import aiohttp

    if isinstance(exc, FileNotFoundError):
        # fsspec's HTTP filesystem reports any failure to learn a size as "not found"
        return exc.__cause__ is not None and _is_transient(exc.__cause__)
    if isinstance(exc, PermissionError | IsADirectoryError | NotADirectoryError):
        return False
    if isinstance(exc, aiohttp.ClientResponseError):
        return exc.status in (408, 429) or exc.status >= 500
    return isinstance(exc, OSError | aiohttp.ClientError) or _is_botocore_connection(exc)


def _is_botocore_connection(exc: BaseException) -> bool:
    import botocore.exceptions

    return isinstance(
        exc, botocore.exceptions.ConnectionError | botocore.exceptions.HTTPClientError
    )


def _why(exc: BaseException) -> str:
    """What went wrong, without the exception's text where it may quote a URL's secrets."""
    import aiohttp

    if isinstance(exc, FileNotFoundError):
        if exc.__cause__ is not None and _is_transient(exc.__cause__):
            return _why(exc.__cause__)
        return "not found"
    if isinstance(exc, PermissionError):
        return "access denied"
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"HTTP {exc.status}"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__
