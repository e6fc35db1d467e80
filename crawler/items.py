"""What the spider hands to the pipelines: one fetched, decoded and extracted page."""

import scrapy


class PageItem(scrapy.Item):
    # fetched
    url = scrapy.Field()  # canonical URL: the store's key
    final_url = scrapy.Field()  # after redirects
    host = scrapy.Field()
    status = scrapy.Field()
    fetched_at = scrapy.Field()
    content_type = scrapy.Field()
    encoding = scrapy.Field()
    declared_encoding = scrapy.Field()
    raw_html = scrapy.Field()  # compressed body
    depth = scrapy.Field()
    crawl_id = scrapy.Field()
    # extracted
    title = scrapy.Field()
    text = scrapy.Field()
    main_text = scrapy.Field()
    blocks = scrapy.Field()
    links = scrapy.Field()
    contact_links = scrapy.Field()
    images = scrapy.Field()
    icp = scrapy.Field()
    # set by the dedup pipeline
    content_hash = scrapy.Field()
    near_duplicate_of = scrapy.Field()
    # not stored: the requests the spider makes from this page, for the frontier
    follow = scrapy.Field()
