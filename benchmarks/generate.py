"""Deterministic synthetic profiles for the store benchmark.

A profile is built from a seed: the same ``(items, seed)`` gives the same
items, hence the same rows (SQLite's page layout may differ). Items are
written through the real store code -- :class:`workstation.store.db.Store`
and :func:`workstation.store.items.upsert_items`, one ``store.write()``
transaction per batch -- so the benchmark measures the product's schema,
triggers and indexes, and the time spent in ``upsert_items`` (recorded in the
manifest, wall and CPU) is a measure of the ingest path. A child process
builds the items while the main one writes them.

The mix, per the benchmark issue:

* kinds: 60 % e-mail (source ``mail``), 25 % feed entries (``feeds``), 15 %
  social posts (``social``), each source with its folders;
* ~300 senders (180 mail correspondents, 40 feeds, 80 social accounts), each
  pool drawn with Zipf-like frequency;
* titles and bodies from a synthetic vocabulary of 5,000 words drawn with
  Zipfian frequency (s = 1), so the top words occur in most items; plus
  planted *marker* words, each in exactly 5 items (the rare-word searches);
* 20 % unread, 2 % starred, tags on 10 %, attachments on 8 % of e-mails,
  nothing archived (the inbox is the whole store: its worst case);
* times spread uniformly over 3 years ending at a fixed date, inserted
  roughly chronologically in batches of 5,000 (like three years of syncs;
  each batch is shuffled, since a sync delivers in no particular order).

Generated profiles are cached under ``benchmarks/.cache/`` keyed by item
count, seed, core schema version (plus a hash of its SQL, so an edited
schema is never benchmarked on a stale profile) and generator version.
"""

from __future__ import annotations

import cProfile
import hashlib
import io
import itertools
import json
import math
import multiprocessing
import os
import pstats
import random
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from queue import Empty
from typing import Any, TextIO

from workstation.api.model import Attachment, Flags, Item, ItemKind, Person
from workstation.store.db import DB_NAME, Store
from workstation.store.items import upsert_items
from workstation.store.schema import CORE
from workstation.store.sources import add_source

GENERATOR_VERSION = 1
DEFAULT_SEED = 20260301
BATCH_SIZE = 5_000
VOCABULARY_SIZE = 5_000
MARKER_OCCURRENCES = 5
MAX_MARKERS = 40
END_TIME = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SPAN = timedelta(days=3 * 365)
ME = Person.from_email("Camille Martin", "camille.martin@example.org")

SOURCES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("mail", "imap", {"host": "imap.example.org", "user": "camille.martin@example.org"}),
    ("feeds", "feeds", {"opml": "subscriptions.opml"}),
    ("social", "activitystreams", {"server": "https://social.example.com"}),
)

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_CACHE_DIR = BENCH_DIR / ".cache"
MANIFEST = "manifest.json"


# --------------------------------------------------------------------------
# Cache key and manifest


def schema_key() -> str:
    """``core<version>-<hash of the SQL>``: changes whenever the schema does."""
    digest = hashlib.sha256()
    for step in CORE.steps:
        digest.update(step.encode() if isinstance(step, str) else step.__qualname__.encode())
        digest.update(b"\0")
    return f"core{CORE.latest}-{digest.hexdigest()[:10]}"


def profile_dir(cache_dir: Path, items: int, seed: int) -> Path:
    return cache_dir / f"store-n{items}-seed{seed}-{schema_key()}-g{GENERATOR_VERSION}"


