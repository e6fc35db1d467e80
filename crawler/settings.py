"""Scrapy settings for the ``recovery`` spider: polite by default.

``scamscan crawl`` overrides a few of these from its options; ``scrapy crawl``
reads them as they are.
"""

BOT_NAME = "scamscan"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# An honest User-Agent: who we are and why we are fetching.
USER_AGENT = "scamscan-crawler/0.1 (+trust-and-safety research on recovery-service fraud)"
ROBOTSTXT_OBEY = True

# Politeness: AutoThrottle adapts to each host's latency; per-host concurrency caps it.
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

# Limits: a hostile or broken server must not stall or swamp the crawl.
DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # also caps decompressed bodies (gzip bombs)
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
DEPTH_LIMIT = 10
DEPTH_PRIORITY = 1  # breadth-first: shallow pages of every site first
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
#: A path may appear with at most this many different query strings (calendar traps).
SCAMSCAN_MAX_QUERY_VARIANTS = 30

# Retries with back-off on 5xx and 429, honouring Retry-After (crawler.middlewares).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
SCAMSCAN_RETRY_BACKOFF_BASE = 0.5  # seconds; doubles with each retry
SCAMSCAN_RETRY_BACKOFF_MAX = 60.0  # cap, also for Retry-After
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
}

# Every status reaches the spider's errback or callback: failures are recorded, not lost.
HTTPERROR_ALLOW_ALL = False

# Scrapy's fingerprints, remembered through the store's frontier (crash-safe resume).
DUPEFILTER_CLASS = "crawler.dupefilters.FrontierDupeFilter"

ITEM_PIPELINES = {
    "crawler.pipelines.DedupPipeline": 300,
    "crawler.pipelines.StorePipeline": 800,
}
EXTENSIONS = {
    "crawler.extensions.CrawlProgress": 500,
    "scrapy.extensions.telnet.TelnetConsole": None,
}
#: Near-duplicate detection: MinHash over character 5-grams of the page text.
SCAMSCAN_NEAR_DUP_THRESHOLD = 0.9
SCAMSCAN_NEAR_DUP_PERMUTATIONS = 64
#: Where pages go (SQLAlchemy URL); ``scamscan crawl --store`` overrides it.
SCAMSCAN_STORE = "sqlite:///scamscan.db"

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
