"""News sources: RSS/Atom/JSON feeds and web pages, fetched safely and saved as seed files.

The entry points, by module (each module's docstring says more):

- `http.Fetcher(allow_private=, timeout=, max_bytes=, max_redirects=, max_concurrency=, per_host=)`:
  `await fetcher.fetch(url, etag=, last_modified=) -> FetchResult` (errors are `FetchError` values);
  `effective_interval(base, ttl_minutes=, max_age=, retry_after=)`.
- `netguard`: `url_refusal(url)`, `address_refusal(ip, allow_private)`, `GuardedBackend`.
- `feeds.parse_feed(data, url, headers, limit=100) -> Feed` (NotAFeed with the reason).
- `discovery.discover_feeds(html, page_url)`, `await discovery.probe_source(fetcher, url) -> SourceProbe`.
- `articles.extract_article(html, url)`, `await articles.fetch_article(fetcher, url, summary=)`.
- `urls.canonical_url(url)`; `identity.identity_key(guid, link, content_hash)`, `identity.content_hash(...)`.
- `seed_files.write_article(seeds_dir, SeedArticle(...))`, `read_front_matter(path)`, `read_article(path)`,
  `remove_expired(seeds_dir, keep_days, now)`.
- `near_duplicates.signature(text)`, `NearDuplicateIndex` (`add`, `query`, `from_signatures`).
- `registry.SourceRegistry(path)`: sources and taken entries in SQLite; OPML import/export (`opml`).
- `round.fetch_round(registry, seeds_dir, now=, ...) -> RoundReport`: one fetch round.
- `following.Following(settings)`: what the bot, the console and the command line call — `add` (probe and
  follow), `remove`, `sources`, `fetch` (a round with the settings, retention included), `build_store`.

The reader of the seed files is `bot.documents` (its `front_matter` module parses what `seed_files`
writes); the store keeps each document's url, outlet and author, and groups near-duplicate stories
(`bot.build.stories`, with `near_duplicates.signature`).
"""