@dataclass
class Manifest:
    """What the generator planted and how long it took (saved as manifest.json)."""

    items: int
    seed: int
    schema_key: str
    generator_version: int
    created: str
    generation_s: float = 0.0
    build_items_s: float = 0.0  # building Item objects (the generator's own cost)
    build_items_cpu_s: float = 0.0
    upsert_s: float = 0.0  # inside upsert_items + commit (the store's cost), wall time
    upsert_cpu_s: float = 0.0  # the same, CPU time of this process (immune to a busy machine)
    close_s: float = 0.0  # Store.close (PRAGMA optimize)
    kinds: dict[str, int] = field(default_factory=dict)
    unread: int = 0
    starred: int = 0
    tagged: int = 0
    markers: dict[str, int] = field(default_factory=dict)  # word -> items containing it
    common_words: list[tuple[str, int]] = field(default_factory=list)  # (word, items), top 20
    medium_word: tuple[str, int] = ("", 0)  # a word in ~1 % of items
    top_senders: list[tuple[str, str, int]] = field(default_factory=list)  # (name, from:, items)
    upsert_profile: list[dict[str, Any]] = field(default_factory=list)  # sampled cProfile rows

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        m = cls(**data)
        m.common_words = [(str(w), int(n)) for w, n in m.common_words]
        m.medium_word = (str(m.medium_word[0]), int(m.medium_word[1]))
        m.top_senders = [(str(a), str(b), int(c)) for a, b, c in m.top_senders]
        return m


def load_manifest(directory: Path) -> Manifest | None:
    path = directory / MANIFEST
    if not (path.exists() and (directory / DB_NAME).exists()):
        return None
    return Manifest.from_json(json.loads(path.read_text(encoding="utf-8")))


# --------------------------------------------------------------------------
# Vocabulary and people

_ONSETS = ("b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v",
           "w", "z", "br", "ch", "cl", "dr", "fl", "gr", "pl", "pr", "sh", "st", "th", "tr")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "io", "ou")
_CODAS = ("", "", "", "n", "r", "s", "l", "m", "t", "nd", "st", "rk")


def _pseudo_word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(syllables - 1)) + (
        rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS))


def make_vocabulary(rng: random.Random, size: int) -> list[str]:
    """``size`` distinct pronounceable words; rank 0 is the most frequent.

    Frequent words are short, as in natural language.
    """
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < size:
        rank = len(words)
        syllables = 1 if rank < 60 else 2 if rank < 1200 else 3 if rank < 4000 else 4
        w = _pseudo_word(rng, syllables)
        if w not in seen and len(w) > 1:
            seen.add(w)
            words.append(w)
    return words


def zipf_cum_weights(n: int, s: float = 1.0) -> list[float]:
    return list(accumulate(1.0 / (rank + 1) ** s for rank in range(n)))


_FIRST_NAMES = ("Ada", "Alan", "Alice", "Amir", "Anna", "Bruno", "Chloé", "Dara", "David", "Elena",
                "Emma", "Farid", "Grace", "Hugo", "Inès", "Ivan", "Jonas", "Julia", "Karim",
                "Lea", "Louis", "Maya", "Nadia", "Noah", "Olga", "Omar", "Paul", "Rosa", "Sami",
                "Sofia", "Tom", "Ugo", "Vera", "Yann", "Zoé")


@dataclass(frozen=True)
class Sender:
    person: Person
    query: str  # what a user types after ``from:`` to find this sender


def make_senders(rng: random.Random, vocabulary: set[str]) -> dict[str, list[Sender]]:
    """Three pools (mail, feeds, social) of distinct senders with unique surnames."""
    surnames: list[str] = []
    seen = set(vocabulary)
    while len(surnames) < 300:
        s = _pseudo_word(rng, rng.choice((2, 3))) + rng.choice(("ov", "ez", "berg", "ini", "son"))
        if s not in seen:
            seen.add(s)
            surnames.append(s)
    pools: dict[str, list[Sender]] = {"mail": [], "feeds": [], "social": []}
    for i, surname in enumerate(surnames):
        first = rng.choice(_FIRST_NAMES)
        name = f"{first} {surname.capitalize()}"
        if i < 180:
            domain = rng.choice(("example.org", "example.com", "corp.example", "lists.example.net"))
            person = Person.from_email(name, f"{first.lower()}.{surname}@{domain}")
        elif i < 220:
            person = Person.from_feed_author(f"{surname.capitalize()} Journal",
                                             f"https://{surname}.example.net/")
        else:
            person = Person.from_actor(name, f"https://social.example.com/@{surname}")
        pool = "mail" if i < 180 else "feeds" if i < 220 else "social"
        pools[pool].append(Sender(person, surname))
    return pools


# --------------------------------------------------------------------------
# The item stream


@dataclass
class _Plan:
    """Per-item random decisions made up front (cheap, and keeps order stable)."""

    times_ms: list[int]
    markers: dict[int, str]  # item index -> marker word planted in it


