"""Scale-out: ``kb crawl --redis URL`` makes this process one worker of a crawl shared through Redis.

scrapy-redis does the sharing: one request queue (the frontier) and one dupefilter in Redis, so each URL
is fetched by exactly one worker; the spiders are its ``RedisMixin`` spiders, reading start requests
from the crawl's start-URL queue (``redis_key``) and closing after ``MAX_IDLE_TIME_BEFORE_CLOSE`` idle
seconds. Each worker ingests what it fetched into the one KB (PostgreSQL, ``DATABASE_URL``).

What scrapy-redis leaves open, one module each:

- :mod:`.join`: which crawl a worker joins (spider + targets + key prefix), and whether it is the first,
  the *seeder*;
- :mod:`.seed`: the seeder's start requests go into the crawl's start-URL queue, once (as JSON:
  :mod:`.codec`);
- :mod:`.workers`: every worker says whether it is busy; one stays open while another is busy (it may
  be about to queue links), not only while the queue has work;
- :mod:`.cleanup`: the last worker out of a finished crawl removes its keys;
- :mod:`.addon`: the one switch (the ``KB_REDIS_URL`` setting) that lays all this over the project's
  settings; :mod:`.spider` the mixin the spiders take.
"""