class ProfileGenerator:
    """Builds the items of one profile, deterministically from ``seed``."""

    MAIL_FOLDERS = (("INBOX", 55), ("Archive", 20), ("Lists/dev", 10), ("Newsletters", 7),
                    ("Lists/announce", 5), ("Sent", 3))
    SOCIAL_FOLDERS = (("home", 80), ("mentions", 10), ("lists/team", 10))
    TAGS = ("work", "todo", "atlas", "family", "travel", "finance", "later", "reading",
            "project-x", "invoices", "health", "ideas")

    def __init__(self, items: int, seed: int) -> None:
        self.n = items
        self.rng = random.Random(seed)
        rng = self.rng
        self.vocabulary = make_vocabulary(rng, VOCABULARY_SIZE)
        self.cum_words = zipf_cum_weights(len(self.vocabulary), 1.0)
        self.senders = make_senders(rng, set(self.vocabulary))
        self.cum_senders = {k: zipf_cum_weights(len(v), 1.1) for k, v in self.senders.items()}
        self.cum_tags = zipf_cum_weights(len(self.TAGS), 1.0)
        self.mail_folders = [f for f, _ in self.MAIL_FOLDERS]
        self.cum_mail_folders = list(accumulate(w for _, w in self.MAIL_FOLDERS))
        self.social_folders = [f for f, _ in self.SOCIAL_FOLDERS]
        self.cum_social_folders = list(accumulate(w for _, w in self.SOCIAL_FOLDERS))
        self.plan = self._plan()
        self.threads: list[tuple[str, str, str]] = []  # (thread id, subject, last remote id)
        # Statistics for the manifest.
        self.word_df: Counter[str] = Counter()
        self.sender_count: Counter[tuple[str, str]] = Counter()
        self.kinds: Counter[str] = Counter()
        self.unread = self.starred = self.tagged = 0

    def _plan(self) -> _Plan:
        rng = self.rng
        end_ms = int(END_TIME.timestamp() * 1000)
        span_ms = int(SPAN.total_seconds() * 1000)
        times = sorted(end_ms - int(rng.random() * span_ms) for _ in range(self.n))
        n_markers = max(1, min(MAX_MARKERS, self.n // (MARKER_OCCURRENCES * 10)))
        words = set(self.vocabulary)
        marker_words: list[str] = []
        while len(marker_words) < n_markers:
            w = "zq" + _pseudo_word(rng, 2)
            if w not in words and w not in marker_words:
                marker_words.append(w)
        chosen = rng.sample(range(self.n), min(self.n, n_markers * MARKER_OCCURRENCES))
        markers = {idx: marker_words[j // MARKER_OCCURRENCES] for j, idx in enumerate(chosen)}
        return _Plan(times, markers)

    # -- text --------------------------------------------------------------

    def _words(self, k: int) -> list[str]:
        return self.rng.choices(self.vocabulary, cum_weights=self.cum_words, k=k)

    def _sentences(self, total_words: int) -> list[list[str]]:
        out: list[list[str]] = []
        left = total_words
        while left > 0:
            k = min(left, self.rng.randint(5, 16))
            out.append(self._words(k))
            left -= k
        return out

    def _length(self, median: float, low: int, high: int) -> int:
        return max(low, min(high, int(self.rng.lognormvariate(math.log(median), 0.6))))

    # -- items -------------------------------------------------------------

    def items(self) -> Iterator[tuple[int, Item]]:
        """Yield ``(index, Item)`` in insertion order (batches shuffled)."""
        order = list(range(self.n))
        for start in range(0, self.n, BATCH_SIZE):
            chunk = order[start:start + BATCH_SIZE]
            self.rng.shuffle(chunk)
            for idx in chunk:
                yield idx, self.item(idx)

    def item(self, idx: int) -> Item:
        rng = self.rng
        r = rng.random()
        when = datetime.fromtimestamp(self.plan.times_ms[idx] / 1000, UTC)
        marker = self.plan.markers.get(idx)
        if r < 0.60:
            item = self._email(idx, when)
        elif r < 0.85:
            item = self._feed_entry(idx, when)
        else:
            item = self._post(idx, when)
        if marker is not None:
            # Planted in the body, as a sentence of its own.
            body = f"{item.content or ''}\n{marker.capitalize()} reference noted."
            if item.content_type == "text/html":
                body = f"{item.content or ''}<p>{marker.capitalize()} reference noted.</p>"
            item = item.replace(content=body)
        read = rng.random() >= 0.20
        starred = rng.random() < 0.02
        tags: tuple[str, ...] = ()
        if rng.random() < 0.10:
            tags = tuple(dict.fromkeys(rng.choices(self.TAGS, cum_weights=self.cum_tags,
                                                   k=rng.choice((1, 1, 2)))))
        self.kinds[item.kind.value] += 1
        self.unread += not read
        self.starred += starred
        self.tagged += bool(tags)
        return item.replace(flags=Flags(read=read, starred=starred), tags=tags)

    def _sender(self, pool: str) -> Sender:
        s = self.rng.choices(self.senders[pool], cum_weights=self.cum_senders[pool])[0]
        self.sender_count[(pool, s.query)] += 1
        return s

    def _count_words(self, *parts: Sequence[str]) -> None:
        seen: set[str] = set()
        for p in parts:
            seen.update(p)
        self.word_df.update(seen)

    def _email(self, idx: int, when: datetime) -> Item:
        rng = self.rng
        sender = self._sender("mail")
        folder = rng.choices(self.mail_folders, cum_weights=self.cum_mail_folders)[0]
        remote_id = f"<{rng.getrandbits(64):016x}.{idx}@mail.example.org>"
        in_reply_to = None
        if self.threads and rng.random() < 0.4:
            t = rng.randrange(max(0, len(self.threads) - 200), len(self.threads))
            thread, subject, in_reply_to = self.threads[t]
            self.threads[t] = (thread, subject, remote_id)
            title_words = subject.split()
            title = "Re: " + subject
        else:
            title_words = self._words(rng.randint(3, 9))
            subject = " ".join(title_words).capitalize()
            thread = remote_id
            self.threads.append((thread, subject, remote_id))
            if len(self.threads) > 5_000:
                del self.threads[:1_000]
            title = subject
        sentences = self._sentences(self._length(80, 8, 600))
        body = "\n".join(" ".join(s).capitalize() + "." for s in sentences)
        body = f"Hello,\n{body}\n-- \n{sender.person.name}"
        self._count_words([w.lower() for w in title_words], *sentences)
        cc: tuple[Person, ...] = ()
        if rng.random() < 0.25:
            cc = (self._sender("mail").person,)
        attachments: tuple[Attachment, ...] = ()
        if rng.random() < 0.08:
            attachments = (Attachment(f"{self._words(1)[0]}.pdf", "application/pdf",
                                      rng.randint(10_000, 3_000_000), part="2"),)
        return Item(
            source="mail", remote_id=remote_id, kind=ItemKind.EMAIL, title=title,
            content=body, content_type="text/plain", actor=sender.person, to=(ME,), cc=cc,
            folder=folder, thread=thread, in_reply_to=in_reply_to, published=when,
            received=when + timedelta(seconds=rng.randint(1, 120)), attachments=attachments,
            remote={"folder": folder, "uid": idx + 1},
        )

    def _feed_entry(self, idx: int, when: datetime) -> Item:
        rng = self.rng
        sender = self._sender("feeds")
        feed = sender.person.name
        title_words = self._words(rng.randint(4, 11))
        sentences = self._sentences(self._length(120, 20, 800))
        self._count_words(title_words, *sentences)
        paragraphs: list[str] = []
        for i in range(0, len(sentences), 4):
            para = " ".join(" ".join(s).capitalize() + "." for s in sentences[i:i + 4])
            paragraphs.append(f"<p>{para}</p>")
        url = f"https://{sender.query}.example.net/posts/{idx}"
        return Item(
            source="feeds", remote_id=url, kind=ItemKind.FEED_ENTRY,
            title=" ".join(title_words).capitalize(), content="\n".join(paragraphs),
            content_type="text/html", actor=sender.person, folder=feed, url=url,
            published=when, received=when + timedelta(minutes=rng.randint(1, 240)),
        )

    def _post(self, idx: int, when: datetime) -> Item:
        rng = self.rng
        sender = self._sender("social")
        folder = rng.choices(self.social_folders, cum_weights=self.cum_social_folders)[0]
        sentences = self._sentences(self._length(25, 3, 120))
        self._count_words(*sentences)
        url = f"https://social.example.com/@{sender.query}/statuses/{idx}"
        return Item(
            source="social", remote_id=url, kind=ItemKind.POST,
            content=" ".join(" ".join(s).capitalize() + "." for s in sentences),
            actor=sender.person, folder=folder, url=url, published=when,
            received=when + timedelta(seconds=rng.randint(1, 60)),
            mentions_me=folder == "mentions", remote={"status": idx},
        )


# --------------------------------------------------------------------------
# Writing a profile


class Progress:
    """A one-line progress report on stderr (a line every 5 % when not a TTY)."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.start = time.perf_counter()
        self.tty = self.stream.isatty()
        self.last_step = -1

    def update(self, done: int) -> None:
        elapsed = time.perf_counter() - self.start
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - done) / rate if rate > 0 else 0.0
        line = (f"generating: {done:,}/{self.total:,} items ({100 * done / self.total:.0f} %)"
                f"  {rate:,.0f} items/s  elapsed {_mmss(elapsed)}  eta {_mmss(eta)}")
        if self.tty:
            self.stream.write("\r" + line + "\x1b[K")
            if done >= self.total:
                self.stream.write("\n")
        else:
            step = int(20 * done / self.total)
            if step == self.last_step and done < self.total:
                return
            self.last_step = step
            self.stream.write(line + "\n")
        self.stream.flush()


def _mmss(seconds: float) -> str:
    return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


def _profile_rows(prof: cProfile.Profile, limit: int = 15) -> list[dict[str, Any]]:
    """The top functions of a sampled batch, by own time."""
    stats = pstats.Stats(prof, stream=io.StringIO())
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    rows: list[tuple[float, dict[str, Any]]] = []
    for (filename, line, func), (_cc, ncalls, tottime, cumtime, _callers) in raw.items():
        where = "~" if filename == "~" else f"{Path(filename).name}:{line}"
        own = float(tottime)
        rows.append((own, {"function": f"{where}({func})", "calls": int(ncalls),
                           "tottime_s": round(own, 4), "cumtime_s": round(float(cumtime), 4)}))
    rows.sort(key=lambda r: -r[0])
    return [r for _, r in rows[:limit]]


@dataclass
class _Stats:
    """What the producer saw, sent after the last batch."""

    build_s: float
    build_cpu_s: float
    kinds: dict[str, int]
    unread: int
    starred: int
    tagged: int
    markers: dict[str, int]
    word_df: Counter[str]
    mail_senders: list[tuple[str, str, int]]  # (name, from: query, items), most frequent first


def _produce(items: int, seed: int, queue: Any) -> None:
    """Build the items in batches and put them on ``queue`` (runs in a child process)."""
    gen = ProfileGenerator(items, seed)
    stream = gen.items()
    build_s = build_cpu_s = 0.0
    done = 0
    while done < items:
        t0, c0 = time.perf_counter(), time.process_time()
        batch = [it for _, it in itertools.islice(stream, min(BATCH_SIZE, items - done))]
        build_s += time.perf_counter() - t0
        build_cpu_s += time.process_time() - c0
        done += len(batch)
        queue.put(batch)
    by_query = {s.query: s for s in gen.senders["mail"]}
    queue.put(_Stats(
        build_s=build_s, build_cpu_s=build_cpu_s, kinds=dict(gen.kinds), unread=gen.unread,
        starred=gen.starred,
        tagged=gen.tagged, markers=dict(sorted(Counter(gen.plan.markers.values()).items())),
        word_df=gen.word_df,
        mail_senders=[(by_query[q].person.name, q, n)
                      for (pool, q), n in gen.sender_count.most_common() if pool == "mail"]))


def _next_message(queue: Any, producer: Any) -> Any:
    while True:
        try:
            return queue.get(timeout=5)
        except Empty:
            if not producer.is_alive():
                raise RuntimeError(
                    f"the item generator process died (exit code {producer.exitcode})") from None


def generate(directory: Path, items: int, seed: int = DEFAULT_SEED, *,
             progress: Callable[[int], None] | None = None) -> Manifest:
    """Write a profile of ``items`` items into ``directory`` (replacing it).

    A child process builds the items while this one writes them (the two
    costs overlap on two cores); the timings keep them apart: ``upsert_s`` is
    the time spent in ``store.write()`` + ``upsert_items``, the store's cost.
    """
    t_start = time.perf_counter()
    tmp = directory.with_name(directory.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    manifest = Manifest(items=items, seed=seed, schema_key=schema_key(),
                        generator_version=GENERATOR_VERSION,
                        created=datetime.now(UTC).isoformat(timespec="seconds"))
    methods = multiprocessing.get_all_start_methods()
    ctx: Any = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    queue = ctx.Queue(maxsize=3)
    producer = ctx.Process(target=_produce, args=(items, seed, queue), daemon=True)
    producer.start()
    store = Store.open(tmp / DB_NAME)
    with store.write() as conn:
        for name, type_, config in SOURCES:
            add_source(conn, name, type_, config)
    upsert_s = upsert_cpu_s = 0.0
    done = 0
    n_batches = (items + BATCH_SIZE - 1) // BATCH_SIZE
    profiled_batch = n_batches // 2  # a batch in the middle, when the indexes are big
    try:
        for b in range(n_batches):
            batch: list[Item] = _next_message(queue, producer)
            t1, c1 = time.perf_counter(), time.process_time()
            prof = cProfile.Profile() if b == profiled_batch else None
            if prof is not None:
                prof.enable()
            with store.write() as conn:
                upsert_items(conn, batch)
            if prof is not None:
                prof.disable()
                manifest.upsert_profile = _profile_rows(prof)
            upsert_s += time.perf_counter() - t1
            upsert_cpu_s += time.process_time() - c1
            done += len(batch)
            if progress is not None:
                progress(done)
        stats: _Stats = _next_message(queue, producer)
    finally:
        t_close = time.perf_counter()
        store.close()
        manifest.close_s = time.perf_counter() - t_close
        producer.join(timeout=10)
        if producer.is_alive():
            producer.terminate()
    manifest.build_items_s = stats.build_s
    manifest.build_items_cpu_s = stats.build_cpu_s
    manifest.upsert_s = upsert_s
    manifest.upsert_cpu_s = upsert_cpu_s
    manifest.kinds = stats.kinds
    manifest.unread, manifest.starred, manifest.tagged = stats.unread, stats.starred, stats.tagged
    manifest.markers = stats.markers
    manifest.common_words = stats.word_df.most_common(20)
    target = max(1, items // 100)
    manifest.medium_word = min(stats.word_df.items(),
                               key=lambda kv: (abs(kv[1] - target), kv[0]))
    manifest.top_senders = stats.mail_senders[:5]
    manifest.generation_s = time.perf_counter() - t_start
    (tmp / MANIFEST).write_text(json.dumps(manifest.to_json(), indent=2), encoding="utf-8")
    if directory.exists():
        shutil.rmtree(directory)
    os.replace(tmp, directory)
    return manifest


def ensure_profile(
    cache_dir: Path, items: int, seed: int = DEFAULT_SEED, *, regenerate: bool = False,
    log: TextIO | None = None,
) -> tuple[Path, Manifest, bool]:
    """The cached profile for ``(items, seed, schema)``, generated if missing.

    Returns ``(directory, manifest, reused)``.
    """
    log = log or sys.stderr
    directory = profile_dir(cache_dir, items, seed)
    manifest = None if regenerate else load_manifest(directory)
    if manifest is not None:
        log.write(f"reusing cached profile {directory}\n")
        return directory, manifest, True
    log.write(f"generating a profile of {items:,} items (seed {seed}) in {directory}\n")
    bar = Progress(items, log)
    manifest = generate(directory, items, seed, progress=bar.update)
    log.write(f"generated in {_mmss(manifest.generation_s)} (store upserts "
              f"{manifest.upsert_s:.0f} s, {manifest.upsert_cpu_s:.0f} s CPU; building items "
              f"{manifest.build_items_s:.0f} s in a child process)\n")
    return directory, manifest, False

